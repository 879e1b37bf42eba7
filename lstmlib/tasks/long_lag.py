"""Long-time-lag tasks from Hochreiter & Schmidhuber (1997), as seeded mini-batch generators.

A plain RNN fails these tasks and an LSTM solves them, because the answer at the last step
depends on inputs many steps earlier (chapters 1 and 2).

    g = lstmlib.seed_everything(0)                 # a torch.Generator
    x, y = adding_problem(T=100, B=64, generator=g)          # x: (T, B, 2), y: (B, 1)
    x, y = temporal_order(T=100, B=64, generator=g)          # x: (T, B, 8), y: (B,) class 0..3

Every generator draws only from the ``generator`` it is given, so a seed fixes the data
regardless of what else a chapter draws. Sequences are time-major, (T, B, D), like the
layers' default.
"""
from __future__ import annotations

import torch

from .. import validate

# Mean squared error of the best constant prediction for the adding problem. The target is the
# sum of two independent U[0, 1] values, so its mean is 1 and its variance 2 · 1/12 = 1/6.
ADDING_BASELINE = 1 / 6

# Temporal order: the symbols of Hochreiter & Schmidhuber (1997), task 6a.
TEMPORAL_SYMBOLS = ("a", "b", "c", "d", "X", "Y", "B", "E")   # one-hot positions 0..7
TEMPORAL_CLASSES = ("XX", "XY", "YX", "YY")                   # the order of the two relevant symbols


def adding_problem(T: int, B: int, generator: torch.Generator | None = None):
    """One mini-batch of the adding problem in its modern form (Le et al. 2015; Arjovsky et al. 2016).

    Each step t carries a pair (value_t, marker_t): value_t ~ U[0, 1], and marker_t is 1 at
    exactly two steps, one in the first half of the sequence and one in the second half, 0
    elsewhere. The target, read at the end, is the sum of the two marked values. Hochreiter &
    Schmidhuber (1997, experiment 4) introduced the task with values in [−1, 1] and the target
    0.5 + (X_1 + X_2)/4; this is the form later papers use. Predicting the mean, 1.0, for every
    sequence gives MSE = 1/6 (``ADDING_BASELINE``): a model must beat that to show it remembers.

    Returns:
        x: (T, B, 2), columns (value, marker); y: (B, 1).
    """
    T = validate.positive_int("T", T)
    B = validate.positive_int("B", B)
    if T < 2:
        raise ValueError(f"expected T >= 2 (one marker in each half of the sequence), got {T}")
    value = torch.rand(T, B, generator=generator)                                  # (T, B)
    half = T // 2
    first = torch.randint(0, half, (B,), generator=generator)                      # (B,)
    second = torch.randint(half, T, (B,), generator=generator)                     # (B,)
    marker = torch.zeros(T, B)
    cols = torch.arange(B)
    marker[first, cols] = 1.0
    marker[second, cols] = 1.0
    x = torch.stack([value, marker], dim=2)                                        # (T, B, 2)
    y = (value[first, cols] + value[second, cols]).unsqueeze(1)                    # (B, 1)
    return x, y


def temporal_order(T: int, B: int, generator: torch.Generator | None = None):
    """One mini-batch of the temporal-order task (Hochreiter & Schmidhuber 1997, task 6a).

    A sequence of length T starts with the symbol B and ends with E; in between are random
    distractors from {a, b, c, d}, except at two times t_1 ∈ [0.1 T, 0.2 T] and
    t_2 ∈ [0.5 T, 0.6 T], which hold X or Y. The class says which came in which order: XX, XY,
    YX or YY (chance: 25 % accuracy). The paper used T between 100 and 110, t_1 ∈ [10, 20] and
    t_2 ∈ [50, 60], which is this generator at T = 100. The information the answer needs sits
    at least 0.4 T steps before the end.

    Returns:
        x: (T, B, 8), one-hot over ``TEMPORAL_SYMBOLS``; y: (B,) class index into ``TEMPORAL_CLASSES``.
    """
    T = validate.positive_int("T", T)
    B = validate.positive_int("B", B)
    if T < 10:
        raise ValueError(f"expected T >= 10 (room for B, two relevant symbols and E), got {T}")
    lo1, hi1 = max(1, round(0.1 * T)), round(0.2 * T)           # t_1 range, inclusive
    lo2, hi2 = round(0.5 * T), min(T - 2, round(0.6 * T))        # t_2 range, inclusive
    symbol = torch.randint(0, 4, (T, B), generator=generator)                      # (T, B) distractors
    symbol[0] = TEMPORAL_SYMBOLS.index("B")
    symbol[-1] = TEMPORAL_SYMBOLS.index("E")
    t1 = torch.randint(lo1, hi1 + 1, (B,), generator=generator)                    # (B,)
    t2 = torch.randint(lo2, hi2 + 1, (B,), generator=generator)                    # (B,)
    is_y1 = torch.randint(0, 2, (B,), generator=generator)                         # 0: X, 1: Y
    is_y2 = torch.randint(0, 2, (B,), generator=generator)
    cols = torch.arange(B)
    X = TEMPORAL_SYMBOLS.index("X")
    symbol[t1, cols] = X + is_y1
    symbol[t2, cols] = X + is_y2
    x = torch.nn.functional.one_hot(symbol, len(TEMPORAL_SYMBOLS)).float()         # (T, B, 8)
    y = 2 * is_y1 + is_y2                                                           # (B,) XX=0 XY=1 YX=2 YY=3
    return x, y


def batches_of(task, T: int, B: int, generator: torch.Generator):
    """A ``make_batch`` function for :func:`lstmlib.train`: each call draws a fresh mini-batch."""
    if not callable(task):
        raise TypeError(f"expected task to be a generator function such as adding_problem, got {type(task).__name__}")
    return lambda: task(T, B, generator=generator)
