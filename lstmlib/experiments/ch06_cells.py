"""Chapter 6's single cells looked at one by one: a cell that keeps time, a cell that is stuck.

Used by ``book/06_peepholes.ipynb`` to pick the two cells its trace figure shows from the
page's single-cell sweep (:func:`lstmlib.experiments.ch06.sweep` with ``ch06.ONE_CELL``):

    clock_cell(one, seed)    a cell with p_o, without p_f, that keeps time (trains more if none)
    stuck_cell(one)          a cell without p_o whose output gate opened, then shut for good
    is_stuck(model)          whether a cell's output gate did so
    periods(o, start)        the output gate's lowest and highest value in each period

A clock is a cell on time from at least 9 of the 10 starts over 200 steps (the chapter's
definition of having learnt the task); its output gate o_t = σ(W_o·[h_{t-1}, x_t] + p_o ⊙ C_t
+ b_o) reads the cell through p_o (chapter 6's peephole equations).
"""
from __future__ import annotations

import numpy as np

from . import ch06

# The variants with an output-gate peephole and no forget-gate peephole, where a clock is looked
# for (with p_f, the few cells that learn may keep time another way).
CLOCKS = ("p_o", "p_o+p_i")


def clock_cell(one: "ch06.Sweep", seed: int, threshold: float = 0.9, extra: int = 5):
    """A single cell with p_o and without p_f that keeps time: ``(variant, model, where)``.

    The first cell of ``one`` (variants in :data:`CLOCKS` order, then seeds) on time from
    at least ``threshold`` of the starts over 200 steps; ``where`` is ``"this sweep"``. A
    sweep can have none (they learn in a minority of runs): then cells with p_o alone
    are trained from further seeds, 20 at a time, up to ``extra`` times, and ``where`` says
    so. Raises RuntimeError if none of those keeps time either.
    """
    if not isinstance(one, ch06.Sweep) or one.hidden_size != 1:
        raise TypeError(f"expected the single-cell ch06.Sweep, got {one!r:.80}")
    for name in CLOCKS:
        for m in one.models.get(name, []):
            if ch06.on_time(m, ch06.WAVE["test_T"]) >= threshold:
                return name, m, "this sweep"
    settings = ch06.ONE_CELL
    for k in range(extra):
        seeds = ch06.seeds(1000 + extra * seed + k, settings["seeds"])     # no page or sweep seed
        more = ch06.train_variants(seeds, 1, settings["steps"], settings["lr"], variants={"p_o": ("o",)})
        for m in more.models["p_o"]:
            if ch06.on_time(m, ch06.WAVE["test_T"]) >= threshold:
                return "p_o", m, f"{settings['seeds'] * (k + 1)} more cells with p_o alone"
    raise RuntimeError(f"no cell with p_o kept time in the sweep or in {extra} more packs of {settings['seeds']}")


def stuck_cell(one: "ch06.Sweep", below: float = 0.1, opened: float = 0.9):
    """The first cell without p_o (variants none, p_f, p_i, in that order) whose output gate
    opened above ``opened`` in the first half-period (steps 3-7 of :func:`ch06.trace`, started
    at step 3) and stays below ``below`` over the last 50 of 200 steps: ``(variant, model)``,
    or None."""
    for name in ("none", "p_f", "p_i"):
        for m in one.models.get(name, []):
            if is_stuck(m, below, opened):
                return name, m
    return None


def is_stuck(model, below: float = 0.1, opened: float = 0.9) -> bool:
    """Whether a cell's output gate opened above ``opened`` in steps 3-7 of the sequence
    started at step 3 and stays below ``below`` over the last 50 of 200 steps."""
    return ch06.output_gate_range(model)[1] < below and ch06.trace(model)["o"][3:8].max() > opened


def periods(o, start: int, period: int = ch06.WAVE["period"]) -> np.ndarray:
    """The lowest and highest value of a gate in each whole period from ``start`` on:
    ``(n_periods, 2)`` for a trace ``o`` of shape (T,) (:func:`ch06.trace`)."""
    o = np.asarray(o, dtype=float)
    if o.ndim != 1:
        raise ValueError(f"expected a trace of shape (T,), got shape {o.shape}")
    n = (len(o) - start) // period
    if n < 1:
        raise ValueError(f"expected at least one period of {period} steps after start {start}, got T={len(o)}")
    whole = o[start:start + n * period].reshape(n, period)                   # (periods, period)
    return np.stack([whole.min(axis=1), whole.max(axis=1)], axis=1)
