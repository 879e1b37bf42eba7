"""Chapter 9's runs, made live and read: the reduced sweep, summaries, the tables, how much
each factor matters, the cell-state trace.

Every run is :func:`lstmlib.experiments.ch09.one_run`, live (:func:`reduced_sweep`) or read
from the full sweep's results file (``lstmlib.training.sweeps.load("benchmarks/results/odyssey.jsonl")``).
Nothing here changes what a run computes, so editing a table leaves the results file valid.
The figures of these rows are in :mod:`lstmlib.experiments.ch09_plots`.

    rows = reduced_sweep(range(5))        # the live sweep: LIVE variants × TASKS × seeds
    print(table(rows))                    # mean ± std per variant and task
    errors_by_seed(rows, task="latch", variant="NFG")   # (n_seeds,): each run's error
    variance_shares(grid, ("lr", "hidden_size"))
    cell, error = cell_trace(model, seed)  # along one continual latch stream
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from ..tasks import latch
from ..training.loop import smooth
from ..training.seed import TEST, data_stream
from .ch09 import LATCH, LONGER, SETTINGS, TASKS, TRAINING, VARIANTS, build, one_run

# The live notebook's reduced sweep: the vanilla LSTM, the LSTM without a forget gate and the
# coupled gates, the two variants that differ most from it in both directions; the others come
# from the full sweep.
LIVE = ("LSTM", "NFG", "CIFG")
# Choosing a learning rate: on the full sweep's seeds 0-4, reported on seeds 5-9 (best_lr).
CHOOSE_SEEDS, REPORT_SEEDS = range(5), range(5, 10)


def reduced_sweep(seeds, variants=LIVE, tasks_=TASKS, lr=TRAINING["lr"]) -> list[dict]:
    """The live sweep: every task × variant × seed at the base settings (``ch09.TRAINING``),
    or at another learning rate ``lr``. Rows as in the results file:
    ``{task, variant, seed, lr, hidden_size, steps, error, ...}``."""
    rows = []
    for task in tasks_:
        for variant in variants:
            for seed in seeds:
                run = dict(task=task, variant=variant, seed=int(seed), lr=lr,
                           hidden_size=TRAINING["hidden_size"], steps=SETTINGS[task]["steps"])
                rows.append({**run, **one_run(**run)})
    return rows


# An equal-parameter comparison on the adding problem: hidden sizes that give the CIFG and
# the GRU within 6 % of the vanilla LSTM's 1,216 recurrent parameters at 16 units.
EQUAL_PARAMETERS = {"CIFG": 19, "GRU": 18}


def parameters(task, variant, hidden_size=TRAINING["hidden_size"]) -> int:
    """The number of parameters of ``variant``'s recurrent layer for ``task`` (chapter 9's sizes)."""
    return sum(p.numel() for p in build(task, variant, 0, hidden_size).rnn.parameters())


def equal_parameter_sweep(seeds, sizes=None, task="adding") -> list[dict]:
    """Every variant of ``sizes`` (default :data:`EQUAL_PARAMETERS`: variant -> hidden size)
    × seed on ``task`` at the base learning rate and budget: rows as in :func:`reduced_sweep`."""
    sizes = EQUAL_PARAMETERS if sizes is None else sizes
    rows = []
    for variant, H in sizes.items():
        for seed in seeds:
            run = dict(task=task, variant=variant, seed=int(seed), lr=TRAINING["lr"],
                       hidden_size=H, steps=SETTINGS[task]["steps"])
            rows.append({**run, **one_run(**run)})
    return rows


def latch_targets(v: torch.Tensor, m: torch.Tensor) -> torch.Tensor:
    """The latch's targets written out: at each step the value ``v`` at the most recent step
    whose marker ``m`` is 1, and 0 before the first marker. ``v``, ``m``: (T,); returns (T,)."""
    if v.shape != m.shape or v.dim() != 1:
        raise ValueError(f"expected v and m of the same shape (T,), got {tuple(v.shape)} and {tuple(m.shape)}")
    out, held = torch.zeros_like(v), 0.0
    for t in range(len(v)):
        if m[t] == 1:
            held = v[t]
        out[t] = held
    return out


def rows_where(rows, **conditions) -> list[dict]:
    """The rows whose fields equal ``conditions``, e.g. ``rows_where(rows, task="latch")``."""
    return [r for r in rows if all(r.get(k) == v for k, v in conditions.items())]


def at_base(rows, steps=1) -> list[dict]:
    """The runs at the base settings: learning rate and hidden size of ``ch09.TRAINING``, and
    ``steps`` times each task's number of training steps (``ch09.LONGER`` for the longer ones)."""
    return [r for r in rows if r["lr"] == TRAINING["lr"] and r["hidden_size"] == TRAINING["hidden_size"]
            and r["steps"] == steps * SETTINGS[r["task"]]["steps"]]


def field(rows, name, **conditions) -> np.ndarray:
    """The field ``name`` of every matching row, in seed order; None (a diverged run, or a
    quantity the network has not got) becomes ``inf``."""
    chosen = sorted(rows_where(rows, **conditions), key=lambda r: r["seed"])
    if not chosen:
        raise ValueError(f"no run matches {conditions}")
    return np.array([np.inf if r.get(name) is None else r[name] for r in chosen], dtype=float)


def errors_by_seed(rows, **conditions) -> np.ndarray:
    """The ``error`` of every matching row, in seed order; a diverged run counts as ``inf``."""
    return field(rows, "error", **conditions)


def per_seed(values: dict, digits: int = 3) -> str:
    """``{variant: array over seeds}`` as lines "variant  v_0 v_1 ...", for printing."""
    return "\n".join(f"{name:6s}" + " ".join(f"{v:{digits + 5}.{digits}f}" for v in np.asarray(vals))
                     for name, vals in values.items())


@dataclass
class Summary:
    """One variant on one task, over seeds."""
    mean: float
    std: float
    min: float
    max: float
    n: int

    def __str__(self):
        return f"{self.mean:.3f} ± {self.std:.3f}"


def summary(rows, **conditions) -> Summary:
    """Mean ± standard deviation (ddof 1), min, max and count of the matching runs' errors."""
    e = errors_by_seed(rows, **conditions)
    return Summary(float(e.mean()), float(e.std(ddof=1)) if len(e) > 1 else 0.0,
                   float(e.min()), float(e.max()), len(e))


def table(rows, variants=None, tasks_=TASKS, **conditions) -> str:
    """A text table, one line per variant: mean ± std of the error on each task (79 columns)."""
    variants = variants or [v for v in VARIANTS if rows_where(rows, variant=v, **conditions)]
    head = f"{'variant':8s}" + "".join(f"{t:>18s}" for t in tasks_)
    lines = [head, "-" * len(head)]
    for v in variants:
        cells = []
        for t in tasks_:
            chosen = rows_where(rows, task=t, variant=v, **conditions)
            cells.append(f"{str(summary(chosen)) if chosen else '—':>18s}")
        lines.append(f"{v:8s}" + "".join(cells))
    return "\n".join(lines)


def best_lr(rows, task, variant, choose=CHOOSE_SEEDS, report=REPORT_SEEDS) -> tuple[float, Summary]:
    """The learning rate at which ``variant``'s mean error on ``task`` is lowest over the seeds
    ``choose`` (hidden size 16, the base budget), and the summary there over the seeds
    ``report``: other runs, with their own training data and test streams, so the figure
    reported is not the one the choice was made on (a validation set, in runs). ``report=None``
    reports on the ``choose`` seeds themselves (selection bias included)."""
    chosen = [r for r in rows_where(rows, task=task, variant=variant, hidden_size=TRAINING["hidden_size"])
              if r["steps"] == SETTINGS[task]["steps"]]
    if not chosen:
        raise ValueError(f"no run of {variant} on {task} at hidden size {TRAINING['hidden_size']}")
    choose, report = set(choose), set(choose if report is None else report)
    if choose & report and report != choose:
        raise ValueError(f"expected separate seeds to choose and to report on, got both {sorted(choose & report)}")
    by_lr = {lr: summary([r for r in chosen if r["seed"] in choose], lr=lr)
             for lr in sorted({r["lr"] for r in chosen})}
    lr = min(by_lr, key=lambda k: by_lr[k].mean)
    return lr, summary([r for r in chosen if r["seed"] in report], lr=lr)


def latch_failures(rows, variant, threshold=0.5, lowest_lr=1e-2) -> tuple[int, int]:
    """``(failed, runs)``: how many of ``variant``'s latch runs at hidden size 16 and the base
    budget, over the learning rates from ``lowest_lr`` up, end with an error above
    ``threshold`` (a failure: 1 is the error of answering 0)."""
    runs = [r for r in rows_where(rows, task="latch", variant=variant,
                                  hidden_size=TRAINING["hidden_size"])
            if r["lr"] >= lowest_lr and r["steps"] == LATCH["steps"]]
    return sum(r["error"] > threshold for r in runs), len(runs)


def best_lr_table(rows, variants=None, tasks_=TASKS) -> str:
    """One line per variant: on each task, the mean error at its best learning rate (chosen on
    ``CHOOSE_SEEDS``, reported on ``REPORT_SEEDS``: :func:`best_lr`), and that rate."""
    variants = variants or [v for v in VARIANTS if rows_where(rows, variant=v)]
    head = f"{'variant':8s}" + "".join(f"{t:>19s}" for t in tasks_)
    lines = [head, "-" * len(head)]
    for v in variants:
        cells = []
        for t in tasks_:
            lr, s = best_lr(rows, t, v)
            cells.append(f"{s.mean:>10.3f} @ {lr:<6g}")
        lines.append(f"{v:8s}" + "".join(cells))
    return "\n".join(lines)


def budget_table(rows, variants=None, tasks_=TASKS) -> str:
    """One line per variant: on each task, the mean error with the base number of training
    steps and with ``ch09.LONGER`` times as many, over the seeds that have both."""
    longer = at_base(rows, LONGER)
    seeds = sorted({r["seed"] for r in longer})
    base = [r for r in at_base(rows) if r["seed"] in seeds]
    variants = variants or [v for v in VARIANTS if rows_where(longer, variant=v)]
    head = f"{'variant':8s}" + "".join(f"{t + f' ×1 → ×{LONGER}':>19s}" for t in tasks_)
    lines = [head, "-" * len(head)]
    for v in variants:
        cells = [f"{summary(base, task=t, variant=v).mean:>11.3f} → {summary(longer, task=t, variant=v).mean:<5.3f}"
                 for t in tasks_]
        lines.append(f"{v:8s}" + "".join(cells))
    return "\n".join(lines)


def variance_shares(rows, factors, log=True) -> dict:
    """How much of the spread of the errors each factor explains on its own (a main effect).

    For a full grid of runs (every combination of the ``factors``' levels, each with the same
    seeds), the share of a factor is the variance of the mean error at each of its levels
    (averaged over everything else) divided by the variance of all the runs: the main effects
    of a functional ANOVA (Hutter et al. 2014), as Greff et al. (2017) computed them. With
    ``log``, on log10 of the error. Returns ``{factor: share}``.
    """
    e = np.array([r["error"] for r in rows], dtype=float)
    if not np.isfinite(e).all():
        raise ValueError("expected finite errors (a diverged run has none)")
    e = np.log10(e) if log else e
    total = e.var()
    shares = {}
    for f in factors:
        levels = sorted({r[f] for r in rows})
        counts = [sum(r[f] == level for r in rows) for level in levels]
        if len(set(counts)) != 1:
            raise ValueError(f"expected a full grid, the same number of runs at every level of "
                             f"{f!r}, got {dict(zip(levels, counts))}")
        means = [e[[r[f] == level for r in rows]].mean() for level in levels]
        shares[f] = float(np.var(means) / total)
    return shares


# ------------------------------------------------------------------------------------------
# Looking inside
# ------------------------------------------------------------------------------------------
def cell_trace(model: nn.Module, seed: int, steps: int = LATCH["test_steps"], window: int = 100):
    """Run a latch model (LSTM family) over one fresh stream of ``steps`` steps from a zero state.

    Returns ``(cell, error)``, each (steps,): the largest ``|C_t|`` over the units at each step,
    and the squared error divided by the baseline, as a moving average over ``window`` steps.
    """
    x, y = latch.LatchStream(1, data_stream(seed, TEST), LATCH["p_marker"]).next(steps)
    with torch.no_grad():
        output, _, gates = model.model.rnn(x, return_gates=True)           # (T, 1, H)
        if "C_t" not in gates:
            raise ValueError("expected an LSTM-family model (with a cell state C_t)")
        se = (model.model.readout(output) - y).pow(2)[:, 0, 0].numpy() / latch.LATCH_BASELINE
    return gates["C_t"][:, 0].abs().max(dim=1).values.numpy(), smooth(se, window)
