"""A recurrent layer with a linear readout: of its last hidden state, or of every one.

    model = LastStep("LSTM", input_size=2, hidden_size=32, output_size=1, forget_bias=1.0)
    y_hat = model(x)                   # x: (T, B, D) -> y_hat: (B, output_size)
    model = EveryStep("LSTM", input_size=40, hidden_size=32, output_size=40)
    y_hat = model(x)                   # x: (T, B, D) -> y_hat: (T, B, output_size)
    y_hat = model(x, clamp=Clamp("f", 1.0, units=[3]))   # an intervention (chapters 3-5)

``LastStep`` (chapters 1–2) reads only h_T, so whatever the answer needs from step t must
survive T − t steps of recurrence: exactly the long-time-lag setting of Hochreiter &
Schmidhuber (1997). ``EveryStep`` (chapters 3–5) answers at every step, as a language model
predicting the next word does. For regression y_hat is the prediction; for classification it
holds the logits.
"""
from __future__ import annotations

import torch
from torch import nn

from .. import layers, validate

LAYERS = {"RNN": layers.RNN, "LSTM": layers.LSTM, "GRU": layers.GRU,
          "PeepholeLSTM": layers.PeepholeLSTM, "CoupledLSTM": layers.CoupledLSTM}


class LastStep(nn.Module):
    """``layer`` (a name from ``LAYERS``) followed by ``readout``: y_hat = W_y · h_T + b_y.

    Keyword arguments after the sizes go to the recurrent layer, e.g. ``forget_bias=3.0``.
    Attributes: ``rnn`` (the recurrent layer, so ``model.rnn(x, return_gates=True)`` records
    its gates) and ``readout`` (an ``nn.Linear``).
    """

    def __init__(self, layer: str, input_size: int, hidden_size: int, output_size: int = 1, **layer_kwargs):
        super().__init__()
        if layer not in LAYERS:
            raise ValueError(f"unknown layer {layer!r}: expected one of {tuple(LAYERS)}")
        validate.positive_int("output_size", output_size)
        self.layer = layer
        self.rnn = LAYERS[layer](input_size, hidden_size, **layer_kwargs)
        self.readout = nn.Linear(self.rnn.hidden_size, output_size)

    def forward(self, x: torch.Tensor, clamp=None) -> torch.Tensor:
        """y_hat from h_T: (B, output_size). ``clamp``: see :mod:`lstmlib.layers.clamps`."""
        output, _ = self.rnn(x, clamp=clamp)                  # (T, B, H)
        return self.readout(output[-1])                       # (B, output_size), from h_T

    def extra_repr(self):
        return f"layer={self.layer!r}"


class EveryStep(LastStep):
    """``layer`` followed by ``readout`` at every step: y_hat_t = W_y · h_t + b_y.

    The same constructor and attributes as :class:`LastStep`; the output is (T, B, output_size).
    """

    def forward(self, x: torch.Tensor, clamp=None) -> torch.Tensor:
        """y_hat_t from every h_t: (T, B, output_size). ``clamp``: see :mod:`lstmlib.layers.clamps`."""
        output, _ = self.rnn(x, clamp=clamp)                  # (T, B, H)
        return self.readout(output)                           # (T, B, output_size)


def accuracy(logits: torch.Tensor, y: torch.Tensor) -> float:
    """Fraction of rows whose largest logit is the true class.  logits: (B, K), y: (B,)."""
    if logits.dim() != 2 or y.dim() != 1 or logits.shape[0] != y.shape[0]:
        raise ValueError(f"expected logits (B, K) and labels (B,), got {tuple(logits.shape)} and {tuple(y.shape)}")
    return (logits.argmax(dim=1) == y).float().mean().item()
