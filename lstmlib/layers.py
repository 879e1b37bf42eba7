"""Sequence layers: RNN, LSTM (with its variants) and GRU, as ``torch.nn.Module``.

Each layer runs its cell from ``lstmlib.cells`` over time. The interface, common to all:

    layer = LSTM(input_size, hidden_size, batch_first=False)
    output, state = layer(x, state=None)                   # x: (T, B, D), output: (T, B, H)
    output, state, gates = layer(x, return_gates=True)     # gates[name]: (T, B, H)

``state`` is ``(h, c)`` for the LSTM family and ``h`` for RNN and GRU, each of shape (B, H).
This differs from ``torch.nn.LSTM``, whose states have a leading ``num_layers`` axis,
(num_layers, B, H): lstmlib layers are single-layer, so that axis is dropped.

Parameters use the book's names. ``W`` stacks one matrix per gate acting on [h_{t-1}, x_t]
(columns: the H columns for h_{t-1} first, then the D columns for x_t); ``b`` is one bias per
gate. ``torch.nn`` layers keep two biases (``bias_ih`` + ``bias_hh``); ``from_torch`` adds them.
"""
from __future__ import annotations

import math
import warnings

import torch
from torch import nn

from . import fused, interventions, validate
from .cells import GRU_GATES, LSTM_GATES, gru_step, lstm_step, rnn_step

INITS = ("course", "torch")
# Row-block order of torch.nn's stacked weights, and where each of our blocks sits there.
TORCH_LSTM_ORDER = ("i", "f", "C", "o")
TORCH_GRU_ORDER = ("r", "z", "n")


class _Recurrent(nn.Module):
    """What the layers share: sizes, input checks, the time loop's bookkeeping."""

    gate_names: tuple[str, ...] = ()

    def __init__(self, input_size, hidden_size, batch_first=False, dtype=None, device=None):
        super().__init__()
        self.input_size = validate.positive_int("input_size", input_size)
        self.hidden_size = validate.positive_int("hidden_size", hidden_size)
        if not isinstance(batch_first, bool):
            raise TypeError(f"expected batch_first to be a bool, got {type(batch_first).__name__}")
        self.batch_first = batch_first
        self._factory = {"dtype": dtype, "device": device}

    def _param(self, *shape):
        return nn.Parameter(torch.empty(*shape, **self._factory))

    def gate(self, name: str):
        """The block of ``W`` and ``b`` that belongs to one gate, e.g. ``W_f, b_f = lstm.gate("f")``.

        Views, not copies: editing them under ``torch.no_grad()`` edits the layer.
        """
        blocks = self.blocks
        if name not in blocks:
            raise ValueError(f"unknown gate {name!r}: this layer's W holds {blocks}")
        k, H = blocks.index(name), self.hidden_size
        return self.W[k * H:(k + 1) * H], self.b[k * H:(k + 1) * H]

    @property
    def blocks(self) -> tuple[str, ...]:
        """Names of the row blocks of ``W``, in order."""
        return self.gate_names

    def forward(self, x, state=None, return_gates=False, clamp=None):
        """Run the layer over a sequence.

        Args:
            x: (T, B, D), or (B, T, D) if ``batch_first``.
            state: initial state, see the class docstring; zeros if None.
            return_gates: also return a dict of per-step gate activations, each shaped like output.
            clamp: LSTM family only: an intervention, one :class:`lstmlib.interventions.Clamp`
                or a list of them, that holds a gate at a fixed value for chosen units and
                steps (chapters 3-5). The sequence then runs on the readable path.

        Returns:
            ``(output, state)`` or ``(output, state, gates)``. output: (T, B, H) or (B, T, H).
        """
        validate.sequence(x, self.input_size, self.batch_first, like=self.W)
        clamps = interventions.as_list(clamp)
        if self.batch_first:
            x = x.transpose(0, 1)                           # (T, B, D)
        T, B = x.shape[0], x.shape[1]
        state = self.initial_state(B) if state is None else self._check_state(state, B)
        extra = {}
        if clamps:
            self._check_clamps(clamps)
            extra["fixed"] = interventions.per_step(clamps, T, B, self.hidden_size, self.batch_first, self.W)
        output, state, gates = self._scan(x, state, bool(return_gates), **extra)   # (T, B, H)
        if self.batch_first:
            output = output.transpose(0, 1)
            gates = {k: v.transpose(0, 1) for k, v in gates.items()}
        return (output, state, gates) if return_gates else (output, state)

    def _check_clamps(self, clamps):
        raise ValueError(f"clamp (an intervention on a gate) applies to the LSTM family, not to "
                         f"{type(self).__name__}")

    def _zeros(self, B):
        return torch.zeros(B, self.hidden_size, dtype=self.W.dtype, device=self.W.device)

    def extra_repr(self):
        s = f"{self.input_size}, {self.hidden_size}"
        return s + (", batch_first=True" if self.batch_first else "")


def _check_init(init, forget_bias=None):
    if init not in INITS:
        raise ValueError(f"unknown init {init!r}: expected one of {INITS}")
    if init == "torch" and forget_bias is not None:
        raise ValueError("forget_bias applies to init='course'; init='torch' reproduces torch.nn's "
                         "initialisation, which has no forget-gate bias")


def _torch_like_init(module):
    """torch.nn's initialisation: every weight U(-k, k), k = 1/sqrt(H); torch's two biases
    b_ih + b_hh are each U(-k, k), so our single b is their sum."""
    k = 1 / math.sqrt(module.hidden_size)
    with torch.no_grad():
        for p in module.parameters():
            p.uniform_(-k, k)
        module.b.add_(torch.empty_like(module.b).uniform_(-k, k))


# --------------------------------------------------------------------------------------------
class RNN(_Recurrent):
    """A tanh RNN: h_t = tanh(W·[h_{t-1}, x_t] + b)  (chapter 1, the notes' figure 1).

    Parameters: ``W`` (H, H + D), ``b`` (H,). State: ``h`` of shape (B, H).
    ``init``: "course" (weights U(-1/√H, 1/√H), zero bias) or "torch" (torch.nn.RNN's).
    """

    gate_names = ("h",)

    def __init__(self, input_size, hidden_size, batch_first=False, *, init="course", dtype=None, device=None):
        super().__init__(input_size, hidden_size, batch_first, dtype, device)
        H, D = self.hidden_size, self.input_size
        self.W = self._param(H, H + D)
        self.b = self._param(H)
        self.reset_parameters(init)

    def reset_parameters(self, init="course"):
        _check_init(init)
        _torch_like_init(self)
        if init == "course":
            with torch.no_grad():
                self.b.zero_()

    def initial_state(self, B):
        return self._zeros(B)

    def _check_state(self, state, B):
        return validate.single_state(state, B, self.hidden_size, self.W, "RNN")

    def _scan(self, x, h, record):
        H = self.hidden_size
        W_h, W_x = self.W[:, :H], self.W[:, H:]             # (H, H), (H, D)
        a_x = x @ W_x.T + self.b                            # (T, B, H): x part, all steps at once
        hs = []
        for a_x_t in a_x.unbind(0):
            h = rnn_step(a_x_t + h @ W_h.T)                 # h_t = tanh(W·[h_{t-1}, x_t] + b)
            hs.append(h)
        output = torch.stack(hs)                            # (T, B, H)
        return output, h, ({"h": output} if record else {})

    @classmethod
    def from_torch(cls, m: nn.RNN) -> "RNN":
        """Copy a single-layer, unidirectional ``torch.nn.RNN`` with tanh nonlinearity."""
        _check_torch(m, nn.RNN)
        if m.nonlinearity != "tanh":
            raise ValueError(f"expected an nn.RNN with nonlinearity='tanh', got {m.nonlinearity!r}")
        W_ih, W_hh, b_ih, b_hh = _torch_params(m)
        layer = cls(m.input_size, m.hidden_size, m.batch_first, dtype=W_ih.dtype, device=W_ih.device)
        with torch.no_grad():
            layer.W.copy_(torch.cat([W_hh, W_ih], dim=1))
            layer.b.copy_(b_ih + b_hh)
        return layer

    def to_torch(self) -> nn.RNN:
        """An ``nn.RNN`` computing the same function (bias_ih = b, bias_hh = 0)."""
        H = self.hidden_size
        m = nn.RNN(self.input_size, H, batch_first=self.batch_first, dtype=self.W.dtype, device=self.W.device)
        with torch.no_grad():
            m.weight_hh_l0.copy_(self.W[:, :H])
            m.weight_ih_l0.copy_(self.W[:, H:])
            m.bias_ih_l0.copy_(self.b)
            m.bias_hh_l0.zero_()
        return m


# --------------------------------------------------------------------------------------------
class LSTM(_Recurrent):
    """Long short-term memory (Hochreiter & Schmidhuber 1997; forget gate: Gers et al. 2000).

    Equations: see :func:`lstmlib.cells.lstm_cell`. Parameters: ``W`` (4H, H + D) with row
    blocks f, i, C, o (the notes' order; ``W_f, b_f = lstm.gate("f")``), ``b`` (4H,).
    State: ``(h, c)``, each (B, H). ``return_gates=True`` adds a dict with ``f``, ``i``,
    ``g`` (the candidate C̃_t), ``o`` and ``c`` (the cell state C_t), each shaped like output.

    Initialisation (``init``):
        "course" (default): weights U(-1/√H, 1/√H), biases 0 except the forget gate's,
            which is ``forget_bias`` (default 1; Gers et al. 2000, Jozefowicz et al. 2015).
            A positive forget bias keeps f_t near 1 at the start, so memory is open.
        "torch": the same distribution as ``torch.nn.LSTM`` (all weights and both biases
            U(-k, k)), which has no forget-gate bias.

    Ablations for the variants chapter (Greff et al. 2017), all off by default:
        forget_gate=False (NFG: f_t = 1, the 1997 LSTM), input_gate=False (NIG: i_t = 1),
        output_gate=False (NOG: o_t = 1), input_activation=False (NIAF: C̃_t without tanh),
        output_activation=False (NOAF: h_t = o_t ⊙ C_t).

    A removed gate has no rows in ``W``.

    Variants: ``peepholes`` (a subset of "f", "i", "o"; see :class:`PeepholeLSTM`) and
    ``coupled`` (i_t = 1 − f_t; see :class:`CoupledLSTM`).

    Speed: a sequence runs as one autograd Function (:mod:`lstmlib.fused`), which computes the
    same numbers as stepping :func:`lstmlib.cells.lstm_step` under autograd; gate recording,
    sequences under 4 steps and ``with lstmlib.fused.disabled():`` take that readable path.
    """

    def __init__(self, input_size, hidden_size, batch_first=False, *, init="course", forget_bias=None,
                 forget_gate=True, input_gate=True, output_gate=True, input_activation=True,
                 output_activation=True, peepholes=(), coupled=False, dtype=None, device=None):
        super().__init__(input_size, hidden_size, batch_first, dtype, device)
        switches = dict(forget_gate=forget_gate, input_gate=input_gate, output_gate=output_gate,
                        input_activation=input_activation, output_activation=output_activation,
                        coupled=coupled)
        for name, value in switches.items():
            if not isinstance(value, bool):
                raise TypeError(f"expected {name} to be a bool, got {type(value).__name__} {value!r}")
        if coupled and not forget_gate:
            raise ValueError("coupled=True sets i_t = 1 − f_t, so it needs the forget gate (forget_gate=True)")
        if coupled and not input_gate:
            raise ValueError("coupled=True already replaces the input gate by 1 − f_t; do not also set input_gate=False")
        self.peepholes = validate.gate_subset("peephole", peepholes, ("f", "i", "o"))
        if coupled and "i" in self.peepholes:
            raise ValueError("coupled=True has no separate input gate, so it cannot have an 'i' peephole")
        for gate, present in (("f", forget_gate), ("o", output_gate)):
            if gate in self.peepholes and not present:
                raise ValueError(f"peephole {gate!r} needs that gate, which this LSTM removes")
        if not input_gate and "i" in self.peepholes:
            raise ValueError("peephole 'i' needs the input gate, which this LSTM removes")
        self.forget_gate, self.input_gate, self.output_gate = forget_gate, input_gate, output_gate
        self.input_activation, self.output_activation, self.coupled = input_activation, output_activation, coupled
        H, D = self.hidden_size, self.input_size
        self.W = self._param(len(self.blocks) * H, H + D)     # (nH, H + D)
        self.b = self._param(len(self.blocks) * H)            # (nH,)
        for g in self.peepholes:
            setattr(self, f"p_{g}", self._param(H))            # diagonal peephole weights, (H,)
        self.reset_parameters(init, forget_bias)

    @property
    def blocks(self):
        keep = {"f": self.forget_gate, "i": self.input_gate and not self.coupled,
                "C": True, "o": self.output_gate}
        return tuple(g for g in LSTM_GATES if keep[g])

    def reset_parameters(self, init="course", forget_bias=None):
        """Re-initialise every parameter (see the class docstring for ``init``)."""
        _check_init(init, forget_bias)
        _torch_like_init(self)
        if init == "course":
            with torch.no_grad():
                self.b.zero_()
                if "f" in self.blocks:
                    self.gate("f")[1].fill_(1.0 if forget_bias is None else float(forget_bias))

    def variant(self) -> dict:
        """Keyword arguments for :func:`lstmlib.cells.lstm_step` describing this layer."""
        return dict(gates=self.blocks, coupled=self.coupled, input_activation=self.input_activation,
                    output_activation=self.output_activation,
                    **{f"p_{g}": getattr(self, f"p_{g}") for g in self.peepholes})

    def initial_state(self, B):
        return self._zeros(B), self._zeros(B)

    def _check_state(self, state, B):
        return validate.lstm_state(state, B, self.hidden_size, self.W)

    def _check_clamps(self, clamps):
        interventions.check_layer(clamps, self.blocks, self.coupled, self.input_activation)

    def _scan(self, x, state, record, fixed=None):
        if fixed is None and not record and fused.supported(x, self.W, *state):   # same numbers, one node
            v = fused.Variant(self.blocks, self.peepholes, self.coupled, self.input_activation,
                              self.output_activation)
            peep = {f"p_{g}": getattr(self, f"p_{g}") for g in self.peepholes}
            output, h, C = fused.lstm_scan(x, *state, self.W, self.b, v, **peep)
            return output, (h, C), {}
        H = self.hidden_size
        W_h, W_x = self.W[:, :H], self.W[:, H:]             # (nH, H), (nH, D)
        a_x = x @ W_x.T + self.b                            # (T, B, nH): x part, all steps at once
        h, C = state
        variant = self.variant()
        hs, rec = [], []
        for t, a_x_t in enumerate(a_x.unbind(0)):
            fix_t = fixed[t] if fixed is not None else None
            h, C, g = lstm_step(a_x_t + h @ W_h.T, C, **variant, fixed=fix_t)
            hs.append(h)
            if record:
                rec.append(g + (C,))
        output = torch.stack(hs)                            # (T, B, H)
        gates = {k: torch.stack(v) for k, v in zip("figoc", zip(*rec))} if record else {}
        return output, (h, C), gates

    @classmethod
    def from_torch(cls, m: nn.LSTM, **kwargs) -> "LSTM":
        """Copy a single-layer, unidirectional ``torch.nn.LSTM`` (no projection).

        torch stacks its gates as i, f, g, o with two biases; ours are f, i, C, o with one.
        """
        _check_torch(m, nn.LSTM)
        if m.proj_size:
            raise ValueError(f"expected an nn.LSTM without projection, got proj_size={m.proj_size}")
        layer = cls(m.input_size, m.hidden_size, m.batch_first, dtype=m.weight_ih_l0.dtype,
                    device=m.weight_ih_l0.device, **kwargs)
        if layer.blocks != LSTM_GATES:
            raise ValueError(f"from_torch needs all four gates in W, but this layer has {layer.blocks}")
        W_ih, W_hh, b_ih, b_hh = _torch_params(m)
        W = torch.cat([W_hh, W_ih], dim=1)
        with torch.no_grad():
            layer.W.copy_(_reorder(W, TORCH_LSTM_ORDER, LSTM_GATES))
            layer.b.copy_(_reorder(b_ih + b_hh, TORCH_LSTM_ORDER, LSTM_GATES))
            for g in layer.peepholes:
                getattr(layer, f"p_{g}").zero_()
        return layer

    def to_torch(self) -> nn.LSTM:
        """An ``nn.LSTM`` carrying this layer's W and b (bias_ih = b, bias_hh = 0).

        Peephole weights have no place in ``nn.LSTM``: they are dropped, with a warning if any
        is non-zero. Coupled and ablated layers have no ``nn.LSTM`` equivalent (ValueError).
        """
        if self.blocks != LSTM_GATES or not (self.input_activation and self.output_activation):
            raise ValueError(f"{type(self).__name__} with gates {self.blocks}, coupled={self.coupled}, "
                             f"input_activation={self.input_activation}, output_activation="
                             f"{self.output_activation} has no torch.nn.LSTM equivalent")
        nonzero = [g for g in self.peepholes if getattr(self, f"p_{g}").detach().abs().max() > 0]
        if nonzero:
            warnings.warn(f"to_torch drops the peephole weights {['p_' + g for g in nonzero]}: "
                          f"nn.LSTM has none, so the result computes a different function", stacklevel=2)
        H = self.hidden_size
        m = nn.LSTM(self.input_size, H, batch_first=self.batch_first, dtype=self.W.dtype, device=self.W.device)
        W = _reorder(self.W.detach(), LSTM_GATES, TORCH_LSTM_ORDER)
        with torch.no_grad():
            m.weight_hh_l0.copy_(W[:, :H])
            m.weight_ih_l0.copy_(W[:, H:])
            m.bias_ih_l0.copy_(_reorder(self.b.detach(), LSTM_GATES, TORCH_LSTM_ORDER))
            m.bias_hh_l0.zero_()
        return m

    def extra_repr(self):
        s = super().extra_repr()
        if self.peepholes:
            s += f", peepholes={self.peepholes}"
        if self.coupled:
            s += ", coupled=True"
        for name in ("forget_gate", "input_gate", "output_gate", "input_activation", "output_activation"):
            if not getattr(self, name):
                s += f", {name}=False"
        return s


class PeepholeLSTM(LSTM):
    """LSTM whose gates also look at the cell state (Gers & Schmidhuber 2000), chapter 6.

        f_t = σ(W_f·[h_{t-1}, x_t] + p_f ⊙ C_{t-1} + b_f)
        i_t = σ(W_i·[h_{t-1}, x_t] + p_i ⊙ C_{t-1} + b_i)
        o_t = σ(W_o·[h_{t-1}, x_t] + p_o ⊙ C_t + b_o)

    The peephole weights ``p_f``, ``p_i``, ``p_o`` are vectors (H,): each gate unit sees only
    its own cell. ``peepholes`` picks any subset of ("f", "i", "o"), as the notes allow.
    Other keyword arguments as for :class:`LSTM`.
    """

    def __init__(self, input_size, hidden_size, batch_first=False, peepholes=("f", "i", "o"), **kwargs):
        super().__init__(input_size, hidden_size, batch_first, peepholes=peepholes, **kwargs)


class CoupledLSTM(LSTM):
    """LSTM with coupled forget and input gates, i_t = 1 − f_t (chapter 7; Greff et al.'s CIFG).

        C_t = f_t ⊙ C_{t-1} + (1 − f_t) ⊙ C̃_t

    ``W`` has three row blocks: f, C, o. Other keyword arguments as for :class:`LSTM`.
    """

    def __init__(self, input_size, hidden_size, batch_first=False, **kwargs):
        super().__init__(input_size, hidden_size, batch_first, coupled=True, **kwargs)


# --------------------------------------------------------------------------------------------
class GRU(_Recurrent):
    """Gated recurrent unit (Cho et al. 2014) in ``torch.nn.GRU``'s convention, chapter 8.

    Equations: see :func:`lstmlib.cells.gru_cell` (note: z_t there weights h_{t-1}, the
    opposite of the notes' figure). Parameters: ``W`` (3H, H + D) with row blocks z, r, n;
    ``b`` (3H,); ``b_hn`` (H,), the bias inside r_t ⊙ (W_nh·h_{t-1} + b_hn). State: ``h``
    (B, H). ``return_gates=True`` adds ``r``, ``z``, ``n``.
    ``init``: "course" (weights U(-1/√H, 1/√H), zero biases) or "torch".
    """

    gate_names = GRU_GATES

    def __init__(self, input_size, hidden_size, batch_first=False, *, init="course", dtype=None, device=None):
        super().__init__(input_size, hidden_size, batch_first, dtype, device)
        H, D = self.hidden_size, self.input_size
        self.W = self._param(3 * H, H + D)
        self.b = self._param(3 * H)
        self.b_hn = self._param(H)
        self.reset_parameters(init)

    def reset_parameters(self, init="course"):
        _check_init(init)
        _torch_like_init(self)
        H = self.hidden_size
        with torch.no_grad():
            if init == "course":
                self.b.zero_()
                self.b_hn.zero_()
            else:   # torch's b_n is b_in alone: undo the second uniform added to that block
                self.b[2 * H:].uniform_(-1 / math.sqrt(H), 1 / math.sqrt(H))

    def initial_state(self, B):
        return self._zeros(B)

    def _check_state(self, state, B):
        return validate.single_state(state, B, self.hidden_size, self.W, "GRU")

    def _scan(self, x, h, record):
        H = self.hidden_size
        W_h, W_x = self.W[:, :H], self.W[:, H:]             # (3H, H), (3H, D)
        a_x = x @ W_x.T + self.b                            # (T, B, 3H): x part, all steps at once
        hs, rec = [], []
        for a_x_t in a_x.unbind(0):
            h, g = gru_step(a_x_t, h @ W_h.T, h, self.b_hn)
            hs.append(h)
            if record:
                rec.append(g)
        output = torch.stack(hs)                            # (T, B, H)
        gates = {k: torch.stack(v) for k, v in zip("zrn", zip(*rec))} if record else {}
        return output, h, gates

    @classmethod
    def from_torch(cls, m: nn.GRU) -> "GRU":
        """Copy a single-layer, unidirectional ``torch.nn.GRU`` (torch's block order: r, z, n)."""
        _check_torch(m, nn.GRU)
        W_ih, W_hh, b_ih, b_hh = _torch_params(m)
        H = m.hidden_size
        layer = cls(m.input_size, H, m.batch_first, dtype=W_ih.dtype, device=W_ih.device)
        b = torch.cat([b_ih[:2 * H] + b_hh[:2 * H], b_ih[2 * H:]])     # r, z summed; n from b_in
        with torch.no_grad():
            layer.W.copy_(_reorder(torch.cat([W_hh, W_ih], dim=1), TORCH_GRU_ORDER, GRU_GATES))
            layer.b.copy_(_reorder(b, TORCH_GRU_ORDER, GRU_GATES))
            layer.b_hn.copy_(b_hh[2 * H:])
        return layer

    def to_torch(self) -> nn.GRU:
        """An ``nn.GRU`` computing the same function."""
        H = self.hidden_size
        m = nn.GRU(self.input_size, H, batch_first=self.batch_first, dtype=self.W.dtype, device=self.W.device)
        W = _reorder(self.W.detach(), GRU_GATES, TORCH_GRU_ORDER)
        with torch.no_grad():
            m.weight_hh_l0.copy_(W[:, :H])
            m.weight_ih_l0.copy_(W[:, H:])
            m.bias_ih_l0.copy_(_reorder(self.b.detach(), GRU_GATES, TORCH_GRU_ORDER))
            m.bias_hh_l0.zero_()
            m.bias_hh_l0[2 * H:].copy_(self.b_hn)
        return m


# --------------------------------------------------------------------------------------------
def _check_torch(m, kind):
    if not isinstance(m, kind):
        raise TypeError(f"expected a torch.nn.{kind.__name__}, got {type(m).__name__}")
    if m.num_layers != 1 or m.bidirectional:
        raise ValueError(f"expected a single-layer unidirectional nn.{kind.__name__}, got "
                         f"num_layers={m.num_layers}, bidirectional={m.bidirectional}")


def _torch_params(m):
    """(weight_ih, weight_hh, bias_ih, bias_hh) of layer 0, zeros for a bias=False module."""
    W_ih, W_hh = m.weight_ih_l0.detach(), m.weight_hh_l0.detach()
    zeros = torch.zeros(W_ih.shape[0], dtype=W_ih.dtype, device=W_ih.device)
    b_ih = m.bias_ih_l0.detach() if m.bias else zeros
    b_hh = m.bias_hh_l0.detach() if m.bias else zeros
    return W_ih, W_hh, b_ih, b_hh


def _reorder(t, src, dst):
    """Reorder the row blocks of a stacked weight or bias from order ``src`` to ``dst``."""
    blocks = dict(zip(src, t.chunk(len(src), dim=0)))
    return torch.cat([blocks[name] for name in dst], dim=0)
