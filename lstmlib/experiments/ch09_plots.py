"""Chapter 9's figures: every run a dot, the error against the learning rate, the cell-state trace.

They draw rows as :mod:`lstmlib.experiments.ch09_results` reads them (from the live sweep or
the full sweep's results file) and what its :func:`~lstmlib.experiments.ch09_results.cell_trace`
records; nothing here changes what a run computes, so editing a figure leaves the results file
valid.

    strip_plot(rows)                      # every run a dot, one panel per task
    lr_plot(grid)                         # error against learning rate, one line per size
    trace_plot({"LSTM": cell_trace(model, seed), ...})
"""
from __future__ import annotations

import numpy as np

from .. import plots, style
from .ch09 import HIDDEN_SIZES, TASKS, VARIANTS
from .ch09_results import errors_by_seed, rows_where

TASK_TITLES = {"adding": "adding problem, T = 30", "latch": "latch stream (continual)",
               "words": "word text (characters)"}
# Colours: the course's model colours (lstmlib.style.MODEL); the five ablations of the LSTM
# share a lighter blue than the LSTM's own (and are dashed where lines are drawn).
ABLATIONS = ("NFG", "NIG", "NOG", "NIAF", "NOAF")
COLOURS = {"LSTM": style.MODEL["LSTM"], "PH": style.MODEL["PeepholeLSTM"],
           "CIFG": style.MODEL["CoupledLSTM"], "GRU": style.MODEL["GRU"], "RNN": style.MODEL["RNN"],
           **{v: style.SKY_BLUE for v in ABLATIONS}}


def _error_axis(ax, task):
    if task == "words":
        ax.set_xlabel("bits per character")
    else:
        ax.set_xscale("log")
        ax.set_xlabel("MSE ÷ baseline")


def strip_plot(rows, variants=None, tasks_=TASKS, height=None, title=None, **conditions):
    """Every run as a dot, one row per variant and one panel per task; a bar marks the median
    (a mean of bimodal errors on a log axis would sit where no run is).

    The dashed line is the baseline of a constant answer (adding, latch) or, for word text,
    the best possible predictor. A diverged run is drawn as a cross at the panel's right edge.
    ``title`` goes above the panels (say where precomputed results come from).
    """
    variants = variants or [v for v in VARIANTS if rows_where(rows, variant=v, **conditions)]
    fig, axes = plots.figure(len(tasks_), height or 1.0 + 0.32 * len(variants) + 0.3 * bool(title))
    if title:
        fig.suptitle(title, fontsize=9, color=style.INK)
    axes = np.atleast_1d(axes)
    for ax, task in zip(axes, tasks_):
        for k, v in enumerate(variants):
            chosen = rows_where(rows, task=task, variant=v, **conditions)
            if not chosen:
                continue
            e = errors_by_seed(chosen)
            jitter = np.linspace(-0.22, 0.22, len(e)) if len(e) > 1 else np.zeros(1)
            ok = np.isfinite(e)
            ax.scatter(e[ok], k + jitter[ok], s=16, color=COLOURS[v], edgecolor=style.INK,
                       linewidth=0.4, zorder=3)
            if np.isfinite(np.median(e)):                  # a diverged run counts as inf
                ax.plot([np.median(e)] * 2, [k - 0.35, k + 0.35], color=style.INK, linewidth=1.6, zorder=4)
            if not ok.all():
                ax.scatter([ax.get_xlim()[1]] * int((~ok).sum()), k + jitter[~ok], marker="x",
                           color=COLOURS[v], zorder=3)
        ref = (np.mean([r["floor"] for r in rows_where(rows, task="words")])
               if task == "words" else 1.0)
        ax.axvline(ref, color=style.MODEL["baseline"], linestyle="--", linewidth=1.2)
        ax.set_yticks(range(len(variants)), variants if ax is axes[0] else [""] * len(variants))
        ax.set_ylim(len(variants) - 0.5, -0.5)
        ax.set_title(TASK_TITLES[task], fontsize=10)
        _error_axis(ax, task)
        ax.grid(axis="y", visible=False)
    return fig


def lr_plot(rows, variant="LSTM", tasks_=TASKS, title=None):
    """The error against the learning rate, one line per hidden size (the median over seeds,
    each seed a dot): which matters more, the learning rate or the size?"""
    fig, axes = plots.figure(len(tasks_), 3.5 if title else 3.2)
    if title:
        fig.suptitle(title, fontsize=9, color=style.INK)
    shades = dict(zip(HIDDEN_SIZES, (style.SKY_BLUE, style.BLUE, style.BLACK)))   # darker: larger
    for ax, task in zip(np.atleast_1d(axes), tasks_):
        for H, colour in shades.items():
            lrs = sorted({r["lr"] for r in rows_where(rows, task=task, variant=variant, hidden_size=H)})
            if not lrs:
                continue
            e = [errors_by_seed(rows, task=task, variant=variant, hidden_size=H, lr=lr) for lr in lrs]
            for lr, values in zip(lrs, e):
                ax.scatter([lr] * len(values), values, s=8, color=colour, alpha=0.5, zorder=2)
            ax.plot(lrs, [np.median(v) for v in e], color=colour, marker="o", label=f"H = {H}", zorder=3)
        ax.set_xscale("log")
        if task != "words":
            ax.set_yscale("log")
        ax.set_xlabel("learning rate (Adam)")
        ax.set_ylabel("bits per character" if task == "words" else "MSE ÷ baseline")
        ax.set_title(TASK_TITLES[task], fontsize=10)
    np.atleast_1d(axes)[-1].legend(title=f"{variant}, hidden size", loc="upper right")
    return fig


def trace_plot(traces: dict):
    """Along one continual stream: the largest ``|C_t|`` (left) and the error (right), per model.

    ``traces`` maps a variant to what :func:`lstmlib.experiments.ch09_results.cell_trace`
    returned. Ablations are dashed.
    """
    fig, (left, right) = plots.figure(2, 3.2)
    top = 1.0
    for v, (cell, err) in traces.items():
        t = np.arange(1, len(cell) + 1)
        kw = dict(color=COLOURS[v], label=v, linestyle="--" if v in ABLATIONS else "-")
        left.plot(t, cell, **kw)
        right.plot(t, err, **kw)
        top = max(top, float(np.max(err)))
    left.set_yscale("log")
    left.set_ylabel("largest |$C_t$| over the units")
    right.set_ylabel("MSE ÷ baseline (100 steps)")
    right.axhline(1.0, color=style.MODEL["baseline"], linestyle=":", linewidth=1.2,
                  label="constant answer")
    right.set_ylim(0, 1.35 * top)
    left.legend(loc="center right")
    right.legend(loc="upper center", ncols=3)
    for ax in (left, right):
        ax.set_xlabel("step of the stream, t (no reset)")
    return fig
