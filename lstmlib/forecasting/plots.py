"""Chapter 10's figures: the series and their test blocks, forecasts against the truth, every
model's error in every window, and the two probes of locality. Each returns a 700 px figure
on a white panel.

    series_folds({"co2": problems, ...})          # each series, its three test blocks shaded
    forecast_paths(problem, {"DLinear": (B, K), ...})
    window_dots(scores, order)                    # MASE / seasonal naive's, every window
    probes(shuffle_ratios, lookback_table)        # shuffled windows; longer lookbacks
"""
from __future__ import annotations

import numpy as np

from .. import style
from ..plots.base import PlotFigure, figure
from .protocol import Problem

# One colour per forecaster (Okabe–Ito; LSTM and GRU as in every chapter).
COLOURS = {"naive": style.GREY, "seasonal naive": style.GREY, "ETS": style.ORANGE,
           "ARIMA": style.INK, "DLinear": style.PURPLE, "MLP": style.SKY_BLUE,
           "LSTM": style.MODEL["LSTM"], "GRU": style.MODEL["GRU"], "PatchTST": style.VERMILLION}
TEST_SHADE = ("#E4E4E4", "#D2D2D2", "#C0C0C0")       # the folds' test blocks, oldest lightest


def colour(name: str) -> str:
    """The colour of a forecaster, by the start of its name ("ARIMA(2,1,0)" -> ink)."""
    for key in sorted(COLOURS, key=len, reverse=True):
        if name.startswith(key):
            return COLOURS[key]
    return style.INK


def _grid(rows: int, cols: int, height: float, **kw):
    fig, _ = figure(1, height)            # the course's figure (and its notebook printer) ...
    fig.clear()                           # ... with a grid of axes of our own
    axes = fig.subplots(rows, cols, squeeze=False, **kw)
    return fig, axes


def _value_label(series) -> str:
    """The unit for a y axis: "x (no unit)", or the unit up to its first comma ("index")."""
    return "x (no unit)" if "no unit" in series.unit else series.unit.split(",")[0]


def series_folds(folds: dict, height_per: float = 1.15) -> PlotFigure:
    """Each series over time (a panel each, ``{name: [Problem per fold]}``), its folds' test
    blocks shaded from light (the first) to dark (the last)."""
    if not folds or not all(isinstance(p, Problem) for ps in folds.values() for p in ps):
        raise TypeError("expected a non-empty dict {name: [forecasting Problem per fold]}")
    fig, axes = _grid(len(folds), 1, height_per * len(folds) + 0.4)
    for ax, problems in zip(axes[:, 0], folds.values()):
        s, t = problems[0].series, problems[0].series.time
        for k, p in enumerate(problems):
            a, b = p.split.bounds("test")
            ax.axvspan(t[a], t[b - 1], color=TEST_SHADE[k % 3], linewidth=0)
        ax.plot(t, s.values, color=style.INK, linewidth=0.8)
        ax.set_title(s.title, loc="left", fontsize=9, pad=2)
        ax.set_ylabel(_value_label(s), fontsize=8)
        ax.tick_params(labelsize=7)
        ax.grid(False)
    axes[-1, 0].set_xlabel("time (years; Mackey–Glass: time units)")
    return fig


def forecast_paths(problem: Problem, forecasts: dict, height: float = 4.2) -> PlotFigure:
    """Forecasts against the truth on the test block, one panel per model: from every K-th
    origin, the K values forecast (coloured) over the true series (black, with the lookback
    before the block)."""
    if not isinstance(problem, Problem) or not forecasts:
        raise TypeError("expected a forecasting Problem and a dict {name: (B, K) forecasts}")
    names = list(forecasts)
    cols = 2 if len(names) > 1 else 1
    rows = -(-len(names) // cols)
    fig, axes = _grid(rows, cols, height, sharex=True, sharey=True)
    start, _ = problem.split.bounds("test")
    origins = problem.origins("test")
    picks = np.arange(0, len(origins), problem.horizon)                # non-overlapping paths
    stop = origins[picks[-1]] + problem.horizon
    t, y = problem.series.time, problem.series.values
    for ax, name in zip(axes.flat, names):
        ax.plot(t[start - problem.lookback:stop], y[start - problem.lookback:stop],
                color=style.INK, linewidth=1.0, label="truth")
        for k, b in enumerate(picks):
            o = origins[b]
            ax.plot(t[o:o + problem.horizon], forecasts[name][b], color=colour(name),
                    linewidth=1.8, label="forecast" if k == 0 else None)
        ax.axvline(t[start], color=style.GREY, linewidth=0.8, linestyle=":")
        ax.set_title(name, loc="left", fontsize=10)
    for ax in axes.flat[len(names):]:
        ax.set_visible(False)
    for ax in axes[-1]:
        ax.set_xlabel("year" if problem.series.time_unit == "year" else "time t")
    for ax in axes[:, 0]:
        ax.set_ylabel(_value_label(problem.series))
    fig.legend(*axes.flat[0].get_legend_handles_labels(), loc="outside upper right", ncols=2)
    return fig


def window_dots(scores: dict, order, reference: str = "seasonal naive",
                height: float = 3.6) -> PlotFigure:
    """Every model (a row, in ``order``) in every window (a dot; ``scores``:
    ``{(series, fold): {model: MASE}}``): its MASE divided by ``reference``'s in the same
    window, on a log axis, the median as a bar. Left of 1: better than the reference."""
    fig, axes = _grid(1, 1, height)
    ax = axes[0, 0]
    keys = sorted(scores)
    for y, model in enumerate(order):
        ratio = np.array([scores[k][model] / scores[k][reference] for k in keys])
        jitter = np.linspace(-0.2, 0.2, len(ratio))
        ax.scatter(ratio, y + jitter, s=12, color=colour(model), alpha=0.8, linewidths=0)
        ax.plot([np.median(ratio)] * 2, [y - 0.32, y + 0.32], color=style.INK, linewidth=2)
    ax.axvline(1.0, color=style.GREY, linewidth=0.8, linestyle="--")
    ax.set_xscale("log")
    ax.set_yticks(range(len(order)), list(order))
    ax.set_ylim(len(order) - 0.5, -0.5)                        # the first model on top
    ax.set_xlabel(f"MASE / {reference}'s MASE in the same window (log scale)")
    ax.grid(True, axis="x")
    return fig


def probes(shuffle: dict, lookback: dict, height: float = 3.3) -> PlotFigure:
    """Left: each trained model's error with its windows' past shuffled, over its error with
    the past in order (a dot per series; ``shuffle``: ``{(series, kind): ratio}``). Right:
    each probed model's MASE against the lookback, relative to its MASE at the series' own
    lookback (a thin line per series, the median thick; ``lookback``: ``{(series, kind):
    {L: MASE}}``)."""
    fig, axes = _grid(1, 2, height)
    left, right = axes[0]
    kinds = list(dict.fromkeys(k for _, k in shuffle))
    for y, kind in enumerate(kinds):
        values = [v for (s, k), v in shuffle.items() if k == kind]
        left.scatter(values, np.full(len(values), y), s=18, color=colour(kind))
    left.axvline(1.0, color=style.GREY, linewidth=0.8, linestyle="--")
    left.set_xscale("log")
    left.set_yticks(range(len(kinds)), kinds)
    left.set_ylim(len(kinds) - 0.5, -0.5)
    left.set_xlabel("MAE, past shuffled / in order (log)")
    probed = list(dict.fromkeys(k for _, k in lookback))
    for kind in probed:
        lines = []
        for (s, k), table in lookback.items():
            if k == kind:
                lbs = sorted(table)
                own = lbs[len(lbs) // 2]                       # the middle one: the series' own
                lines.append([table[lb] / table[own] for lb in lbs])
                right.plot([0.5, 1, 2], lines[-1], color=colour(kind), linewidth=0.6, alpha=0.5)
        right.plot([0.5, 1, 2], np.median(lines, axis=0), color=colour(kind), linewidth=2.2,
                   marker="o", label=kind)
    right.axhline(1.0, color=style.GREY, linewidth=0.8, linestyle="--")
    right.set_xscale("log", base=2)
    right.set_xticks([0.5, 1, 2], ["L / 2", "L", "2 L"])
    right.set_xlabel("lookback (L: the series' own)")
    right.set_ylabel("MASE / MASE at L")
    right.legend(fontsize=8)
    return fig
