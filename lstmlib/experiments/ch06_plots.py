"""Chapter 6's figures: every run as a dot, rates with intervals, a gate's view, one cell's clock.

Used by ``book/06_peepholes.ipynb``; the numbers come from :mod:`lstmlib.experiments.ch06`
and, for the larger sweep, :mod:`lstmlib.experiments.ch06_runs`. Colours: the gate that has
the peephole (:data:`lstmlib.experiments.ch06.COLOURS`).

    strip_plot(panels)            every run's share of starts on time, one column per variant
    rate_plot(panels, this_run)   the share of runs that learnt the task, with 95 % intervals
    feedback_plot(feedback, ok)   the forget gate late in a long sequence against p_f ⊙ C_{t-1}
    sight_plot(o_prev, sight)     how much f_t sees of C_{t-1} as the output gate closes
    trace_plot(traces)            output, cell state and gates over one sequence
"""
from __future__ import annotations

import numpy as np

from .. import plots, style
from .ch06 import COLOURS, LABELS, NAMES, rate


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


def rate_plot(panels: dict, this_run: dict | None = None, height: float = 3.4):
    """The share of runs that learnt the task, with its 95 % interval, one panel per setting.

    ``panels``: ``{title: {variant: (learnt, runs)}}``, the larger sweep; ``this_run``: the same
    for the page's own runs (hollow diamonds beside each dot), or None. Intervals are exact
    binomial ones (:func:`rate`); colours as in :func:`strip_plot`.
    """
    if not isinstance(panels, dict) or not panels:
        raise TypeError(f"expected panels as a non-empty dict {{title: {{variant: (learnt, runs)}}}}, got {panels!r}")
    widths = [len(v) for v in panels.values()]
    fig, _ = plots.figure(1, height)
    fig.clear()
    axes = fig.subplots(1, len(panels), gridspec_kw={"width_ratios": widths}, sharey=True, squeeze=False)[0]
    for ax, (title, counts) in zip(axes, panels.items()):
        for k, (name, (learnt, runs)) in enumerate(counts.items()):
            r, low, high = rate(learnt, runs)
            ax.errorbar(k, r, yerr=[[r - low], [high - r]], fmt="o", color=COLOURS[name], markersize=6,
                        capsize=4, elinewidth=1.6, zorder=3)
            ax.text(k, min(high + 0.04, 1.04), f"{learnt}/{runs}", ha="center", fontsize=8, color=style.INK)
            if this_run and name in this_run.get(title, {}):
                mine, n = this_run[title][name]
                ax.scatter(k + 0.28, mine / n, marker="D", s=26, facecolor="white", edgecolor=COLOURS[name],
                           linewidth=1.3, zorder=4)
        ax.set_xticks(range(len(counts)), [LABELS[n] for n in counts], rotation=30, ha="right")
        ax.set_xlim(-0.6, len(counts) - 0.4)
        ax.set_ylim(-0.03, 1.1)
        ax.set_title(title, fontsize=10)
        ax.grid(axis="x", visible=False)
    axes[0].set_ylabel("share of runs that learnt the task")
    if this_run:
        axes[-1].scatter([], [], marker="D", s=26, facecolor="white", edgecolor=style.INK, label="this page's runs")
        axes[-1].errorbar([], [], yerr=[], fmt="o", color=style.INK, capsize=4, label="larger sweep, 95 % interval")
        axes[-1].legend(loc="upper right", fontsize=8)
    return fig


def feedback_plot(feedback: dict, learnt: dict, height: float = 3.4):
    """The forget gate late in a long sequence against its peephole term, one dot per run.

    ``feedback``: ``{variant: [(mean f_t, mean p_f ⊙ C_{t-1}) per run]}`` (:func:`forget_feedback`);
    ``learnt``: ``{variant: [bool per run]}``: runs that learnt the task are drawn as filled
    dots, the others as rings.
    """
    fig, ax = plots.figure(1, height)
    for name, pairs in feedback.items():
        pairs = np.asarray(pairs, dtype=float).reshape(-1, 2)
        ok = np.asarray(learnt[name], dtype=bool)
        ax.scatter(pairs[~ok, 1], pairs[~ok, 0], s=26, facecolor="none", edgecolor=COLOURS[name], linewidth=1.2,
                   label=f"{NAMES[name]}: did not learn", zorder=3)
        ax.scatter(pairs[ok, 1], pairs[ok, 0], s=30, color=COLOURS[name], edgecolor="white", linewidth=0.5,
                   label=f"{NAMES[name]}: learnt", zorder=4)
    ax.axvline(0, color=style.GREY, linewidth=0.8, linestyle=":")
    ax.set_xlabel("peephole term $p_f \\odot C_{t-1}$, mean over the last 50 of 200 steps")
    ax.set_ylabel("forget gate $f_t$, mean")
    ax.set_ylim(-0.03, 1.03)
    ax.legend(fontsize=7.5, loc="center left", bbox_to_anchor=(1.0, 0.5))
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
        mid.plot(t, tr["C_t"], color=style.GATE["C_t"], label="$C_t$")
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

