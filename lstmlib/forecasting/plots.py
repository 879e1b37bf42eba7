"""Chapter 10's figures: the series and their split, forecasts against the truth, the error
by lead time, and the precomputed sweep. Each returns a 700 px figure on a white panel.

    series_split([problem_a, problem_b])
    forecast_paths(comparison, ["ETS(A,A,A)", "DLinear", "LSTM", "Transformer"])
    error_by_lead({"co2": comparison_a, "mackey_glass": comparison_b}, names)
    sweep_dots({"co2": table, ...}, reference="DLinear")
"""
from __future__ import annotations

import numpy as np

from .. import style
from ..plots import PlotFigure, figure
from .protocol import Problem

# One colour per forecaster (Okabe–Ito; LSTM and GRU as in every chapter).
COLOURS = {"naive": style.GREY, "seasonal naive": style.GREY, "ETS": style.ORANGE,
           "ARIMA": style.ORANGE, "DLinear": style.PURPLE, "MLP": style.SKY_BLUE,
           "LSTM": style.MODEL["LSTM"], "GRU": style.MODEL["GRU"], "Transformer": style.VERMILLION}
PART_SHADE = {"val": "#EEEEEE", "test": "#DDDDDD"}


def colour(name: str) -> str:
    """The colour of a forecaster, by the start of its name ("ARIMA(9,0,0)" -> orange)."""
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
    return series.unit if "no unit" not in series.unit else "x (no unit)"


def _time_label(series) -> str:
    return "year" if series.time_unit == "year" else f"time t ({series.time_unit}s)"


def series_split(problems, height_per: float = 1.9) -> PlotFigure:
    """Each series over time, one panel per series, with its validation and test parts shaded."""
    if not problems or not all(isinstance(p, Problem) for p in problems):
        raise TypeError("expected a non-empty list of forecasting Problems")
    fig, axes = _grid(len(problems), 1, height_per * len(problems) + 0.3)
    for ax, p in zip(axes[:, 0], problems):
        s, t = p.series, p.series.time
        for part in ("val", "test"):
            a, b = p.split.bounds(part)
            ax.axvspan(t[a], t[b - 1], color=PART_SHADE[part], linewidth=0)
        ax.plot(t, s.values, color=style.INK, linewidth=1.0)
        for part, label in (("train", "train"), ("val", "validation"), ("test", "test")):
            a, b = p.split.bounds(part)
            ax.text((t[a] + t[b - 1]) / 2, 1.0, label, transform=ax.get_xaxis_transform(),
                    ha="center", va="bottom", fontsize=8, color=style.INK)
        ax.set_title(s.title, loc="left", fontsize=10, pad=12)
        ax.set_ylabel(_value_label(s))
        ax.set_xlabel(_time_label(s))
        ax.grid(False)
    return fig


def forecast_paths(comparison, names, seed: int = 0, paths: int | None = None,
                   context: int | None = None, height: float = 4.8) -> PlotFigure:
    """Forecasts against the truth on the test part, one panel per model: from every K-th
    origin, the K values the model forecast (coloured), over the true series (black). For
    a trained model, the network of the ``seed``-th seed. ``paths``: how many origins (all
    that fit in the test part if None); ``context``: steps of the past drawn before it."""
    p = comparison.problem
    unknown = [n for n in names if n not in comparison.entries]
    if unknown:
        raise ValueError(f"unknown model {unknown[0]!r}: the comparison holds {tuple(comparison.entries)}")
    cols = 2 if len(names) > 1 else 1
    rows = -(-len(names) // cols)
    fig, axes = _grid(rows, cols, height, sharex=True, sharey=True)
    start, stop = p.split.bounds("test")
    context = p.lookback if context is None else context
    t = p.series.time
    picks = np.arange(0, len(p.origins("test")), p.horizon)[:paths]   # non-overlapping paths
    stop = min(stop, p.origins("test")[picks[-1]] + p.horizon)
    for ax, name in zip(axes.flat, names):
        entry = comparison.entries[name]
        f = entry.forecasts[seed if entry.trained else 0]             # (B, K)
        ax.plot(t[start - context:stop], p.series.values[start - context:stop],
                color=style.INK, linewidth=1.0, label="truth")
        for k, b in enumerate(picks):
            o = p.origins("test")[b]
            ax.plot(t[o:o + p.horizon], f[b], color=colour(name), linewidth=1.8,
                    label="forecast" if k == 0 else None)
        ax.axvline(t[start], color=style.GREY, linewidth=0.8, linestyle=":")
        ax.set_title(name, loc="left", fontsize=10)
    for ax in axes.flat[len(names):]:
        ax.set_visible(False)
    for ax in axes[-1]:
        ax.set_xlabel(_time_label(p.series))
    for ax in axes[:, 0]:
        ax.set_ylabel(_value_label(p.series))
    fig.legend(*axes.flat[0].get_legend_handles_labels(), loc="outside upper right", ncols=2)
    return fig


def error_by_lead(comparisons: dict, names, height: float = 3.4) -> PlotFigure:
    """Test MSE against the lead time h = 1 … K, one panel per series, one line per model
    (the mean over seeds, with the range over seeds shaded), on a log scale."""
    fig, axes = _grid(1, len(comparisons), height)
    for ax, (key, c) in zip(axes[0], comparisons.items()):
        h = np.arange(1, c.problem.horizon + 1)
        for name in names:
            if name not in c.entries:
                continue
            mse = np.array([e.mse for e in c.errors(name)])            # (seeds, K)
            line = {"naive": "--", "seasonal naive": ":"}.get(name, "-")
            ax.plot(h, mse.mean(0), color=colour(name), linestyle=line, label=name)
            if len(mse) > 1:
                ax.fill_between(h, mse.min(0), mse.max(0), color=colour(name), alpha=0.2, linewidth=0)
        s = c.problem.series
        unit = f" ({s.unit}²)" if "no unit" not in s.unit and len(s.unit) <= 4 else ""
        steps = {"co2": "months", "sunspots": "years"}.get(key, "steps of 6 time units")
        ax.set_yscale("log")
        ax.set_title(s.title, loc="left", fontsize=10)
        ax.set_xlabel(f"lead h ({steps})")
        ax.set_ylabel(f"test MSE{unit}")
        ax.xaxis.get_major_locator().set_params(integer=True)
    handles = {}
    for ax in axes[0]:
        handles.update(zip(*reversed(ax.get_legend_handles_labels())))
    fig.legend(list(handles.values()), list(handles), loc="outside lower center", ncols=4, fontsize=8)
    return fig


def sweep_dots(tables: dict, titles: dict, reference: str = "DLinear", marks: dict | None = None,
               height_per: float = 1.75) -> PlotFigure:
    """The precomputed sweep: for each series (a panel, one under the other) and model, every
    seed's test MSE divided by the mean test MSE of ``reference``, on a log scale; a small
    budget as filled dots, a large one as open dots. ``tables``: series ->
    :func:`~lstmlib.experiments.ch10.sweep_table`. ``marks``: series -> {name: MSE} of
    untrained models, drawn as vertical lines in their colours."""
    from matplotlib.ticker import FixedLocator, NullFormatter
    fig, axes = _grid(len(tables), 1, height_per * len(tables) + 0.5)
    kinds = list(dict.fromkeys(k for t in tables.values() for k, _ in t))
    budgets = {b for t in tables.values() for _, b in t}
    for ax, (series, table) in zip(axes[:, 0], tables.items()):
        ref = table[(reference, "small")]["mse"].mean()
        for y, kind in enumerate(kinds):
            for budget, dy in (("small", -0.13 if len(budgets) > 1 else 0.0), ("large", 0.13)):
                if (kind, budget) in table:
                    values = table[(kind, budget)]["mse"] / ref
                    ax.scatter(values, np.full(len(values), y + dy), s=24, color=colour(kind),
                               facecolors=colour(kind) if budget == "small" else "none",
                               linewidths=1.2)
        ax.axvline(1.0, color=style.GREY, linewidth=0.8)
        for name, value in (marks or {}).get(series, {}).items():
            ax.axvline(value / ref, color=colour(name), linewidth=1.2,
                       linestyle={"naive": "--", "seasonal naive": ":"}.get(name, "-"), label=name)
        ax.set_xscale("log")
        ticks = [0.05, 0.1, 0.2, 0.5, 1, 1.5, 2, 3, 5, 10]
        ax.xaxis.set_major_locator(FixedLocator(ticks))
        ax.xaxis.set_major_formatter(lambda v, _: f"{v:g}")
        ax.xaxis.set_minor_formatter(NullFormatter())
        ax.set_title(titles.get(series, series), loc="left", fontsize=10)
        ax.set_yticks(range(len(kinds)), kinds)
        ax.set_ylim(len(kinds) - 0.5, -0.5)                          # first model on top
        ax.grid(True, axis="x")
    axes[-1, 0].set_xlabel(f"test MSE / {reference}'s mean test MSE (log scale)")
    if len(budgets) > 1:
        for budget in ("small", "large"):
            axes[0, 0].scatter([], [], s=24, color=style.INK,
                               facecolors=style.INK if budget == "small" else "none",
                               label=f"{budget} budget")
    handles = {}
    for ax in axes[:, 0]:
        handles.update(zip(*reversed(ax.get_legend_handles_labels())))
    if handles:
        fig.legend(list(handles.values()), list(handles), loc="outside lower center",
                   ncols=len(handles), fontsize=8)
    return fig
