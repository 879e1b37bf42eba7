"""What the sequence layers share: sizes, input and state checks, the forward pass's bookkeeping,
initialisation, and the conversions to and from ``torch.nn``'s stacked weights.
"""
from __future__ import annotations

import math

import torch
from torch import nn

from .. import validate
from . import clamps

INITS = ("course", "torch")
# Row-block order of torch.nn's stacked weights, and where each of our blocks sits there.
TORCH_LSTM_ORDER = ("i", "f", "C", "o")
TORCH_GRU_ORDER = ("r", "z", "n")


class Recurrent(nn.Module):
    """What the sequence layers share (RNN, the LSTM family, GRU): sizes, input checks, the time
    loop's bookkeeping. ``isinstance(layer, Recurrent)`` asks whether a module is an lstmlib layer."""

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
            clamp: LSTM family only: an intervention, one :class:`lstmlib.layers.clamps.Clamp`
                or a list of them, that holds a gate at a fixed value for chosen units and
                steps (chapters 3-5). The sequence then runs on the readable path.

        Returns:
            ``(output, state)`` or ``(output, state, gates)``. output: (T, B, H) or (B, T, H).
        """
        validate.sequence(x, self.input_size, self.batch_first, like=self.W)
        held = clamps.as_list(clamp)
        if self.batch_first:
            x = x.transpose(0, 1)                           # (T, B, D)
        T, B = x.shape[0], x.shape[1]
        if state is not None:
            validate.batch_axis(state, T, B, self.batch_first)
        state = self.initial_state(B) if state is None else self._check_state(state, B)
        extra = {}
        if held:
            self._check_clamps(held)
            extra["fixed"] = clamps.per_step(held, T, B, self.hidden_size, self.batch_first, self.W)
        output, state, gates = self._scan(x, state, bool(return_gates), **extra)   # (T, B, H)
        if self.batch_first:
            output = output.transpose(0, 1)
            gates = {k: v.transpose(0, 1) for k, v in gates.items()}
        return (output, state, gates) if return_gates else (output, state)

    def _check_clamps(self, held):
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


def _check_torch(m, kind, layer=None, reverse=None):
    """Check that ``m`` is a ``torch.nn`` layer of ``kind`` holding layer ``layer`` (and its
    reverse direction if ``reverse``); without either, that it is single-layer, unidirectional."""
    if not isinstance(m, kind):
        raise TypeError(f"expected a torch.nn.{kind.__name__}, got {type(m).__name__}")
    if layer is None and reverse is None:
        if m.num_layers != 1 or m.bidirectional:
            raise ValueError(f"expected a single-layer unidirectional nn.{kind.__name__}, got "
                             f"num_layers={m.num_layers}, bidirectional={m.bidirectional}; copy one of "
                             f"its layers with layer= and reverse=, or all with lstmlib.layers.Stack")
        return
    layer = 0 if layer is None else layer
    if isinstance(layer, bool) or not isinstance(layer, int) or not 0 <= layer < m.num_layers:
        raise ValueError(f"expected layer to be an int in [0, {m.num_layers}) (num_layers), got {layer!r}")
    if reverse and not m.bidirectional:
        raise ValueError(f"reverse=True needs a bidirectional nn.{kind.__name__}, got bidirectional=False")


def _torch_params(m, layer=0, reverse=False):
    """(weight_ih, weight_hh, bias_ih, bias_hh) of one layer and direction (torch's suffix
    ``_l{layer}`` or ``_l{layer}_reverse``), zeros for a bias=False module."""
    suffix = f"_l{layer}" + ("_reverse" if reverse else "")
    W_ih, W_hh = getattr(m, "weight_ih" + suffix).detach(), getattr(m, "weight_hh" + suffix).detach()
    zeros = torch.zeros(W_ih.shape[0], dtype=W_ih.dtype, device=W_ih.device)
    b_ih = getattr(m, "bias_ih" + suffix).detach() if m.bias else zeros
    b_hh = getattr(m, "bias_hh" + suffix).detach() if m.bias else zeros
    return W_ih, W_hh, b_ih, b_hh


def _reorder(t, src, dst):
    """Reorder the row blocks of a stacked weight or bias from order ``src`` to ``dst``."""
    blocks = dict(zip(src, t.chunk(len(src), dim=0)))
    return torch.cat([blocks[name] for name in dst], dim=0)
