"""Tasks that need a unit to accumulate, and a control task that needs it to overwrite.

Every task here reads the same kind of sequence: at each step t a pair (value_t, marker_t),
value_t ~ U[0, 1] and marker_t ∈ {0, 1}, with M marked steps at distinct random positions
(M drawn per sequence, uniformly from ``markers = (lo, hi)``, both included). Only the target
read at the end differs:

    x, y = marked_sum(T=30, B=64, generator=g)       # y = Σ of the marked values   (accumulate)
    x, y = marker_count(T=30, B=64, generator=g)     # y = M, the number of markers (accumulate)
    x, y = last_marked(T=30, B=64, generator=g)      # y = the last marked value    (overwrite)

x is (T, B, 2), columns (value, marker), and y is (B, 1). A cell that adds a marked value to
what it holds must keep its old content (f_t ≈ 1) and write (i_t > 0) in the same unit at the
same step: that is what the sum and the count need, and what coupled forget and input gates,
i_t = 1 − f_t, forbid (chapter 7). The last marked value needs the opposite, forget what is
held and write the new value, which the coupling does in one move. Chapter 1's adding problem
(:func:`lstmlib.tasks.adding_problem`) is a sum of exactly two marked values, one per half.

``baseline(task, markers)`` is the mean squared error of the best constant answer (the
variance of the target), the number a model must beat to show it read anything. All tasks take
``(T, B, generator=None)`` first, so :func:`lstmlib.tasks.batches_of` makes mini-batches of them;
other marker ranges go through ``functools.partial(marked_sum, markers=(1, 8))``.
"""
from __future__ import annotations

import torch

from .. import validate

MARKERS = (2, 6)          # default range of the number M of marked steps, both ends included
VALUE_VARIANCE = 1 / 12   # variance of one value, U[0, 1]


def check_markers(markers, T: int | None = None) -> tuple[int, int]:
    """Check a marker range ``(lo, hi)``: ints with 1 <= lo <= hi (<= T, if T is given)."""
    if isinstance(markers, (str, bytes)) or not isinstance(markers, (tuple, list)) or len(markers) != 2:
        raise TypeError(f"expected markers to be a pair (lo, hi) of ints, got {markers!r}")
    lo, hi = markers
    if any(isinstance(k, bool) or not isinstance(k, int) for k in (lo, hi)):
        raise TypeError(f"expected markers to be a pair (lo, hi) of ints, got {markers!r}")
    if not 1 <= lo <= hi:
        raise ValueError(f"expected markers (lo, hi) with 1 <= lo <= hi, got {markers!r}")
    if T is not None and hi > T:
        raise ValueError(f"expected at most T = {T} markers (one per step), got markers {markers!r}")
    return lo, hi


def marked_sequence(T: int, B: int, generator: torch.Generator | None = None, *, markers=MARKERS):
    """The input all tasks share: values, and M marked steps at distinct random positions.

    Returns:
        x: (T, B, 2), columns (value, marker); marked: (T, B) bool, True at the marked steps.
    """
    T = validate.positive_int("T", T)
    B = validate.positive_int("B", B)
    lo, hi = check_markers(markers, T)
    value = torch.rand(T, B, generator=generator)                                  # (T, B)
    M = torch.randint(lo, hi + 1, (B,), generator=generator)                       # (B,) markers each
    order = torch.rand(T, B, generator=generator).argsort(dim=0)                   # (T, B) shuffled steps
    first_M = torch.arange(T)[:, None] < M[None, :]                                # (T, B) M Trues per column
    marked = torch.zeros(T, B, dtype=torch.bool).scatter_(0, order, first_M)       # the first M shuffled steps
    x = torch.stack([value, marked.float()], dim=2)                                # (T, B, 2)
    return x, marked


def marked_sum(T: int, B: int, generator: torch.Generator | None = None, *, markers=MARKERS):
    """Add without forgetting: the target is the sum of every marked value, (B, 1).

    With one unit of an LSTM this is C_t = C_{t-1} + i_t ⊙ C̃_t at each marked step (f_t = 1,
    i_t = 1, C̃_t growing with the value), and C_t = C_{t-1} in between.
    """
    x, marked = marked_sequence(T, B, generator, markers=markers)
    return x, (x[..., 0] * marked).sum(dim=0).unsqueeze(1)                          # (B, 1)


def marker_count(T: int, B: int, generator: torch.Generator | None = None, *, markers=MARKERS):
    """Count: the target is the number M of marked steps, as a float, (B, 1). The values are
    distractors."""
    x, marked = marked_sequence(T, B, generator, markers=markers)
    return x, marked.sum(dim=0, dtype=x.dtype).unsqueeze(1)                        # (B, 1)


def last_marked(T: int, B: int, generator: torch.Generator | None = None, *, markers=MARKERS):
    """The control: the target is the value at the last marked step, (B, 1).

    Each marked value replaces the one before, so a unit forgets (f_t = 0) exactly where it
    writes (i_t = 1): the coupling i_t = 1 − f_t costs nothing here.
    """
    x, marked = marked_sequence(T, B, generator, markers=markers)
    T_ = x.shape[0]
    step = torch.arange(T_)[:, None].expand_as(marked)                             # (T, B)
    last = torch.where(marked, step, -1).max(dim=0).values                         # (B,) last marked step
    return x, x[last, torch.arange(x.shape[1]), 0].unsqueeze(1)                    # (B, 1)


TASKS = {"sum": marked_sum, "count": marker_count, "last": last_marked}


def baseline(task, markers=MARKERS) -> float:
    """Mean squared error of the best constant answer: the variance of the task's target.

    With M uniform on {lo, …, hi} and values U[0, 1] (mean 1/2, variance 1/12):
        sum:   E[M]/12 + Var(M)/4      count: Var(M)      last: 1/12
    ``task`` is a name from ``TASKS`` or one of the task functions.
    """
    name = _name(task)
    lo, hi = check_markers(markers)
    mean_K = (lo + hi) / 2
    var_K = ((hi - lo + 1) ** 2 - 1) / 12
    return {"sum": mean_K * VALUE_VARIANCE + var_K / 4, "count": var_K, "last": VALUE_VARIANCE}[name]


def count_baseline(markers=MARKERS) -> float:
    """For the sum: the error left to a model that knows M but none of the values, E[M]/12.

    It answers M/2; what remains is the variance of the M values about their mean. A model
    below this number has read the values, not only counted the markers.
    """
    lo, hi = check_markers(markers)
    return (lo + hi) / 2 * VALUE_VARIANCE


def _name(task) -> str:
    for name, fn in TASKS.items():
        if task == name or task is fn:
            return name
    raise ValueError(f"unknown task {task!r}: expected one of {tuple(TASKS)} or one of their functions")
