"""Training the NumPy LSTM with its own gradients (appendix A1), in a few lines of NumPy.

A linear readout of the last hidden state h_T with a mean-squared-error loss (the adding
problem's setting, chapter 1), gradient-norm clipping (Pascanu et al. 2013), plain SGD and
Adam (Kingma & Ba 2015), and a loop that puts them together. The gradients are those of
:func:`lstmlib.scratch.numpy_lstm.backward`; nothing here uses torch.

    params = init_with_readout(D, H, out=1, seed=0)   # W, b (the LSTM), W_y, b_y (the readout)
    loss, grads = last_step_mse(params, x, y)         # x: (T, B, D), y: (B, out)
    grads, norm = clip_by_norm(grads, 1.0)            # norm before clipping
    opt = Adam(params, lr=1e-2)
    opt.step(grads)                                   # updates params in place
    history = fit(params, batches, steps=500, optimizer=opt, clip=1.0)
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from .. import validate
from ..training.loop import Diverged
from . import numpy_lstm

READOUT = ("W_y", "b_y")


def init_with_readout(input_size, hidden_size, out=1, seed=0, forget_bias=1.0):
    """The LSTM's W, b (:func:`lstmlib.scratch.numpy_lstm.init_params`) and a readout ``y = W_y h_T + b_y``
    with W_y ~ U(-1/√H, 1/√H), shape (out, H), and b_y = 0, shape (out,)."""
    params = numpy_lstm.init_params(input_size, hidden_size, seed=seed, forget_bias=forget_bias)
    validate.positive_int("out", out)
    rng = np.random.default_rng([seed, 1])            # a stream of its own: W is unchanged
    k = 1 / np.sqrt(hidden_size)
    params["W_y"] = rng.uniform(-k, k, size=(out, hidden_size))
    params["b_y"] = np.zeros(out)
    return params


def _split(params):
    if not isinstance(params, dict) or set(params) != {"W", "b", *READOUT}:
        got = sorted(params) if isinstance(params, dict) else type(params).__name__
        raise TypeError(f"expected params with keys 'W', 'b', 'W_y', 'b_y', got {got}")
    return {k: params[k] for k in ("W", "b")}, params["W_y"], params["b_y"]


def last_step_mse(params, x, y):
    """Loss and gradients of ``L = mean((W_y h_T + b_y − y)²)``, h_T the LSTM's last state.

    x: (T, B, D), y: (B, out). Returns ``(L, grads)``, grads keyed like params. Only h_T
    reaches the loss, so ``dhs`` is zero except at the last step.
    """
    lstm, W_y, b_y = _split(params)
    if not isinstance(y, np.ndarray) or y.ndim != 2 or y.shape[1] != W_y.shape[0]:
        raise ValueError(f"expected y to be a numpy array of shape (B, {W_y.shape[0]}), "
                         f"got {type(y).__name__} {np.shape(y)}")
    if not isinstance(x, np.ndarray) or x.ndim != 3 or x.shape[1] != y.shape[0]:
        raise ValueError(f"expected x of shape (T, {y.shape[0]}, D) for y of shape {y.shape}, "
                         f"got {np.shape(x)}")
    hs, (h_T, C_T), cache = numpy_lstm.forward(x, lstm)
    y_hat = h_T @ W_y.T + b_y                              # (B, out)
    loss = float(np.mean((y_hat - y) ** 2))
    dy = 2 * (y_hat - y) / y.size                          # δŷ = ∂L/∂ŷ  (B, out)
    dhs = np.zeros_like(hs)                                # (T, B, H)
    dhs[-1] = dy @ W_y                                     # δh_T from the readout
    grads = numpy_lstm.backward(dhs, cache)
    grads["W_y"] = dy.T @ h_T                              # (out, H)
    grads["b_y"] = dy.sum(axis=0)                          # (out,)
    return loss, grads


def predict(params, x):
    """The readout's answers ``W_y h_T + b_y`` for x (T, B, D): (B, out)."""
    lstm, W_y, b_y = _split(params)
    _, (h_T, _), _ = numpy_lstm.forward(x, lstm)
    return h_T @ W_y.T + b_y


def global_norm(grads):
    """‖g‖: the Euclidean norm of all gradients together, as if they were one vector."""
    return math.sqrt(sum(float(np.sum(g * g)) for g in grads.values()))


def clip_by_norm(grads, max_norm):
    """Rescale the gradients so their global norm is at most ``max_norm``; keep the direction.

    g ← g · min(1, c / ‖g‖). Returns ``(clipped, norm)`` with ``norm`` = ‖g‖ before
    clipping; ``grads`` itself is not changed.
    """
    if isinstance(max_norm, bool) or not isinstance(max_norm, (int, float)) or not max_norm > 0:
        raise ValueError(f"expected max_norm to be a positive number, got {max_norm!r}")
    norm = global_norm(grads)
    scale = min(1.0, max_norm / (norm + 1e-6))             # as torch.nn.utils.clip_grad_norm_
    return {k: g * scale for k, g in grads.items()}, norm


def _check_lr(lr):
    if isinstance(lr, bool) or not isinstance(lr, (int, float)) or not lr > 0:
        raise ValueError(f"expected lr to be a positive number, got {lr!r}")
    return float(lr)


class SGD:
    """Plain gradient descent: θ ← θ − lr · g, in place."""

    def __init__(self, params, lr):
        self.params, self.lr = params, _check_lr(lr)

    def step(self, grads):
        for k, theta in self.params.items():
            theta -= self.lr * grads[k]


class Adam:
    """Adam (Kingma & Ba 2015), as ``torch.optim.Adam`` with its defaults, in place:

        m ← β₁ m + (1 − β₁) g,   v ← β₂ v + (1 − β₂) g²,
        θ ← θ − lr · (m / (1 − β₁ᵗ)) / (√(v / (1 − β₂ᵗ)) + ε).
    """

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8):
        self.params, self.lr = params, _check_lr(lr)
        self.beta1, self.beta2 = betas
        self.eps = eps
        self.m = {k: np.zeros_like(p) for k, p in params.items()}
        self.v = {k: np.zeros_like(p) for k, p in params.items()}
        self.t = 0

    def step(self, grads):
        self.t += 1
        b1, b2 = self.beta1, self.beta2
        for k, theta in self.params.items():
            g = grads[k]
            self.m[k] = b1 * self.m[k] + (1 - b1) * g
            self.v[k] = b2 * self.v[k] + (1 - b2) * g * g
            m_hat = self.m[k] / (1 - b1 ** self.t)
            v_hat = self.v[k] / (1 - b2 ** self.t)
            theta -= self.lr * m_hat / (np.sqrt(v_hat) + self.eps)


@dataclass
class FitHistory:
    """What :func:`fit` recorded, one entry per step."""
    loss: list = field(default_factory=list)
    grad_norm: list = field(default_factory=list)   # global gradient norm before clipping


def fit(params, batches, steps, optimizer, clip=1.0, loss=last_step_mse):
    """``steps`` optimiser steps on mini-batches ``(x, y)`` drawn from the iterator ``batches``.

    ``loss(params, x, y) -> (L, grads)``; the gradients are clipped to global norm ``clip``
    (None: not clipped) and passed to ``optimizer.step``. Raises
    :class:`lstmlib.training.loop.Diverged` when the loss stops being finite. Returns a :class:`FitHistory`.
    """
    validate.positive_int("steps", steps)
    if not hasattr(optimizer, "step"):
        raise TypeError(f"expected an optimizer with a step(grads) method (SGD, Adam), "
                        f"got {type(optimizer).__name__}")
    history = FitHistory()
    for step in range(1, steps + 1):
        x, y = next(batches)
        with np.errstate(over="ignore", invalid="ignore"):
            value, grads = loss(params, x, y)
        if not math.isfinite(value):
            raise Diverged(step, f"the loss is {value} at step {step}: training diverged; "
                                 f"try a smaller lr or clipping (clip={clip})")
        norm = global_norm(grads)
        if clip is not None:
            grads, norm = clip_by_norm(grads, clip)
        history.loss.append(value)
        history.grad_norm.append(norm)
        optimizer.step(grads)
    return history
