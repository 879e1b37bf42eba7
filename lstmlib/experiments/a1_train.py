"""Appendix A1: training the NumPy LSTM with its own gradients, and numerical care.

Used by ``book/a1_numpy_lstm.ipynb``, which checks its claims (over many runs in
``benchmarks/robustness.py``); ``tests/test_experiments_a1.py`` tests these functions. The
NumPy LSTM (:mod:`lstmlib.scratch.numpy_lstm`) with a linear readout learns the adding problem
(Hochreiter & Schmidhuber 1997; Le et al. 2015) at a short lag from its hand-written
gradients, with NumPy Adam (Kingma & Ba 2015) and gradient-norm clipping (Pascanu et al.
2013) from :mod:`lstmlib.scratch.numpy_train`, in several runs; the two carries of backpropagation
through time, (B15) and (B16), are followed step by step before and after training; the same
run under torch autograd follows the NumPy run step for step. Then: an exploding gradient in
NumPy and what clipping does with it, and three ways to compute the sigmoid at ``|x| = 1000``.

    ADDING, adding_batches, adding_params, train_adding, held_out_mse, run_seeds, Run,
    train_runs, runs_figure, carry_fade, twin_training, carries, carries_figure,
    EXPLODE, SATURATED, Exploding, exploding, strictly, sigmoid_formulas
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
import torch

from .. import plots, style, tasks
from ..layers import fused
from ..models.readouts import LastStep
from ..scratch import numpy_lstm, numpy_train
from ..training.loop import min_smoothed, train as torch_train
from ..training.seed import PROBE, TEST, TRAIN, data_stream

# Training the NumPy LSTM on the adding problem at a short lag, with its own gradients.
ADDING = dict(T=20, hidden_size=16, batch=64, lr=1e-2, clip=1.0, steps=600, forget_bias=1.0,
              test=2000, twin_steps=100, runs=4)
# Exploding gradients: the adding problem at T = 100, the recurrent weights W_h scaled up.
EXPLODE = dict(T=100, hidden_size=16, batch=64, scale=20.0, lr=0.05, clip=1.0)
# σ'(a) = σ(a)(1 − σ(a)) is below 1e-17 beyond |a| = 40: a unit there has stopped learning.
SATURATED = 40.0


def adding_batches(seed: int, T: int = ADDING["T"], batch: int = ADDING["batch"], stream=TRAIN):
    """Endless adding-problem mini-batches as float64 NumPy arrays: x (T, B, 2), y (B, 1)."""
    g = data_stream(seed, stream)
    while True:
        x, y = tasks.adding_problem(T, batch, generator=g)
        yield x.double().numpy(), y.double().numpy()


def adding_params(seed: int, hidden_size: int = ADDING["hidden_size"]) -> dict:
    """The NumPy LSTM with a linear readout, initialised from ``seed``."""
    return numpy_train.init_with_readout(2, hidden_size, seed=seed, forget_bias=ADDING["forget_bias"])


def train_adding(seed: int, steps: int = ADDING["steps"], T: int = ADDING["T"],
                 optimizer: str = "adam", lr: float = ADDING["lr"], clip=ADDING["clip"]):
    """Train the NumPy LSTM on the adding problem with its own gradients and NumPy Adam (or
    plain SGD). Returns ``(params, history)``."""
    if optimizer not in ("adam", "sgd"):
        raise ValueError(f"expected optimizer 'adam' or 'sgd', got {optimizer!r}")
    params = adding_params(seed)
    opt = (numpy_train.Adam if optimizer == "adam" else numpy_train.SGD)(params, lr=lr)
    history = numpy_train.fit(params, adding_batches(seed, T), steps, opt, clip=clip)
    return params, history


def held_out_mse(params: dict, seed: int, T: int = ADDING["T"], n: int = ADDING["test"]) -> float:
    """Mean squared error on ``n`` fresh adding-problem sequences."""
    x, y = next(adding_batches(seed, T, n, stream=TEST))
    return float(np.mean((numpy_train.predict(params, x) - y) ** 2))


def run_seeds(seed: int, runs: int = ADDING["runs"]) -> list:
    """The seeds of the ``runs`` training runs a page with ``SEED = seed`` shows: runs · seed,
    ..., runs · seed + runs − 1, so that two pages' runs never overlap."""
    for name, v, low in (("seed", seed, 0), ("runs", runs, 1)):
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < low:
            raise ValueError(f"expected {name} to be an int >= {low}, got {v!r}")
    return [runs * seed + k for k in range(runs)]


@dataclass
class Run:
    """One training run of the NumPy LSTM on the adding problem, and what appendix A1 reads
    from it."""
    seed: int
    params: dict                 # W, b, W_y, b_y after training
    history: object              # numpy_train.FitHistory: .loss, .grad_norm (before clipping)
    plateau: float               # lowest 25-step average loss of the first 100 steps / baseline
    test_mse: float              # on ADDING["test"] fresh sequences
    carries: dict                # {"at initialisation": carries(...), "trained": carries(...)}


def train_runs(seed: int, runs: int = ADDING["runs"]) -> list:
    """Train the runs of :func:`run_seeds` (:func:`train_adding`) and read each: its plateau,
    its held-out error and its two carries before and after training. Returns [Run]."""
    out = []
    for s in run_seeds(seed, runs):
        params, history = train_adding(s)
        plateau = min_smoothed(history.loss[:100]) / tasks.ADDING_BASELINE
        out.append(Run(s, params, history, plateau, held_out_mse(params, s),
                       {"at initialisation": carries(adding_params(s), s),
                        "trained": carries(params, s)}))
    return out


def carry_fade(runs: list) -> dict:
    """How much of each carry survives the whole sequence, in each run (appendix A1): its size
    at the first step over its size at the last, ``{"at initialisation": (runs, 2),
    "trained": (runs, 2)}``, columns δh (B15) and δC (B16)."""
    return {name: np.array([[run.carries[name][k][-1] / run.carries[name][k][0]
                             for k in ("δh", "δC")] for run in runs])
            for name in ("at initialisation", "trained")}


def runs_figure(runs: list):
    """Learning curves of several runs (appendix A1): the first (the page's) in the LSTM's
    colour, the others lighter, with the baseline 1/6."""
    curves = {}
    for k, run in enumerate(runs):
        style_k = ({"color": style.MODEL["LSTM"]} if k == 0 else
                   {"color": style.SKY_BLUE, "linewidth": 1.2})
        label = f"run {run.seed}" + (" (the page's)" if k == 0 else "")
        curves[label] = (run.history.loss, style_k)
    return plots.learning_curves(curves, baseline=tasks.ADDING_BASELINE,
                                 baseline_label="baseline: always answer 1 (MSE 1/6)",
                                 ylabel="MSE (mini-batch)", log=True)


def twin_training(seed: int, steps: int = ADDING["twin_steps"]):
    """The same start, data and optimiser twice: the NumPy LSTM with its own gradients and NumPy
    Adam, and :class:`lstmlib.models.LastStep` (float64) with torch autograd (readable path)
    and ``torch.optim.Adam``. Returns ``(numpy_losses, torch_losses, max |ΔW|)``."""
    params = adding_params(seed)
    model = LastStep("LSTM", 2, ADDING["hidden_size"]).double()
    with torch.no_grad():
        for name, t in (("W", model.rnn.W), ("b", model.rnn.b), ("W_y", model.readout.weight),
                        ("b_y", model.readout.bias)):
            t.copy_(torch.from_numpy(params[name]))
    history = numpy_train.fit(params, adding_batches(seed), steps,
                                numpy_train.Adam(params, lr=ADDING["lr"]), clip=ADDING["clip"])
    batches = adding_batches(seed)

    def make_batch():
        x, y = next(batches)
        return torch.from_numpy(x), torch.from_numpy(y)

    with fused.disabled():
        twin = torch_train(model, make_batch, steps, loss="mse", lr=ADDING["lr"],
                           clip=ADDING["clip"], progress=False)
    dW = float(np.abs(params["W"] - model.rnn.W.detach().numpy()).max())
    return np.array(history.loss), np.array(twin.loss), dW


# ---------------------------------------------------------------------------------------------
# The two carries through time
# ---------------------------------------------------------------------------------------------
def carries(params: dict, seed: int, T: int = ADDING["T"], batch: int = ADDING["batch"]) -> dict:
    """The two carries of backpropagation through time (appendix A1, (B15) and (B16)), step by
    step, for the adding problem's loss on one mini-batch (the PROBE stream of ``seed``).

    Returns ``{"δh": (T,), "δC": (T,)}`` by distance d = T − 1 − t (entry 0: what the last
    step hands on): ‖W_h^T δa_t‖, the carry into δh_{t−1}, and ‖δC_t ⊙ f_t‖, the carry into
    δC_{t−1} (norms over the mini-batch), each divided by ‖δh_T‖, the error the readout sends
    into the last hidden state. The carries out of step t are what
    :func:`lstmlib.scratch.numpy_lstm.backward` returns as ``(dh0, dC0)`` when it runs over the steps
    t, ..., T only: that is how they are read here, without touching its loop.
    """
    if not isinstance(params, dict) or not {"W", "b", "W_y", "b_y"} <= set(params):
        got = sorted(params) if isinstance(params, dict) else type(params).__name__
        raise TypeError(f"expected params with keys 'W', 'b', 'W_y', 'b_y', got {got}")
    x, y = next(adding_batches(seed, T, batch, stream=PROBE))       # (T, B, 2), (B, 1)
    lstm = {"W": params["W"], "b": params["b"]}
    hs, (h_T, _), cache = numpy_lstm.forward(x, lstm)                # hs: (T, B, H)
    dy = 2 * (h_T @ params["W_y"].T + params["b_y"] - y) / y.size   # δŷ  (B, 1)
    dhs = np.zeros_like(hs)
    dhs[-1] = dy @ params["W_y"]                                     # δh_T from the readout
    scale = np.linalg.norm(dhs[-1])
    out = {"δh": np.empty(T), "δC": np.empty(T)}
    for t in range(T):
        tail = dict(cache, steps=cache["steps"][t:])                 # steps t, ..., T
        _, _, (dh_carry, dC_carry) = numpy_lstm.backward(dhs[t:], tail, with_inputs=True)
        out["δh"][T - 1 - t] = np.linalg.norm(dh_carry) / scale
        out["δC"][T - 1 - t] = np.linalg.norm(dC_carry) / scale
    return out


def carries_figure(panels: dict):
    """The two carries against the distance, one panel per network: ``{title: carries(...)}``
    (appendix A1). δh's carry in the hidden state's colour, δC's in the cell state's."""
    if not isinstance(panels, dict) or not panels:
        raise TypeError(f"expected a non-empty dict {{title: carries}}, got {panels!r}")
    fig, axes = plots.figure(len(panels), height=3.2)
    axes = np.atleast_1d(axes)
    for ax, (title, c) in zip(axes, panels.items()):
        d = np.arange(len(c["δh"]))
        ax.semilogy(d, c["δC"], color=style.GATE["C_t"], marker="o", markersize=3,
                    label="carry into $\\delta C_{t-1}$: $\\delta C_t \\odot f_t$ (B16)")
        ax.semilogy(d, c["δh"], color=style.GATE["h"], marker="s", markersize=3,
                    linestyle="--", label="carry into $\\delta h_{t-1}$: $W_h^\\top \\delta a_t$ (B15)")
        ax.set_title(title)
        ax.set_xlabel("distance $T - t$ (time steps)")
    axes[0].set_ylabel("carry, relative to $\\Vert \\delta h_T \\Vert$")
    low = min(min(c["δh"].min(), c["δC"].min()) for c in panels.values())
    high = max(max(c["δh"].max(), c["δC"].max()) for c in panels.values())
    for ax in axes:
        ax.set_ylim(low / 3, high * 3)
    axes[0].legend(fontsize=8, loc="lower left")
    return fig


# ---------------------------------------------------------------------------------------------
# Numerical care
# ---------------------------------------------------------------------------------------------
@dataclass
class Exploding:
    """What :func:`exploding` measured on one mini-batch of the adding problem at T = 100."""
    by_distance: dict            # {"W_h × 1": (T,), "W_h × s": (T,)}: ‖∂L/∂x_t‖ by distance T − t
    norm: dict                   # the same two: ‖g‖, the global gradient norm
    unclipped: dict              # one SGD step with g: step length, largest |a|, share saturated
    clipped: dict                # ... with g clipped to norm c; also its norm and cosine with g
    before: dict = field(default_factory=dict)   # largest |a| and share saturated before the step


def _pre_activations(params, x) -> np.ndarray:
    """|a_t| at every step for x: (T, B, 4H)."""
    lstm = {"W": params["W"], "b": params["b"]}
    _, _, cache = numpy_lstm.forward(x, lstm)
    return np.abs(np.stack([s.hx @ lstm["W"].T + lstm["b"] for s in cache["steps"]]))


def _saturation(params, x) -> dict:
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        a = _pre_activations(params, x)
    return {"max |a|": float(a.max()), "saturated": float(np.mean(a > SATURATED))}


def exploding(seed: int, T: int = EXPLODE["T"], scale: float = EXPLODE["scale"],
              lr: float = EXPLODE["lr"], clip: float = EXPLODE["clip"]) -> Exploding:
    """An exploding gradient in the NumPy LSTM, and what one SGD step does with and without
    clipping. The recurrent weights W_h (the first H columns of W) are multiplied by ``scale``."""
    H = EXPLODE["hidden_size"]
    x, y = next(adding_batches(seed, T, EXPLODE["batch"], stream=PROBE))
    by_distance, norm = {}, {}
    for label, s in (("W_h × 1", 1.0), (f"W_h × {scale:g}", scale)):
        params = adding_params(seed, H)
        params["W"][:, :H] *= s
        lstm = {"W": params["W"], "b": params["b"]}
        hs, (h_T, _), cache = numpy_lstm.forward(x, lstm)
        dy = 2 * (h_T @ params["W_y"].T + params["b_y"] - y) / y.size
        dhs = np.zeros_like(hs)
        dhs[-1] = dy @ params["W_y"]
        _, dx, _ = numpy_lstm.backward(dhs, cache, with_inputs=True)
        by_distance[label] = np.linalg.norm(dx, axis=(1, 2))[::-1]        # entry d: t = T − 1 − d
        _, grads = numpy_train.last_step_mse(params, x, y)
        norm[label] = numpy_train.global_norm(grads)
    g = grads                                                   # the scaled network's gradient
    g_clipped, _ = numpy_train.clip_by_norm(g, clip)
    flat = np.concatenate([v.ravel() for v in g.values()])
    flat_c = np.concatenate([v.ravel() for v in g_clipped.values()])
    result = Exploding(by_distance, norm, {}, {}, _saturation(params, x))
    for out, step in ((result.unclipped, g), (result.clipped, g_clipped)):
        moved = {k: params[k] - lr * step[k] for k in params}
        out["step"] = lr * numpy_train.global_norm(step)
        out.update(_saturation(moved, x))
    result.clipped["norm"] = numpy_train.global_norm(g_clipped)
    result.clipped["cosine"] = float(flat @ flat_c / (np.linalg.norm(flat) * np.linalg.norm(flat_c)))
    return result


def strictly(fn, x) -> tuple:
    """``fn(x)`` with every floating-point warning an error (``np.errstate(all="raise")`` and
    Python warnings raised): ``(values as a list, "")``, or ``([], the error's message)``."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(all="raise"):
            try:
                return np.asarray(fn(np.asarray(x, dtype=np.float64))).tolist(), ""
            except (FloatingPointError, RuntimeWarning) as e:
                return [], f"{type(e).__name__}: {e}"


def sigmoid_formulas(x=(-1000.0, 1000.0)) -> dict:
    """Three ways to compute σ at large ``|x|``: ``{name: (values, warnings raised)}``.

    1 / (1 + e^{−x}) overflows e^{−x} at x = −1000 (the answer, 0, is right, with a warning);
    e^{x} / (1 + e^{x}) overflows at x = 1000 and gives inf / inf = nan; numpy_lstm.sigmoid
    takes exp only of ``−|x|``.
    """
    x = np.asarray(x, dtype=np.float64)
    formulas = {"1 / (1 + exp(-x))": lambda v: 1 / (1 + np.exp(-v)),
                "exp(x) / (1 + exp(x))": lambda v: np.exp(v) / (1 + np.exp(v)),
                "numpy_lstm.sigmoid": numpy_lstm.sigmoid}
    out = {}
    for name, fn in formulas.items():
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            with np.errstate(over="warn", invalid="warn", divide="warn", under="ignore"):
                values = fn(x)
        out[name] = (values, sorted({str(w.message) for w in caught}))
    return out
