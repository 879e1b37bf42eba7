"""A readout of each sequence's last valid step in a padded batch, from a zero or a learned
initial state (chapter 11).

    model = PaddedLastStep(input_size=1, hidden_size=16, output_size=1)
    y_hat = model((x, lengths))         # x (T, B, D), lengths (B,) -> y_hat (B, output_size)
    model = PaddedLastStep(1, 16, 1, learned_start=True)    # h_0, c_0 are parameters

The batch is one argument, the pair ``(x, lengths)``, so that :func:`lstmlib.train` can feed
it as it feeds any x. The readout reads h_{L_b − 1} of each sequence
(:func:`lstmlib.layers.packing.last_valid`), not the padded end ``output[-1]``.

With ``learned_start`` the initial state (h_0, c_0) is two vectors of H parameters, trained
with the rest and shared by every sequence (expanded over the batch, not copied); they start
at 0, so before training the model computes exactly what the zero start computes.
"""
from __future__ import annotations

import torch
from torch import nn

from .. import validate
from ..layers import LSTM
from ..layers.packing import check_lengths, last_valid


class PaddedLastStep(nn.Module):
    """An :class:`lstmlib.LSTM` and a linear readout of h at each sequence's last valid step.

    Attributes: ``rnn`` (the layer), ``readout`` (``nn.Linear``), and with ``learned_start``
    the parameters ``h_0`` and ``c_0``, each (H,). Other keyword arguments go to the layer.
    """

    def __init__(self, input_size: int, hidden_size: int, output_size: int = 1, learned_start: bool = False,
                 **layer_kwargs):
        super().__init__()
        validate.positive_int("output_size", output_size)
        if not isinstance(learned_start, bool):
            raise TypeError(f"expected learned_start to be a bool, got {type(learned_start).__name__}")
        self.rnn = LSTM(input_size, hidden_size, **layer_kwargs)
        if self.rnn.batch_first:
            raise ValueError("PaddedLastStep reads time-major batches (T, B, D): batch_first must be False")
        factory = {"dtype": self.rnn.W.dtype, "device": self.rnn.W.device}   # as the layer's
        self.readout = nn.Linear(hidden_size, output_size, **factory)
        self.learned_start = learned_start
        if learned_start:
            self.h_0 = nn.Parameter(torch.zeros(hidden_size, **factory))     # (H,)
            self.c_0 = nn.Parameter(torch.zeros(hidden_size, **factory))     # (H,)

    def start(self, B: int):
        """The initial state for B sequences: (h_0, c_0) each (B, H), or None (zeros) by default."""
        if not self.learned_start:
            return None
        H = self.rnn.hidden_size
        return self.h_0.expand(B, H), self.c_0.expand(B, H)       # (H,) -> (B, H), one copy

    def forward(self, batch, state=None) -> torch.Tensor:
        """y_hat from each sequence's h_{L_b − 1}: (B, output_size).

        ``batch`` is ``(x, lengths)``; ``state`` replaces the initial state if given."""
        if not isinstance(batch, (tuple, list)) or len(batch) != 2:
            raise TypeError(f"expected the batch as a pair (x, lengths), got {type(batch).__name__}")
        x, lengths = batch
        validate.sequence(x, self.rnn.input_size, False, like=self.rnn.W)
        lengths = check_lengths(lengths, x.shape[0], x.shape[1])
        output, _ = self.rnn(x, state=self.start(x.shape[1]) if state is None else state)   # (T, B, H)
        return self.readout(last_valid(output, lengths))          # (B, output_size)
