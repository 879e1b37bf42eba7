"""How the adding problem and the temporal-order task are trained: the settings, the models,
the training and held-out functions that several chapters share.

Chapter 1 trains a tanh RNN and an LSTM on the adding problem (``ADDING``), chapter 2 an LSTM
on the temporal-order task (``TEMPORAL``; Hochreiter & Schmidhuber 1997); chapter 4 looks
inside chapter 1's LSTM, trained as chapter 1 trains it, and chapter 8 trains the GRU against
the LSTM on both tasks with these functions and its own settings. The chapters' modules
(:mod:`lstmlib.experiments.ch01`, ``ch02``) name them too, for their notebooks.

    ADDING, adding_models, train_adding, held_out_mse                  the adding problem
    TEMPORAL, temporal_model, train_temporal, held_out_accuracy        the temporal-order task

It lives in ``models``, the lowest package that may import both the readouts
(:mod:`lstmlib.models.readouts`) and the training loop (:mod:`lstmlib.training`).
"""
from __future__ import annotations

import numpy as np
import torch
from torch import nn

from .. import tasks
from ..training.loop import train
from ..training.seed import TEST, TRAIN, data_stream, seed_everything
from .readouts import LastStep, accuracy

# The adding problem at T = 100 (chapters 1 and 4).
ADDING = dict(T=100, hidden_size=32, batch=128, lr=3e-2, clip=1.0, steps=700, forget_bias=2.0)
# The temporal-order task at T = 60 (chapter 2).
TEMPORAL = dict(T=60, hidden_size=32, batch=64, lr=1e-2, clip=1.0, steps=600)


# ---------------------------------------------------------------------------------------------
# The adding problem
# ---------------------------------------------------------------------------------------------
def adding_models(seed: int, hidden_size: int = ADDING["hidden_size"], forget_bias: float = ADDING["forget_bias"]):
    """A tanh RNN and an LSTM of the same hidden size, each reading out its last h_t.

    Returns ``{"RNN": LastStep, "LSTM": LastStep}``, initialised from ``seed``.
    """
    seed_everything(seed)
    return {"RNN": LastStep("RNN", 2, hidden_size),
            "LSTM": LastStep("LSTM", 2, hidden_size, forget_bias=forget_bias)}


def train_adding(models: dict, seed: int, steps: int = ADDING["steps"], T: int = ADDING["T"],
                 batch: int = ADDING["batch"], lr: float = ADDING["lr"], clip: float = ADDING["clip"]):
    """Train each model on the adding problem (Adam, gradient-norm clipping); both see the same data.

    Returns ``{name: History}``.
    """
    return {name: train(model, tasks.batches_of(tasks.adding_problem, T, batch, data_stream(seed, TRAIN)),
                        steps=steps, loss="mse", lr=lr, clip=clip)
            for name, model in models.items()}


def held_out_mse(model: nn.Module, seed: int, T: int = ADDING["T"], n: int = 2000) -> float:
    """Mean squared error on ``n`` fresh adding-problem sequences."""
    x, y = tasks.adding_problem(T, n, generator=data_stream(seed, TEST))
    with torch.no_grad():
        return nn.functional.mse_loss(model(x), y).item()


# ---------------------------------------------------------------------------------------------
# The temporal-order task
# ---------------------------------------------------------------------------------------------
def temporal_model(seed: int, forget_bias: float, hidden_size: int = TEMPORAL["hidden_size"]) -> LastStep:
    """An LSTM classifier for the temporal-order task (8 symbols in, 4 classes out)."""
    seed_everything(seed)
    return LastStep("LSTM", len(tasks.TEMPORAL_SYMBOLS), hidden_size, len(tasks.TEMPORAL_CLASSES),
                    forget_bias=forget_bias)


def train_temporal(model: LastStep, seed: int, steps: int = TEMPORAL["steps"], T: int = TEMPORAL["T"],
                   batch: int = TEMPORAL["batch"], lr: float = TEMPORAL["lr"], clip: float = TEMPORAL["clip"]):
    """Train on the temporal-order task with cross-entropy; also record each mini-batch's accuracy.

    Returns ``(History, accuracies)``, one accuracy per step.
    """
    accuracies = []

    def loss(logits, y):
        accuracies.append(accuracy(logits.detach(), y))
        return nn.functional.cross_entropy(logits, y)

    history = train(model, tasks.batches_of(tasks.temporal_order, T, batch, data_stream(seed, TRAIN)),
                    steps=steps, loss=loss, lr=lr, clip=clip)
    return history, np.array(accuracies)


def held_out_accuracy(model: LastStep, seed: int, T: int = TEMPORAL["T"], n: int = 1000) -> float:
    """Accuracy on ``n`` fresh temporal-order sequences (chance: 0.25)."""
    x, y = tasks.temporal_order(T, n, generator=data_stream(seed, TEST))
    with torch.no_grad():
        return accuracy(model(x), y)
