"""Chapter 1's figures beyond :mod:`lstmlib.plots`: each step's spectral radius, the sweep's runs.

Used by ``book/01_rnn_to_lstm.ipynb``; the course's colours and column width
(:mod:`lstmlib.style`, :func:`lstmlib.plots.figure`).

    step_radii({"RNN": radius_rnn, "LSTM": radius_lstm})     # ρ_t against the step t
    rivals(table)                                            # every run of the sweep as a dot
"""
from __future__ import annotations

import numpy as np

from .. import style, tasks
from ..plots.base import figure, model_colour
from . import ch01_runs

# The sweep's networks, in the order and colours of the figure.
COLOURS = {"RNN": style.VERMILLION, "IRNN": style.ORANGE, "LSTM, b_f = 1": style.SKY_BLUE,
           "LSTM, b_f = 2": style.BLUE, "LSTM, b_f = 3": style.BLACK}
NAMES = {"RNN": "tanh RNN", "IRNN": "IRNN", "LSTM, b_f = 1": "LSTM\n$b_f = 1$",
         "LSTM, b_f = 2": "LSTM\n$b_f = 2$", "LSTM, b_f = 3": "LSTM\n$b_f = 3$"}
BUDGET_NAMES = {"page": "700 steps, lr 0.03 (the page)", "longer": "3,000 steps, lr 0.001"}


def step_radii(radii: dict, height: float = 3.2):
    """The spectral radius ρ_t of each step's Jacobian against the step t, one line per network.

    ``radii``: ``{label: (T,) array}`` from :func:`ch01_paths.step_radius`; a label that starts
    with a model's name gets its colour. A dashed line marks ρ = 1, where a step neither
    shrinks nor stretches the gradient.
    """
    if not isinstance(radii, dict) or not radii:
        raise TypeError(f"expected radii to be a non-empty dict of arrays, got {type(radii).__name__}")
    fig, ax = figure(1, height)
    for label, values in radii.items():
        values = np.asarray(values, dtype=float)
        if values.ndim != 1:
            raise ValueError(f"expected a 1-d array of radii for {label!r}, got shape {values.shape}")
        ax.plot(np.arange(1, values.size + 1), values, color=model_colour(label), label=label)
    ax.axhline(1.0, color=style.MODEL["baseline"], linestyle="--", linewidth=1.2,
               label="ρ = 1: the gradient kept as it is")
    ax.set_xlabel("time step t")
    ax.set_ylabel("spectral radius $\\rho_t$ of one step's Jacobian")
    ax.set_ylim(0, None)
    ax.legend(loc="lower right")
    return fig


def rivals(table: dict, height: float = 3.8):
    """Every run of chapter 1's sweep as a dot: held-out MSE by network and budget (log scale).

    ``table``: :func:`ch01_runs.sweep_table`. One strip per (budget, network), a bar at its
    median; dashed lines at the baseline 1/6 (answering the mean) and at 1/12 (remembering
    only the second marked value, the level a run must pass to count as learned).
    """
    keys = [(b, n) for b, networks in ch01_runs.NETWORKS.items() for n in networks]
    missing = [k for k in keys if k not in table]
    if missing:
        raise ValueError(f"expected the sweep's table from ch01_runs.sweep_table, missing {missing}")
    fig, ax = figure(1, height)
    rng = np.random.default_rng(0)                  # the same jitter every time the page is built
    for x, key in enumerate(keys):
        values = np.asarray(table[key]["held_out"], dtype=float)
        colour = COLOURS[key[1]]
        ax.scatter(x + rng.uniform(-0.12, 0.12, values.size), values, s=28, color=colour,
                   alpha=0.85, edgecolor="white", linewidth=0.6, zorder=3)
        ax.hlines(np.median(values), x - 0.3, x + 0.3, color=colour, linewidth=2.2, zorder=4)
    ax.axhline(tasks.ADDING_BASELINE, color=style.MODEL["baseline"], linestyle="--",
               linewidth=1.3, label="baseline 1/6: always answer 1")
    ax.axhline(ch01_runs.LEARNED, color=style.MODEL["baseline"], linestyle=":", linewidth=1.3,
               label="1/12: remember only the second value")
    split = len(ch01_runs.NETWORKS["page"]) - 0.5
    ax.axvline(split, color=style.INK, linewidth=0.8)
    for budget, centre in (("page", (split - 0.5) / 2), ("longer", (split + len(keys) - 0.5) / 2)):
        ax.text(centre, 1.02, BUDGET_NAMES[budget], transform=ax.get_xaxis_transform(),
                ha="center", va="bottom", fontsize=9)
    ax.set_xticks(range(len(keys)), [NAMES[n] for _, n in keys])
    ax.set_xlim(-0.6, len(keys) - 0.4)
    ax.grid(axis="x", visible=False)
    ax.set_yscale("log")
    lowest = min(min(table[k]["held_out"]) for k in keys)
    ax.set_ylim(lowest / 20, 0.6)                   # room for the legend below the dots
    ax.set_ylabel("MSE on 2,000 fresh sequences")
    ax.legend(loc="lower left", title="bar: median of the runs", title_fontsize=8)
    return fig
