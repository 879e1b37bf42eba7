"""Chapter 5's intervention: hold the answer units' output gates before the cue, and see what
comes out early.

Used by ``book/05_output_gate.ipynb``; the trained networks, the probe sequences and the
answer units (:func:`lstmlib.experiments.ch05.route`) come from
:mod:`lstmlib.experiments.ch05`; the clamp is :class:`lstmlib.layers.clamps.Clamp`. The
figure of every run: :func:`lstmlib.experiments.ch05_plots.leak_figure`.

    Leak, LEAK_RUNS, HELD    one run's errors; the runs, and how each holds o_t
    leak, leak_table         the intervention on one network; every start side by side
"""
from __future__ import annotations

from dataclasses import dataclass

import torch

from ..analysis.stats import pearson
from ..layers.clamps import Clamp
from ..models.readouts import EveryStep
from ..tasks import recall
from .ch05 import record


@dataclass
class Leak:
    """One run of :func:`leak`: ``before``, the MSE over the steps before the cue (target 0);
    ``last``, the MSE at the step before the cue alone; ``corr``, the correlation of the
    output at that step with the value v; ``at``, the MSE at the cue."""
    before: float
    last: float
    corr: float
    at: float


# the runs of leak(): unclamped; o_t = 1 at t = t_c − 1 only; o_t = 0, o_t = each unit's own
# mean (over t < t_c) and o_t = 1, at every step before the cue
LEAK_RUNS = ("free", "1 at t_c - 1", "0", "own mean", "1")
HELD = {"free": "free", "1 at t_c - 1": "1, at t = t_c - 1 only",
        "0": "0, at every t < t_c", "own mean": "its own mean, t < t_c",
        "1": "1, at every t < t_c"}


def leak(model: EveryStep, batch: recall.Recall, units: list) -> dict:
    """The intervention: hold the output gate o_t of ``units`` at a chosen value before the
    cue, rerun the trained network on the same sequences, and measure what comes out early.

    Returns ``{run: Leak}`` for the runs ``LEAK_RUNS``: unclamped; o_t = 1 at the step before
    the cue only (each sequence its own step); and at every step before the cue o_t = 0,
    o_t = each unit's own mean o_t over those steps (the gate keeps its level but no longer
    moves) and o_t = 1. Chapter 5, h_t = o_t ⊙ tanh(C_t) with o_t fixed
    (:class:`lstmlib.layers.clamps.Clamp`).
    """
    units = list(units)
    before = batch.before_cue                                                # (T, B)
    mean = record(model, batch.x)["o"][before].mean(0)                       # (H,)
    last = batch.steps == (batch.cue_at[None, :] - 1)                        # (T, B)
    clamps = {"free": None,
              "1 at t_c - 1": Clamp("o", 1.0, units=units, steps=last),
              "0": Clamp("o", 0.0, units=units, steps=before),
              "own mean": [Clamp("o", float(mean[u]), units=[u], steps=before) for u in units],
              "1": Clamp("o", 1.0, units=units, steps=before)}
    out = {}
    cols = torch.arange(len(batch.value))
    for name, clamp in clamps.items():
        with torch.no_grad():
            y_hat = model(batch.x, clamp=clamp)                              # (T, B, 1)
        e = recall.errors_by_place(y_hat, batch)
        y_last = y_hat[batch.cue_at - 1, cols, 0]                            # (B,) at t_c − 1
        out[name] = Leak(before=e["before"], last=(y_last ** 2).mean().item(),
                         corr=pearson(y_last[:, None], batch.value).item(), at=e["at"])
    return out


def leak_table(leaks: dict) -> str:
    """:func:`leak`'s runs for each start side by side (``{start: {run: Leak}}``): the MSE
    before the cue and the correlation of the output at t_c − 1 with v (none when free)."""
    starts = list(leaks)
    lines = [f"{'answer units o_t held at':24s}" + "".join(f"{s + ' start':>22s}" for s in starts),
             f"{'':24s}" + f"{'MSE t < t_c':>14s}{'corr':>8s}" * len(starts)]
    for run in LEAK_RUNS:
        line = f"{HELD[run]:24s}"
        for s in starts:
            r = leaks[s][run]
            corr = "—" if run == "free" else f"{r.corr:+.2f}"
            line += f"{r.before:14.1e}{corr:>8s}"
        lines.append(line)
    return "\n".join(lines)
