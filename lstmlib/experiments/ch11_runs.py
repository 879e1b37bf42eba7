"""Chapter 11's trained networks: padding, long streams, initial states, stacks, a lagged forecast.

Each function trains small networks from the chapter's ``SEED`` in float32 (a few seconds on
one thread) and returns what the chapter measures on fresh data:

    PADDED, STREAM, STACK, LAGGED   the settings
    padded          the first value minus the last (lstmlib.tasks.padded), read at each
                    sequence's last valid step or at the padded end; from a zero or a learned
                    start; and fed the state the previous batch ended in
    stream          chapter 9's latch stream with rare markers: state carried across chunks
                    (truncated BPTT) or reset at every chunk, and the floor without a state
    undetached      the error a carried state with its graph raises at the second backward
    stacks          one layer against a stack of two at about the same parameter count, on
                    chapter 9's word text
    lagged          a one-step forecast against the last value, on a series whose next value
                    is mostly its last (AR(1), φ = 0.95)
"""
from __future__ import annotations

import math

import numpy as np
import torch
from torch import nn

from ..layers import LSTM
from ..layers.stacks import Stack
from ..models import Carried, EveryStep
from ..models.padded import PaddedLastStep
from ..tasks import latch, padded, words
from ..training.loop import train

PADDED = dict(hidden_size=16, batch=32, steps=400, lr=1e-2, test=2000)
STREAM = dict(hidden_size=16, window=10, batch=16, p_marker=0.05, steps=400, lr=1e-2, test_streams=16,
              test_chunks=300, burn_in=10)
STACK = dict(one=(32,), two=(22, 22), T=30, batch=16, steps=300, lr=1e-2, test=400)
LAGGED = dict(hidden_size=16, train_share=0.75, window=24, batch=16, steps=300, lr=1e-2, N=1000, phi=0.95)


def _mse(y_hat, y) -> float:
    return ((y_hat - y) ** 2).mean().item()


def padded_runs(seed: int) -> dict:
    """Train a zero-start and a learned-start PaddedLastStep; test both on fresh batches.

    Returns per start: ``right`` (readout at each sequence's last step), ``wrong`` (at the
    padded end, output[-1]), ``carried`` (right readout, but starting from the state the
    previous test batch ended in instead of a fresh one), and the model.
    """
    s, out = PADDED, {}
    for start in ("zero", "learned"):
        torch.manual_seed(seed)
        g = torch.Generator().manual_seed(seed)
        model = PaddedLastStep(1, s["hidden_size"], 1, learned_start=start == "learned")

        def make_batch():
            x, lengths, y = padded.first_minus_last(s["batch"], g)
            return (x, lengths), y
        train(model, make_batch, steps=s["steps"], lr=s["lr"], progress=False)
        test = torch.Generator().manual_seed(10_000 + seed)
        (x0, l0, _), (x, lengths, y) = (padded.first_minus_last(s["test"], test) for _ in range(2))
        with torch.no_grad():
            output, _ = model.rnn(x, state=model.start(x.shape[1]))          # (T, B, H)
            _, previous = model.rnn(x0, state=model.start(x.shape[1]))       # the batch before
            out[start] = dict(right=_mse(model((x, lengths)), y), wrong=_mse(model.readout(output[-1]), y),
                              carried=_mse(model((x, lengths), state=previous), y), model=model)
    return out


def stream_runs(seed: int) -> dict:
    """Train on the latch stream in chunks of ``window`` steps, the state carried (stateful) or
    reset before every chunk (stateless); test each both ways on fresh streams.

    Returns ``{training: {"carried": mse, "reset": mse}}`` for training in ("stateful",
    "stateless"), and ``floor``: the least MSE any network reset at every chunk can reach
    (:func:`stateless_floor`).
    """
    s, out = STREAM, {}
    for training in ("stateful", "stateless"):
        torch.manual_seed(seed)
        g = torch.Generator().manual_seed(seed)
        model = Carried(EveryStep("LSTM", 2, s["hidden_size"], 1))
        stream = latch.LatchStream(s["batch"], g, s["p_marker"])

        def make_batch():
            if training == "stateless":
                model.reset()
            return stream.next(s["window"])
        train(model, make_batch, steps=s["steps"], lr=s["lr"], progress=False)
        out[training] = {mode: stream_error(model, seed, reset=mode == "reset") for mode in ("carried", "reset")}
    out["floor"] = stateless_floor(seed)
    return out


def stream_error(model: Carried, seed: int, reset: bool) -> float:
    """MSE on fresh latch streams run chunk by chunk, after ``burn_in`` chunks; the state is
    carried from chunk to chunk, or reset before each if ``reset``."""
    s = STREAM
    stream = latch.LatchStream(s["test_streams"], torch.Generator().manual_seed(20_000 + seed), s["p_marker"])
    model.reset()
    errors = []
    with torch.no_grad():
        for k in range(s["test_chunks"]):
            x, y = stream.next(s["window"])
            if reset:
                model.reset()
            if k >= s["burn_in"]:
                errors.append(_mse(model(x), y))
            else:
                model(x)
    return float(np.mean(errors))


def stateless_floor(seed: int) -> dict:
    """The least MSE of a network whose state is reset at every chunk of ``window`` steps.

    At step t of a chunk (t = 0 … window − 1) no marker has come in the chunk yet with
    probability (1 − p)^(t + 1); the held value, U[−1, 1], is then unknown and the best answer,
    0, costs its variance 1/3. ``expected``: that, averaged over the chunk's steps; ``test``:
    the same floor on the test streams of :func:`stream_error` (y² where no marker has come
    in the chunk yet), which is what the reset networks' errors are measured on."""
    s = STREAM
    q = 1 - s["p_marker"]
    expected = latch.LATCH_BASELINE * sum(q ** (t + 1) for t in range(s["window"])) / s["window"]
    stream = latch.LatchStream(s["test_streams"], torch.Generator().manual_seed(20_000 + seed), s["p_marker"])
    unknown = []
    for k in range(s["test_chunks"]):
        x, y = stream.next(s["window"])                                    # (W, S, 2), (W, S, 1)
        seen = x[..., 1].cummax(dim=0).values                              # (W, S): 1 once a marker came
        if k >= s["burn_in"]:
            unknown.append((y[..., 0] ** 2 * (1 - seen)).mean().item())
    return dict(expected=expected, test=float(np.mean(unknown)))


def undetached(seed: int) -> str:
    """The message torch raises when a carried state keeps its graph: train two chunks."""
    torch.manual_seed(seed)
    g = torch.Generator().manual_seed(seed)
    model = Carried(EveryStep("LSTM", 2, 8, 1), detach=False)
    stream = latch.LatchStream(4, g)
    try:
        train(model, lambda: stream.next(STREAM["window"]), steps=2, progress=False)
    except RuntimeError as err:
        return str(err)
    raise AssertionError("expected the second backward through a carried graph to fail")


class _OnText(nn.Module):
    """Layers (a Stack) and a readout to the alphabet, for next-character prediction."""

    def __init__(self, sizes):
        super().__init__()
        V = len(words.ALPHABET)
        self.rnn = Stack([LSTM(V if k == 0 else sizes[k - 1], H) for k, H in enumerate(sizes)])
        self.readout = nn.Linear(sizes[-1], V)

    def forward(self, x):
        return self.readout(self.rnn(x)[0])                      # (T, B, V)


def _cross_entropy(logits, y):
    return nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1))


def stacks(seed: int) -> dict:
    """One layer of 32 against two of 22 on the word text: parameters and bits per character
    above the best possible predictor (``words.optimal_bits``) on fresh text."""
    s, out = STACK, {}
    x, y = words.word_text(s["T"], s["test"], torch.Generator().manual_seed(30_000 + seed))
    floor = words.optimal_bits(x, y)
    for name in ("one", "two"):
        torch.manual_seed(seed)
        g = torch.Generator().manual_seed(seed)
        model = _OnText(s[name])
        train(model, lambda: words.word_text(s["T"], s["batch"], g), steps=s["steps"], loss=_cross_entropy,
              lr=s["lr"], progress=False)
        with torch.no_grad():
            bits = _cross_entropy(model(x), y).item() / math.log(2)
        out[name] = dict(parameters=sum(p.numel() for p in model.parameters()), above_floor=bits - floor)
    return out


def persistent(seed: int, N: int = LAGGED["N"], phi: float = LAGGED["phi"]) -> np.ndarray:
    """An AR(1) series x_t = φ·x_{t-1} + ε_t, ε_t ~ N(0, 1), from its stationary start: (N,).

    Its best one-step forecast is φ·x_t, so with φ = 0.95 the last value, the naive forecast,
    is within 3 % of the best possible MSE (1 + (1 − φ)²/(1 − φ²) = 1.026 times it)."""
    eps = torch.randn(N, generator=torch.Generator().manual_seed(40_000 + seed), dtype=torch.float64).numpy()
    x = np.empty(N)
    x[0] = eps[0] / math.sqrt(1 - phi ** 2)
    for t in range(1, N):
        x[t] = phi * x[t - 1] + eps[t]
    return x


def lagged(seed: int) -> dict:
    """An LSTM trained to forecast :func:`persistent` one step ahead, where the last value (the
    naive forecast, chapter 10) is nearly the best forecast there is; trained on the series'
    first three quarters and tested on the last.

    Returns the two MSEs (in the series' unit squared), the correlation of the network's
    forecast with the current value and with the next (the one it forecasts), and the arrays."""
    s = LAGGED
    values = persistent(seed)                                                 # (N,)
    n_train = int(s["train_share"] * len(values))                           # the first three quarters
    mean, sd = values[:n_train].mean(), values[:n_train].std()
    z = torch.tensor((values - mean) / sd, dtype=torch.float32)               # (N,)
    torch.manual_seed(seed)
    g = torch.Generator().manual_seed(seed)
    model = EveryStep("LSTM", 1, s["hidden_size"], 1)

    def make_batch():
        start = torch.randint(0, n_train - s["window"], (s["batch"],), generator=g)
        idx = start.unsqueeze(0) + torch.arange(s["window"] + 1).unsqueeze(1)     # (window + 1, B)
        return z[idx[:-1]].unsqueeze(2), z[idx[1:]].unsqueeze(2)                  # x_t, x_{t+1}
    train(model, make_batch, steps=s["steps"], lr=s["lr"], progress=False)
    with torch.no_grad():
        y_hat = model(z[:-1].reshape(-1, 1, 1)).reshape(-1).numpy() * sd + mean  # forecast of t + 1
    test = slice(n_train, len(values) - 1)                                   # the last quarter
    now, later, forecast = values[:-1][test], values[1:][test], y_hat[test]
    return dict(mse=float(np.mean((forecast - later) ** 2)), naive_mse=float(np.mean((now - later) ** 2)),
                corr_now=float(np.corrcoef(forecast, now)[0, 1]), corr_next=float(np.corrcoef(forecast, later)[0, 1]),
                now=now, later=later, forecast=forecast)
