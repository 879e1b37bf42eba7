"""The chapters' recurring plots: learning curves against a baseline, and quantities by distance.

Every plot takes its colours from :mod:`lstmlib.style` (a curve named after a model, such as
"LSTM" or "RNN, trained", gets that model's colour), labels its axes with units, draws a
legend, and returns a matplotlib Figure 700 px wide. The figures are not pyplot's: a notebook
shows one when a cell ends with it, once, at its own size, and nothing is left open.

    fig = learning_curves({"RNN": hist_rnn.loss, "LSTM": hist_lstm.loss}, baseline=1/6,
                          baseline_label="predict the mean (1/6)", ylabel="MSE")
    fig = by_distance({"RNN": norms_rnn, "LSTM": (norms_lstm, {"linestyle": "--"})},
                      ylabel="‖∂h_T/∂h_t‖")
"""
from __future__ import annotations

import io
import sys

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from . import style
from .train import smooth   # noqa: F401  (plots.smooth: the moving average the curves draw)


class PlotFigure(Figure):
    """A Figure that a notebook displays as a PNG at its own size (7 in at 100 dpi: 700 px)."""

    def _repr_png_(self) -> bytes:
        buf = io.BytesIO()
        self.savefig(buf, format="png", dpi=self.dpi, facecolor="white")
        return buf.getvalue()


def figure(ncols: int = 1, height: float = 3.5):
    """A new white figure, the column's width, with ``ncols`` axes side by side: ``(fig, axes)``."""
    fig = PlotFigure(figsize=(style.WIDTH_IN, height), dpi=style.DPI, facecolor="white")
    FigureCanvasAgg(fig)
    shell = sys.modules["IPython"].get_ipython() if "IPython" in sys.modules else None
    if shell is not None:   # win over the inline backend's printer for every Figure (tight bbox, 720 px)
        shell.display_formatter.formatters["image/png"].for_type(PlotFigure, PlotFigure._repr_png_)
    axes = fig.subplots(1, ncols)
    return fig, axes


def model_colour(label: str, default=style.INK) -> str:
    """The colour of the model a label starts with ("LSTM, trained" -> ``style.MODEL["LSTM"]``)."""
    names = sorted((m for m in style.MODEL if label.startswith(m)), key=len, reverse=True)
    return style.MODEL[names[0]] if names else default


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
