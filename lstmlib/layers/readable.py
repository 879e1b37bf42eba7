"""The LSTM layer's readable path: :func:`lstmlib.cells.lstm_step` over time under autograd (chapters 2-7).

Two things every path of :class:`lstmlib.LSTM` shares, written once here:

    Variant        which LSTM: the row blocks of W, the peepholes, the switches of lstm_step
    readable_scan  the loop over time, one lstm_step per step, the x_t part computed for all t at once

The layer runs :func:`readable_scan` when it records gates, holds a gate with a clamp, or cannot
use the fast path (:mod:`lstmlib.layers.fused`); the fast path runs it again for second derivatives.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch

from ..cells import LSTM_GATES, lstm_step

RECORDED = ("f", "i", "C_tilde", "o", "C_t")     # return_gates' names: f_t, i_t, C̃_t, o_t, C_t


@dataclass(frozen=True)
class Variant:
    """Which LSTM: the row blocks of ``W`` (a subset of f, i, C, o, in that order), the
    peepholes, and the switches of :func:`lstmlib.cells.lstm_step`."""
    blocks: tuple = LSTM_GATES
    peepholes: tuple = ()
    coupled: bool = False
    input_activation: bool = True
    output_activation: bool = True

    @property
    def late_o(self) -> bool:
        """The output gate reads the new C_t through a peephole, so it waits for C_t."""
        return "o" in self.peepholes

    def forward_order(self) -> tuple:
        """Row order of the fast path's forward loop: the gates computed before C_t, then C, then
        an output gate with a peephole. One tanh then covers one contiguous run of rows."""
        early = tuple(g for g in ("f", "i", "o") if g in self.blocks and not (g == "o" and self.late_o))
        return early + ("C",) + (("o",) if self.late_o else ())

    def step_options(self, **peepholes) -> dict:
        """Keyword arguments for :func:`lstmlib.cells.lstm_step`: this variant, with the peephole
        weights ``peepholes`` (``p_f=``, ``p_i=``, ``p_o=``, each (H,))."""
        return dict(gates=self.blocks, coupled=self.coupled, input_activation=self.input_activation,
                    output_activation=self.output_activation, **peepholes)


def readable_scan(v: Variant, x, h0, C0, W, b, p_f=None, p_i=None, p_o=None, fixed=None, record=False):
    """Run the LSTM ``v`` over x (T, B, D) from (h0, C0), each (B, H), one :func:`lstm_step` a step.

    a_t = W·[h_{t-1}, x_t] + b = (W_x·x_t + b) + W_h·h_{t-1}: the first part for all t at once.
    ``fixed``: one dict per step of gates held by a clamp (:func:`lstmlib.layers.clamps.per_step`).
    Returns ``(output, h_T, C_T, gates)``: output (T, B, H); gates maps f, i, g (C̃_t), o and c
    (C_t) to (T, B, H) when ``record``, else is empty.
    """
    H = h0.shape[1]
    W_h, W_x = W[:, :H], W[:, H:]                       # (nH, H), (nH, D)
    a_x = x @ W_x.T + b                                 # (T, B, nH): x part, all steps at once
    options = v.step_options(p_f=p_f, p_i=p_i, p_o=p_o)
    h, C = h0, C0                                       # h_{t-1}, C_{t-1}: (B, H) each
    hs, rec = [], []
    for t, a_x_t in enumerate(a_x.unbind(0)):
        fixed_t = fixed[t] if fixed is not None else None
        h, C, g = lstm_step(a_x_t + h @ W_h.T, C, **options, fixed=fixed_t)
        hs.append(h)
        if record:
            rec.append(g + (C,))
    output = torch.stack(hs)                            # (T, B, H)
    gates = {k: torch.stack(steps) for k, steps in zip(RECORDED, zip(*rec))} if record else {}
    return output, h, C, gates
