"""Chapter 8, the GRU against the LSTM at the same parameter budget: chapter 1's adding problem
and chapter 2's temporal order, every run shown, and what the trained GRUs' gates did.

Used by ``book/08_gru.ipynb``, whose claims ``benchmarks/robustness.py`` checks over many runs
(Chung et al. 2014 and Jozefowicz et al. 2015 compared the two; Hochreiter & Schmidhuber 1997,
the tasks; Gers et al. 2000, the forget-gate bias):

    build, runs, train_run, compare    GRU and LSTM on the adding problem and temporal order
    memory_at_init                     ∏ z (GRU) and ∏ f (LSTM) along the state, at the start
    moved_reset, mean_reset            a trained GRU with r_t moved; how open its reset gates are
    trained_memory                     how much its update gates keep along h_t
    curves_figure, table               every run of a comparison, drawn and printed

What "fair" means here: the recurrent layers have the same number of parameters (32 LSTM units,
37 GRU units, :data:`lstmlib.experiments.ch08.HIDDEN`); both are trained with the same optimiser,
learning rate, batch size, clipping and number of steps, on the same mini-batches in each run;
their weights start from the same distribution. Their biases do not: the LSTM gets its chapter's
forget-gate bias (an advantage ``torch.nn.LSTM`` does not give it), the GRU every bias 0, unless
it is the GRU given the same head start (``"GRU, b_z = 3"``).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch
from torch import nn

from .. import plots, style, tasks
from ..analysis import gradients
from ..analysis.stats import geometric_mean
from ..models import recipes
from ..models.readouts import LastStep, accuracy
from ..training.seed import PROBE, TEST, data_stream, seed_everything
from .ch08 import HIDDEN, figure11_run, flip_z

TASKS = ("adding", "temporal")
INPUTS = {"adding": 2, "temporal": len(tasks.TEMPORAL_SYMBOLS)}
OUTPUTS = {"adding": 1, "temporal": len(tasks.TEMPORAL_CLASSES)}
# Chapter 1's adding problem and chapter 2's temporal order, shortened to fit the page's budget,
# with one optimiser, learning rate and batch size for both; forget_bias is the LSTM's
# (chapters 1 and 2), while the GRU starts with every bias 0.
ADDING = dict(T=50, batch=32, lr=3e-2, clip=1.0, steps=150, forget_bias=2.0)
TEMPORAL = dict(T=60, batch=32, lr=3e-2, clip=1.0, steps=100, forget_bias=3.0)
SETTINGS = {"adding": ADDING, "temporal": TEMPORAL}
HEAD_START = 3.0          # b_z of the GRU given the LSTM's head start: z_t ≈ σ(3) ≈ 0.95
# The models compared: (layer, the GRU's initial update-gate bias or None), and on which task.
MODELS = {"LSTM": ("LSTM", None), "GRU": ("GRU", None), "GRU, b_z = 3": ("GRU", HEAD_START)}
COMPARED = {"adding": ("LSTM", "GRU"), "temporal": ("LSTM", "GRU", "GRU, b_z = 3")}
RUNS = 3                  # training runs per model and task, per seed
LABEL = {"adding": "adding problem", "temporal": "temporal order"}


# ---------------------------------------------------------------------------------------------
# The GRU against the LSTM
# ---------------------------------------------------------------------------------------------
def check_model_task(model: str, task: str) -> None:
    """Refuse a model that is not in ``MODELS`` or a task that is not in ``TASKS``."""
    if model not in MODELS:
        raise ValueError(f"unknown model {model!r}: expected one of {tuple(MODELS)}")
    if task not in TASKS:
        raise ValueError(f"unknown task {task!r}: expected one of {TASKS}")


def task_fn(task: str):
    """The task's generator: ``tasks.adding_problem`` or ``tasks.temporal_order``."""
    return tasks.adding_problem if task == "adding" else tasks.temporal_order


def runs(seed: int) -> tuple[int, ...]:
    """The run seeds of one seed's comparison: seed 0 trains runs 0-2, seed 1 runs 3-5, ..."""
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ValueError(f"expected a non-negative int seed, got {seed!r}")
    return tuple(RUNS * seed + k for k in range(RUNS))


def build(model: str, task: str, run: int) -> LastStep:
    """A fresh network of one run (initialised from ``run``): the LSTM with the task's
    forget-gate bias, the GRU with every bias 0, or the GRU whose update gates start at
    b_z = ``HEAD_START`` (z_t ≈ σ(3) ≈ 0.95: keep h_{t-1}), a name from ``MODELS``."""
    check_model_task(model, task)
    layer, update_bias = MODELS[model]
    seed_everything(run)
    D, H, out = INPUTS[task], HIDDEN[layer], OUTPUTS[task]
    if layer == "LSTM":
        return LastStep("LSTM", D, H, out, forget_bias=SETTINGS[task]["forget_bias"])
    net = LastStep("GRU", D, H, out)
    if update_bias is not None:
        with torch.no_grad():
            net.rnn.gate("z")[1].fill_(update_bias)
    return net


@dataclass
class Run:
    """One training run: the mini-batch curve (adding: MSE; temporal order: accuracy) and the
    score on 1,000 fresh sequences of the run's test stream."""
    model_name: str
    task: str
    run: int
    curve: np.ndarray = field(repr=False)
    held_out: float
    model: LastStep = field(repr=False, default=None)


def train_run(model: str, task: str, run: int, steps: int | None = None, lr: float | None = None) -> Run:
    """Train one network on one task with the chapter's settings (chapter 1's and chapter 2's
    training functions, :mod:`lstmlib.models.recipes`). Every model of a run sees the same
    mini-batches."""
    s = SETTINGS[task]
    steps = s["steps"] if steps is None else steps
    lr = s["lr"] if lr is None else lr
    net = build(model, task, run)
    if task == "adding":
        history = recipes.train_adding({model: net}, run, steps=steps, T=s["T"], batch=s["batch"],
                                       lr=lr, clip=s["clip"])[model]
        curve, held_out = np.array(history.loss), recipes.held_out_mse(net, run, T=s["T"], n=1000)
    else:
        _, curve = recipes.train_temporal(net, run, steps=steps, T=s["T"], batch=s["batch"], lr=lr,
                                          clip=s["clip"])
        held_out = recipes.held_out_accuracy(net, run, T=s["T"], n=1000)
    return Run(model, task, run, curve, held_out, net)


def compare(seed: int) -> dict:
    """Every run of one seed's comparison: ``{(task, model): [Run, ...]}`` over ``runs(seed)``,
    for the models ``COMPARED[task]`` of each task."""
    return {(task, model): [train_run(model, task, r) for r in runs(seed)]
            for task in TASKS for model in COMPARED[task]}


# ---------------------------------------------------------------------------------------------
# Memory at initialisation: ∏ z along h (GRU) and ∏ f along C (LSTM)
# ---------------------------------------------------------------------------------------------
def memory_at_init(seed: int, task: str = "temporal", sequences: int = 64) -> dict:
    """How much of the state survives along the direct path in fresh networks of this chapter,
    by distance: ∏ f_s (the LSTM's cell state, chapter 2) and ∏ z_s (the GRU's h_t, whose
    direct path h_{t-1} → h_t is multiplied by z_t). Geometric means over units and sequences.
    Returns ``{model: (T + 1,)}`` for the models ``COMPARED[task]``."""
    check_model_task("LSTM", task)
    s = SETTINGS[task]
    x, _ = task_fn(task)(s["T"], sequences, generator=data_stream(seed, PROBE))
    out = {}
    for name in COMPARED[task]:
        model = build(name, task, seed)
        with torch.no_grad():
            _, _, gates = model.rnn(x, return_gates=True)
        kept = gates["f" if name == "LSTM" else "z"]                       # (T, S, H)
        product = gradients.forget_product(kept)                           # (T + 1, S, H)
        out[name] = geometric_mean(geometric_mean(product, dim=1), dim=1).numpy()
    return out


# ---------------------------------------------------------------------------------------------
# Inside the trained GRUs
# ---------------------------------------------------------------------------------------------
def moved_reset(run: Run, n: int = 1000) -> float:
    """A trained GRU run with its reset gate moved before W_nh (the notes' figure 11), z_t
    flipped to the figure's convention and b_hn added outside: its score on the run's fresh
    sequences (adding: MSE; temporal order: accuracy). The same weights in a different cell."""
    if MODELS[run.model_name][0] != "GRU":
        raise ValueError(f"expected a GRU run, got {run.model_name!r}")
    s = SETTINGS[run.task]
    x, y = task_fn(run.task)(s["T"], n, generator=data_stream(run.run, TEST))
    layer = run.model.rnn
    with torch.no_grad():
        W, b = flip_z(layer.W, layer.b)
        h = figure11_run(x, W, b, layer.b_hn.detach(), reset="before")      # (T, B, H)
        y_hat = run.model.readout(h[-1])
    if run.task == "adding":
        return nn.functional.mse_loss(y_hat, y).item()
    return accuracy(y_hat, y)


def mean_reset(run: Run, sequences: int = 64) -> float:
    """The mean reset gate r_t of a trained GRU over every step, unit and fresh sequence: how
    much of the recurrent part W_nh·h_{t-1} + b_hn its candidates let in, on average."""
    return float(_gates(run, sequences)["r"].mean())


def _gates(run, sequences):
    if MODELS[run.model_name][0] != "GRU":
        raise ValueError(f"expected a GRU run, got {run.model_name!r}")
    x, _ = task_fn(run.task)(SETTINGS[run.task]["T"], sequences, generator=data_stream(run.run, PROBE))
    with torch.no_grad():
        _, _, gates = run.model.rnn(x, return_gates=True)
    return gates                                                            # z, r, n: (T, S, H)


def trained_memory(run: Run, sequences: int = 64) -> np.ndarray:
    """How much of each unit's h_t survives along a trained GRU's direct path: ∏ z_s by
    distance, the geometric mean over fresh sequences. Returns (T + 1, H)."""
    return geometric_mean(gradients.forget_product(_gates(run, sequences)["z"]), dim=1).numpy()


# ---------------------------------------------------------------------------------------------
# Figures and tables
# ---------------------------------------------------------------------------------------------
COLOUR = {"LSTM": style.MODEL["LSTM"], "GRU": style.MODEL["GRU"], "GRU, b_z = 3": style.ORANGE}
LINE = {"LSTM": "-", "GRU": "--", "GRU, b_z = 3": "-."}


def curves_figure(results: dict, task: str, height: float = 3.4):
    """Every run's learning curve on one task (a 25-step moving average over the faint
    mini-batch values), one colour per model. Adding: MSE on a log scale with the baseline 1/6;
    temporal order: accuracy with chance (25 %)."""
    check_model_task("LSTM", task)
    curves = {}
    for model in COMPARED[task]:
        rs = results[(task, model)]
        for k, r in enumerate(rs):
            label = f"{model} ({len(rs)} runs)" if k == 0 else f"_{model}, run {r.run}"
            curves[label] = (r.curve, {"color": COLOUR[model], "linestyle": LINE[model]})
    if task == "adding":
        return plots.learning_curves(curves, baseline=tasks.ADDING_BASELINE, log=True, height=height,
                                     baseline_label="baseline: always answer 1 (MSE 1/6)",
                                     ylabel="MSE (mini-batch)")
    return plots.learning_curves(curves, baseline=0.25, baseline_label="chance (25 %)", height=height,
                                 ylabel="accuracy (mini-batch)")


def table(results: dict, task: str) -> str:
    """One line per run: each model's score on 1,000 fresh sequences (lines under 80 columns)."""
    check_model_task("LSTM", task)
    models = COMPARED[task]
    unit = "MSE" if task == "adding" else "accuracy"
    fmt = (lambda v: f"{v:>14.4f}") if task == "adding" else (lambda v: f"{v:>14.1%}")
    lines = [f"{LABEL[task]}: {unit} on 1,000 fresh sequences",
             f"{'run':>4s}" + "".join(f"{m:>14s}" for m in models)]
    for k in range(len(results[(task, models[0])])):
        row = [results[(task, m)][k] for m in models]
        lines.append(f"{row[0].run:4d}" + "".join(fmt(r.held_out) for r in row))
    return "\n".join(lines)
