"""Learning curves and quantities by distance, one line per model (chapters 1-2 and on).

    fig = learning_curves({"RNN": hist_rnn.loss, "LSTM": hist_lstm.loss}, baseline=1/6,
                          baseline_label="predict the mean (1/6)", ylabel="MSE")
    fig = by_distance({"RNN": norms_rnn, "LSTM": (norms_lstm, {"linestyle": "--"})},
                      ylabel="‖∂h_T/∂h_t‖")
"""
from __future__ import annotations

import numpy as np

from .. import style
from ..training.loop import smooth
from .base import figure, model_colour


def _curves(curves):
    """Accept {label: values} or {label: (values, line_kwargs)}."""
    if not isinstance(curves, dict) or not curves:
        raise TypeError(f"expected a non-empty dict {{label: values}}, got {type(curves).__name__}")
    for label, item in curves.items():
        values, kwargs = item if isinstance(item, tuple) else (item, {})
        yield label, np.asarray(values, dtype=float), dict(kwargs)


def _axes(ax, height):
    if ax is None:
        return figure(1, height)
    return ax.figure, ax


def learning_curves(curves, *, baseline=None, baseline_label="baseline", ylabel="loss",
                    xlabel="training step", window=25, log=False, ax=None, height=3.5):
    """Loss (or accuracy) against training step, one line per model, with an optional baseline.

    Each curve is drawn faintly as recorded and boldly as a moving average over ``window``
    steps, so the trend reads through the mini-batch noise.
    """
    fig, ax = _axes(ax, height)
    for label, values, kw in _curves(curves):
        colour = kw.pop("color", model_colour(label))
        steps = np.arange(1, len(values) + 1)
        if window > 1:
            ax.plot(steps, values, color=colour, alpha=0.25, linewidth=0.8)
        ax.plot(steps, smooth(values, window), color=colour, label=label, **kw)
    if baseline is not None:
        ax.axhline(baseline, color=style.MODEL["baseline"], linestyle="--", linewidth=1.4, label=baseline_label)
    return _finish(fig, ax, log, xlabel, ylabel)


def by_distance(curves, *, ylabel, xlabel="distance T − t (time steps)", log=True, ax=None, height=3.5):
    """A quantity against the distance d = T − t (d = 0 is the last step), on a log scale.

    ``curves`` maps a label to values indexed by distance, optionally with line keyword
    arguments: ``{"LSTM, trained": (norms, {"linestyle": "--"})}``.
    """
    fig, ax = _axes(ax, height)
    for label, values, kw in _curves(curves):
        kw.setdefault("color", model_colour(label))
        if log:   # a value that underflowed to 0 has no place on a log axis: the line stops there
            values = np.where(values > 0, values, np.nan)
        ax.plot(np.arange(len(values)), values, label=label, **kw)
    return _finish(fig, ax, log, xlabel, ylabel)


def _finish(fig, ax, log, xlabel, ylabel):
    """Log scale if asked, axis labels, legend."""
    if log:
        ax.set_yscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.legend()
    return fig
