"""Chapter 7, coupled forget and input gates (CIFG): what i_t = 1 − f_t saves and forbids.

Used by ``book/07_coupled_gates.ipynb``, whose folded checks are the chapter's claims
(``benchmarks/robustness.py`` runs it over many seeds and numeric environments);
``tests/test_experiments_ch07.py`` tests these functions and the exercises' solutions
(Greff et al. 2017, whose CIFG variant this is; Cho et al. 2014, whose GRU couples its gates
the same way; Gers et al. 2000):

    parameter_counts, runs, model, train_pack, train_runs, train_run, held_out,
    pack_held_out, compare

(What a trained network does inside, its gates and the forget gate held at 1, is in
:mod:`lstmlib.experiments.ch07_inside`.)

The two tasks come from :mod:`lstmlib.tasks.counting` and read the same inputs: the sum of the
marked values (a unit must keep what it holds and write at the same step) and the last marked
value (it must forget where it writes). A fair comparison starts both variants from the same
gates (``model``: the LSTM's input-gate bias b_i = −b_f, so σ(b_i) = 1 − σ(b_f), the coupled
LSTM's i_t at the start) and gives each its own best learning rate: ``compare(seed)`` trains
``RUNS`` networks per variant, task and learning rate in ``LRS``, each group as one
:class:`lstmlib.models.packed.Pack`, and picks each variant's learning rate on validation sequences.
"""
from __future__ import annotations

import functools
import threading
from dataclasses import dataclass, field

import numpy as np
import torch
from torch import nn

from .. import tasks
from ..models.packed import Pack
from ..models.readouts import LastStep
from ..tasks import counting
from ..training.loop import History, train
from ..training.seed import TEST, TRAIN, data_stream, seed_everything

# Both tasks, both variants: T = 20 steps with 2 to 6 marked ones, 16 units, Adam with each
# network's gradient norm clipped at 1.
COUPLING = dict(T=20, markers=(2, 6), hidden_size=16, batch=32, steps=400, clip=1.0,
                forget_bias=1.0)
LRS = (0.02, 0.04, 0.08)                   # the learning rates each variant is trained with
RUNS = 4                                   # training runs per variant, task and learning rate
VARIANTS = ("LSTM", "CoupledLSTM")         # names from lstmlib.models.LAYERS
TASKS = ("sum", "last")                    # names from lstmlib.tasks.counting.TASKS
VALID = 4                                  # the stream of the validation sequences
_INIT = threading.Lock()                   # model() seeds the global generator: one at a time
LABEL = {"LSTM": "LSTM", "CoupledLSTM": "CoupledLSTM (CIFG)",
         "sum": "sum of the marked values", "last": "last marked value"}


def parameter_counts(input_size: int = 2, hidden_size: int = COUPLING["hidden_size"]) -> dict:
    """Parameters of each variant's recurrent layer: ``{"LSTM": n, "CoupledLSTM": n}``."""
    return {v: sum(p.numel() for p in LastStep(v, input_size, hidden_size).rnn.parameters())
            for v in VARIANTS}


def runs(seed: int) -> tuple[int, ...]:
    """The run seeds of one seed's comparison: seed 0 trains runs 0-3, seed 1 runs 4-7, ..."""
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


def model(variant: str, run: int, input_bias: float | None = -COUPLING["forget_bias"],
          hidden_size: int | None = None) -> LastStep:
    """A fresh network of ``variant``, initialised from ``run``, with forget-gate bias b_f = 1.

    The LSTM's input-gate bias is ``input_bias``: by default −b_f, the matched start, where
    i_t = σ(W_i·[h_{t-1}, x_t] − b_f) starts out distributed as the coupled LSTM's
    i_t = 1 − σ(W_f·[h_{t-1}, x_t] + b_f) = σ(−W_f·[h_{t-1}, x_t] − b_f) (the weights are
    symmetric about 0); ``None`` keeps the layer's default b_i = 0, where i_t starts near 0.5.
    A coupled LSTM has no b_i: ``input_bias`` is ignored.
    """
    if variant not in VARIANTS:
        raise ValueError(f"unknown variant {variant!r}: expected one of {VARIANTS}")
    with _INIT:                 # the sweep trains in threads: seed and draw in one go
        seed_everything(run)
        net = LastStep(variant, 2, hidden_size or COUPLING["hidden_size"],
                       forget_bias=COUPLING["forget_bias"])
    if variant == "LSTM" and input_bias is not None:
        with torch.no_grad():
            net.rnn.gate("i")[1].fill_(float(input_bias))               # b_i, (H,)
    return net


class AdamClipEach(torch.optim.Adam):
    """Adam on a :class:`lstmlib.models.packed.Pack` that first clips each network's gradient norm on
    its own, as ``train(..., clip=clip)`` clips one network trained alone (what
    :meth:`lstmlib.models.packed.Pack.clip_each` does, with one index per parameter instead of a
    loop over the networks' blocks at every step: the same numbers, sooner)."""

    def __init__(self, pack: Pack, lr: float, clip: float):
        super().__init__(pack.parameters(), lr=lr)
        self.K, self.clip = pack.K, clip
        params = {"W": pack.rnn.W, "b": pack.rnn.b, "readout": pack.readout.weight,
                  "readout_b": pack.readout.bias,
                  **{f"p_{g}": getattr(pack.rnn, f"p_{g}") for g in pack.peepholes}}
        owner = {name: torch.full(p.shape, float(pack.K)) for name, p in params.items()}
        for k, net in enumerate(pack.models):             # network k's blocks of each parameter
            for block, _ in pack._blocks(k, net, owner).values():
                block.fill_(float(k))
        self.owned = [(p, owner[name].long()) for name, p in params.items()]   # K: no network's

    def step(self, closure=None):
        with torch.no_grad():
            squares = torch.zeros(self.K + 1)             # each network's squared gradient norm
            for p, owner in self.owned:
                squares.index_add_(0, owner.flatten(), p.grad.flatten() ** 2)
            scale = (self.clip / (squares[:self.K].sqrt() + 1e-6)).clamp(max=1.0)   # (K,)
            scale = torch.cat([scale, torch.ones(1)])
            for p, owner in self.owned:
                p.grad.mul_(scale[owner])
        return super().step(closure)


def train_pack(variant: str, task: str, run_list, lr: float, steps: int | None = None,
               **model_kwargs) -> Pack:
    """Train one network per run of ``run_list`` (see :func:`model`) side by side as one
    :class:`lstmlib.models.packed.Pack`, and return the pack (``pack.unpack()``: the networks).

    The networks see the same mini-batches (drawn from the first run's training stream):
    only their initialisation differs. Adam at ``lr``, each network's gradient norm clipped
    at ``COUPLING["clip"]``, ``steps`` (default ``COUPLING``'s) steps of the mean squared
    error on h_T's readout: each network trains as it would alone (:func:`train_run`).
    """
    _check(variant, task)
    c = COUPLING
    pack = Pack([model(variant, run, **model_kwargs) for run in run_list])
    batches = tasks.batches_of(task_fn(task), c["T"], c["batch"], data_stream(run_list[0], TRAIN))
    train(pack, batches, steps=steps or c["steps"], loss=pack.loss("mse"), clip=None,
          optimizer=AdamClipEach(pack, lr, c["clip"]), progress=False)
    return pack


def train_runs(variant: str, task: str, run_list, lr: float, steps: int | None = None,
               **model_kwargs) -> list:
    """:func:`train_pack`, unpacked: the trained networks, in run order."""
    return train_pack(variant, task, run_list, lr, steps, **model_kwargs).unpack()


def train_run(variant: str, task: str, run: int, lr: float = 0.02, steps: int | None = None,
              **model_kwargs) -> tuple[LastStep, History]:
    """Train one network alone (initialised and fed from ``run``): ``(model, history)``.

    The same training as one network of :func:`train_runs` (for the exercises).
    """
    _check(variant, task)
    c = COUPLING
    net = model(variant, run, **model_kwargs)
    history = train(net, tasks.batches_of(task_fn(task), c["T"], c["batch"], data_stream(run, TRAIN)),
                    steps=steps or c["steps"], loss="mse", lr=lr, clip=c["clip"], progress=False)
    return net, history


def fresh_batch(task: str, run: int, n: int = 2000, stream: int = TEST, markers=COUPLING["markers"]):
    """Fresh sequences of a task: ``(x (T, n, 2), y (n, 1), marked (T, n) bool)``."""
    x, y = task_fn(task, markers)(COUPLING["T"], n, generator=data_stream(run, stream))
    return x, y, x[..., 1].bool()


def held_out(model: LastStep, task: str, run: int, n: int = 2000, clamp=None,
             markers=COUPLING["markers"], stream: int = TEST) -> float:
    """Mean squared error on ``n`` fresh sequences, as a share of the task's baseline (the MSE
    of the best constant answer, :func:`lstmlib.tasks.counting.baseline`): 1 means nothing learned.

    ``markers``: the range of the number of marked steps in the test sequences; beyond the
    training range, (7, 10) say, it measures how far what was learned carries. ``stream``:
    ``TEST`` (default) or ``VALID``, the sequences a learning rate is chosen on.
    """
    x, y, _ = fresh_batch(task, run, n, stream=stream, markers=markers)
    with torch.no_grad():
        mse = nn.functional.mse_loss(model(x, clamp=clamp), y).item()
    return mse / counting.baseline(task, markers)


def pack_held_out(pack: Pack, task: str, run: int, n: int = 2000, stream: int = TEST) -> np.ndarray:
    """:func:`held_out` of every network of a pack at once, on the same ``n`` sequences (those
    of ``run``'s ``stream``): (K,), each a share of the task's baseline."""
    x, y, _ = fresh_batch(task, run, n, stream=stream)
    with torch.no_grad():
        y_hat = pack(x)                                             # (n, K, 1)
    mse = ((y_hat - y.unsqueeze(1)) ** 2).mean(dim=(0, 2))         # (K,)
    return mse.numpy() / counting.baseline(task)


@dataclass
class Comparison:
    """What :func:`compare` measured: every run of every variant, task and learning rate."""
    runs: tuple
    lrs: tuple
    error: dict            # (task, variant, lr) -> (RUNS,) test MSE / baseline
    valid: dict            # (task, variant, lr) -> (RUNS,) validation MSE / baseline
    models: dict = field(repr=False)          # (task, variant, lr) -> [LastStep] in run order

    @property
    def chosen(self) -> dict:
        """Each variant's learning rate on each task: the lowest median validation error."""
        return {(t, v): min(self.lrs, key=lambda lr: np.median(self.valid[t, v, lr]))
                for t, v, _ in self.error}

    def best(self, task: str, variant: str) -> np.ndarray:
        """The test errors of one variant's runs at its chosen learning rate: (RUNS,)."""
        return self.error[task, variant, self.chosen[task, variant]]

    def best_models(self, task: str, variant: str) -> list:
        """The networks of one variant at its chosen learning rate, in run order."""
        return self.models[task, variant, self.chosen[task, variant]]

    def median(self, task: str, variant: str, lr: float | None = None) -> float:
        """The median test error over the runs (at ``lr``, default the chosen one)."""
        e = self.best(task, variant) if lr is None else self.error[task, variant, lr]
        return float(np.median(e))

    def table(self) -> str:
        """Median test error in % of the baseline, per task, variant and learning rate; *
        marks the chosen learning rate (<= 79 columns)."""
        lines = [f"{'task':5s} {'variant':12s} " + " ".join(f"lr {lr:<6g}" for lr in self.lrs)]
        for task in dict.fromkeys(t for t, _, _ in self.error):
            for variant in dict.fromkeys(v for t, v, _ in self.error if t == task):
                cells = [f"{100 * self.median(task, variant, lr):7.2f}%"
                         + ("*" if lr == self.chosen[task, variant] else " ") for lr in self.lrs]
                lines.append(f"{task:5s} {variant:12s} " + "".join(cells))
        return "\n".join(lines)


def compare(seed: int, tasks_=TASKS, variants=VARIANTS, lrs=LRS) -> Comparison:
    """Train ``RUNS`` networks per task, variant and learning rate (run seeds ``runs(seed)``,
    the LSTM from the matched start, one :func:`train_pack` each) and measure each on the
    seed's 2,000 validation and 2,000 test sequences (:func:`pack_held_out`)."""
    error, valid, models = {}, {}, {}
    run_list = runs(seed)
    for task in tasks_:
        for variant in variants:
            for lr in lrs:
                pack = train_pack(variant, task, run_list, lr)
                key = (task, variant, lr)
                error[key] = pack_held_out(pack, task, run_list[0])
                valid[key] = pack_held_out(pack, task, run_list[0], stream=VALID)
                models[key] = pack.unpack()
    return Comparison(run_list, tuple(lrs), error, valid, models)
