"""Chapter 2's figures: the carousel, memory reach by forget-gate bias, the bias map.

Used by ``book/02_cell_state.ipynb``; each function draws one figure of the page from what
:mod:`lstmlib.experiments.ch02` and :mod:`lstmlib.experiments.ch02_map` measured, in the
course's colours (:mod:`lstmlib.style`), 700 px wide, and returns it.

    BIAS_COLOUR                                the colour of each forget-gate bias b_f
    carousel_figure(carousel, sequence=0)      ∂C_T/∂C_t: ∏ f, the direct path, every path
    reach_figure(reach)                        memory at initialisation against σ(b_f)^d
    memory_figure(before, after)               the longest-memory unit, before and after training
    map_figure(cells)                          runs that learned, by b_f and T
"""
from __future__ import annotations

import numpy as np
import torch
from matplotlib.colors import LinearSegmentedColormap
from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

from .. import plots, style
from .ch02 import Carousel

# darker: more memory
BIAS_COLOUR = {0.0: style.SKY_BLUE, 1.0: style.BLUE, 2.0: style.GREEN, 3.0: style.BLACK}


def _bias_colour(b: float) -> str:
    if b not in BIAS_COLOUR:
        raise ValueError(f"expected a forget-gate bias among {tuple(BIAS_COLOUR)}, got {b!r}")
    return BIAS_COLOUR[b]


def _readable_log_axis(ax) -> None:
    """Ticks at 1, 2 and 5 times each power of ten, labelled as plain numbers, on a log y
    axis that spans less than three decades (matplotlib would label only its powers of ten)."""
    low, high = ax.get_ylim()
    if np.log10(high / low) < 3:
        ax.yaxis.set_major_locator(LogLocator(subs=(1.0, 2.0, 5.0)))
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
        ax.yaxis.set_minor_formatter(NullFormatter())


def carousel_figure(carousel: Carousel, sequence: int = 0):
    """The constant error carousel of chapter 2 in two units of one sequence: the product of
    the recorded forget gates ∏ f (a line), autograd's ∂C_T/∂C_t along the direct path (dots)
    and along every path (dotted, its size), against the distance T − t.

    The units: the one whose ∏ f over the whole sequence is largest ("longest memory") and
    the median one ("typical"). Returns ``(figure, {"longest memory": k, "typical": j})``.
    """
    if not isinstance(carousel, Carousel):
        raise TypeError(f"expected a ch02.Carousel, got {type(carousel).__name__}")
    S = carousel.product.shape[1]
    if isinstance(sequence, bool) or not isinstance(sequence, int) or not 0 <= sequence < S:
        raise ValueError(f"expected sequence to be an int in 0 … {S - 1}, got {sequence!r}")
    P, D, F = (v[:, sequence] for v in (carousel.product, carousel.direct, carousel.full))  # (T + 1, H)
    units = {"longest memory": int(P[-1].argmax()),
             "typical": int(P[-1].argsort()[P.shape[1] // 2])}
    dots = {"linestyle": "none", "marker": "o", "markersize": 3.5, "markevery": 3}
    curves = {}
    for (kind, k), colour in zip(units.items(), (style.GATE["f"], style.BLUE)):
        curves[f"unit {k} ({kind}): ∏ f"] = (P[:, k], {"color": colour})
        curves[f"unit {k}: autograd, direct path"] = (D[:, k], {"color": colour, **dots})
        curves[f"unit {k}: autograd, every path"] = (F[:, k].abs(), {"color": colour, "linestyle": ":"})
    fig, ax = plots.figure(height=4.4)
    plots.by_distance(curves, ax=ax, ylabel="$\\partial C_T / \\partial C_t$ (one unit)")
    _readable_log_axis(ax)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.17), ncols=2)
    return fig, units


def reach_figure(reach: dict):
    """Memory at initialisation (chapter 2): for each forget-gate bias b_f, the measured share
    of C_t left in C_T along the cell state (:func:`ch02.memory_reach`, a line) and the
    prediction σ(b_f)^d (rings), against the distance d = T − t. ``reach``: {b_f: (T + 1,)}."""
    if not isinstance(reach, dict) or not reach:
        raise TypeError(f"expected reach as {{forget bias: (T + 1,) values}}, got {type(reach).__name__}")
    rings = {"linestyle": "none", "marker": "o", "fillstyle": "none", "markevery": 10}
    curves = {}
    for b, measured in reach.items():
        colour = _bias_colour(b)
        d = np.arange(len(measured))
        curves[f"forget bias {b:g}, measured"] = (measured, {"color": colour})
        curves[f"$\\sigma({b:g})^d$, predicted"] = (
            torch.sigmoid(torch.tensor(b)).item() ** d, {"color": colour, **rings})
    return plots.by_distance(curves, ylabel="∏ f: share of $C_t$ left in $C_T$")


def memory_figure(before: dict, after: dict):
    """For each forget-gate bias, the share of C_t left in C_T along the cell state of the
    unit that keeps most over the whole sequence, at initialisation (dashed) and after
    training (solid). ``before``, ``after``: {b_f: (T + 1, H)} from :func:`ch02.unit_memory`."""
    if not isinstance(before, dict) or not isinstance(after, dict) or set(before) != set(after):
        raise TypeError("expected before and after as {forget bias: (T + 1, H)} for the same biases")
    curves = {}
    for b in after:
        colour = _bias_colour(b)
        for when, memory, line in (("initial", before[b], "--"), ("trained", after[b], "-")):
            curves[f"forget bias {b:g}, {when}"] = (memory[:, memory[-1].argmax()],
                                                    {"color": colour, "linestyle": line})
    fig, ax = plots.figure(height=4.0)
    plots.by_distance(curves, ax=ax, ylabel="∏ f of the longest-memory unit")
    ax.legend(loc="lower left", ncols=2)
    return fig


def map_figure(cells: dict):
    """The bias map (chapter 2): for each forget-gate bias b_f (rows) and sequence length T
    (columns), how many runs learned temporal order (held-out accuracy above 0.9), as a
    colour from white (none) to the forget gate's colour (all) and as "k/n" in each cell.
    ``cells``: ``{(b_f, T): (learned, runs)}`` from :func:`ch02_map.success`."""
    if not isinstance(cells, dict) or not cells:
        raise TypeError(f"expected cells as {{(forget bias, T): (learned, runs)}}, "
                        f"got {type(cells).__name__}")
    biases = sorted({b for b, _ in cells})
    lengths = sorted({T for _, T in cells})
    rate = np.full((len(biases), len(lengths)), np.nan)
    fig, ax = plots.figure(height=3.2)
    for i, b in enumerate(biases):
        for j, T in enumerate(lengths):
            if (b, T) in cells:
                k, n = cells[b, T]
                rate[i, j] = k / n
                ax.text(j, i, f"{k}/{n}", ha="center", va="center", fontsize=10,
                        color="white" if k / n > 0.6 else style.INK)
    cmap = LinearSegmentedColormap.from_list("course_learned", ("white", style.GATE["f"]))
    image = ax.imshow(rate, cmap=cmap, vmin=0, vmax=1, aspect="auto", origin="lower")
    ax.set_xticks(range(len(lengths)), [str(T) for T in lengths])
    ax.set_yticks(range(len(biases)), [f"{b:g}" for b in biases])
    ax.grid(False)
    ax.set_xlabel("sequence length T (time steps)")
    ax.set_ylabel("forget-gate bias $b_f$")
    fig.colorbar(image, ax=ax, label="share of runs that learned")
    return fig
