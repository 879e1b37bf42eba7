"""Chapter 7's figure of the learning-rate choice, over the sweep's seeds.

    fig = lr_choice(by_lr, chosen, titles, names)

:func:`lstmlib.plots.runs.lr_sweep` draws the dots and the medians; this module gives the
figure the legend its dots need here (a dot is one seed's median of four runs, the line the
median of the seeds) and labels the log axis between the decades (2 and 5 × 10^k).
"""
from __future__ import annotations

import numpy as np
from matplotlib.ticker import FuncFormatter

from .. import plots


def _between_decades(value, _position) -> str:
    """Label a minor tick of a log axis at 2 and 5 × 10^k only."""
    if value <= 0:
        return ""
    digit = round(value / 10 ** np.floor(np.log10(value)))
    return f"{value:g}" if digit in (2, 5) else ""


def lr_choice(by_lr: dict, chosen: dict, titles: dict, names: dict):
    """Each seed's median error against the learning rate, one panel per task (chapter 7).

    Args:
        by_lr: ``{(task, variant): {lr: (n_seeds,)}}``, the errors as shares of the baseline
            (:func:`lstmlib.experiments.ch07_runs.per_seed_medians`); drawn in percent.
        chosen: ``{(task, variant): lr}``, ringed
            (:func:`lstmlib.experiments.ch07_runs.sweep_lrs`).
        titles: ``{task: panel title}``; names: ``{variant: legend label}``.
    """
    for what, mapping in (("by_lr", by_lr), ("chosen", chosen), ("titles", titles), ("names", names)):
        if not isinstance(mapping, dict) or not mapping:
            raise TypeError(f"expected {what} to be a non-empty dict, got {type(mapping).__name__}")
    missing = {k for k in by_lr if k[0] not in titles or k[1] not in names}
    if missing:
        raise ValueError(f"expected a title for every task and a name for every variant, "
                         f"got none for {sorted(missing)}")
    n_seeds = len(next(iter(next(iter(by_lr.values())).values())))
    fig = plots.lr_sweep(
        {(titles[t], names[v]): {lr: 100 * np.asarray(e) for lr, e in medians.items()}
         for (t, v), medians in by_lr.items()},
        ylabel="held-out MSE (% of the baseline)",
        chosen={(titles[t], names[v]): lr for (t, v), lr in chosen.items()})
    for ax in fig.axes:
        ax.yaxis.set_minor_formatter(FuncFormatter(_between_decades))
    handles, labels = fig.axes[0].get_legend_handles_labels()
    fig.axes[0].get_legend().remove()                 # below both panels, clear of the dots
    fig.legend(handles, labels, loc="upper center", bbox_to_anchor=(0.5, 0.0), ncol=3,
               fontsize=8, title_fontsize=8,
               title=f"dot: one seed's median of its runs; line: median of the {n_seeds} seeds")
    return fig
