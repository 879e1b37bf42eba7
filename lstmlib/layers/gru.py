"""The GRU as a sequence layer, in ``torch.nn.GRU``'s convention (chapter 8)."""
from __future__ import annotations

import math

import torch
from torch import nn

from .. import validate
from ..cells import GRU_GATES, gru_step
from .base import (TORCH_GRU_ORDER, Recurrent, _check_init, _check_torch, _reorder, _torch_like_init,
                   _torch_params)


class GRU(Recurrent):
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
