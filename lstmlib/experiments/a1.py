"""Appendix A1, an LSTM from scratch in NumPy: backpropagation through time by hand.

Used by ``book/a1_numpy_lstm.ipynb``, which checks its claims with :mod:`lstmlib.claims` (and
``benchmarks/robustness.py`` over many seeds and numeric environments); the tests of these
functions and of the exercise solutions' numbers are ``tests/test_experiments_a1.py`` (Werbos
1990; Graves 2012, ch. 4; Greff et al. 2017). The network is :mod:`lstmlib.scratch.numpy_lstm`; this
module quotes its code next to the equations and checks its gradients against central finite
differences and torch autograd (float64; float32 for exercise 6). Training and the two carries
are in :mod:`lstmlib.experiments.a1_train`, speed (the optional page ``book/a1_speed.ipynb``) in
:mod:`lstmlib.experiments.a1_speed`.

    FORWARD, EQUATIONS, tagged_lines, show_lines, show_source,
    Problem, check_problem, finite_differences, relative_error, eps_sweep, eps_figure,
    autograd_check, carousel
"""
from __future__ import annotations

import inspect
import re
import textwrap
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from .. import plots, style
from ..layers import LSTM, fused
from ..scratch import numpy_lstm

# The forward equations as the appendix writes them, with the code of the line of
# numpy_lstm.forward tagged "# (Fk)" that computes each.
FORWARD = {
    "F1": (r"a_t = W \cdot [h_{t-1}, x_t] + b", "a_t = hx @ W.T + b"),
    "F2": (r"f_t = \sigma(a_f)", "f_t = sigmoid(a_f)"),
    "F3": (r"i_t = \sigma(a_i)", "i_t = sigmoid(a_i)"),
    "F4": (r"\tilde{C}_t = \tanh(a_C)", "C_tilde = np.tanh(a_C)"),
    "F5": (r"o_t = \sigma(a_o)", "o_t = sigmoid(a_o)"),
    "F6": (r"C_t = f_t \odot C_{t-1} + i_t \odot \tilde{C}_t", "C_t = f_t * C_prev + i_t * C_tilde"),
    "F7": (r"h_t = o_t \odot \tanh(C_t)", "h_t = o_t * tanh_C_t"),
}
# The backward equations as the appendix writes them, with the code of the line of
# numpy_lstm.backward tagged "# (Bk)" that computes each; tests check both against the source
# and the notebook, so the text cannot drift from the code.
EQUATIONS = {
    "B1": (r"\delta h_t = \frac{\partial \ell_t}{\partial h_t} + W_h^\top \delta a_{t+1}",
           "dh_t = dhs[t] + dh_carry"),
    "B2": (r"\delta o_t = \delta h_t \odot \tanh(C_t)", "do_t = dh_t * tanh_C_t"),
    "B3": (r"\delta C_t = \delta h_t \odot o_t \odot \left(1 - \tanh^2(C_t)\right)"
           r" + \delta C_{t+1} \odot f_{t+1}",
           "dC_t = dh_t * o_t * (1 - tanh_C_t ** 2) + dC_carry"),
    "B4": (r"\delta f_t = \delta C_t \odot C_{t-1}", "df_t = dC_t * C_prev"),
    "B5": (r"\delta i_t = \delta C_t \odot \tilde{C}_t", "di_t = dC_t * C_tilde"),
    "B6": (r"\delta \tilde{C}_t = \delta C_t \odot i_t", "dC_tilde = dC_t * i_t"),
    "B7": (r"\delta a_f = \delta f_t \odot f_t \odot (1 - f_t)", "da_f = df_t * f_t * (1 - f_t)"),
    "B8": (r"\delta a_i = \delta i_t \odot i_t \odot (1 - i_t)", "da_i = di_t * i_t * (1 - i_t)"),
    "B9": (r"\delta a_C = \delta \tilde{C}_t \odot (1 - \tilde{C}_t^2)",
           "da_C = dC_tilde * (1 - C_tilde ** 2)"),
    "B10": (r"\delta a_o = \delta o_t \odot o_t \odot (1 - o_t)",
            "da_o = do_t * o_t * (1 - o_t)"),
    "B11": (r"\delta a_t = [\delta a_f, \delta a_i, \delta a_C, \delta a_o]",
            "da_t = np.concatenate([da_f, da_i, da_C, da_o], 1)"),
    "B12": (r"\delta W \mathrel{+}= \delta a_t \, [h_{t-1}, x_t]^\top", "dW += da_t.T @ hx"),
    "B13": (r"\delta b \mathrel{+}= \delta a_t", "db += da_t.sum(axis=0)"),
    "B14": (r"\delta x_t = W_x^\top \delta a_t", "dx[t] = da_t @ W_x"),
    "B15": (r"W_h^\top \delta a_t \ \text{(into } \delta h_{t-1}\text{)}", "dh_carry = da_t @ W_h"),
    "B16": (r"\delta C_t \odot f_t \ \text{(into } \delta C_{t-1}\text{)}", "dC_carry = dC_t * f_t"),
}
TAG = re.compile(r"#\s*\(([FB]\d+)\)")

# The gradient check: a small LSTM, every parameter and input checked one by one.
CHECK = dict(D=3, H=4, T=6, B=2, eps=1e-6, eps_sweep=tuple(10.0 ** -k for k in range(1, 13)))


# ---------------------------------------------------------------------------------------------
# The code, quoted
# ---------------------------------------------------------------------------------------------
def tagged_lines(function=numpy_lstm.backward) -> dict:
    """The lines of ``function`` tagged ``# (Bk)`` or ``# (Fk)``: ``{tag: (line, code)}``, with
    ``line`` the line number in its file and ``code`` the line without its comment."""
    lines, start = inspect.getsourcelines(function)
    found = {}
    for k, line in enumerate(lines):
        m = TAG.search(line)
        if m:
            if m.group(1) in found:
                raise ValueError(f"tag ({m.group(1)}) appears twice in {function.__name__}")
            found[m.group(1)] = (start + k, line[:m.start()].strip())
    return found


def show_lines(*tags, function=numpy_lstm.backward) -> None:
    """Print the lines of ``function`` that compute equations ``tags``, with their line numbers."""
    lines = tagged_lines(function)
    missing = [t for t in tags if t not in lines]
    if missing:
        raise ValueError(f"expected tags of {function.__name__} ({', '.join(lines)}), got {missing}")
    name = Path(inspect.getsourcefile(function)).name      # numpy_lstm.py: fits the column
    for tag in tags:
        line, code = lines[tag]
        print(f"{name}:{line:<4d} {code:54s} ({tag})")


def show_source(obj) -> None:
    """Print the source of a function, class or method of lstmlib, as it is."""
    print(textwrap.dedent(inspect.getsource(obj)).rstrip())


# ---------------------------------------------------------------------------------------------
# Gradient check
# ---------------------------------------------------------------------------------------------
@dataclass
class Problem:
    """A loss for checking gradients: L = Σ_t Σ G_t ⊙ h_t + Σ G_C ⊙ C_T.

    Weighting every h_t and the last C_t by fixed random numbers sends an error into every
    path of the backward pass, including ``dstate``; x, the initial state and biases are random.
    """
    params: dict                 # W (4H, H + D), b (4H,)
    x: np.ndarray                # (T, B, D)
    state: tuple                 # h_0, C_0, each (B, H)
    G: np.ndarray                # (T, B, H): ∂L/∂h_t from the loss
    G_C: np.ndarray              # (B, H): ∂L/∂C_T

    def loss(self, params=None, x=None, state=None) -> float:
        hs, (h_T, C_T), _ = numpy_lstm.forward(self.x if x is None else x,
                                               self.params if params is None else params,
                                               self.state if state is None else state)
        hs = hs.astype(self.G.dtype)            # forward stores h_t in float64 whatever it gets
        return float(np.sum(self.G * hs) + np.sum(self.G_C * C_T))

    def astype(self, dtype) -> "Problem":
        """The same problem with every array in ``dtype`` (float32: exercise 6 of appendix A1)."""
        return Problem({k: v.astype(dtype) for k, v in self.params.items()}, self.x.astype(dtype),
                       tuple(s.astype(dtype) for s in self.state), self.G.astype(dtype),
                       self.G_C.astype(dtype))

    def bptt(self) -> dict:
        """Every gradient by backpropagation through time: W, b, x, h0, C0."""
        hs, (h_T, C_T), cache = numpy_lstm.forward(self.x, self.params, self.state)
        grads, dx, (dh0, dC0) = numpy_lstm.backward(self.G, cache, dstate=(0 * h_T, self.G_C),
                                                    with_inputs=True)
        return {**grads, "x": dx, "h0": dh0, "C0": dC0}

    def inputs(self) -> dict:
        """The arrays the loss depends on, by the names of :meth:`bptt`."""
        return {**self.params, "x": self.x, "h0": self.state[0], "C0": self.state[1]}

    def loss_at(self, values: dict) -> float:
        """The loss with the arrays of :meth:`inputs` replaced by ``values``."""
        return self.loss({"W": values["W"], "b": values["b"]}, values["x"],
                         (values["h0"], values["C0"]))


def check_problem(seed: int, D=CHECK["D"], H=CHECK["H"], T=CHECK["T"], B=CHECK["B"]) -> Problem:
    """A small random :class:`Problem` for ``seed`` (float64)."""
    rng = np.random.default_rng(seed)
    params = numpy_lstm.init_params(D, H, seed=seed)
    params["b"] = rng.normal(size=4 * H)
    return Problem(params, rng.normal(size=(T, B, D)),
                   (rng.normal(size=(B, H)), rng.normal(size=(B, H))),
                   rng.normal(size=(T, B, H)), rng.normal(size=(B, H)))


def finite_differences(problem: Problem, eps: float = CHECK["eps"]) -> dict:
    """Every gradient by central differences, (L(θ + ε) − L(θ − ε)) / 2ε, one entry at a time."""
    values = problem.inputs()
    out = {}
    for name, v in values.items():
        num = np.zeros_like(v)
        for idx in np.ndindex(v.shape):
            old = v[idx]
            v[idx] = old + eps
            plus = problem.loss_at(values)
            v[idx] = old - eps
            minus = problem.loss_at(values)
            v[idx] = old
            num[idx] = (plus - minus) / (2 * eps)
        out[name] = num
    return out


def relative_error(a, b) -> float:
    """‖a − b‖ / max(‖a‖, ‖b‖): 0 for equal arrays, about 1 for unrelated ones."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    scale = max(np.linalg.norm(a), np.linalg.norm(b))
    return float(np.linalg.norm(a - b) / scale) if scale > 0 else 0.0


def eps_sweep(problem: Problem, eps_values=CHECK["eps_sweep"], dtype=np.float64) -> np.ndarray:
    """The relative error of a central difference along the gradient's own direction
    v = ∇L / ‖∇L‖ in (W, b), |(L(θ + εv) − L(θ − εv)) / 2ε − ∇L · v| / (∇L · v), for each ε:
    (len(eps_values),). Along v the exact derivative is ∇L · v = ‖∇L‖ (by backpropagation,
    float64); a random direction can be nearly perpendicular to ∇L, and then a relative
    error is one of a tiny number.

    With ``dtype=np.float32`` the two losses of the difference are computed in float32
    (exercise 6 of appendix A1)."""
    if dtype not in (np.float64, np.float32):
        raise ValueError(f"expected dtype np.float64 or np.float32, got {dtype!r}")
    grads = problem.bptt()
    norm = np.sqrt(sum(float(np.sum(grads[k] ** 2)) for k in ("W", "b")))
    v = {k: grads[k] / norm for k in ("W", "b")}
    exact = sum(float(np.sum(grads[k] * v[k])) for k in v)
    low = problem.astype(dtype)
    v = {k: u.astype(dtype) for k, u in v.items()}
    errors = []
    for eps in eps_values:
        plus = {k: low.params[k] + dtype(eps) * v[k] for k in v}
        minus = {k: low.params[k] - dtype(eps) * v[k] for k in v}
        estimate = (low.loss(plus) - low.loss(minus)) / (2 * eps)
        errors.append(abs(estimate - exact) / abs(exact))
    return np.array(errors)


def _reorder(a, src, dst):
    """Row blocks of a stacked weight or bias from gate order ``src`` to ``dst``."""
    blocks = dict(zip(src, np.split(a, len(src), axis=0)))
    return np.concatenate([blocks[g] for g in dst], axis=0)


def autograd_check(problem: Problem) -> dict:
    """Relative errors of the hand-written gradients against torch autograd, float64:
    ``{reference: {name: error}}`` for ``torch.nn.LSTM`` and for :class:`lstmlib.LSTM` on its
    readable path (per-step autograd, :func:`lstmlib.layers.fused.disabled`)."""
    ours = problem.bptt()
    p, (h0, C0) = problem.params, problem.state
    D, H = problem.x.shape[2], h0.shape[1]
    results = {}
    for ref in ("torch.nn.LSTM", "lstmlib.LSTM"):
        x = torch.tensor(problem.x, requires_grad=True)
        h, C = (torch.tensor(s, requires_grad=True) for s in (h0, C0))
        if ref == "torch.nn.LSTM":                        # gate order i, f, g, o; two biases
            m = torch.nn.LSTM(D, H, dtype=torch.float64)
            W = _reorder(p["W"], numpy_lstm.GATES, ("i", "f", "C", "o"))
            with torch.no_grad():
                m.weight_hh_l0.copy_(torch.from_numpy(W[:, :H]))
                m.weight_ih_l0.copy_(torch.from_numpy(W[:, H:]))
                m.bias_ih_l0.copy_(torch.from_numpy(_reorder(p["b"], numpy_lstm.GATES,
                                                             ("i", "f", "C", "o"))))
                m.bias_hh_l0.zero_()
            out, (_, C_T) = m(x, (h[None], C[None]))
            C_T = C_T[0]
        else:
            m = LSTM(D, H, dtype=torch.float64)
            with torch.no_grad():
                m.W.copy_(torch.from_numpy(p["W"]))
                m.b.copy_(torch.from_numpy(p["b"]))
            with fused.disabled():
                out, (_, C_T) = m(x, (h, C))
        loss = (out * torch.from_numpy(problem.G)).sum() + (C_T * torch.from_numpy(problem.G_C)).sum()
        loss.backward()
        if ref == "torch.nn.LSTM":
            W_grad = np.concatenate([m.weight_hh_l0.grad.numpy(), m.weight_ih_l0.grad.numpy()], 1)
            theirs = {"W": _reorder(W_grad, ("i", "f", "C", "o"), numpy_lstm.GATES),
                      "b": _reorder(m.bias_ih_l0.grad.numpy(), ("i", "f", "C", "o"),
                                    numpy_lstm.GATES)}
        else:
            theirs = {"W": m.W.grad.numpy(), "b": m.b.grad.numpy()}
        theirs.update(x=x.grad.numpy(), h0=h.grad.numpy(), C0=C.grad.numpy())
        results[ref] = {k: relative_error(ours[k], theirs[k]) for k in ours}
    return results




def eps_figure(eps_values, errors: dict):
    """The relative error of central differences against ε, log-log, one line per label, with
    the two slopes that explain it: ε² (truncation) and ε_mach / ε (rounding), float64."""
    fig, ax = plots.figure()
    eps = np.asarray(eps_values)
    colours = (style.BLUE, style.VERMILLION, style.GREEN, style.PURPLE)
    for (label, e), colour in zip(errors.items(), colours):
        ax.loglog(eps, e, marker="o", markersize=4, color=colour, label=label)
    first = np.median([e[0] for e in errors.values()])
    ax.loglog(eps, first * (eps / eps[0]) ** 2, color=style.GREY, linestyle="--",
              label="truncation error $\\propto \\varepsilon^2$ (slope 2)")
    ax.loglog(eps, np.finfo(np.float64).eps / eps, color=style.GREY, linestyle=":",
              label="rounding error $\\varepsilon_\\mathrm{mach} / \\varepsilon$")
    ax.set_ylim(1e-13, 10)
    ax.invert_xaxis()
    ax.set_xlabel("step $\\varepsilon$ of the central difference (smaller to the right)")
    ax.set_ylabel("relative error (no unit)")
    ax.legend(fontsize=8, loc="upper center", frameon=True, framealpha=1.0)
    return fig


def carousel(seed: int) -> float:
    """The constant error carousel in the backward pass: with W_h = 0 and a loss that reads
    only C_T, the only way back is (B16), so δC_0 = δC_T ⊙ f_1 ⊙ … ⊙ f_T. Returns the relative
    error between the backward pass's δC_0 and that product of forget gates."""
    problem = check_problem(seed)
    H = problem.state[0].shape[1]
    problem.params["W"][:, :H] = 0                   # W_h = 0: nothing flows back through h
    problem.G[:] = 0                                 # the loss reads only C_T
    _, _, cache = numpy_lstm.forward(problem.x, problem.params, problem.state)
    product = np.prod([step.f_t for step in cache["steps"]], axis=0)      # (B, H)
    return relative_error(problem.bptt()["C0"], problem.G_C * product)
