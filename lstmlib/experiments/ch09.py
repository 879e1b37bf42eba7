"""Chapter 9, which variant? A small "search space odyssey": ten recurrent networks, three tasks.

Used by ``book/09_which_variant.ipynb`` (a reduced sweep, live), by ``benchmarks/odyssey.py``
(the full sweep, precomputed into ``benchmarks/results/odyssey.jsonl``) and re-checked over
five more seeds by ``tests/test_claims_ch09.py``. After Greff et al. (2017), "LSTM: A Search
Space Odyssey", on the adding problem (Hochreiter & Schmidhuber 1997), a continual stream that
needs forgetting (Gers, Schmidhuber & Cummins 2000) and a character-level text:

    build, train_model, evaluate, one_run

This module is what the numbers depend on (the full sweep's results file stores its hash);
:mod:`lstmlib.experiments.ch09_results` runs the live sweep and reads the runs (tables, how
much each factor matters, the cell-state trace), :mod:`lstmlib.experiments.ch09_plots` draws
them.

Every run is one ``(task, variant, seed, lr, hidden_size, steps)``: the variant's network is
initialised from ``seed``, trained on that seed's data (the same for every variant), and
scored on fresh data. ``error`` is lower-is-better on every task: the adding problem's and the
latch's mean squared error divided by their baselines (1 = answering a constant), and bits per
character on word text (``lstmlib.tasks.words.ENTROPY_RATE`` is the floor).
"""
from __future__ import annotations

import math

import numpy as np
import torch
from torch import nn

from .. import tasks
from ..models.carried import Carried
from ..models.readouts import EveryStep, LastStep
from ..tasks import latch, words
from ..training.loop import Diverged, smooth, train
from ..training.seed import TEST, TRAIN, data_stream, seed_everything

# The variants: a layer of lstmlib.models.LAYERS and its keyword arguments. "LSTM" is the
# vanilla LSTM of the course (three gates, tanh on C̃_t and on C_t, no peepholes).
VARIANTS = {
    "LSTM": ("LSTM", {}),
    "NFG": ("LSTM", dict(forget_gate=False)),           # no forget gate: f_t = 1
    "NIG": ("LSTM", dict(input_gate=False)),            # no input gate: i_t = 1
    "NOG": ("LSTM", dict(output_gate=False)),           # no output gate: o_t = 1
    "NIAF": ("LSTM", dict(input_activation=False)),     # no input activation: C̃_t without tanh
    "NOAF": ("LSTM", dict(output_activation=False)),    # no output activation: h_t = o_t ⊙ C_t
    "PH": ("PeepholeLSTM", {}),                          # peepholes on all three gates
    "CIFG": ("CoupledLSTM", {}),                         # coupled gates: i_t = 1 − f_t
    "GRU": ("GRU", {}),
    "RNN": ("RNN", {}),
}
TASKS = ("adding", "latch", "words")

# Task settings. Every run: Adam, gradient norm clipped at 1, lstmlib's initialisation
# (forget-gate bias 1), hidden size 16 unless a sweep says otherwise.
ADDING = dict(T=30, batch=32, steps=300, test=1000)
LATCH = dict(T=20, batch=16, steps=200, p_marker=0.1, test_streams=8, test_steps=2000)
WORDS = dict(T=30, batch=16, steps=200, test=200)
SETTINGS = {"adding": ADDING, "latch": LATCH, "words": WORDS}
TRAINING = dict(lr=3e-2, hidden_size=16, clip=1.0)
# The full sweep's factors (benchmarks/odyssey.py): learning rates, hidden sizes (vanilla
# LSTM only) and a longer training budget (steps × 4, at the base learning rate).
LRS = (3e-3, 1e-2, 3e-2, 1e-1, 3e-1)
HIDDEN_SIZES = (8, 16, 32)
LONGER = 4
# A cell state beyond this is saturated: tanh(3) = 0.995, and tanh' = 0.01.
SATURATED = 3.0


def _check(task, variant):
    if task not in SETTINGS:
        raise ValueError(f"unknown task {task!r}: expected one of {TASKS}")
    if variant not in VARIANTS:
        raise ValueError(f"unknown variant {variant!r}: expected one of {tuple(VARIANTS)}")


def build(task: str, variant: str, seed: int, hidden_size: int = TRAINING["hidden_size"]) -> nn.Module:
    """The variant's network for the task, initialised from ``seed``."""
    _check(task, variant)
    layer, kwargs = VARIANTS[variant]
    seed_everything(seed)
    if task == "adding":
        return LastStep(layer, 2, hidden_size, 1, **kwargs)
    if task == "latch":
        return Carried(EveryStep(layer, 2, hidden_size, 1, **kwargs))
    V = len(words.ALPHABET)
    return EveryStep(layer, V, hidden_size, V, **kwargs)


def _flat_cross_entropy(logits, y):
    return nn.functional.cross_entropy(logits.flatten(0, 1), y.flatten())     # (T·B, V), (T·B,)


def train_model(task: str, variant: str, seed: int, lr: float = TRAINING["lr"],
                hidden_size: int = TRAINING["hidden_size"], steps: int | None = None):
    """Build and train one network. Returns ``(model, History)``; raises ``Diverged``."""
    model = build(task, variant, seed, hidden_size)
    s = SETTINGS[task]
    steps = s["steps"] if steps is None else steps
    g = data_stream(seed, TRAIN)
    if task == "adding":
        make_batch, loss = tasks.batches_of(tasks.adding_problem, s["T"], s["batch"], g), "mse"
    elif task == "latch":
        stream = latch.LatchStream(s["batch"], g, s["p_marker"])
        make_batch, loss = (lambda: stream.next(s["T"])), "mse"
    else:
        make_batch, loss = (lambda: words.word_text(s["T"], s["batch"], g)), _flat_cross_entropy
    history = train(model, make_batch, steps=steps, loss=loss, lr=lr, clip=TRAINING["clip"], progress=False)
    return model, history


def evaluate(task: str, model: nn.Module, seed: int) -> dict:
    """Score a trained network on fresh data of the seed's test stream: ``{"error": ..., ...}``.

    adding: ``error`` = MSE / (1/6) on ``test`` sequences. latch: ``error`` = MSE / (1/3) over
    ``test_steps`` steps of ``test_streams`` fresh streams run from a zero state without a
    reset; also ``early`` (the first 200 steps), ``late`` (the last 500), and for the LSTM
    family (None otherwise) ``cell_max``, the largest ``|C_T|`` at the end, and ``saturated``,
    the number of units with ``|C_T|`` above ``SATURATED`` (tanh = ±0.995), averaged over the
    streams. words: ``error`` = bits per character on ``test`` sequences; also ``floor``, the
    best possible predictor's bits.
    """
    s, g = SETTINGS[task], data_stream(seed, TEST)
    with torch.no_grad():
        if task == "adding":
            x, y = tasks.adding_problem(s["T"], s["test"], generator=g)
            return dict(error=nn.functional.mse_loss(model(x), y).item() / tasks.ADDING_BASELINE)
        if task == "latch":
            x, y = latch.LatchStream(s["test_streams"], g, s["p_marker"]).next(s["test_steps"])
            output, state = model.model.rnn(x)                                   # (T, B, H)
            se = (model.model.readout(output) - y).pow(2).mean(dim=(1, 2))       # (T,)
            base = latch.LATCH_BASELINE
            result = dict(error=se.mean().item() / base, early=se[:200].mean().item() / base,
                          late=se[-500:].mean().item() / base, cell_max=None, saturated=None)
            if isinstance(state, tuple):                                     # the LSTM family
                C_T = state[1].abs()                                         # (B, H)
                result.update(cell_max=C_T.max().item(),
                              saturated=(C_T > SATURATED).sum(dim=1).float().mean().item())
            return result
        x, y = words.word_text(s["T"], s["test"], generator=g)
        bits = _flat_cross_entropy(model(x), y).item() / math.log(2)
        return dict(error=bits, floor=words.optimal_bits(x, y))


def solved_at(loss, window: int = 25):
    """The first step (from 1) at which the ``window``-step moving average of an adding-problem
    training loss falls below a quarter of the baseline, or None: the end of the plateau.

    Remembering only the second marked value gives half the baseline (chapter 1, exercise 3),
    so a quarter needs both values.
    """
    below = np.flatnonzero(smooth(loss, window)[window - 1:] < tasks.ADDING_BASELINE / 4)
    return int(below[0]) + window if len(below) else None


def one_run(task: str, variant: str, seed: int, lr: float = TRAINING["lr"],
            hidden_size: int = TRAINING["hidden_size"], steps: int | None = None) -> dict:
    """Train and score one network: the unit of every sweep. Returns what :func:`evaluate`
    returns, and for the adding problem ``solved_at`` (:func:`solved_at`). A run whose
    training loss became NaN or infinite has ``error`` None and ``diverged`` its step ("test"
    if only its answers on the test data overflowed)."""
    try:
        model, history = train_model(task, variant, seed, lr, hidden_size, steps)
    except Diverged as err:
        return dict(error=None, diverged=err.step)
    result = evaluate(task, model, seed)
    if task == "adding":
        result["solved_at"] = solved_at(history.loss)
    if not math.isfinite(result["error"]):             # trained, but its answers overflow
        return dict(error=None, diverged="test")
    return {k: v if v is None or math.isfinite(v) else None for k, v in result.items()}

