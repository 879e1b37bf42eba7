"""The chapters' recurring plots: learning curves, quantities by distance, gate heat maps.

Every plot takes its colours from :mod:`lstmlib.style` (a curve named after a model, such as
"LSTM" or "RNN, trained", gets that model's colour), labels its axes with units, draws a
legend, and returns a matplotlib Figure 700 px wide. The figures are not pyplot's: a notebook
shows one when a cell ends with it, once, at its own size, and nothing is left open.

    fig = learning_curves({"RNN": hist_rnn.loss, "LSTM": hist_lstm.loss}, baseline=1/6,
                          baseline_label="predict the mean (1/6)", ylabel="MSE")
    fig = by_distance({"RNN": norms_rnn, "LSTM": (norms_lstm, {"linestyle": "--"})},
                      ylabel="‖∂h_T/∂h_t‖")
    _, _, gates = lstm(x, return_gates=True)                 # each (T, B, H)
    fig = gate_heatmap(gates, tokens, units=[3, 7, 12], names=("f", "i", "o"))
"""
from __future__ import annotations

import io
import sys

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import LinearSegmentedColormap
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


# What each recorded quantity is called on a heat map, and its range.
GATE_LABELS = {"f": ("forget gate $f_t$", 0.0, 1.0), "i": ("input gate $i_t$", 0.0, 1.0),
               "g": ("candidate $\\tilde{C}_t$", -1.0, 1.0), "o": ("output gate $o_t$", 0.0, 1.0),
               "c": ("cell state $C_t$", None, None), "h": ("hidden state $h_t$", -1.0, 1.0),
               "z": ("update gate $z_t$", 0.0, 1.0), "r": ("reset gate $r_t$", 0.0, 1.0),
               "n": ("candidate $\\tilde{h}_t$", -1.0, 1.0),
               "w": ("write $i_t \\odot \\tilde{C}_t$", -1.0, 1.0)}


# A diverging map for quantities of both signs (gate_heatmap(..., diverging=True)):
# negative blue, 0 white, positive vermillion (Okabe–Ito), so that the sign reads at a glance.
DIVERGING = (style.BLUE, "white", style.VERMILLION)


def gate_colormap(name: str, diverging: bool = False):
    """White to the gate's colour (:data:`lstmlib.style.GATE`); for a quantity that takes both
    signs (C̃_t, C_t, h_t, the write i_t ⊙ C̃_t in the cell state's colour), grey through white
    to the gate's colour, or with ``diverging=True`` the diverging map :data:`DIVERGING`."""
    if name not in GATE_LABELS:
        raise ValueError(f"unknown gate {name!r}: expected one of {tuple(GATE_LABELS)}")
    if diverging and GATE_LABELS[name][1] != 0.0:
        return LinearSegmentedColormap.from_list(f"course_{name}_diverging", DIVERGING)
    colour = style.GATE.get(name, style.INK)
    if name == "w":
        colour = style.GATE["c"]                    # the write i_t ⊙ C̃_t goes into the cell state
    if name == "r":
        colour = "#B8A400"                          # the reset gate's yellow, dark enough to read on white
    lo = GATE_LABELS[name][1]
    stops = ["white", colour] if lo == 0.0 else [style.GREY, "white", colour]
    return LinearSegmentedColormap.from_list(f"course_{name}", stops)


def gate_heatmap(gates, tokens, units, *, names=("f", "i", "o"), sequence=0, unit_labels=None,
                 xlabel="time step t, labelled with its input token $x_t$", height=None,
                 diverging=False, ranges=None):
    """One heat map per gate over one sequence: time across (labelled with the input tokens),
    the chosen hidden units down, the gate's value as colour (one colour scale per gate, in
    the course's gate colours, with its own colour bar).

    Args:
        gates: what a layer returns with ``return_gates=True``: name -> (T, B, H).
        tokens: T strings, the input at each step (the x-axis labels).
        units: the hidden units to show (indices into H), top to bottom.
        names: which entries of ``gates`` to draw, one panel each (f, i, g, o, c; z, r, n;
            w, the write i_t ⊙ C̃_t, if the caller adds it: ``dict(gates, w=gates["i"] * gates["g"])``).
        sequence: which sequence of the batch (index into B).
        unit_labels: optional text for each unit's row (default "unit 3").
        diverging: draw the quantities of both signs (C̃_t, C_t, h_t, ...) on the diverging
            map :data:`DIVERGING` instead of grey-white-colour (chapter 5).
        ranges: optional ``{name: (low, high)}`` colour range of a panel, or ``{name: "fit"}``
            for the range of the values shown (0 to their largest for a gate, ± their largest
            size for a signed quantity), so that a gate that never opens far still shows.
    """
    names = tuple(names)
    if not names:
        raise ValueError("expected at least one gate name in names")
    for name in names:
        if name not in gates:
            raise ValueError(f"gates has no entry {name!r}: it holds {tuple(gates)}")
        if name not in GATE_LABELS:
            raise ValueError(f"unknown gate {name!r}: expected one of {tuple(GATE_LABELS)}")
    first = gates[names[0]]
    if first.dim() != 3:
        raise ValueError(f"expected gates of shape (T, B, H), got {tuple(first.shape)} for {names[0]!r}")
    T, B, H = first.shape
    tokens = list(tokens)
    if len(tokens) != T:
        raise ValueError(f"expected {T} tokens (one per time step), got {len(tokens)}")
    if not 0 <= sequence < B:
        raise ValueError(f"expected sequence in 0 … {B - 1}, got {sequence}")
    units = list(units)
    if not units or any(not 0 <= u < H for u in units):
        raise ValueError(f"expected unit indices in 0 … {H - 1}, got {units}")
    if unit_labels is not None and len(unit_labels) != len(units):
        raise ValueError(f"expected {len(units)} unit labels, got {len(unit_labels)}")
    ranges = dict(ranges or {})
    for name, span in ranges.items():
        if name not in names:
            raise ValueError(f"ranges has an entry {name!r} that names does not draw: {names}")
        if span != "fit" and not (isinstance(span, (tuple, list)) and len(span) == 2
                                  and span[0] < span[1]):
            raise ValueError(f"expected ranges[{name!r}] to be (low, high) with low < high "
                             f"or 'fit', got {span!r}")
    rows = unit_labels or [f"unit {u}" for u in units]
    height = height or 0.6 + len(names) * (0.45 + 0.22 * len(units))
    fig = PlotFigure(figsize=(style.WIDTH_IN, height), dpi=style.DPI, facecolor="white", layout="constrained")
    FigureCanvasAgg(fig)
    figure(1)                                        # registers the PNG printer in a notebook
    axes = fig.subplots(len(names), 1, sharex=True, squeeze=False)[:, 0]
    for ax, name in zip(axes, names):
        values = gates[name][:, sequence, units].detach().cpu().double().numpy().T     # (units, T)
        label, lo, hi = GATE_LABELS[name]
        if name in ranges and ranges[name] != "fit":
            lo, hi = ranges[name]
        elif lo is None or name in ranges:
            hi = float(np.abs(values).max()) or 1.0
            lo = 0.0 if lo == 0.0 else -hi
        image = ax.imshow(values, aspect="auto", cmap=gate_colormap(name, diverging), vmin=lo, vmax=hi,
                          interpolation="nearest")
        ax.set_yticks(range(len(units)), rows)
        ax.set_title(label, loc="left", fontsize=10)
        ax.grid(False)
        bar = fig.colorbar(image, ax=ax, pad=0.01, aspect=8 if len(units) < 4 else 12)
        bar.ax.tick_params(labelsize=8)
    axes[-1].set_xticks(range(T), tokens, rotation=90 if max(map(len, tokens)) > 2 or T > 20 else 0)
    axes[-1].set_xlabel(xlabel)
    return fig


def _finish(fig, ax, log, xlabel, ylabel):
    """Log scale if asked, axis labels, legend."""
    if log:
        ax.set_yscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.legend()
    return fig
