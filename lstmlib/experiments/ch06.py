"""Chapter 6, peephole connections: what a gate can see of its cell, and a timing task with and without.

Used by ``book/06_peepholes.ipynb`` and re-checked over five more sweeps by
``tests/test_claims_ch06.py`` (Gers & Schmidhuber 2000, "Recurrent nets that time and count";
Gers, Schraudolph & Schmidhuber 2002; Greff et al. 2017):

    seeds, sweep, variant_models, train_variants, Sweep, every_start, on_time, gate_sight,
    trace, output_gate_range, strip_plot, sight_plot, trace_plot

The task is the paper's periodic function generation (:func:`lstmlib.timing.periodic`): after
a start spike, a square wave of period 10, from no further input. Each sweep trains the five
variants of :data:`VARIANTS` (no peepholes, each single peephole, all three) from several
seeds, all side by side in one :class:`lstmlib.packed.Pack`, which trains each network exactly
as if it were alone: 25 networks of 8 units (:data:`EIGHT`), 100 single cells (:data:`ONE_CELL`).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch

from .. import plots, style, timing
from ..cells import lstm_cell
from ..models import EveryStep
from ..packed import Pack
from ..seed import seed_everything
from ..train import History, train

# The five variants every sweep compares: which gates have a peephole.
VARIANTS = {"none": (), "p_f": ("f",), "p_i": ("i",), "p_o": ("o",), "all": ("f", "i", "o")}
LABELS = {"none": "no peepholes", "p_f": "$p_f$ only", "p_i": "$p_i$ only", "p_o": "$p_o$ only",
          "all": "all three"}
NAMES = {"none": "no peepholes", "p_f": "p_f only", "p_i": "p_i only", "p_o": "p_o only", "all": "all three"}
COLOURS = {"none": style.BLACK, "p_f": style.GATE["f"], "p_i": style.GATE["i"], "p_o": style.GATE["o"],
           "all": style.GATE["c"]}

# The task: a square wave of period 10 after a start spike on one of the first ten steps.
WAVE = dict(shape="square", period=10, starts=10, T=30, test_T=200, tolerance=1.0)
# Eight units per network, five seeds (the main sweep); a single cell, twenty seeds.
EIGHT = dict(hidden_size=8, steps=300, lr=3e-2, seeds=5)
ONE_CELL = dict(hidden_size=1, steps=1500, lr=3e-2, seeds=20)


def seeds(seed: int, n: int) -> tuple[int, ...]:
    """The n seeds of sweep number ``seed``: sweep 0 is the chapter's (seeds 0 … n − 1), sweeps
    1-5 the tests' (n … 2n − 1, and so on), so no two sweeps share a seed."""
    return tuple(range(n * seed, n * (seed + 1)))


def every_start(T: int) -> tuple[torch.Tensor, torch.Tensor]:
    """The whole task at length T: one sequence for each start step 0 … starts − 1.

    Returns x, y of shape (T, starts, 1) (:func:`lstmlib.timing.periodic`, one start each).
    """
    pairs = [timing.periodic(T, 1, WAVE["period"], WAVE["shape"], start=(s, s + 1))
             for s in range(WAVE["starts"])]
    return torch.cat([p[0] for p in pairs], dim=1), torch.cat([p[1] for p in pairs], dim=1)


def variant_models(seed: int, hidden_size: int) -> dict:
    """The five variants for one seed, ``{name: EveryStep}``, reading one input, one output.

    They start from the same W, b and readout (drawn from ``seed``), so that they differ only in
    their peepholes; a peephole's weights start as lstmlib draws them, U(−1/√H, 1/√H).
    """
    seed_everything(seed)
    models = {name: EveryStep("LSTM", 1, hidden_size, 1, peepholes=p) for name, p in VARIANTS.items()}
    first = models["none"]
    with torch.no_grad():
        for m in models.values():
            m.rnn.W.copy_(first.rnn.W)
            m.rnn.b.copy_(first.rnn.b)
            m.readout.load_state_dict(first.readout.state_dict())
    return models


def on_time(model, T: int) -> float:
    """The share of the start steps from which the model's wave is on time for T steps.

    On time: within ``WAVE["tolerance"]`` = 1 of the target at every step, which for a square
    wave of ±1 means the right sign at every step from the start on, so every flip of the
    sign at exactly the right step (:func:`lstmlib.timing.within`).
    """
    x, y = every_start(T)
    with torch.no_grad():
        y_hat = model(x)
    return timing.within(y_hat, y, WAVE["tolerance"])


@dataclass
class Sweep:
    """What :func:`train_variants` trained: ``models[name]`` lists one model per seed."""
    seeds: tuple
    hidden_size: int
    models: dict
    history: History = field(repr=False)

    def scores(self, T: int) -> dict:
        """``{variant: np.ndarray of on_time per seed}`` on sequences of length T."""
        return {name: np.array([on_time(m, T) for m in ms]) for name, ms in self.models.items()}

    def solved(self, T: int, threshold: float = 0.9) -> dict:
        """``{variant: number of seeds}`` whose wave is on time from at least ``threshold`` of the starts."""
        return {name: int((s >= threshold).sum()) for name, s in self.scores(T).items()}


def sweep(seed: int, settings: dict) -> "Sweep":
    """Sweep number ``seed`` with ``settings`` (:data:`EIGHT` or :data:`ONE_CELL`): the five
    variants from each of its seeds, trained by :func:`train_variants`."""
    return train_variants(seeds(seed, settings["seeds"]), settings["hidden_size"], settings["steps"],
                          settings["lr"])


def train_variants(seed_list, hidden_size: int, steps: int, lr: float, T: int = WAVE["T"]) -> Sweep:
    """Train the five variants from every seed on the whole task (every start, each step).

    All len(seed_list) × 5 networks train side by side in one :class:`lstmlib.packed.Pack`
    (Adam, no clipping: the pack trains each network exactly as if it were alone), with the
    mean squared error on the wave at every step.
    """
    per_seed = [variant_models(s, hidden_size) for s in seed_list]
    flat = [m for models in per_seed for m in models.values()]
    pack = Pack(flat)
    data = every_start(T)
    history = train(pack, lambda: data, steps=steps, loss=pack.loss("mse"), lr=lr, clip=None)
    pack.unpack()
    models = {name: [models[name] for models in per_seed] for name in VARIANTS}
    return Sweep(tuple(seed_list), hidden_size, models, history)


# ---------------------------------------------------------------------------------------------
def gate_sight(o_prev, seed: int = 0, H: int = 8) -> dict:
    """How much the forget gate f_t sees of the cell C_{t-1}, as the output gate closes.

    One LSTM step with x_t = 0 from a cell state C_{t-1} ~ N(0, 1) and the hidden state the
    previous output gate o_{t-1} let through, h_{t-1} = o_{t-1} ⊙ tanh(C_{t-1}). Returns, for
    each value of ``o_prev`` (a scalar for all units), the Frobenius norm of ∂f_t/∂C_{t-1}
    (autograd, through :func:`lstmlib.cells.lstm_cell`) for a plain LSTM and for the same LSTM
    with a forget-gate peephole: ``{"plain": (n,), "peephole": (n,)}``. Without the peephole
    the gate reads the cell only through h_{t-1}, so its view shrinks with o_{t-1}.
    """
    seed_everything(seed)
    layer = EveryStep("LSTM", 1, H, 1, peepholes=("f",)).rnn.double()
    C_prev = torch.randn(1, H, dtype=torch.float64)                        # (1, H)
    x_t = torch.zeros(1, 1, dtype=torch.float64)
    out = {"plain": [], "peephole": []}
    for o in torch.as_tensor(o_prev, dtype=torch.float64).flatten():
        for kind, p_f in (("plain", None), ("peephole", layer.p_f.detach())):
            def f_t(C, p_f=p_f, o=o):
                h_prev = o * torch.tanh(C)                                 # what o_{t-1} let through
                variant = {"p_f": p_f} if p_f is not None else {}
                return lstm_cell(x_t, h_prev, C, layer.W.detach(), layer.b.detach(), **variant)[2][0]
            J = torch.autograd.functional.jacobian(f_t, C_prev)              # (1, H, 1, H)
            out[kind].append(J.reshape(H, H).norm().item())
    return {k: np.array(v) for k, v in out.items()}


def trace(model, T: int = 40, start: int = 3) -> dict:
    """One sequence through a trained model: the input, the target, the output and the cell's
    gates and state, ``{"x", "y", "y_hat", "f", "i", "o", "c", "h"}``, each (T,) for unit 0."""
    x, y = timing.periodic(T, 1, WAVE["period"], WAVE["shape"], start=(start, start + 1))
    with torch.no_grad():
        output, _, gates = model.rnn(x, return_gates=True)
        y_hat = model.readout(output)
    out = {"x": x, "y": y, "y_hat": y_hat, "h": output, **gates}
    return {k: v[:, 0, 0].numpy() for k, v in out.items() if k != "g"}


def output_gate_range(model, T: int = 200, last: int = 50) -> tuple[float, float]:
    """The smallest and largest o_t of unit 0 over the ``last`` steps of a T-step sequence
    (start at step 3): (≈ 0, ≈ 1) for a gate that still opens and closes, (≈ 0, ≈ 0) for one
    that has closed for good."""
    o = trace(model, T)["o"][-last:]
    return float(o.min()), float(o.max())


# ---------------------------------------------------------------------------------------------
def strip_plot(panels: dict, ylabel: str = "share of the 10 starts on time", height: float = 3.6):
    """Every run as a dot, one column per variant, one panel per condition.

    ``panels``: ``{title: {variant: one value per seed}}``. The dots of a column are spread
    evenly sideways, so that runs with the same value stay visible; a short bar marks each
    column's median, and the count above it says how many runs were on time from at least 9 of
    the 10 starts. Colours: the gate that has the peephole; none: black; all three: orange, the
    colour of the cell state the peepholes read.
    """
    fig, axes = plots.figure(len(panels), height)
    axes = np.atleast_1d(axes)
    for ax, (title, scores) in zip(axes, panels.items()):
        for k, (name, values) in enumerate(scores.items()):
            values = np.asarray(values, dtype=float)
            spread = np.linspace(-0.3, 0.3, len(values)) if len(values) > 1 else np.zeros(1)
            ax.scatter(k + spread, values, s=22, color=COLOURS[name], edgecolor="white", linewidth=0.5, zorder=3)
            ax.plot([k - 0.36, k + 0.36], [np.median(values)] * 2, color=COLOURS[name], linewidth=2.4, zorder=2,
                    alpha=0.6)
            ax.text(k, 1.1, f"{int((values >= 0.9).sum())}/{len(values)}", ha="center", fontsize=8.5,
                    color=style.INK)
        ax.set_xticks(range(len(scores)), [LABELS[n] for n in scores], rotation=30, ha="right")
        ax.set_xlim(-0.6, len(scores) - 0.4)
        ax.set_ylim(-0.06, 1.18)
        ax.set_yticks([0, 0.25, 0.5, 0.75, 1.0])
        ax.set_title(title, fontsize=10)
        ax.grid(axis="x", visible=False)
    axes[0].set_ylabel(ylabel)
    return fig


def sight_plot(o_prev, sight: dict, height: float = 3.2):
    """:func:`gate_sight` against o_{t-1}: how much of the cell the forget gate sees, with and
    without its peephole."""
    fig, ax = plots.figure(1, height)
    o_prev = np.asarray(o_prev, dtype=float)
    ax.plot(o_prev, sight["plain"], color=style.MODEL["LSTM"], marker="o", markersize=4,
            label="no peephole: through $h_{t-1}$ only")
    ax.plot(o_prev, sight["peephole"], color=style.MODEL["PeepholeLSTM"], marker="s", markersize=4,
            label="with the peephole $p_f$")
    ax.set_xlabel("previous output gate $o_{t-1}$ (the same for every unit)")
    ax.set_ylabel("$\\Vert \\partial f_t / \\partial C_{t-1} \\Vert$ (Frobenius norm)")
    ax.set_xlim(-0.02, 1.02)
    ax.set_ylim(bottom=0)
    ax.legend()
    return fig


def trace_plot(traces: dict, height: float = 4.6):
    """Output, cell state and output gate over one sequence, one column per model.

    ``traces``: ``{title: trace(model)}``. Top row: target (grey) and output; middle: C_t;
    bottom: o_t. A dotted line marks the start spike.
    """
    fig, axes = plots.figure(len(traces), height)
    fig.clear()
    grid = fig.subplots(3, len(traces), sharex=True, squeeze=False)
    for col, (title, tr) in enumerate(traces.items()):
        t = np.arange(len(tr["y"]))
        top, mid, low = grid[:, col]
        top.step(t, tr["y"], where="mid", color=style.GREY, linestyle="--", label="target")
        top.plot(t, tr["y_hat"], color=style.INK, label="output")
        top.set_title(title, fontsize=10)
        mid.plot(t, tr["c"], color=style.GATE["c"], label="$C_t$")
        low.plot(t, tr["o"], color=style.GATE["o"], label="$o_t$")
        low.set_ylim(-0.05, 1.05)
        low.set_xlabel("time step t")
        start = int(np.argmax(tr["x"]))
        for ax in (top, mid, low):
            ax.axvline(start, color=style.GREY, linewidth=0.8, linestyle=":")
        if col == 0:
            top.set_ylabel("output")
            mid.set_ylabel("cell state $C_t$")
            low.set_ylabel("output gate $o_t$")
            top.legend(loc="lower right", fontsize=8)
    return fig

