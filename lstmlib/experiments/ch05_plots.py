"""Chapter 5's figures: the leak intervention over every run.

Used by ``book/05_output_gate.ipynb``; the numbers come from
:func:`lstmlib.experiments.ch05_leak.leak`.

    leak_figure    the MSE before the cue with the answer units' o_t free or held, every run
"""
from __future__ import annotations

import numpy as np

from .. import plots, style
from ..tasks import recall
from .ch05 import SHUT


def leak_figure(leaks: dict):
    """The headline figure: for each start (``{start: [{run: Leak}, ...]}``, one dict per run),
    the MSE before the cue when the answer units' o_t is free or held at 0, at its own mean or
    at 1 at every step before the cue; one dot per run, the page's run (the first) filled."""
    runs = ("free", "0", "own mean", "1")
    fig, axes = plots.figure(ncols=len(leaks), height=3.7)
    axes = np.atleast_1d(axes)
    for ax, (start, per_run) in zip(axes, leaks.items()):
        for j, r in enumerate(per_run):
            y = [r[name].before for name in runs]
            x = np.arange(len(runs)) + 0.08 * (j - (len(per_run) - 1) / 2)
            ax.scatter(x, y, s=36 if j == 0 else 22, zorder=3 if j == 0 else 2,
                       color=style.GATE["o"] if j == 0 else "white",
                       edgecolor=style.GATE["o"], linewidth=1.2,
                       label="the run on this page" if j == 0 else
                       ("the other runs" if j == 1 else None))
        ax.axhline(recall.SILENT_BASELINE, color=style.GREY, linestyle="--", linewidth=1.2,
                   label="never answers (1/3)")
        ax.set_yscale("log")
        ax.set_xticks(range(len(runs)), ["free", "0", "own\nmean", "1"])
        ax.set_title(f"{start} start, $b_o = {0 if start == 'half-open' else int(SHUT)}$")
        ax.set_xlabel("the answer units' $o_t$ held at, $t < t_c$")
    values = [r[name].before for per_run in leaks.values() for r in per_run for name in runs]
    low, high = min(values + [recall.SILENT_BASELINE]), max(values + [recall.SILENT_BASELINE])
    for ax in axes:                                     # one scale for both panels
        ax.set_ylim(low / 2, high * 3)
    axes[0].set_ylabel("MSE before the cue")
    fig.legend(*axes[0].get_legend_handles_labels(), loc="outside lower center", ncols=3)
    return fig
