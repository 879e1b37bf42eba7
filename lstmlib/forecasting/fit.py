"""Training a forecaster: Adam on mini-batches of training windows, the checkpoint with the
lowest validation error kept (early stopping, judged on the validation part only).

    model, run = fit(build("LSTM", 36, 12, 9), problem, seed=0, steps=300)
    forecast(model, problem, "test")          # (B, K) in the series' unit
    run.val_mse                               # validation MSE (normalised) at each check
"""
from __future__ import annotations

import copy
from dataclasses import dataclass, field

import numpy as np
import torch
from torch import nn

from .. import validate
from ..training.loop import History, train
from ..training.seed import TRAIN, data_stream
from .protocol import Problem

FIT = dict(steps=300, batch=64, lr=1e-2, clip=1.0, check_every=25, warmup=0)


@dataclass
class Run:
    """What :func:`fit` recorded."""
    history: History = field(repr=False)    # every training step's mini-batch loss
    checks: list                            # the steps after which the validation MSE was measured
    val_mse: list                           # validation MSE (normalised units) at each check
    best_step: int                          # the check whose weights were kept


def batches(X: torch.Tensor, Y: torch.Tensor, batch: int, generator: torch.Generator):
    """make_batch for :func:`lstmlib.train`: random training windows, drawn with ``generator``."""
    def make_batch():
        rows = torch.randint(0, len(X), (min(batch, len(X)),), generator=generator)
        return X[rows], Y[rows]
    return make_batch


def warmed_up(make_batch, optimizer: torch.optim.Optimizer, lr: float, warmup: int):
    """make_batch that also sets the learning rate for the step it feeds: lr · k / warmup at
    the k-th step (from 1) up to ``warmup``, then ``lr``: a linear warm-up, as Transformers
    are trained (Vaswani et al. 2017). ``warmup`` 0: the make_batch given, unchanged."""
    if warmup == 0:
        return make_batch
    step = 0

    def make_warm_batch():
        nonlocal step
        step += 1
        for group in optimizer.param_groups:
            group["lr"] = lr * min(1.0, step / warmup)
        return make_batch()
    return make_warm_batch


def val_mse(model: nn.Module, problem: Problem) -> float:
    """Mean squared error on the validation windows, in normalised units."""
    X, Y = problem.windows("val")
    with torch.no_grad():
        return nn.functional.mse_loss(model(X), Y).item()


def fit(model: nn.Module, problem: Problem, seed: int, steps: int = FIT["steps"],
        batch: int = FIT["batch"], lr: float = FIT["lr"], clip: float = FIT["clip"],
        check_every: int = FIT["check_every"], warmup: int = FIT["warmup"]):
    """Train ``model`` on the training windows of ``problem`` with MSE; every ``check_every``
    steps measure the validation MSE, and at the end restore the best weights. The learning
    rate rises linearly over the first ``warmup`` steps (:func:`warmed_up`).

    The mini-batches come from ``data_stream(seed, TRAIN)``. Build the model after
    ``lstmlib.seed_everything(seed)`` for a fully seeded run (as
    :func:`lstmlib.experiments.ch10.train` does).
    Returns ``(model, Run)``.
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"expected model to be a torch.nn.Module, got {type(model).__name__}")
    if not isinstance(problem, Problem):
        raise TypeError(f"expected a forecasting Problem, got {type(problem).__name__}")
    steps = validate.positive_int("steps", steps)
    check_every = validate.positive_int("check_every", check_every)
    X, Y = problem.windows("train")                                  # (B, L), (B, K)
    make_batch = batches(X, Y, validate.positive_int("batch", batch), data_stream(seed, TRAIN))
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    if isinstance(warmup, bool) or not isinstance(warmup, int) or not 0 <= warmup <= steps:
        raise ValueError(f"expected warmup to be an int from 0 to steps = {steps}, got {warmup!r}")
    make_batch = warmed_up(make_batch, optimizer, lr, warmup)
    history, checks, scores = History(), [0], [val_mse(model, problem)]
    best = (scores[0], 0, copy.deepcopy(model.state_dict()))
    done = 0
    while done < steps:
        chunk = min(check_every, steps - done)
        part = train(model, make_batch, chunk, loss="mse", clip=clip, optimizer=optimizer,
                     progress=False)
        history.loss += part.loss
        history.grad_norm += part.grad_norm
        history.seconds += part.seconds
        done += chunk
        checks.append(done)
        scores.append(val_mse(model, problem))
        if scores[-1] < best[0]:
            best = (scores[-1], done, copy.deepcopy(model.state_dict()))
    model.load_state_dict(best[2])
    model.eval()
    return model, Run(history, checks, scores, best[1])


def forecast(model: nn.Module, problem: Problem, part: str) -> np.ndarray:
    """The model's forecasts from every origin of ``part``, (B, K), in the series' unit."""
    X, _ = problem.windows(part)
    with torch.no_grad():
        z = model(X).double().numpy()                                 # (B, K), normalised
    return problem.to_unit(z)
