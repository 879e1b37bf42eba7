"""The chapters' recurring plots, in the course's style (colours from :mod:`lstmlib.style`).

    base     the figure itself: 700 px wide, white, shown once by a notebook; model colours
    curves   learning curves, and quantities against the distance T − t
    gates    gate heat maps over one sequence
    runs     every run of a comparison as a dot; two gates against each other; learning rates

Every function is importable from the package itself: ``plots.learning_curves``.
"""
from .base import PlotFigure, figure, model_colour
from .curves import by_distance, learning_curves
from .gates import DIVERGING, GATE_LABELS, gate_colormap, gate_heatmap
from .runs import gate_plane, lr_sweep, strips

__all__ = ["PlotFigure", "figure", "model_colour", "learning_curves", "by_distance",
           "GATE_LABELS", "DIVERGING", "gate_colormap", "gate_heatmap", "strips", "gate_plane",
           "lr_sweep"]
