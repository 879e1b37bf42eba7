"""The experiments of chapters 1 and 2, shared by the notebooks and ``tests/test_claims_ch0N.py``.

A chapter calls these functions with its seed and asserts what its text says; the tests call
the same functions with five other seeds and assert the same claims, so the text and the code
cannot drift apart. The settings (``ADDING``, ``TEMPORAL``, ``EXPLODING``) were chosen so that
every run is fast on a laptop CPU and its outcome is unmistakable.

Chapter 1 (Hochreiter & Schmidhuber 1997; Bengio et al. 1994; Pascanu et al. 2013):
    adding_models, train_adding, probe, gradient_norms, held_out_mse, min_smoothed, exploding
Chapter 2 (Gers et al. 2000; Jozefowicz et al. 2015):
    temporal_model, train_temporal, held_out_accuracy, carousel, unit_memory, memory_reach
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch
from torch import nn

from . import gradients, tasks
from .models import LastStep, accuracy
from .seed import seed_everything
from .train import Diverged, History, smooth, train

# The adding problem at T = 100 (chapter 1).
ADDING = dict(T=100, hidden_size=32, batch=128, lr=3e-2, clip=1.0, steps=700, forget_bias=2.0)
# The temporal-order task at T = 60 (chapter 2).
TEMPORAL = dict(T=60, hidden_size=32, batch=64, lr=1e-2, clip=1.0, steps=600)
# An RNN whose recurrent weights are scaled up, trained with plain SGD (chapter 1).
EXPLODING = dict(scale=6.0, lr=0.05, steps=100)


def _data(seed: int, stream: int) -> torch.Generator:
    """An independent random stream for data (``stream`` tells training data from probes apart)."""
    return torch.Generator().manual_seed(1000 * seed + stream)


# ---------------------------------------------------------------------------------------------
# Chapter 1
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
    return {name: train(model, tasks.batches(tasks.adding_problem, T, batch, _data(seed, 1)),
                        steps=steps, loss="mse", lr=lr, clip=clip)
            for name, model in models.items()}


def probe(seed: int, T: int = ADDING["T"], sequences: int = 4) -> torch.Tensor:
    """A few adding-problem sequences to measure gradients on, (T, sequences, 2)."""
    return tasks.adding_problem(T, sequences, generator=_data(seed, 2))[0]


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


def held_out_mse(model: nn.Module, seed: int, T: int = ADDING["T"], n: int = 2000) -> float:
    """Mean squared error on ``n`` fresh adding-problem sequences."""
    x, y = tasks.adding_problem(T, n, generator=_data(seed, 3))
    with torch.no_grad():
        return nn.functional.mse_loss(model(x), y).item()


def min_smoothed(values, window: int = 25) -> float:
    """The lowest moving average (over full windows of ``window`` steps) of a loss curve."""
    return float(smooth(values, window)[window - 1:].min())


@dataclass
class Exploding:
    """What :func:`exploding` measured."""
    norms: np.ndarray                       # ‖∂h_T/∂h_t‖ by distance, recurrent weights scaled up
    diverged_at: int | None                 # step (from 1) at which unclipped SGD overflowed (None: it did not)
    clipped: History = field(repr=False)    # the same training with the gradient norm clipped to 1


def exploding(seed: int, scale: float = EXPLODING["scale"], lr: float = EXPLODING["lr"],
              steps: int = EXPLODING["steps"], T: int = ADDING["T"], batch: int = ADDING["batch"]):
    """The exploding case: a tanh RNN with its recurrent weights W_h multiplied by ``scale``.

    Measures ‖∂h_T/∂h_t‖ by distance, then trains it on the adding problem with plain SGD,
    once without clipping (Bengio et al. 1994: a single huge step can throw the weights far
    away) and once with the gradient norm clipped to 1 (Pascanu et al. 2013).
    """
    def model():
        seed_everything(seed)
        m = LastStep("RNN", 2, ADDING["hidden_size"])
        with torch.no_grad():
            m.rnn.W[:, :m.rnn.hidden_size] *= scale          # W_h, the recurrent block of W
        return m

    norms = gradient_norms({"RNN": model()}, probe(seed, T))["RNN"]
    try:
        train(model(), tasks.batches(tasks.adding_problem, T, batch, _data(seed, 1)),
              steps=steps, loss="mse", lr=lr, clip=None, optimizer="sgd")
        diverged_at = None
    except Diverged as err:
        diverged_at = err.step
    clipped = train(model(), tasks.batches(tasks.adding_problem, T, batch, _data(seed, 1)),
                    steps=steps, loss="mse", lr=lr, clip=1.0, optimizer="sgd")
    return Exploding(norms, diverged_at, clipped)


# ---------------------------------------------------------------------------------------------
# Chapter 2
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

    history = train(model, tasks.batches(tasks.temporal_order, T, batch, _data(seed, 1)),
                    steps=steps, loss=loss, lr=lr, clip=clip)
    return history, np.array(accuracies)


def held_out_accuracy(model: LastStep, seed: int, T: int = TEMPORAL["T"], n: int = 1000) -> float:
    """Accuracy on ``n`` fresh temporal-order sequences (chance: 0.25)."""
    x, y = tasks.temporal_order(T, n, generator=_data(seed, 3))
    with torch.no_grad():
        return accuracy(model(x), y)


@dataclass
class Carousel:
    """What :func:`carousel` measured, each (T + 1, S, H) by distance d = T − t."""
    product: torch.Tensor                   # ∏ f from the recorded forget gates
    direct: torch.Tensor                    # diagonal of ∂C_T/∂C_t by autograd, h cut out (the direct path)
    full: torch.Tensor                      # diagonal of ∂C_T/∂C_t by autograd, every path

    def _relative(self, other, floor=1e-30):
        keep = self.product > floor                         # ∏ f that underflowed has no relative error
        return torch.where(keep, (other - self.product).abs() / self.product.clamp_min(floor), torch.nan)

    def direct_error(self) -> float:
        """Largest relative difference between the direct path (autograd) and ∏ f."""
        return float(torch.nan_to_num(self._relative(self.direct), nan=0.0).max())

    def full_difference(self) -> np.ndarray:
        """Median over units and sequences of |full − ∏ f| / ∏ f, by distance: (T + 1,)."""
        rel = self._relative(self.full)
        return rel.flatten(1).nanmedian(dim=1).values.numpy()


def carousel(model: LastStep, seed: int, T: int = TEMPORAL["T"], sequences: int = 8) -> Carousel:
    """The constant error carousel in a trained LSTM: ∂C_T/∂C_t along the cell state is ∏ f.

    Records the forget gates f_t on a few fresh sequences (``return_gates=True``), multiplies
    them back from T, and compares with autograd's ∂C_T/∂C_t, first with the h path cut
    (the direct path alone) and then with every path.
    """
    x, _ = tasks.temporal_order(T, sequences, generator=_data(seed, 2))
    with torch.no_grad():
        _, _, gates = model.rnn(x, return_gates=True)
    product = gradients.forget_product(gates["f"])
    direct = gradients.jacobians(model.rnn, x, of="C", wrt="C", detach_h=True).diagonal(dim1=2, dim2=3)
    full = gradients.jacobians(model.rnn, x, of="C", wrt="C").diagonal(dim1=2, dim2=3)
    return Carousel(product, direct, full)


def unit_memory(model: LastStep, seed: int, T: int = TEMPORAL["T"], sequences: int = 64) -> np.ndarray:
    """How much of each unit's C_t is still in C_T along the cell state: ∏ f by distance, per unit.

    The geometric mean over ``sequences`` fresh temporal-order sequences of ∏_{s=t+1}^{T} f_s.
    Returns (T + 1, H). A value of 0.5 at distance d means that, along the cell state, the
    unit keeps half of what it held d steps ago.
    """
    x, _ = tasks.temporal_order(T, sequences, generator=_data(seed, 2))
    with torch.no_grad():
        _, _, gates = model.rnn(x, return_gates=True)
    product = gradients.forget_product(gates["f"])                 # (T + 1, S, H)
    return _geometric_mean(product, dim=1).numpy()


def memory_reach(model: LastStep, seed: int, T: int = TEMPORAL["T"], sequences: int = 64) -> np.ndarray:
    """The typical unit's memory: the geometric mean over units of :func:`unit_memory`, (T + 1,)."""
    return _geometric_mean(torch.from_numpy(unit_memory(model, seed, T, sequences)), dim=1).numpy()


def _geometric_mean(t: torch.Tensor, dim: int) -> torch.Tensor:
    return t.clamp_min(1e-38).log().mean(dim=dim).exp()
