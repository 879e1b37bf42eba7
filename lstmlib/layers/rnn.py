"""The plain RNN as a sequence layer (chapter 1): h_t = tanh(W·[h_{t-1}, x_t] + b), or ReLU."""
from __future__ import annotations

import torch
from torch import nn

from .. import validate
from ..cells import rnn_step
from .base import Recurrent, _check_init, _check_torch, _torch_like_init, _torch_params


class RNN(Recurrent):
    """A tanh RNN: h_t = tanh(W·[h_{t-1}, x_t] + b)  (chapter 1, the notes' figure 1).

    Parameters: ``W`` (H, H + D), ``b`` (H,). State: ``h`` of shape (B, H).
    ``init``: "course" (weights U(-1/√H, 1/√H), zero bias) or "torch" (torch.nn.RNN's).
    ``nonlinearity``: "tanh" (the book's) or "relu", h_t = relu(W·[h_{t-1}, x_t] + b), as
    ``torch.nn.RNN``'s argument of that name (chapter 1's IRNN, Le et al. 2015).
    """

    gate_names = ("h",)
    NONLINEARITIES = {"tanh": rnn_step, "relu": torch.relu}

    def __init__(self, input_size, hidden_size, batch_first=False, *, init="course", nonlinearity="tanh",
                 dtype=None, device=None):
        if nonlinearity not in self.NONLINEARITIES:
            raise ValueError(f"expected nonlinearity to be one of {tuple(self.NONLINEARITIES)}, "
                             f"got {nonlinearity!r}")
        self.nonlinearity = nonlinearity
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
        squash = self.NONLINEARITIES[self.nonlinearity]
        hs = []
        for a_x_t in a_x.unbind(0):
            h = squash(a_x_t + h @ W_h.T)                   # h_t = tanh(W·[h_{t-1}, x_t] + b), or relu
            hs.append(h)
        output = torch.stack(hs)                            # (T, B, H)
        return output, h, ({"h": output} if record else {})

    @classmethod
    def from_torch(cls, m: nn.RNN) -> "RNN":
        """Copy a single-layer, unidirectional ``torch.nn.RNN`` (tanh or relu)."""
        _check_torch(m, nn.RNN)
        W_ih, W_hh, b_ih, b_hh = _torch_params(m)
        layer = RNN(m.input_size, m.hidden_size, m.batch_first, nonlinearity=m.nonlinearity, dtype=W_ih.dtype,
                    device=W_ih.device)
        with torch.no_grad():
            layer.W.copy_(torch.cat([W_hh, W_ih], dim=1))
            layer.b.copy_(b_ih + b_hh)
        return layer

    def to_torch(self) -> nn.RNN:
        """An ``nn.RNN`` computing the same function (bias_ih = b, bias_hh = 0)."""
        H = self.hidden_size
        m = nn.RNN(self.input_size, H, batch_first=self.batch_first, nonlinearity=self.nonlinearity,
                   dtype=self.W.dtype, device=self.W.device)
        with torch.no_grad():
            m.weight_hh_l0.copy_(self.W[:, :H])
            m.weight_ih_l0.copy_(self.W[:, H:])
            m.bias_ih_l0.copy_(self.b)
            m.bias_hh_l0.zero_()
        return m
