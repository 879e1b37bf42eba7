"""Chapter 2's map: how often the LSTM learns temporal order, by forget-gate bias and length.

The page trains one network per forget-gate bias b_f at one length, T = 60, for 600 Adam
steps. Whether a bias is "enough" depends on how far back the answer lies and how long the
network trains, so ``benchmarks/ch02_bias_map.py`` runs :func:`map_run` for every bias of
``MAP["biases"]``, every length of ``MAP["lengths"]`` and ``MAP["runs"]`` runs each, with the
page's network and settings otherwise (:data:`lstmlib.models.recipes.TEMPORAL`; Hochreiter &
Schmidhuber 1997, task 6a; Gers et al. 2000 on the forget-gate bias). The page shows the result
(:func:`lstmlib.experiments.ch02_plots.map_figure`); ``tests/test_experiments_ch02.py`` re-runs
a sample of its rows.

    lag(T)                   the distance from the first relevant symbol to the end (median)
    map_run(forget_bias, T, run)
    learned_at(accuracies)   the step at which a run learned, from its mini-batch accuracies
    success(rows)            {(b_f, T): (runs that learned, runs)}
"""
from __future__ import annotations

import numpy as np

from .. import validate
from ..models import recipes
from ..training.loop import smooth
from . import ch02

MAP = dict(biases=(0.0, 1.0, 2.0, 3.0), lengths=(10, 20, 30, 45, 60, 90), runs=8)
LEARNED = 0.9             # a run has learned once its held-out accuracy is above this
WINDOW = 25               # the moving average of the mini-batch accuracy that learned_at reads


def lag(T: int) -> int:
    """The median distance T − t_1 − 1 from the first relevant symbol to the last step:
    t_1 lies in the first 10–20 % of the sequence (:func:`lstmlib.tasks.temporal_order`), so
    about 0.85 T − 1 steps before the end; 50 at the page's T = 60."""
    T = validate.positive_int("T", T)
    return round(0.85 * T) - 1


def learned_at(accuracies) -> int | None:
    """The first step (from 1) at which the ``WINDOW``-step moving average of the mini-batch
    accuracy is above ``LEARNED``; None if it never is."""
    avg = smooth(accuracies, WINDOW)[WINDOW - 1:]
    hit = avg > LEARNED
    return int(np.argmax(hit)) + WINDOW if hit.any() else None


def map_run(forget_bias: float, T: int, run: int) -> dict:
    """One run of the map: the page's network (:func:`lstmlib.models.recipes.temporal_model`)
    with forget-gate bias ``forget_bias``, trained as the page trains it
    (:func:`lstmlib.models.recipes.train_temporal`, 600 Adam steps) on sequences of length
    ``T``, with seed ``run``.

    Returns its held-out accuracy on 1,000 fresh sequences, the step at which it learned
    (:func:`learned_at`), and every unit's share of C_t left in C_T along the cell state over
    ``lag(T)`` steps (∏ f, :func:`ch02.unit_memory`), before and after training, largest first.
    """
    model = recipes.temporal_model(run, forget_bias=forget_bias)
    d = lag(T)
    before = ch02.unit_memory(model, run, T=T)[d]                   # (H,)
    _, accuracies = recipes.train_temporal(model, run, T=T)
    after = ch02.unit_memory(model, run, T=T)[d]                    # (H,)
    return dict(accuracy=recipes.held_out_accuracy(model, run, T=T),
                learned_at=learned_at(accuracies),
                kept_before=[float(f"{v:.4g}") for v in sorted(before, reverse=True)],
                kept_after=[float(f"{v:.4g}") for v in sorted(after, reverse=True)])


def success(rows: list[dict]) -> dict:
    """The map's cells: ``{(forget_bias, T): (runs whose held-out accuracy is above LEARNED,
    runs)}`` over the rows of ``benchmarks/results/ch02_bias_map.jsonl``."""
    if not isinstance(rows, list) or not rows:
        raise TypeError(f"expected the map's rows as a non-empty list of dicts, got {type(rows).__name__}")
    cells = {}
    for r in rows:
        learned, n = cells.get((r["forget_bias"], r["T"]), (0, 0))
        cells[r["forget_bias"], r["T"]] = (learned + (r["accuracy"] > LEARNED), n + 1)
    return cells
