"""Plots for comparing LSTM variants: every run as a dot, and two gates against each other.

The variants chapters (6-9) compare small networks trained with several seeds, so a mean alone
hides what matters: these plots show every run. Colours come from :mod:`lstmlib.style` (a
label that starts with a model's name gets that model's colour); figures are 700 px wide on
the white panel, like those of :mod:`lstmlib.plots`.

    fig = strips({("sum", "LSTM"): errors_a, ("sum", "CoupledLSTM"): errors_b, ...},
                 ylabel="held-out MSE / baseline", log=True)
    fig = gate_plane({"LSTM": (f, i), "CoupledLSTM (CIFG)": (f2, i2)})   # one panel each
    fig = lr_sweep({("sum", "LSTM"): {0.01: errors, 0.02: errors_2}, ...},
                   ylabel="held-out MSE / baseline", chosen={("sum", "LSTM"): 0.01})
"""
from __future__ import annotations

import numpy as np
from matplotlib.ticker import FuncFormatter

from .. import style
from .base import figure, model_colour


def _check_mapping(name, value):
    if not isinstance(value, dict) or not value:
        raise TypeError(f"expected {name} to be a non-empty dict, got {type(value).__name__}")


def strips(results: dict, *, ylabel: str, log: bool = False, baseline=None,
           baseline_label: str = "baseline", group_labels=None, median_label: str = "bar: median of the runs",
           height: float = 3.5, jitter: float = 0.08, colours=None):
    """Every run's result as a dot, one strip per (group, variant), a bar at each strip's median.

    Args:
        results: ``{(group, variant): values}``, e.g. ``{("sum", "LSTM"): [0.03, 0.18, ...]}``;
            groups (tasks) are laid out left to right in the order they first appear, the
            variants side by side within each group, each in its model's colour.
        ylabel: the y-axis label, with its unit.
        log: a log scale for y.
        baseline: draw a dashed line at this value (e.g. 1 for "no better than the baseline").
        group_labels: optional ``{group: text}`` for the x-axis.
        median_label: the legend's title, which says what the bars are.
        colours: optional ``{variant: colour}`` for variants that are not models, such as the
            peephole variants of chapter 6 (by default a variant gets its model's colour).
    """
    _check_mapping("results", results)
    if any(not isinstance(k, tuple) or len(k) != 2 for k in results):
        raise TypeError(f"expected the keys of results to be (group, variant) pairs, got {list(results)[:3]}")
    groups = list(dict.fromkeys(g for g, _ in results))
    variants = list(dict.fromkeys(v for _, v in results))
    fig, ax = figure(1, height)
    width = 0.8 / len(variants)
    rng = np.random.default_rng(0)                       # the same jitter every time the page is built
    for (group, variant), values in results.items():
        values = np.asarray(values, dtype=float)
        if values.ndim != 1 or values.size == 0:
            raise ValueError(f"expected a non-empty 1-d sequence of values for {(group, variant)}, "
                             f"got shape {values.shape}")
        centre = groups.index(group) + (variants.index(variant) - (len(variants) - 1) / 2) * width
        colour = (colours or {}).get(variant) or model_colour(variant)
        xs = centre + rng.uniform(-jitter, jitter, values.size) * len(variants) / 2
        label = variant if groups.index(group) == 0 else None
        ax.scatter(xs, values, s=30, color=colour, alpha=0.85, edgecolor="white", linewidth=0.6,
                   zorder=3, label=label)
        ax.hlines(np.median(values), centre - width * 0.4, centre + width * 0.4, color=colour,
                  linewidth=2.2, zorder=4)
    if baseline is not None:
        ax.axhline(baseline, color=style.MODEL["baseline"], linestyle="--", linewidth=1.4, label=baseline_label)
    names = group_labels or {}
    ax.set_xticks(range(len(groups)), [names.get(g, str(g)) for g in groups])
    ax.set_xlim(-0.5, len(groups) - 0.5)
    ax.grid(axis="x", visible=False)
    if log:
        ax.set_yscale("log")
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))   # 0.1, 1, 10: not 10^-1
    ax.set_ylabel(ylabel)
    ax.legend(title=median_label, title_fontsize=8)
    return fig


def gate_plane(panels: dict, *, between: dict | None = None, xlabel="forget gate $f_t$",
               ylabel="input gate $i_t$", height: float = 3.4, colour: str | None = None):
    """Two gates against each other in the unit square, one panel per model.

    Args:
        panels: ``{label: (f, i)}``, each a 1-d array of gate values at the steps of interest
            (drawn in the model's colour).
        between: optionally ``{label: (f, i)}`` at other steps, drawn faintly in grey beneath.
        colour: one colour for the steps of interest in every panel, so that the one legend
            holds for all of them (None: each panel in its model's colour).

    Each panel carries the line i = 1 − f (where a coupled LSTM must stay) and names the
    corners: keep (f = 1, i = 0), overwrite (f = 0, i = 1), keep and write (f = 1, i = 1).
    """
    _check_mapping("panels", panels)
    fig, axes = figure(len(panels), height)
    axes = np.atleast_1d(axes)
    for ax, (label, (f, i)) in zip(axes, panels.items()):
        f, i = np.asarray(f, dtype=float), np.asarray(i, dtype=float)
        if f.shape != i.shape or f.ndim != 1:
            raise ValueError(f"expected f and i of the same 1-d shape for {label!r}, got {f.shape} and {i.shape}")
        if between and label in between:
            bf, bi = (np.asarray(v, dtype=float) for v in between[label])
            ax.scatter(bf, bi, s=6, color=style.GREY, alpha=0.25, linewidth=0, label="between markers")
        ax.scatter(f, i, s=10, color=colour or model_colour(label), alpha=0.5, linewidth=0,
                   label="at the markers")
        ax.plot([0, 1], [1, 0], color=style.INK, linestyle="--", linewidth=1.1, label="$i_t = 1 - f_t$")
        for (x, y, text, ha) in ((1.0, 0.02, "keep", "right"), (0.02, 1.0, "overwrite", "left"),
                                 (1.0, 1.0, "keep and write", "right")):
            ax.text(x, y, text, ha=ha, va="bottom" if y < 0.5 else "top", fontsize=8, color=style.INK)
        ax.set_xlim(-0.02, 1.02)
        ax.set_ylim(-0.02, 1.02)
        ax.set_aspect("equal")
        ax.set_title(label, fontsize=10)
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabel)
    axes[0].legend(loc="upper left", bbox_to_anchor=(0.0, 0.93), fontsize=8, markerscale=1.5)
    return fig


def lr_sweep(results: dict, *, ylabel: str, chosen: dict | None = None, panel_labels=None,
             xlabel: str = "learning rate", log: bool = True, height: float = 3.4, colours=None):
    """Every run's result against the learning rate, one panel per group (a task, say).

    Args:
        results: ``{(panel, variant): {lr: values}}``, one value per run; each variant is
            drawn in its model's colour (or ``colours[variant]``), a dot per run and a line
            through the medians, the variants side by side at each learning rate.
        ylabel: the y-axis label, with its unit (each panel has its own y range).
        chosen: optionally ``{(panel, variant): lr}``, the learning rate picked for each
            variant, ringed at its median.
        panel_labels: optional ``{panel: title}``.
        log: a log scale for y (x is always logarithmic).
    """
    _check_mapping("results", results)
    if any(not isinstance(k, tuple) or len(k) != 2 for k in results):
        raise TypeError(f"expected the keys of results to be (panel, variant) pairs, got {list(results)[:3]}")
    panels = list(dict.fromkeys(p for p, _ in results))
    variants = list(dict.fromkeys(v for _, v in results))
    fig, axes = figure(len(panels), height)
    axes = np.atleast_1d(axes)
    rng = np.random.default_rng(0)                       # the same jitter every time
    for (panel, variant), by_lr in results.items():
        _check_mapping(f"results[{(panel, variant)!r}]", by_lr)
        ax = axes[panels.index(panel)]
        colour = (colours or {}).get(variant) or model_colour(variant)
        shift = 1.09 ** (variants.index(variant) - (len(variants) - 1) / 2)    # side by side
        lrs = sorted(by_lr)
        medians = []
        for lr in lrs:
            values = np.asarray(by_lr[lr], dtype=float)
            if values.ndim != 1 or values.size == 0:
                raise ValueError(f"expected a non-empty 1-d sequence of values for {(panel, variant, lr)}, "
                                 f"got shape {values.shape}")
            xs = lr * shift * 1.025 ** rng.uniform(-1, 1, values.size)
            ax.scatter(xs, values, s=16, color=colour, alpha=0.6, linewidth=0, zorder=3)
            medians.append(np.median(values))
        ax.plot(np.array(lrs) * shift, medians, color=colour, marker="o", markersize=4, linewidth=1.6,
                zorder=4, label=variant)
        if chosen and (panel, variant) in chosen:
            lr = chosen[panel, variant]
            ax.scatter([lr * shift], [np.median(by_lr[lr])], s=110, facecolor="none", edgecolor=colour,
                       linewidth=1.6, zorder=5)
        ax.set_xscale("log")
        ax.set_xticks(lrs, [f"{lr:g}" for lr in lrs])
        ax.minorticks_off()
        if log:
            ax.set_yscale("log")
            ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
        ax.set_title((panel_labels or {}).get(panel, str(panel)), fontsize=10)
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabel)
    if chosen:                                           # one neutral legend entry for the rings
        axes[0].scatter([], [], s=110, facecolor="none", edgecolor=style.INK, linewidth=1.6,
                        label="chosen learning rate")
    axes[0].legend(fontsize=8, title="line: median of the runs", title_fontsize=8)
    return fig
