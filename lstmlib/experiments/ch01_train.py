"""Chapter 1's training, faster: the same arithmetic as lstmlib's layers, on quicker loops.

Used by ``book/01_rnn_to_lstm.ipynb``. :func:`lstmlib.models.recipes.train_adding` trains
the page's networks on lstmlib's own paths: the RNN on the readable one, where autograd records
three operations per time step, the LSTM on :mod:`lstmlib.layers.fused`. At the chapter's sizes both
cost more than the arithmetic. Here:

- the tanh RNN's recursion runs in NumPy and records nothing (:class:`FastRNN`): forward
  chapter 1's h_t = tanh(a_t), a_t = W_h h_{t-1} + W_x x_t + b; backward the chain rule of
  the chapter's product of Jacobians ∏ diag(1 − h_s²) W_h, step by step:

      ∂L/∂a_t = (∂L/∂h_t + ∂L/∂a_{t+1} · W_h) ⊙ (1 − h_t²),
      ∂L/∂W_h = Σ_t (∂L/∂a_t)ᵀ h_{t-1};

- the LSTM (chapter 1's gate equations, f_t, i_t, C̃_t, o_t, C_t and h_t) trains as the ``torch.nn.LSTM`` of
  :meth:`lstmlib.LSTM.to_torch` (bias_hh held at 0, so that its one bias is lstmlib's b), whose
  loop is compiled, and its trained weights are copied back into the lstmlib layer.

Adam and gradient-norm clipping act element by element and on the global norm, so training
follows the same course as on lstmlib's paths up to rounding (``tests/test_experiments_ch01.py``
compares them in float64). The sweep (``benchmarks/ch01_sweep.py``) trains on lstmlib's paths.

    train_adding(models, seed)          # as recipes.train_adding, on these loops
    exploding(seed)                     # as ch01.exploding, the RNN on FastRNN
"""
from __future__ import annotations

import numpy as np
import torch
from torch import nn

from .. import tasks
from ..layers import LSTM, RNN
from ..models import recipes
from ..models.readouts import LastStep
from ..training.loop import Diverged, train
from ..training.seed import TRAIN, data_stream, seed_everything
from . import ch01


class _Scan(torch.autograd.Function):
    """h_1 … h_T of a tanh RNN from a_x = W_x x_t + b (T, B, H), h_0 (B, H) and W_h (H, H)."""

    @staticmethod
    def forward(ctx, a_x, h0, W_h):
        a, W = a_x.detach().numpy(), W_h.detach().numpy().T      # (T, B, H), (H, H)
        hs = np.empty((len(a) + 1,) + a.shape[1:], a.dtype)      # (T + 1, B, H): h_0 … h_T
        hs[0] = h0.detach().numpy()
        for t in range(a.shape[0]):
            np.tanh(a[t] + hs[t] @ W, out=hs[t + 1])             # h_t = tanh(a_x + W_h h_{t-1})
        ctx.save_for_backward(W_h)
        ctx.hs = hs
        return torch.from_numpy(hs[1:].copy())                   # (T, B, H)

    @staticmethod
    def backward(ctx, d_out):                                    # d_out: ∂L/∂h_t, (T, B, H)
        (W_h,) = ctx.saved_tensors
        hs, W = ctx.hs, W_h.detach().numpy()
        dh_direct = d_out.numpy()
        slope = 1.0 - hs[1:] ** 2                                # (T, B, H): tanh'(a_t)
        da = np.empty_like(slope)                                # ∂L/∂a_t
        dh = np.zeros_like(hs[0])                                # ∂L/∂h_t from step t + 1
        for t in range(len(da) - 1, -1, -1):
            np.multiply(dh + dh_direct[t], slope[t], out=da[t])
            dh = da[t] @ W                                       # ∂L/∂h_{t-1} = ∂L/∂a_t · W_h
        H = W.shape[0]
        dW = da.reshape(-1, H).T @ hs[:-1].reshape(-1, H)        # Σ_t (∂L/∂a_t)ᵀ h_{t-1}
        return torch.from_numpy(da), torch.from_numpy(dh), torch.from_numpy(dW)


class FastRNN(RNN):
    """:class:`lstmlib.RNN`, h_t = tanh(W·[h_{t-1}, x_t] + b) (chapter 1), looped in NumPy.

    The same parameters ``W`` (H, H + D) and ``b`` (H,); recording (``return_gates=True``),
    tensors off the CPU or other than float32/float64 take the readable path.
    """

    def _scan(self, x, h, record):
        fast = (not record and x.device.type == "cpu"
                and x.dtype in (torch.float32, torch.float64) and x.dtype == self.W.dtype)
        if not fast:
            return super()._scan(x, h, record)
        H = self.hidden_size
        a_x = x @ self.W[:, H:].T + self.b                       # (T, B, H)
        output = _Scan.apply(a_x, h, self.W[:, :H])              # (T, B, H)
        return output, output[-1], {}


def fast(model: LastStep) -> LastStep:
    """A view of ``model`` whose RNN layer runs on this path: the same parameter objects, so
    training it trains ``model``. Models without a plain :class:`lstmlib.RNN` come back as is."""
    if not isinstance(model, LastStep):
        raise TypeError(f"expected a LastStep model, got {type(model).__name__}")
    if type(model.rnn) is not RNN:
        return model
    view = LastStep("RNN", model.rnn.input_size, model.rnn.hidden_size)
    view.rnn = FastRNN(model.rnn.input_size, model.rnn.hidden_size, model.rnn.batch_first,
                       dtype=model.rnn.W.dtype)
    view.rnn.W, view.rnn.b = model.rnn.W, model.rnn.b            # shared, not copied
    view.readout = model.readout
    return view


class TorchLSTM(nn.Module):
    """``model`` (a :class:`LastStep` LSTM) with its layer as ``torch.nn.LSTM``: y = W_y h_T + b_y.

    ``lstm`` carries the layer's W and b (:meth:`lstmlib.LSTM.to_torch`); its ``bias_hh`` stays
    0, so the one trained bias is lstmlib's b. ``readout`` is the model's own (shared, so it
    trains in place); :meth:`copy_back` writes the trained W and b into the lstmlib layer.
    """

    def __init__(self, model: LastStep):
        super().__init__()
        self.lstm = model.rnn.to_torch()
        self.lstm.bias_hh_l0.requires_grad_(False)
        self.readout = model.readout

    def forward(self, x):
        return self.readout(self.lstm(x)[0][-1])                 # (B, 1), from h_T

    def copy_back(self, model: LastStep) -> LastStep:
        """Write the trained W and b into ``model``'s LSTM layer (the one built from)."""
        trained = LSTM.from_torch(self.lstm)
        with torch.no_grad():
            model.rnn.W.copy_(trained.W)
            model.rnn.b.copy_(trained.b)
        return model


def _quick(model: LastStep):
    """The view of ``model`` that trains fastest, or the model itself."""
    if not isinstance(model, LastStep):
        raise TypeError(f"expected a LastStep model, got {type(model).__name__}")
    if type(model.rnn) is LSTM and not model.rnn.peepholes:
        return TorchLSTM(model)
    return fast(model)


def train_adding(models: dict, seed: int, **settings) -> dict:
    """:func:`lstmlib.models.recipes.train_adding` (the same data, settings and keywords) on
    the quicker loops above; the models end trained. Returns ``{name: History}``."""
    views = {name: _quick(model) for name, model in models.items()}
    histories = recipes.train_adding(views, seed, **settings)
    for name, view in views.items():
        if isinstance(view, TorchLSTM):
            view.copy_back(models[name])
    return histories


def exploding(seed: int, scale: float = ch01.EXPLODING["scale"],
              lr: float = ch01.EXPLODING["lr"], steps: int = ch01.EXPLODING["steps"],
              T: int = recipes.ADDING["T"], batch: int = recipes.ADDING["batch"]) -> ch01.Exploding:
    """:func:`lstmlib.experiments.ch01.exploding` (W_h × ``scale``, SGD without and with
    clipping; Bengio et al. 1994, Pascanu et al. 2013) with the RNN trained on this path."""
    def model():
        seed_everything(seed)
        m = LastStep("RNN", 2, recipes.ADDING["hidden_size"])
        with torch.no_grad():
            m.rnn.W[:, :m.rnn.hidden_size] *= scale              # W_h, the recurrent block
        return m

    def batches():
        return tasks.batches_of(tasks.adding_problem, T, batch, data_stream(seed, TRAIN))

    norms = ch01.gradient_norms({"RNN": model()}, ch01.probe(seed, T))["RNN"]
    try:
        train(fast(model()), batches(), steps=steps, loss="mse", lr=lr, clip=None,
              optimizer="sgd")
        diverged_at = None
    except Diverged as err:
        diverged_at = err.step
    clipped = train(fast(model()), batches(), steps=steps, loss="mse", lr=lr, clip=1.0,
                    optimizer="sgd")
    return ch01.Exploding(norms, diverged_at, clipped)
