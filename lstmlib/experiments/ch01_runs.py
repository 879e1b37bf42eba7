"""Chapter 1's runs over seeds: the page's networks, other forget-gate biases, a fair rival.

Used by ``benchmarks/ch01_sweep.py``, whose results ``book/01_rnn_to_lstm.ipynb`` shows. The
page trains one tanh RNN and one LSTM on the adding problem (:mod:`lstmlib.experiments.ch01`);
:func:`sweep_run` trains, over several seeds, those two networks, the LSTM with other
forget-gate biases, and a plain RNN given a fair start: the identity-initialised ReLU RNN
(:class:`IRNN`) of Le et al. (2015), with a longer budget. (What chapter 1 measures of the
gradient's paths is in :mod:`lstmlib.experiments.ch01_paths`, its figures in
:mod:`lstmlib.experiments.ch01_plots`.)

    model = rival("IRNN", seed)                     # or "RNN", "LSTM, b_f = 2", ...
    sweep_run("IRNN", "longer", seed)               # {"held_out": ..., "learned_at": ..., ...}
    plateau(loss), learned_at(loss)                 # steps, from a loss curve
    sweep_table(rows)                               # {(budget, network): {"held_out": [...], ...}}
"""
from __future__ import annotations

import numpy as np
import torch

from .. import tasks
from ..layers import RNN
from ..models import recipes
from ..models.readouts import LastStep
from ..training.loop import min_smoothed, smooth
from ..training.seed import seed_everything

# The sweep: the page's budget (recipes.ADDING: Adam, lr 0.03, 700 steps) and a longer one for
# the RNNs (Le et al. 2015 train theirs far longer, with smaller steps), each over RUNS seeds.
RUNS = 10
BUDGETS = {"page": dict(steps=recipes.ADDING["steps"], lr=recipes.ADDING["lr"]),
           "longer": dict(steps=3000, lr=1e-3)}
NETWORKS = {"page": ("RNN", "LSTM, b_f = 1", "LSTM, b_f = 2", "LSTM, b_f = 3"),
            "longer": ("RNN", "IRNN")}
# A network has learned once the 25-step moving average of its loss is below half the
# baseline: the error of a network that remembers only the second marked value (exercise 3).
LEARNED = tasks.ADDING_BASELINE / 2
# It has left the baseline once that average is 10 % below it.
LEFT = 0.9 * tasks.ADDING_BASELINE
WINDOW = 25


class IRNN(RNN):
    """The IRNN of Le et al. (2015): h_t = relu(W·[h_{t-1}, x_t] + b), with W_h = I at the start.

    A plain RNN like :class:`lstmlib.RNN` (chapter 1) but with ReLU units and a fair start for
    long time lags: the recurrent weights W_h start as the identity, so that at first a unit
    keeps its value and the gradient passes back unchanged; the input weights W_x start small
    (normal, std ``input_std``), the bias b at 0. Parameters ``W`` (H, H + D), ``b`` (H,).
    """

    def __init__(self, input_size, hidden_size, batch_first=False, *, input_std: float = 1e-3,
                 dtype=None, device=None):
        if isinstance(input_std, bool) or not isinstance(input_std, (int, float)) or input_std < 0:
            raise ValueError(f"expected input_std to be a number >= 0, got {input_std!r}")
        self.input_std = float(input_std)
        super().__init__(input_size, hidden_size, batch_first, nonlinearity="relu", dtype=dtype, device=device)

    def reset_parameters(self, init="course"):
        H = self.hidden_size
        with torch.no_grad():
            self.W[:, :H].copy_(torch.eye(H, dtype=self.W.dtype))     # W_h = I
            self.W[:, H:].normal_(0.0, self.input_std)                # W_x small
            self.b.zero_()


def rival(network: str, seed: int) -> LastStep:
    """One of the sweep's networks, initialised from ``seed``, with a linear readout of h_T.

    "RNN" and "LSTM, b_f = 2" are the page's two networks
    (:func:`lstmlib.models.recipes.adding_models`); "LSTM, b_f = k" the LSTM with forget-gate
    bias k; "IRNN" the :class:`IRNN`.
    """
    H = recipes.ADDING["hidden_size"]
    if network == "RNN":
        return recipes.adding_models(seed)["RNN"]
    if network == "IRNN":
        seed_everything(seed)
        model = LastStep("RNN", 2, H)
        model.rnn = IRNN(2, H)
        model.layer = "IRNN"
        return model
    prefix = "LSTM, b_f = "
    if network.startswith(prefix):
        return recipes.adding_models(seed, forget_bias=float(network[len(prefix):]))["LSTM"]
    raise ValueError(f"unknown network {network!r}: expected 'RNN', 'IRNN' or 'LSTM, b_f = <bias>'")


def plateau(loss) -> int | None:
    """How long the loss stays on the baseline: the step (from 1) at which the 25-step moving
    average of the loss first falls 10 % below the baseline (``LEFT``); None if it never does."""
    return _first_below(loss, LEFT)


def learned_at(loss) -> int | None:
    """The step (from 1) at which the 25-step moving average of the loss first falls below half
    the baseline (``LEARNED``); None if it never does."""
    return _first_below(loss, LEARNED)


def _first_below(loss, level):
    avg = smooth(loss, WINDOW)[WINDOW - 1:]                 # full windows only
    below = np.flatnonzero(avg < level)
    return int(below[0]) + WINDOW if below.size else None


def sweep_run(network: str, budget: str, seed: int) -> dict:
    """Train one network of the sweep on the adding problem (T = 100) and summarise the run.

    The page's settings (:func:`lstmlib.models.recipes.train_adding`: batches of 128, gradient
    norm clipped at 1, the same data for every network of a seed) with the budget's steps and
    learning rate.
    Returns JSON-ready numbers: ``held_out`` (MSE on 2,000 fresh sequences), ``plateau`` and
    ``learned_at`` (steps, or None), ``best`` (lowest 25-step average), ``curve`` (the
    25-step moving average at every 10th step).
    """
    if budget not in BUDGETS or network not in NETWORKS[budget]:
        raise ValueError(f"unknown run {network!r} with budget {budget!r}: expected one of {NETWORKS}")
    model = rival(network, seed)
    b = BUDGETS[budget]
    loss = recipes.train_adding({network: model}, seed, steps=b["steps"], lr=b["lr"])[network].loss
    curve = smooth(loss, WINDOW)[WINDOW - 1::10]
    return dict(held_out=recipes.held_out_mse(model, seed), plateau=plateau(loss),
                learned_at=learned_at(loss), best=min_smoothed(loss, WINDOW),
                curve=[float(f"{v:.5g}") for v in curve])


def sweep_table(rows: list[dict]) -> dict:
    """{(budget, network): {"held_out": [...], "learned_at": [...], ...}}, in the sweep's order."""
    table = {}
    for budget, networks in NETWORKS.items():
        for network in networks:
            runs = sorted((r for r in rows if r["budget"] == budget and r["network"] == network),
                          key=lambda r: r["seed"])
            table[budget, network] = {k: [r[k] for r in runs]
                                      for k in ("seed", "held_out", "plateau", "learned_at", "best")}
    return table
