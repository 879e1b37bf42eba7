"""The figures of the course: 700 px wide, white, shown once by a notebook; model colours.

Every plot takes its colours from :mod:`lstmlib.style` (a curve named after a model, such as
"LSTM" or "RNN, trained", gets that model's colour), labels its axes with units, draws a
legend, and returns a matplotlib Figure 700 px wide. The figures are not pyplot's: a notebook
shows one when a cell ends with it, once, at its own size, and nothing is left open.
"""
from __future__ import annotations

import io
import sys

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from .. import style


class PlotFigure(Figure):
    """A Figure that a notebook displays as a PNG at its own size (7 in at 100 dpi: 700 px)."""

    def _repr_png_(self) -> bytes:
        buf = io.BytesIO()
        self.savefig(buf, format="png", dpi=self.dpi, facecolor="white")
        return buf.getvalue()


def figure(ncols: int = 1, height: float = 3.5):
    """A new white figure, the column's width, with ``ncols`` axes side by side: ``(fig, axes)``."""
    fig = PlotFigure(figsize=(style.WIDTH_IN, height), dpi=style.DPI, facecolor="white", layout="constrained")
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
