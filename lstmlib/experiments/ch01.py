"""Chapter 1, from RNN to LSTM: vanishing and exploding gradients, and the adding problem.

Used by ``book/01_rnn_to_lstm.ipynb``, whose claims ``benchmarks/robustness.py`` checks over
many seeds and numeric environments (Hochreiter & Schmidhuber 1997; Bengio et al. 1994;
Pascanu et al. 2013); what the chapter adds to these lives in
:mod:`lstmlib.experiments.ch01_runs`. The adding problem's settings, models and training
(``ADDING``, ``adding_models``, ``train_adding``, ``held_out_mse``), which chapters 4 and 8
share, live in :mod:`lstmlib.models.recipes`, which the chapter's notebook imports too.

    probe, gradient_norms, min_smoothed, exploding
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch

from .. import tasks
from ..analysis import gradients
from ..models.readouts import LastStep
from ..models import recipes
from ..training.loop import Diverged, History, min_smoothed, train
from ..training.seed import PROBE, TRAIN, data_stream, seed_everything

# An RNN whose recurrent weights are scaled up, trained with plain SGD.
EXPLODING = dict(scale=6.0, lr=0.05, steps=100)


def probe(seed: int, T: int = recipes.ADDING["T"], sequences: int = 4) -> torch.Tensor:
    """A few adding-problem sequences to measure gradients on, (T, sequences, 2)."""
    return tasks.adding_problem(T, sequences, generator=data_stream(seed, PROBE))[0]


def gradient_norms(models: dict, x: torch.Tensor) -> dict:
    """‖∂h_T/∂h_t‖ (Frobenius, mean over the sequences in x) by distance T − t, for each model.

    Returns ``{name: np.ndarray of shape (T,)}``; entry d is the distance d = T − t, for the
    states h_1 … h_T the sequence produced (the zero initial state h_0 is left out).
    """
    out = {}
    for name, model in models.items():
        layer = model.rnn if isinstance(model, LastStep) else model
        out[name] = gradients.frobenius_by_distance(gradients.jacobians(layer, x))[:-1].numpy()
    return out


@dataclass
class Exploding:
    """What :func:`exploding` measured."""
    norms: np.ndarray                       # ‖∂h_T/∂h_t‖ by distance, recurrent weights scaled up
    diverged_at: int | None                 # step (from 1) at which unclipped SGD overflowed (None: it did not)
    clipped: History = field(repr=False)    # the same training with the gradient norm clipped to 1


def exploding(seed: int, scale: float = EXPLODING["scale"], lr: float = EXPLODING["lr"],
              steps: int = EXPLODING["steps"], T: int = recipes.ADDING["T"],
              batch: int = recipes.ADDING["batch"]):
    """The exploding case: a tanh RNN with its recurrent weights W_h multiplied by ``scale``.

    Measures ‖∂h_T/∂h_t‖ by distance, then trains it on the adding problem with plain SGD,
    once without clipping (Bengio et al. 1994: a single huge step can throw the weights far
    away) and once with the gradient norm clipped to 1 (Pascanu et al. 2013).
    """
    def model():
        seed_everything(seed)
        m = LastStep("RNN", 2, recipes.ADDING["hidden_size"])
        with torch.no_grad():
            m.rnn.W[:, :m.rnn.hidden_size] *= scale          # W_h, the recurrent block of W
        return m

    norms = gradient_norms({"RNN": model()}, probe(seed, T))["RNN"]
    try:
        train(model(), tasks.batches_of(tasks.adding_problem, T, batch, data_stream(seed, TRAIN)),
              steps=steps, loss="mse", lr=lr, clip=None, optimizer="sgd")
        diverged_at = None
    except Diverged as err:
        diverged_at = err.step
    clipped = train(model(), tasks.batches_of(tasks.adding_problem, T, batch, data_stream(seed, TRAIN)),
                    steps=steps, loss="mse", lr=lr, clip=1.0, optimizer="sgd")
    return Exploding(norms, diverged_at, clipped)
