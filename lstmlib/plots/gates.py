"""Gate heat maps: one panel per gate over one sequence, time across, units down (chapters 3-5).

    _, _, gates = lstm(x, return_gates=True)                 # each (T, B, H)
    fig = gate_heatmap(gates, tokens, units=[3, 7, 12], names=("f", "i", "o"))
"""
from __future__ import annotations

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import LinearSegmentedColormap

from .. import style
from .base import PlotFigure, figure

# What each recorded quantity is called on a heat map, and its range.
GATE_LABELS = {"f": ("forget gate $f_t$", 0.0, 1.0), "i": ("input gate $i_t$", 0.0, 1.0),
               "C_tilde": ("candidate $\\tilde{C}_t$", -1.0, 1.0), "o": ("output gate $o_t$", 0.0, 1.0),
               "C_t": ("cell state $C_t$", None, None), "h": ("hidden state $h_t$", -1.0, 1.0),
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
        colour = style.GATE["C_t"]                    # the write i_t ⊙ C̃_t goes into the cell state
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
            w, the write i_t ⊙ C̃_t, if the caller adds it: ``dict(gates, w=gates["i"] * gates["C_tilde"])``).
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
