"""A compact training loop: optimiser, gradient clipping, loss history, NaN check, progress.

    history = train(model, make_batch, steps=800, loss="mse", lr=1e-2, clip=1.0)
    history.loss[-1]          # the last mini-batch loss

``make_batch()`` returns one mini-batch ``(x, y)``; ``model(x)`` returns the prediction.
Progress is a ``tqdm`` bar (``tqdm.auto``: a widget in JupyterLab, a text bar in a terminal)
when a person is watching (a terminal or a Jupyter kernel) and never otherwise: not in a pipe,
and not when ``LSTMLIB_PROGRESS=0``, which the website's build and the test suite set
(:mod:`lstmlib.training.progress`, whose rule the sweeps' bars follow too).
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
import torch
from torch import nn

from .. import validate
from .progress import progress_bar

LOSSES = {"mse": nn.functional.mse_loss, "cross_entropy": nn.functional.cross_entropy}
OPTIMIZERS = {"adam": torch.optim.Adam, "sgd": torch.optim.SGD}


@dataclass
class History:
    """What happened during training, one entry per step."""
    loss: list = field(default_factory=list)        # mini-batch loss
    grad_norm: list = field(default_factory=list)   # gradient norm before clipping
    seconds: float = 0.0


def train(model: nn.Module, make_batch, steps: int, loss="mse", lr: float = 1e-2,
          clip: float | None = 1.0, optimizer="adam", progress: bool | None = None) -> History:
    """Train ``model`` for ``steps`` mini-batches and return its :class:`History`.

    Args:
        model: maps x to a prediction that ``loss`` compares with y.
        make_batch: called once per step, returns ``(x, y)``.
        steps: number of optimiser steps.
        loss: "mse", "cross_entropy", or a callable ``loss(prediction, y) -> scalar``.
        lr: learning rate.
        clip: clip the gradient's global norm to this value (None: no clipping).
        optimizer: "adam", "sgd", or a ``torch.optim.Optimizer`` already built on the model.
        progress: show a progress bar (tqdm); None = only when run interactively.

    Raises:
        Diverged: (a FloatingPointError) the loss became NaN or infinite; ``.step`` is the
            step, counted from 1, at which it happened.
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"expected model to be a torch.nn.Module, got {type(model).__name__}")
    if not callable(make_batch):
        raise TypeError(f"expected make_batch to be a callable returning (x, y), got {type(make_batch).__name__}")
    validate.positive_int("steps", steps)
    loss_fn = _loss(loss)
    opt = _optimizer(optimizer, model, lr)
    bar = progress_bar(steps, desc="training", unit="step", show=progress)
    history = History()
    start = time.perf_counter()
    model.train()
    for step in range(steps):
        x, y = make_batch()
        value = loss_fn(model(x), y)
        if not torch.isfinite(value):
            raise Diverged(step + 1, f"the loss became {value.item()} at step {step + 1} of {steps}: "
                           f"training diverged; try a smaller lr (now {lr}) or clipping (clip={clip})")
        opt.zero_grad(set_to_none=True)
        value.backward()
        norm = _clip(model, clip)
        opt.step()
        history.loss.append(value.item())
        history.grad_norm.append(norm)
        if bar is not None:
            bar.set_postfix_str(f"loss {history.loss[-1]:.4g}", refresh=False)
            bar.update()
    history.seconds = time.perf_counter() - start
    if bar is not None:
        bar.close()
    model.eval()
    return history


class Diverged(FloatingPointError):
    """Training stopped because the loss became NaN or infinite; ``step`` counts from 1."""

    def __init__(self, step: int, message: str):
        super().__init__(message)
        self.step = step


def smooth(values, window: int) -> np.ndarray:
    """Moving average of a loss curve over ``window`` steps.

    Entry k averages values k − window + 1 … k; the first window − 1 entries average what
    there is so far, so ``smooth(v, w)[w - 1:]`` holds only full windows.
    """
    values = np.asarray(values, dtype=float)
    if values.ndim != 1:
        raise ValueError(f"expected a 1-d sequence of values, got shape {values.shape}")
    validate.positive_int("window", window)
    c = np.cumsum(np.insert(values, 0, 0.0))
    n = np.minimum(np.arange(1, len(values) + 1), window)
    return (c[1:] - c[np.arange(1, len(values) + 1) - n]) / n


def min_smoothed(values, window: int = 25) -> float:
    """The lowest moving average (over full windows of ``window`` steps) of a loss curve."""
    return float(smooth(values, window)[window - 1:].min())


def _loss(loss):
    if callable(loss):
        return loss
    if loss not in LOSSES:
        raise ValueError(f"unknown loss {loss!r}: expected one of {tuple(LOSSES)} or a callable")
    return LOSSES[loss]


def _optimizer(optimizer, model, lr):
    if isinstance(optimizer, torch.optim.Optimizer):
        return optimizer
    if optimizer not in OPTIMIZERS:
        raise ValueError(f"unknown optimizer {optimizer!r}: expected one of {tuple(OPTIMIZERS)} "
                         f"or a torch.optim.Optimizer")
    return OPTIMIZERS[optimizer](model.parameters(), lr=lr)


def _clip(model, clip):
    """Clip the global gradient norm to ``clip``; return the norm before clipping."""
    params = [p for p in model.parameters() if p.grad is not None]
    if clip is None:
        norm = torch.linalg.vector_norm(torch.stack([p.grad.norm() for p in params])) if params else torch.tensor(0.0)
    else:
        norm = torch.nn.utils.clip_grad_norm_(params, clip)
    return float(norm)
