"""Sequences of different lengths in one padded batch: the first value minus the last (chapter 11).

Each sequence b has its own length L_b, drawn uniformly from ``min_length`` … ``T``, and holds
values x_t ~ U[−1, 1] at its steps 0 … L_b − 1; the batch is one tensor (T, B, 1) with zeros
after each sequence's end, as ``torch.nn.utils.rnn.pad_sequence`` pads. The target is

    y_b = x_0 − x_{L_b − 1},

so the answer needs the first value held in memory and the last value read where the sequence
really ends. A network that reads its output at the padded end, ``output[-1]``, has stepped
through T − L_b zeros since then: that is the common mistake chapter 11 measures.

    x, lengths, y = first_minus_last(B=32, generator=g)    # (20, 32, 1), (32,), (32, 1)
"""
from __future__ import annotations

import torch

from .. import validate

PADDED = dict(T=20, min_length=4)


def first_minus_last(B: int, generator: torch.Generator, T: int = PADDED["T"],
                     min_length: int = PADDED["min_length"]):
    """``B`` sequences padded to ``T`` steps: x (T, B, 1), lengths (B,), y = x_0 − x_{L−1} (B, 1)."""
    B, T = validate.positive_int("B", B), validate.positive_int("T", T)
    min_length = validate.positive_int("min_length", min_length)
    if min_length > T:
        raise ValueError(f"expected min_length <= T = {T}, got {min_length}")
    if not isinstance(generator, torch.Generator):
        raise TypeError(f"expected generator to be a torch.Generator, got {type(generator).__name__}")
    lengths = torch.randint(min_length, T + 1, (B,), generator=generator)       # (B,)
    values = torch.rand(T, B, generator=generator) * 2 - 1                      # (T, B)
    valid = torch.arange(T).unsqueeze(1) < lengths                              # (T, B)
    x = (values * valid).unsqueeze(2)                                           # (T, B, 1), 0 on padding
    last = values[lengths - 1, torch.arange(B)]                                 # (B,)
    y = (values[0] - last).unsqueeze(1)                                         # (B, 1)
    return x, lengths, y
