"""The LSTM family as sequence layers: LSTM with its ablations, PeepholeLSTM, CoupledLSTM (chapters 2-9)."""
from __future__ import annotations

import warnings

import torch
from torch import nn

from .. import validate
from ..cells import LSTM_GATES
from . import clamps, fused
from .base import (TORCH_LSTM_ORDER, Recurrent, _check_init, _check_torch, _reorder, _torch_like_init,
                   _torch_params)
from .readable import Variant, readable_scan


class LSTM(Recurrent):
    """Long short-term memory (Hochreiter & Schmidhuber 1997; forget gate: Gers et al. 2000).

    Equations: see :func:`lstmlib.cells.lstm_cell`. Parameters: ``W`` (4H, H + D) with row
    blocks f, i, C, o (the notes' order; ``W_f, b_f = lstm.gate("f")``), ``b`` (4H,).
    State: ``(h, c)``, each (B, H), as torch.nn.LSTM returns it. ``return_gates=True`` adds a
    dict named with the book's symbols: ``f``, ``i``, ``C_tilde`` (the candidate C̃_t), ``o``
    and ``C_t`` (the cell state), each shaped like output. The row blocks of ``W`` are named
    by the book's weight matrices W_f, W_i, W_C, W_o; torch's letters (i, f, g, o) appear only
    in ``from_torch``/``to_torch``, which translate its order (``TORCH_LSTM_ORDER``).

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

    Speed: a sequence runs as one autograd Function (:mod:`lstmlib.layers.fused`), which computes the
    same numbers as stepping :func:`lstmlib.cells.lstm_step` under autograd (the readable path,
    :func:`lstmlib.layers.readable.readable_scan`); gate recording, clamps,
    sequences under 4 steps and ``with lstmlib.layers.fused.disabled():`` take that readable path.
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

    def as_variant(self) -> Variant:
        """Which LSTM this layer is (its blocks, peepholes and switches), as both paths read it."""
        return Variant(self.blocks, self.peepholes, self.coupled, self.input_activation,
                       self.output_activation)

    def peephole_weights(self) -> dict:
        """This layer's peephole weights by keyword, ``{"p_f": p_f, ...}``, each (H,)."""
        return {f"p_{g}": getattr(self, f"p_{g}") for g in self.peepholes}

    def variant(self) -> dict:
        """Keyword arguments for :func:`lstmlib.cells.lstm_step` describing this layer."""
        return self.as_variant().step_options(**self.peephole_weights())

    def initial_state(self, B):
        return self._zeros(B), self._zeros(B)

    def _check_state(self, state, B):
        return validate.lstm_state(state, B, self.hidden_size, self.W)

    def _check_clamps(self, held):
        clamps.check_layer(held, self.blocks, self.coupled, self.input_activation)

    def _scan(self, x, state, record, fixed=None):
        v, peep = self.as_variant(), self.peephole_weights()
        if fixed is None and not record and fused.supported(x, self.W, *state):   # same numbers, one node
            output, h, C = fused.lstm_scan(x, *state, self.W, self.b, v, **peep)
            return output, (h, C), {}
        output, h, C, gates = readable_scan(v, x, *state, self.W, self.b, **peep, fixed=fixed, record=record)
        return output, (h, C), gates                        # output: (T, B, H)

    @classmethod
    def from_torch(cls, m: nn.LSTM, layer: int | None = None, reverse: bool | None = None, **kwargs) -> "LSTM":
        """Copy one layer of a ``torch.nn.LSTM`` (no projection): by default its only layer;
        ``layer=k`` and ``reverse=True`` pick layer k of a stack and its backward direction
        (torch's ``weight_ih_l{k}_reverse``; chapter 11). :class:`lstmlib.layers.stacks.Stack` copies all.

        torch stacks its gates as i, f, g, o with two biases; ours are f, i, C, o with one.
        """
        _check_torch(m, nn.LSTM, layer, reverse)
        if m.proj_size:
            raise ValueError(f"expected an nn.LSTM without projection, got proj_size={m.proj_size}")
        W_ih, W_hh, b_ih, b_hh = _torch_params(m, layer or 0, bool(reverse))
        out = cls(W_ih.shape[1], m.hidden_size, m.batch_first, dtype=W_ih.dtype,
                  device=W_ih.device, **kwargs)
        if out.blocks != LSTM_GATES:
            raise ValueError(f"from_torch needs all four gates in W, but this layer has {out.blocks}")
        W = torch.cat([W_hh, W_ih], dim=1)
        with torch.no_grad():
            out.W.copy_(_reorder(W, TORCH_LSTM_ORDER, LSTM_GATES))
            out.b.copy_(_reorder(b_ih + b_hh, TORCH_LSTM_ORDER, LSTM_GATES))
            for g in out.peepholes:
                getattr(out, f"p_{g}").zero_()
        return out

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
