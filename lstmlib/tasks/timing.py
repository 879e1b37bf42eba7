"""Timing and counting tasks after Gers & Schmidhuber (2000) and Gers, Schraudolph & Schmidhuber (2002).

The tasks that led to peephole connections (chapter 6): nothing in the input marks the time
that passes, so a network must measure it itself, with its cell state as a clock. Each
sequence has one input channel that is 0 except for one or two spikes (value 1); the target
is given at every step, so a model reads out every h_t (:class:`lstmlib.models.EveryStep`).

    g = torch.Generator().manual_seed(0)
    x, y = periodic(T=50, B=32, period=10, shape="square", generator=g)   # PFG
    x, y = timed_spikes(T=50, B=32, interval=10, generator=g)           # GTS
    x, y = spike_delay(T=60, B=32, delays=(5, 15), generator=g)         # MSD
    # x: (T, B, 1) spikes; y: (T, B, 1) the target at every step

    make_batch = tasks.batches_of(functools.partial(periodic, period=10), T, B, g)

- ``periodic`` (periodic function generation): after a start spike at a random step, produce
  a wave with the given period, for as long as the sequence lasts, from no further input.
  A cosine is smooth; a square wave must switch sign at exactly the right steps.
- ``timed_spikes`` (generating timed spikes): after the start spike, a spike every
  ``interval`` steps.
- ``spike_delay`` (measuring spike delays): two input spikes d steps apart; the network must
  spike again d steps after the second, so it has to measure d and then reproduce it.

Scores: :func:`within` (a wave: the share of sequences whose every step is within a
tolerance of the target) and :func:`spikes_exact` (spikes: the share of sequences whose
output crosses the threshold at exactly the target steps and nowhere else). Every generator
draws only from the ``generator`` it is given, as in :mod:`lstmlib.tasks`.
"""
from __future__ import annotations

import math

import torch

from .. import validate

SHAPES = ("cosine", "square", "triangle")
START = (0, 10)          # the start spike's step is drawn uniformly from START[0] … START[1] − 1


def _start_steps(T: int, B: int, start, generator):
    """The start step of every sequence (B,), and the steps since it, (T, B): negative before."""
    if (not isinstance(start, tuple) or len(start) != 2
            or not all(isinstance(v, int) and not isinstance(v, bool) for v in start)):
        raise TypeError(f"expected start to be a tuple (first, last + 1) of two ints, got {start!r}")
    lo, hi = start
    if not 0 <= lo < hi <= T:
        raise ValueError(f"expected 0 <= start[0] < start[1] <= T = {T}, got start={start}")
    s = torch.randint(lo, hi, (B,), generator=generator)                   # (B,)
    since = torch.arange(T).unsqueeze(1) - s                               # (T, B)
    return s, since


def _sizes(T, B, minimum_T=1):
    T = validate.positive_int("T", T)
    B = validate.positive_int("B", B)
    if T < minimum_T:
        raise ValueError(f"expected T >= {minimum_T}, got {T}")
    return T, B


def _interval(name, value):
    value = validate.positive_int(name, value)
    if value < 2:
        raise ValueError(f"expected {name} >= 2 steps, got {value}")
    return value


def periodic(T: int, B: int, period: int, shape: str = "square", start=START,
             generator: torch.Generator | None = None):
    """Periodic function generation (Gers et al. 2002): a wave that starts with a spike.

    The input is 0 except at the start step s (drawn from ``start``), where it is 1. The
    target is 0 before s and, from s on, a wave of period ``period`` steps whose phase is
    φ = ((t − s) mod period) / period:

        "cosine"    cos(2π φ)
        "square"    +1 for φ < 1/2, −1 after: the sign flips every period / 2 steps
        "triangle"  1 − 4 |φ − 1/2|, from −1 at φ = 0 up to +1 at φ = 1/2 and back

    Returns:
        x: (T, B, 1) the start spike; y: (T, B, 1) the wave.
    """
    T, B = _sizes(T, B)
    period = _interval("period", period)
    if shape not in SHAPES:
        raise ValueError(f"unknown shape {shape!r}: expected one of {SHAPES}")
    _, since = _start_steps(T, B, start, generator)                        # (T, B)
    phase = since.remainder(period).double() / period                      # (T, B) in [0, 1)
    if shape == "cosine":
        wave = torch.cos(2 * math.pi * phase)
    elif shape == "square":
        wave = torch.where(phase < 0.5, 1.0, -1.0).double()
    else:
        wave = 1 - 4 * (phase - 0.5).abs()
    x = (since == 0).float().unsqueeze(2)                                  # (T, B, 1)
    y = torch.where(since >= 0, wave, 0.0).float().unsqueeze(2)            # (T, B, 1)
    return x, y


def timed_spikes(T: int, B: int, interval: int, start=START, generator: torch.Generator | None = None):
    """Generating timed spikes (Gers et al. 2002): after a start spike, a spike every ``interval`` steps.

    The input is 1 at the start step s (drawn from ``start``) and 0 elsewhere; the target is
    1 at s + interval, s + 2·interval, … and 0 elsewhere, including at s itself.

    Returns:
        x: (T, B, 1); y: (T, B, 1) of 0s and 1s.
    """
    T, B = _sizes(T, B)
    interval = _interval("interval", interval)
    _, since = _start_steps(T, B, start, generator)
    x = (since == 0).float().unsqueeze(2)
    y = ((since > 0) & (since.remainder(interval) == 0)).float().unsqueeze(2)
    return x, y


def spike_delay(T: int, B: int, delays=(5, 15), generator: torch.Generator | None = None):
    """Measuring spike delays (Gers & Schmidhuber 2000): reproduce the gap between two spikes.

    Two input spikes at t_1 and t_2 = t_1 + d, with d drawn uniformly from ``delays``
    (inclusive) and t_1 from 0 … T − 2·d_max − 1; the target is a single spike at t_2 + d, so the
    network must measure d while it waits and count it out again.

    Returns:
        x: (T, B, 1); y: (T, B, 1) of 0s and 1s.
    """
    if (not isinstance(delays, tuple) or len(delays) != 2
            or not all(isinstance(v, int) and not isinstance(v, bool) for v in delays)):
        raise TypeError(f"expected delays to be a tuple (shortest, longest) of two ints, got {delays!r}")
    lo, hi = delays
    if not 1 <= lo <= hi:
        raise ValueError(f"expected 1 <= delays[0] <= delays[1], got delays={delays}")
    T, B = _sizes(T, B, minimum_T=2 * hi + 1)
    d = torch.randint(lo, hi + 1, (B,), generator=generator)                # (B,)
    t1 = torch.randint(0, T - 2 * hi, (B,), generator=generator)            # (B,)
    t = torch.arange(T).unsqueeze(1)                                        # (T, 1)
    x = ((t == t1) | (t == t1 + d)).float().unsqueeze(2)
    y = (t == t1 + 2 * d).float().unsqueeze(2)
    return x, y


# ---------------------------------------------------------------------------------------------
def _check_pair(y_hat, y):
    for name, t in (("y_hat", y_hat), ("y", y)):
        if not isinstance(t, torch.Tensor):
            raise TypeError(f"expected {name} to be a torch.Tensor of shape (T, B, 1), got {type(t).__name__}")
    if y_hat.dim() != 3 or y_hat.shape != y.shape:
        raise ValueError(f"expected y_hat and y of the same shape (T, B, 1), got {tuple(y_hat.shape)} "
                         f"and {tuple(y.shape)}")


def worst_error(y_hat: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """The largest |y_hat − y| over the steps and outputs of each sequence: (B,)."""
    _check_pair(y_hat, y)
    return (y_hat.detach() - y).abs().amax(dim=(0, 2))


def within(y_hat: torch.Tensor, y: torch.Tensor, tolerance: float = 0.25) -> float:
    """The share of sequences whose output is within ``tolerance`` of the target at every step.

    For a square wave, a tolerance below 1 means every sign flip comes at exactly the right
    step: one step early or late is an error of about 2 there.
    """
    if not tolerance > 0:
        raise ValueError(f"expected a positive tolerance, got {tolerance!r}")
    return (worst_error(y_hat, y) < tolerance).float().mean().item()


def spikes_exact(logits: torch.Tensor, y: torch.Tensor, threshold: float = 0.0) -> float:
    """The share of sequences whose output is above ``threshold`` at exactly the target's spikes.

    ``logits`` are a model's outputs before the sigmoid (threshold 0 is probability 1/2); a
    sequence counts when no spike is missed, none is early or late and none is extra.
    """
    _check_pair(logits, y)
    return ((logits.detach() > threshold) == (y > 0.5)).all(dim=2).all(dim=0).float().mean().item()
