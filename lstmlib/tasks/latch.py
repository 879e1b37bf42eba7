"""The latch stream: chapter 9's continual task that needs forgetting.

The setting of Gers, Schmidhuber & Cummins 2000, "Learning to forget". Each step carries a value v_t ~ U[−1, 1] and a marker m_t, which is 1 with probability
``p_marker`` (0.1: segments of 10 steps on average) and 0 otherwise. The target at every
step is the value at the most recent marker: a new marker replaces what was held, so the
network must forget the old value and store the new one. The stream has no sequence
boundaries: :class:`LatchStream` hands out consecutive chunks of one endless stream, and
:class:`lstmlib.models.Carried` runs a model over them with its state carried from chunk
to chunk (truncated backpropagation through time), never reset. Without a forget gate, C_t = C_{t-1} + i_t ⊙ C̃_t
can only add, which is where Gers et al. saw the cell states grow and the network break down.

    stream = LatchStream(B=16, generator=g)
    x, y = stream.next(20)            # x: (20, 16, 2) columns (v_t, m_t); y: (20, 16, 1)
    x, y = stream.next(20)            # the next 20 steps of the same 16 streams
    model = Carried(EveryStep("LSTM", 2, 16, 1))
    y_hat = model(x)                  # starts from the state the previous call ended in
"""
from __future__ import annotations

import torch

from .. import validate

LATCH_BASELINE = 1 / 3        # MSE of always answering 0: the variance of a U[−1, 1] value


class LatchStream:
    """``B`` endless latch streams; :meth:`next` returns their next ``T`` steps.

    The value held at the end of a chunk carries into the next one (0 before the first marker).
    Everything is drawn from ``generator``.
    """

    def __init__(self, B: int, generator: torch.Generator, p_marker: float = 0.1):
        self.B = validate.positive_int("B", B)
        if not isinstance(generator, torch.Generator):
            raise TypeError(f"expected generator to be a torch.Generator, got {type(generator).__name__}")
        if isinstance(p_marker, bool) or not isinstance(p_marker, (int, float)) or not 0 < p_marker <= 1:
            raise ValueError(f"expected p_marker to be a probability in (0, 1], got {p_marker!r}")
        self.generator, self.p_marker = generator, float(p_marker)
        self.held = torch.zeros(self.B)                    # (B,) the value each stream holds

    def next(self, T: int):
        """The next ``T`` steps: x (T, B, 2) with columns (v_t, m_t), y (T, B, 1)."""
        T = validate.positive_int("T", T)
        value = torch.rand(T, self.B, generator=self.generator) * 2 - 1                 # (T, B)
        marker = torch.rand(T, self.B, generator=self.generator) < self.p_marker         # (T, B)
        steps = torch.arange(T).unsqueeze(1).expand(T, self.B)
        last = torch.where(marker, steps, -1).cummax(dim=0).values                      # (T, B)
        y = torch.where(last >= 0, value.gather(0, last.clamp_min(0)), self.held)      # (T, B)
        self.held = y[-1].clone()
        x = torch.stack([value, marker.float()], dim=2)                                 # (T, B, 2)
        return x, y.unsqueeze(2)
