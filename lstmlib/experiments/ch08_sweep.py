"""Chapter 8's larger comparison: ten runs of each network at each of four learning rates.

The page trains three runs of each network at one learning rate; ``benchmarks/gru_sweep.py``
runs this module's :func:`sweep_run` for every network, learning rate and run, for twice the
page's steps, and the page shows the result (:func:`sweep_table`). A comparison at one
learning rate compares the networks *and* how well that rate suits each (Greff et al. 2017
found the learning rate the most important hyperparameter), so each network is compared at
its own best rate, chosen on validation sequences (:func:`best_lrs`), never on the test
sequences whose scores are reported.

    sweep_run, score, steps_to_learn     one run of the sweep, and what it records
    sweep_cells, best_lrs, sweep_table   the sweep's runs by network and learning rate
    median_step                          the median step to learn of some runs
"""
from __future__ import annotations

import numpy as np
import torch
from torch import nn

from ..models.readouts import accuracy
from ..training.loop import smooth
from ..training.seed import TEST, data_stream
from .ch08_compare import COMPARED, LABEL, SETTINGS, Run, check_model_task, task_fn, train_run

VALID = 4                 # the stream of the validation sequences that choose a learning rate

SWEEP_LRS = (3e-3, 1e-2, 3e-2, 1e-1, 3e-1)
SWEEP_RUNS = 10
SWEEP_STEPS = {"adding": 300, "temporal": 200}          # twice the page's budget
LEARNED = {"adding": 0.05, "temporal": 0.9}              # smoothed MSE below / accuracy above
WINDOW = 25                                               # the moving average of the curves
SETBACK = {"adding": 0.05, "temporal": 0.1}   # a fall from the best so far that counts


def score(run: Run, stream: int = TEST, n: int = 1000) -> float:
    """A trained run's score on ``n`` fresh sequences of one of its streams (adding: MSE;
    temporal order: accuracy): ``TEST`` for the held-out score, ``VALID`` to choose the
    learning rate on sequences the reported score never sees."""
    s = SETTINGS[run.task]
    x, y = task_fn(run.task)(s["T"], n, generator=data_stream(run.run, stream))
    with torch.no_grad():
        y_hat = run.model(x)
    if run.task == "adding":
        return nn.functional.mse_loss(y_hat, y).item()
    return accuracy(y_hat, y)


def steps_to_learn(curve, task: str) -> int | None:
    """The first step (from 1) at which the 25-step moving average of the mini-batch curve
    reaches the task's mark (``LEARNED``: MSE below 0.05, accuracy above 0.9); None if never."""
    check_model_task("LSTM", task)
    avg = smooth(curve, WINDOW)[WINDOW - 1:]
    hit = avg < LEARNED[task] if task == "adding" else avg > LEARNED[task]
    return int(np.argmax(hit)) + WINDOW if hit.any() else None


def sweep_run(model: str, task: str, run: int, lr: float) -> dict:
    """One run of the sweep: ``SWEEP_STEPS[task]`` steps at learning rate ``lr``; the
    validation and test scores, the steps it took to learn, and its largest setback: how far
    its smoothed curve fell back from its best so far after it had learned (adding: MSE;
    temporal order: accuracy; 0 if it never fell back or never learned)."""
    r = train_run(model, task, run, steps=SWEEP_STEPS[task], lr=lr)
    avg = smooth(r.curve, WINDOW)[WINDOW - 1:]
    learned_at = steps_to_learn(r.curve, task)
    setback = 0.0
    if learned_at is not None:
        after = avg[learned_at - WINDOW:]
        setback = float((after - np.minimum.accumulate(after)).max() if task == "adding"
                        else (np.maximum.accumulate(after) - after).max())
    return dict(valid=score(r, VALID), test=r.held_out, learned_at=learned_at, setback=setback)


def median_step(rows: list[dict]) -> float:
    """The median step at which the runs learned, counting a run that never did as never
    (``inf``): the median of ten runs of which six learned is the sixth-fastest's step."""
    return float(np.median([np.inf if r["learned_at"] is None else r["learned_at"] for r in rows]))


def _higher_is_better(task):
    return task == "temporal"


def sweep_cells(rows: list[dict], task: str) -> dict:
    """The sweep's runs of one task by (model, lr): ``{(model, lr): [row, ...]}``."""
    check_model_task("LSTM", task)
    cells = {}
    for r in rows:
        if r["task"] == task:
            cells.setdefault((r["model"], r["lr"]), []).append(r)
    return cells


def best_lrs(rows: list[dict], task: str) -> dict:
    """Each model's best learning rate on the task: the best mean *validation* score (the
    test sequences never choose anything); between rates that tie, the one whose runs learned
    in fewer steps (the median over its runs). Returns ``{model: lr}``."""
    cells = sweep_cells(rows, task)
    sign = -1 if _higher_is_better(task) else 1

    def key(cell):
        steps = [r["learned_at"] for r in cell if r["learned_at"] is not None]
        return (round(sign * float(np.mean([r["valid"] for r in cell])), 6),
                float(np.median(steps)) if steps else np.inf)

    return {m: min((lr for (mm, lr) in cells if mm == m), key=lambda lr: key(cells[m, lr]))
            for m in COMPARED[task]}


def sweep_table(rows: list[dict], task: str) -> str:
    """The sweep by model and learning rate: how many runs learned, their median step, the
    median test score, and how many fell back by more than ``SETBACK[task]`` after learning."""
    setback = SETBACK[task]
    cells = sweep_cells(rows, task)
    best = best_lrs(rows, task)
    unit = "MSE" if task == "adding" else "accuracy"
    lines = [f"{LABEL[task]}, {SWEEP_STEPS[task]} steps: runs that learned, the median step "
             f"they did,", f"the median test {unit}, runs that fell back by more than "
             f"{setback:g} (* best lr)",
             f"{'model':>13s} {'lr':>6s} {'learned':>8s} {'step':>5s} {unit:>9s} {'fell back':>10s}"]
    for m in COMPARED[task]:
        for lr in sorted(lr for (mm, lr) in cells if mm == m):
            rs = cells[m, lr]
            steps = [r["learned_at"] for r in rs if r["learned_at"] is not None]
            med = f"{np.median(steps):5.0f}" if steps else f"{'-':>5s}"
            test = np.median([r["test"] for r in rs])
            fell = sum(r["setback"] > setback for r in rs)
            star = "*" if best[m] == lr else " "
            lines.append(f"{m:>13s} {lr:>6g}{star}{len(steps):>4d} of {len(rs):<2d}{med} "
                         f"{test:>9.3f} {fell:>6d} of {len(rs)}")
    return "\n".join(lines)
