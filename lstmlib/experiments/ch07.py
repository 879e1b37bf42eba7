"""Chapter 7, coupled forget and input gates (CIFG): what i_t = 1 − f_t saves and forbids.

Used by ``book/07_coupled_gates.ipynb`` and re-checked over five more seeds by
``tests/test_claims_ch07.py`` (Greff et al. 2017, whose CIFG variant this is; Cho et al. 2014,
whose GRU couples its gates the same way; Gers et al. 2000):

    parameter_counts, runs, train_run, compare, held_out, inside, hold_forget

The two tasks come from :mod:`lstmlib.counting` and read the same inputs: the sum of the
marked values (a unit must keep what it holds and write at the same step) and the last marked
value (it must forget where it writes). One seed's comparison trains ``RUNS`` networks per
variant and task, each with its own run seed (``runs(seed)``), so every figure shows every run.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass, field

import numpy as np
import torch
from torch import nn

from .. import counting, tasks
from ..interventions import Clamp
from ..models import LastStep
from ..seed import seed_everything
from ..train import History, train
from .common import PROBE, TEST, TRAIN, data_stream

# Both tasks, both variants: T = 20 steps with 2 to 6 marked ones, 16 units, Adam.
COUPLING = dict(T=20, markers=(2, 6), hidden_size=16, batch=32, lr=2e-2, clip=1.0, steps=400,
                forget_bias=1.0)
RUNS = 5                                   # training runs per variant and task, per seed
VARIANTS = ("LSTM", "CoupledLSTM")         # names from lstmlib.models.LAYERS
TASKS = ("sum", "last")                    # names from lstmlib.counting.TASKS
LABEL = {"LSTM": "LSTM", "CoupledLSTM": "CoupledLSTM (CIFG)",
         "sum": "sum of the marked values", "last": "last marked value"}


def parameter_counts(input_size: int = 2, hidden_size: int = COUPLING["hidden_size"]) -> dict:
    """Parameters of each variant's recurrent layer: ``{"LSTM": n, "CoupledLSTM": n}``."""
    return {v: sum(p.numel() for p in LastStep(v, input_size, hidden_size).rnn.parameters())
            for v in VARIANTS}


def runs(seed: int) -> tuple[int, ...]:
    """The run seeds of one seed's comparison: seed 0 trains runs 0-4, seed 1 runs 5-9, ..."""
    return tuple(RUNS * seed + k for k in range(RUNS))


def _check(variant, task):
    if variant not in VARIANTS:
        raise ValueError(f"unknown variant {variant!r}: expected one of {VARIANTS}")
    if task not in counting.TASKS:
        raise ValueError(f"unknown task {task!r}: expected one of {tuple(counting.TASKS)}")


def task_fn(task: str, markers=COUPLING["markers"]):
    """The task's batch generator with this chapter's marker range: ``fn(T, B, generator)``."""
    if task not in counting.TASKS:
        raise ValueError(f"unknown task {task!r}: expected one of {tuple(counting.TASKS)}")
    return functools.partial(counting.TASKS[task], markers=markers)


def train_run(variant: str, task: str, run: int, steps: int | None = None,
              hidden_size: int | None = None) -> tuple[LastStep, History]:
    """Train one network (initialised and fed from ``run``) on one task with the chapter's settings.

    The LSTM and the coupled LSTM of the same run start from the same random stream and see
    the same mini-batches. ``steps`` and ``hidden_size`` default to ``COUPLING``'s.
    Returns ``(model, history)``.
    """
    _check(variant, task)
    c = COUPLING
    seed_everything(run)
    model = LastStep(variant, 2, hidden_size or c["hidden_size"], forget_bias=c["forget_bias"])
    history = train(model, tasks.batches(task_fn(task), c["T"], c["batch"], data_stream(run, TRAIN)),
                    steps=steps or c["steps"], loss="mse", lr=c["lr"], clip=c["clip"], progress=False)
    return model, history


def fresh_batch(task: str, run: int, n: int = 2000, stream: int = TEST, markers=COUPLING["markers"]):
    """Fresh sequences of a task: ``(x (T, n, 2), y (n, 1), marked (T, n) bool)``."""
    x, y = task_fn(task, markers)(COUPLING["T"], n, generator=data_stream(run, stream))
    return x, y, x[..., 1].bool()


def held_out(model: LastStep, task: str, run: int, n: int = 2000, clamp=None,
             markers=COUPLING["markers"]) -> float:
    """Mean squared error on ``n`` fresh sequences, as a share of the task's baseline (the MSE
    of the best constant answer, :func:`lstmlib.counting.baseline`): 1 means nothing learned.

    ``markers``: the range of the number of marked steps in the test sequences; beyond the
    training range, (7, 10) say, it measures how far what was learned carries.
    """
    x, y, _ = fresh_batch(task, run, n, markers=markers)
    with torch.no_grad():
        mse = nn.functional.mse_loss(model(x, clamp=clamp), y).item()
    return mse / counting.baseline(task, markers)


@dataclass
class Comparison:
    """What :func:`compare` measured: every run of every variant on every task."""
    runs: tuple
    error: dict                                          # (task, variant) -> (RUNS,) held-out MSE / baseline
    models: dict = field(repr=False)                     # (task, variant) -> [LastStep] in run order
    histories: dict = field(repr=False)                  # (task, variant) -> [History]

    def ratio(self, task: str) -> np.ndarray:
        """Run by run, the coupled LSTM's error over the LSTM's: (RUNS,)."""
        return self.error[task, "CoupledLSTM"] / self.error[task, "LSTM"]

    def median(self, task: str, variant: str) -> float:
        """The median over the runs of one variant's error on one task."""
        return float(np.median(self.error[task, variant]))

    def table(self) -> str:
        """Every run's error in percent of the baseline, one line per task and variant (<= 79 columns)."""
        lines = [f"{'task':5s} {'variant':12s} " + " ".join(f"run {r:<3d}" for r in self.runs)]
        for (task, variant), e in self.error.items():
            lines.append(f"{task:5s} {variant:12s} " + " ".join(f"{100 * v:6.2f}%" for v in e))
        return "\n".join(lines)


def compare(seed: int, tasks_=TASKS, variants=VARIANTS) -> Comparison:
    """Train ``RUNS`` networks per variant and task (run seeds ``runs(seed)``) and measure each."""
    error, models, histories = {}, {}, {}
    for task in tasks_:
        for variant in variants:
            trained = [train_run(variant, task, run) for run in runs(seed)]
            models[task, variant] = [m for m, _ in trained]
            histories[task, variant] = [h for _, h in trained]
            error[task, variant] = np.array([held_out(m, task, run) for (m, _), run in zip(trained, runs(seed))])
    return Comparison(runs(seed), error, models, histories)


def importance(model: LastStep, x: torch.Tensor) -> torch.Tensor:
    """How much each unit's h_T moves the answer: |readout weight| × spread of h_T over the
    sequences in x. Returns (H,)."""
    with torch.no_grad():
        output, _ = model.rnn(x)                                    # (T, B, H)
        return model.readout.weight.abs().sum(0) * output[-1].std(0)


@dataclass
class Inside:
    """One trained network's gates on fresh probe sequences of its task (:func:`inside`)."""
    gates: dict = field(repr=False)        # f, i, g, o, c: each (T, n, H), i = 1 − f if coupled
    marked: torch.Tensor = field(repr=False)   # (T, n) bool, True at the marked steps
    x: torch.Tensor = field(repr=False)    # (T, n, 2), the probe sequences
    top: list                              # the units that matter most, most important first

    def at(self, name: str, where: str = "marked", units=None) -> np.ndarray:
        """A gate's values at the marked steps (``where="marked"``) or between them
        (``"between"``), for the ``units`` given (default: the top units), flattened."""
        if where not in ("marked", "between"):
            raise ValueError(f"expected where to be 'marked' or 'between', got {where!r}")
        steps = self.marked if where == "marked" else ~self.marked
        units = self.top if units is None else list(units)
        return torch.cat([self.gates[name][..., u][steps] for u in units]).numpy()

    def keep_and_write(self) -> float:
        """Mean f_t + i_t of the top units at the marked steps: above 1, a unit keeps more than
        it makes room for (in a coupled LSTM it is exactly 1)."""
        return float(np.mean(self.at("f") + self.at("i")))

    def write_between(self) -> float:
        """Mean input gate i_t of every unit between the markers, where nothing should be written."""
        return float(self.gates["i"][~self.marked].mean())

    def saturated(self, threshold: float = 1.5) -> float:
        """Share of the units whose final cell state |C_T| exceeds ``threshold`` in the median
        sequence: there tanh'(C) = 1 − tanh²(C) < 0.19, so h_T hardly moves with C_T."""
        return float((self.final_size() > threshold).mean())

    def final_size(self) -> np.ndarray:
        """Each unit's |C_T| in the median sequence: (H,). A coupled cell's never exceeds 1."""
        return self.gates["c"][-1].abs().median(dim=0).values.numpy()

    def change_at_marked(self) -> float:
        """max |C_t − C_{t-1}| over the units at the marked steps (C_0 = 0 before the first step)."""
        c = self.gates["c"]                                             # (T, n, H)
        previous = torch.cat([torch.zeros_like(c[:1]), c[:-1]])
        return float((c - previous).abs()[self.marked].max())

    def coupling_error(self) -> float:
        """max |f_t + i_t − 1| over every unit and step: 0 (to rounding) in a coupled LSTM."""
        return float((self.gates["f"] + self.gates["i"] - 1).abs().max())


def inside(model: LastStep, task: str, run: int, n: int = 200, units: int = 3, hold: bool = False) -> Inside:
    """Record a trained network's gates on ``n`` fresh probe sequences of ``task``, and find its
    ``units`` most important units (:func:`importance`).

    ``hold=True`` records them under the intervention of :func:`hold_forget`: every forget gate
    held at 1 at the marked steps.
    """
    x, _, marked = fresh_batch(task, run, n, stream=PROBE)
    top = importance(model, x).argsort(descending=True)[:units].tolist()
    clamp = Clamp("f", 1.0, steps=marked) if hold else None
    with torch.no_grad():
        _, _, gates = model.rnn(x, return_gates=True, clamp=clamp)  # each (T, n, H)
    return Inside(gates, marked, x, top)


def hold_forget(model: LastStep, task: str, run: int, n: int = 2000) -> float:
    """:func:`held_out` with every forget gate held at 1 at the marked steps (an intervention).

    An LSTM then keeps all it holds wherever it writes; in a coupled LSTM i = 1 − f = 0 there,
    so nothing is written at all.
    """
    _, _, marked = fresh_batch(task, run, n)
    return held_out(model, task, run, n, clamp=Clamp("f", 1.0, steps=marked))
