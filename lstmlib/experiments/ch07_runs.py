"""Chapter 7's page run: each variant at the learning rate the sweep chose for it.

The full comparison of chapter 7 (every variant at every learning rate of ``ch07.LRS``, four
runs each, for twenty seeds) is precomputed by ``benchmarks/coupled_sweep.py``
(:mod:`lstmlib.experiments.ch07_sweep`): it is far too slow for the page. This module reads
that sweep's learning-rate choice (Greff et al. 2017 found the learning rate the most
important hyperparameter of an LSTM variant) and trains the page's own, smaller comparison:
``ch07.RUNS`` networks of each variant on each task, from the matched start, at the learning
rate chosen for that variant and task, one :class:`lstmlib.models.packed.Pack` each.

    per_seed_medians   {(task, variant): {lr: (n_seeds,)}}: each seed's median over its runs
    sweep_lrs          {(task, variant): lr}: the lowest median validation error over the seeds
    compare_at         train and measure the page's comparison at those learning rates: Live
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from . import ch07


def per_seed_medians(rows, what: str = "test", start: str = "matched") -> dict:
    """``{(task, variant): {lr: (n_seeds,)}}``: for each seed of the sweep's ``rows``, the
    median of ``what`` ("test", "valid" or "beyond") over its ``ch07.RUNS`` runs, the seeds in
    increasing order; the LSTM from ``start`` ("matched" or "default")."""
    if what not in ("test", "valid", "beyond"):
        raise ValueError(f"expected what to be 'test', 'valid' or 'beyond', got {what!r}")
    if start not in ("matched", "default"):
        raise ValueError(f"expected start to be 'matched' or 'default', got {start!r}")
    out = {}
    for row in sorted(rows, key=lambda r: r["seed"]):
        if row["variant"] == "LSTM" and row["start"] != start or what not in row:
            continue
        by_lr = out.setdefault((row["task"], row["variant"]), {})
        by_lr.setdefault(row["lr"], []).append(float(np.median(row[what])))
    if not out:
        raise ValueError(f"no rows of the sweep hold {what!r} for the {start} start")
    return {k: {lr: np.array(v) for lr, v in sorted(by_lr.items())} for k, by_lr in out.items()}


def sweep_lrs(rows, start: str = "matched") -> dict:
    """``{(task, variant): lr}``: the learning rate whose median validation error, the median
    over the sweep's seeds of each seed's median, is the lowest."""
    valid = per_seed_medians(rows, "valid", start)
    return {k: min(by_lr, key=lambda lr: np.median(by_lr[lr])) for k, by_lr in valid.items()}


@dataclass
class Live:
    """The page's comparison (:func:`compare_at`): each variant's runs at one learning rate."""
    runs: tuple
    lr: dict               # (task, variant) -> the learning rate it trained at
    error: dict            # (task, variant) -> (RUNS,) test MSE / baseline
    models: dict = field(repr=False)          # (task, variant) -> [LastStep] in run order

    def median(self, task: str, variant: str) -> float:
        """The median test error over the runs, a share of the baseline."""
        return float(np.median(self.error[task, variant]))

    def table(self) -> str:
        """Each network's test error in % of the baseline, per task and variant (<= 79 columns)."""
        lines = [f"{'task':5s} {'variant':12s} {'lr':>5s}  runs (% of the baseline)"]
        for (task, variant), e in self.error.items():
            lines.append(f"{task:5s} {variant:12s} {self.lr[task, variant]:5g}  "
                         + " ".join(f"{100 * x:6.2f}" for x in e))
        return "\n".join(lines)


def compare_at(seed: int, lrs: dict) -> Live:
    """Train ``ch07.RUNS`` networks (run seeds ``ch07.runs(seed)``, the LSTM from the matched
    start) of each ``(task, variant)`` in ``lrs`` at its learning rate, one
    :func:`ch07.train_pack` each, and measure each on the seed's 2,000 test sequences
    (:func:`ch07.pack_held_out`)."""
    if not isinstance(lrs, dict) or not lrs:
        raise TypeError(f"expected lrs to be a non-empty dict {{(task, variant): lr}}, got {lrs!r}")
    run_list = ch07.runs(seed)
    error, models = {}, {}
    for (task, variant), lr in lrs.items():
        pack = ch07.train_pack(variant, task, run_list, lr)
        error[task, variant] = ch07.pack_held_out(pack, task, run_list[0])
        models[task, variant] = pack.unpack()
    return Live(run_list, dict(lrs), error, models)

