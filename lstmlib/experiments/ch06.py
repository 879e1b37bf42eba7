"""Chapter 6, peephole connections: what a gate can see of its cell, and a timing task with and without.

Used by ``book/06_peepholes.ipynb`` (its figures: :mod:`lstmlib.experiments.ch06_plots`; its
larger sweep: :mod:`lstmlib.experiments.ch06_runs`) and tested by
``tests/test_experiments_ch06.py`` (Gers & Schmidhuber 2000, "Recurrent nets that time and
count"; Gers, Schraudolph & Schmidhuber 2002; Greff et al. 2017):

    seeds, sweep, variant_models, train_variants, Sweep, every_start, on_time, gate_sight,
    trace, output_gate_range, forget_feedback, rate

The task is the paper's periodic function generation (:func:`lstmlib.tasks.timing.periodic`): after
a start spike, a square wave of period 10, from no further input. Each sweep trains the
variants of :data:`VARIANTS` (no peepholes, each single peephole, all three; for single cells
:data:`ONE_CELL_VARIANTS` adds p_o with p_i and p_o with p_f) from several seeds, all side by
side in one :class:`lstmlib.models.packed.Pack`, which trains each network exactly as if it were
alone: 25 networks of 8 units (:data:`EIGHT`), 140 single cells (:data:`ONE_CELL`), 50
networks of 2 units (:data:`TWO`, exercise 4).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch

from .. import style, validate
from ..cells import lstm_cell
from ..models.packed import Pack
from ..models.readouts import EveryStep
from ..tasks import timing
from ..training.loop import History, train
from ..training.seed import seed_everything

# The five variants every sweep compares: which gates have a peephole.
VARIANTS = {"none": (), "p_f": ("f",), "p_i": ("i",), "p_o": ("o",), "all": ("f", "i", "o")}
# The single cells add the two pairs with p_o, which tell which of p_f and p_i breaks its clock.
ONE_CELL_VARIANTS = {"none": (), "p_f": ("f",), "p_i": ("i",), "p_o": ("o",),
                     "p_o+p_i": ("i", "o"), "p_o+p_f": ("f", "o"), "all": ("f", "i", "o")}
LABELS = {"none": "no peepholes", "p_f": "$p_f$ only", "p_i": "$p_i$ only", "p_o": "$p_o$ only",
          "p_o+p_i": "$p_o$ and $p_i$", "p_o+p_f": "$p_o$ and $p_f$", "all": "all three"}
NAMES = {"none": "no peepholes", "p_f": "p_f only", "p_i": "p_i only", "p_o": "p_o only",
         "p_o+p_i": "p_o and p_i", "p_o+p_f": "p_o and p_f", "all": "all three"}
COLOURS = {"none": style.BLACK, "p_f": style.GATE["f"], "p_i": style.GATE["i"], "p_o": style.GATE["o"],
           "p_o+p_i": style.SKY_BLUE, "p_o+p_f": style.GREEN, "all": style.GATE["C_t"]}

# The task: a square wave of period 10 after a start spike on one of the first ten steps.
WAVE = dict(shape="square", period=10, starts=10, T=30, test_T=200, tolerance=1.0)
# Eight units per network, five seeds (the main sweep); a single cell, twenty seeds; two
# units, ten seeds (exercise 4).
EIGHT = dict(hidden_size=8, steps=300, lr=3e-2, seeds=5)
ONE_CELL = dict(hidden_size=1, steps=1500, lr=3e-2, seeds=20)
TWO = dict(hidden_size=2, steps=1500, lr=3e-2, seeds=10)


def seeds(seed: int, n: int) -> tuple[int, ...]:
    """The n seeds of sweep number ``seed``: with the page's SEED = 0, seeds 0 … n − 1; sweep 1
    n … 2n − 1, and so on, so no two sweeps share a seed (the larger sweep uses 1, 2, ...)."""
    return tuple(range(n * seed, n * (seed + 1)))


def every_start(T: int) -> tuple[torch.Tensor, torch.Tensor]:
    """The whole task at length T: one sequence for each start step 0 … starts − 1.

    Returns x, y of shape (T, starts, 1) (:func:`lstmlib.tasks.timing.periodic`, one start each).
    """
    pairs = [timing.periodic(T, 1, WAVE["period"], WAVE["shape"], start=(s, s + 1))
             for s in range(WAVE["starts"])]
    return torch.cat([p[0] for p in pairs], dim=1), torch.cat([p[1] for p in pairs], dim=1)


def variant_models(seed: int, hidden_size: int, variants: dict = VARIANTS) -> dict:
    """The variants for one seed, ``{name: EveryStep}``, reading one input, one output.

    ``variants``: ``{name: peepholes}``, :data:`VARIANTS` or :data:`ONE_CELL_VARIANTS`. All
    start from the same W, b, readout and peephole weights (drawn from ``seed``; a peephole
    starts as lstmlib draws it, U(−1/√H, 1/√H)), each variant with the peepholes it has, so
    that they differ only in which peepholes they have: the cell with all three is the cell
    with ``p_o`` alone plus ``p_f`` and ``p_i``.
    """
    seed_everything(seed)
    full = EveryStep("LSTM", 1, hidden_size, 1, peepholes=("f", "i", "o"))
    models = {name: EveryStep("LSTM", 1, hidden_size, 1, peepholes=p) for name, p in variants.items()}
    with torch.no_grad():
        for m in models.values():
            m.rnn.W.copy_(full.rnn.W)
            m.rnn.b.copy_(full.rnn.b)
            for g in m.rnn.peepholes:
                getattr(m.rnn, f"p_{g}").copy_(getattr(full.rnn, f"p_{g}"))
            m.readout.load_state_dict(full.readout.state_dict())
    return models


def on_time(model, T: int) -> float:
    """The share of the start steps from which the model's wave is on time for T steps.

    On time: within ``WAVE["tolerance"]`` = 1 of the target at every step, which for a square
    wave of ±1 means the right sign at every step from the start on, so every flip of the
    sign at exactly the right step (:func:`lstmlib.tasks.timing.within`).
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


def sweep(seed: int, settings: dict, variants: dict = VARIANTS) -> "Sweep":
    """Sweep number ``seed`` with ``settings`` (:data:`EIGHT`, :data:`ONE_CELL` or :data:`TWO`):
    the ``variants`` from each of its seeds, trained by :func:`train_variants`."""
    return train_variants(seeds(seed, settings["seeds"]), settings["hidden_size"], settings["steps"],
                          settings["lr"], variants=variants)


def train_variants(seed_list, hidden_size: int, steps: int, lr: float, T: int = WAVE["T"],
                   variants: dict = VARIANTS) -> Sweep:
    """Train the variants from every seed on the whole task (every start, each step).

    All len(seed_list) × len(variants) networks train side by side in one
    :class:`lstmlib.models.packed.Pack` (Adam, no clipping: the pack trains each network exactly as
    if it were alone), with the mean squared error on the wave at every step.
    """
    if not isinstance(variants, dict) or not variants:
        raise TypeError(f"expected variants as a non-empty dict {{name: peepholes}}, got {variants!r}")
    per_seed = [variant_models(s, hidden_size, variants) for s in seed_list]
    flat = [m for models in per_seed for m in models.values()]
    pack = Pack(flat)
    data = every_start(T)
    history = train(pack, lambda: data, steps=steps, loss=pack.loss("mse"), lr=lr, clip=None)
    pack.unpack()
    models = {name: [models[name] for models in per_seed] for name in variants}
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
    gates and state, ``{"x", "y", "y_hat", "f", "i", "o", "C_t", "h"}``, each (T,) for unit 0."""
    x, y = timing.periodic(T, 1, WAVE["period"], WAVE["shape"], start=(start, start + 1))
    with torch.no_grad():
        output, _, gates = model.rnn(x, return_gates=True)
        y_hat = model.readout(output)
    out = {"x": x, "y": y, "y_hat": y_hat, "h": output, **gates}
    return {k: v[:, 0, 0].numpy() for k, v in out.items() if k != "C_tilde"}


def output_gate_range(model, T: int = 200, last: int = 50) -> tuple[float, float]:
    """The smallest and largest o_t of unit 0 over the ``last`` steps of a T-step sequence
    (start at step 3): (≈ 0, ≈ 1) for a gate that still opens and closes, (≈ 0, ≈ 0) for one
    that has closed for good."""
    o = trace(model, T)["o"][-last:]
    return float(o.min()), float(o.max())


def forget_feedback(model, T: int = WAVE["test_T"], last: int = 50) -> tuple[float, float]:
    """What the forget gate does late in a long sequence, from every start: the mean of f_t and
    of its peephole term p_f ⊙ C_{t-1} (the equation of f_t in chapter 6) over the ``last``
    steps of T, every start and every unit: ``(mean f_t, mean p_f ⊙ C_{t-1})``.

    A negative peephole term is negative feedback: the forget gate shuts as the cell fills. For
    a model without ``p_f`` the term is 0.
    """
    validate.positive_int("T", T)
    validate.positive_int("last", last)
    if last >= T:
        raise ValueError(f"expected last < T, got last={last}, T={T}")
    x, _ = every_start(T)
    with torch.no_grad():
        _, _, gates = model.rnn(x, return_gates=True)                    # each (T, starts, H)
    f_t, C_prev = gates["f"][-last:], gates["C_t"][-last - 1:-1]           # f_t and C_{t-1}
    p_f = model.rnn.p_f.detach() if "f" in model.rnn.peepholes else torch.zeros(())
    return float(f_t.mean()), float((p_f * C_prev).mean())


def rate(learnt: int, runs: int, level: float = 0.95) -> tuple[float, float, float]:
    """The share of runs that learnt the task and its exact (Clopper–Pearson) interval:
    ``(learnt / runs, low, high)``, the interval at ``level`` (0.95: 95 %)."""
    from scipy import stats

    for name, v in (("learnt", learnt), ("runs", runs)):
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)):
            raise TypeError(f"expected {name} to be an int, got {type(v).__name__} {v!r}")
    if not 0 <= learnt <= runs or runs < 1:
        raise ValueError(f"expected 0 <= learnt <= runs and runs >= 1, got learnt={learnt}, runs={runs}")
    if not 0 < level < 1:
        raise ValueError(f"expected level between 0 and 1, got {level!r}")
    tail = (1 - level) / 2
    low = float(stats.beta.ppf(tail, learnt, runs - learnt + 1)) if learnt > 0 else 0.0
    high = float(stats.beta.ppf(1 - tail, learnt + 1, runs - learnt)) if learnt < runs else 1.0
    return learnt / runs, low, high
