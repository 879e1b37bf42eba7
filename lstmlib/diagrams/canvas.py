"""The drawing primitives of every diagram: one canvas and the marks of Colah's notation.

Colah's notation (the notes' figure 3): a neural-network layer is a box, a pointwise operation
is a circle, a vector travels along an arrow, lines merging concatenate and a line forking
copies (forks get a dot). A :class:`Canvas` is a matplotlib ``Figure`` with one axes in module
units (see :mod:`.geometry`) at an equal aspect ratio, so a circle stays round and a 0.3-unit
arrow head is the same size everywhere.

Every mark takes ``on``: True draws it in its colour, False draws it greyed out (the
``highlight=`` figures). Colours come from :mod:`lstmlib.style`; the panel is opaque white, so
the figures read on the website's dark theme too.
"""
from __future__ import annotations

import io
import math
import sys

from matplotlib import patheffects
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.layout_engine import PlaceHolderLayoutEngine
from matplotlib.patches import Circle, Ellipse, FancyBboxPatch, PathPatch, Polygon, Rectangle
from matplotlib.path import Path

from .. import style
from .geometry import HEAD, UNIT_IN, Box, Op

INK = style.INK
DIM = "#CDCDCD"          # greyed-out strokes
DIM_FILL = "#F4F4F4"     # greyed-out fills
DIM_TEXT = "#B4B4B4"     # greyed-out text
FRAME_FILL = "#F6F6F3"   # the module's background
FRAME_EDGE = "#A9A9A9"

# The symbols in shapes, as plain text (upright, as in Colah's figures; no mathtext to parse).
SIGMA, TANH, TIMES, PLUS, ONE_MINUS = "σ", "tanh", "×", "+", "1−"

FONT = {"label": 13, "layer": 14, "layer_small": 11, "op": 15, "op_small": 10, "eq": 12}
LW = {"wire": 1.9, "cell": 3.2, "box": 1.8, "op": 1.5, "frame": 1.2}
CORNER = 0.22            # radius of a wire's rounded corners, in module units


class DiagramFigure(Figure):
    """A matplotlib ``Figure`` that shows itself in a notebook even where pyplot was never used.

    Jupyter displays a bare ``Figure`` as text unless pyplot's inline backend has been started;
    ``_repr_png_`` renders it at its own size and dpi instead (700 px for a 7 in figure).
    """

    def _repr_png_(self) -> bytes:
        buf = io.BytesIO()
        self.savefig(buf, format="png", dpi=self.dpi, facecolor=self.get_facecolor())
        return buf.getvalue()


def _show_at_own_size():
    """Once pyplot's inline backend runs, it prints every Figure with a tight bounding box and a
    0.1 in pad (720 px for our 700 px figures); a printer registered for DiagramFigure itself wins."""
    shell = sys.modules["IPython"].get_ipython() if "IPython" in sys.modules else None
    if shell is not None:
        shell.display_formatter.formatters["image/png"].for_type(DiagramFigure, DiagramFigure._repr_png_)


def tint(color: str, amount: float = 0.22) -> str:
    """``color`` mixed with white: ``amount`` of the colour (a light fill for a layer box)."""
    r, g, b = (int(color[k:k + 2], 16) for k in (1, 3, 5))
    mix = [round(255 - amount * (255 - c)) for c in (r, g, b)]
    return "#{:02X}{:02X}{:02X}".format(*mix)


class Canvas:
    """A white figure whose axes span ``xlim`` x ``ylim`` module units.

    ``width`` in inches; by default ``UNIT_IN`` inches per unit, so that a layer box has the same
    size on the page in every module figure. ``scale`` multiplies line widths and arrow heads,
    ``text_scale`` (default ``scale``) font sizes, ``symbol_scale`` (default ``text_scale``) the
    symbols inside boxes and circles; the three-module chains use values below 1.
    """

    def __init__(self, xlim, ylim, width: float | None = None, scale: float = 1.0, text_scale: float | None = None,
                 symbol_scale: float | None = None, dpi: int = style.DPI):
        width = width or (xlim[1] - xlim[0]) * UNIT_IN
        if width > style.WIDTH_IN + 1e-9:
            raise ValueError(f"expected a figure at most {style.WIDTH_IN} in wide (the book's column), got {width}")
        self.scale = scale
        self.text_scale = scale if text_scale is None else text_scale
        self.symbol_scale = self.text_scale if symbol_scale is None else symbol_scale
        height = width * (ylim[1] - ylim[0]) / (xlim[1] - xlim[0])
        _show_at_own_size()
        self.fig = DiagramFigure(figsize=(width, height), dpi=dpi, facecolor="white")
        # An explicit do-nothing layout engine: with none at all, savefig restores "no engine" by
        # reading rcParams, and style.use() turns constrained layout on (a warning at the next draw).
        self.fig.set_layout_engine(PlaceHolderLayoutEngine(adjust_compatible=True, colorbar_gridspec=False))
        FigureCanvasAgg(self.fig)
        ax = self.fig.add_axes((0, 0, 1, 1))
        ax.set_xlim(*xlim)
        ax.set_ylim(*ylim)
        ax.set_axis_off()
        self.ax = ax

    def add(self, patch):
        """Add a patch without the data-limit bookkeeping of ``add_patch`` (the limits are fixed)."""
        return self.ax.add_artist(patch)

    # -- sizes -----------------------------------------------------------------------------
    def fs(self, kind: str) -> float:
        return FONT[kind] * (self.symbol_scale if kind.startswith(("layer", "op")) else self.text_scale)

    def lw(self, kind: str) -> float:
        return LW[kind] * self.scale

    # -- marks -----------------------------------------------------------------------------
    def frame(self, x0, y0, x1, y1, on=True):
        """The rounded rectangle of one repeating module."""
        self.add(FancyBboxPatch((x0, y0), x1 - x0, y1 - y0, boxstyle="round,pad=0,rounding_size=0.45",
                                fc=FRAME_FILL if on else "white", ec=FRAME_EDGE if on else DIM,
                                lw=self.lw("frame"), zorder=0))

    def layer(self, box: Box, text: str, color: str, on=True, edge=None, fill=None, halo=False):
        """A neural-network layer: a box tinted with the gate's colour, labelled σ or tanh.

        ``halo``: a white outline around the label, to keep it legible over bars (animation).
        """
        small = len(text) > 3                                   # "tanh"
        fc, ec, tc = (fill or tint(color), edge or color, INK) if on else (DIM_FILL, DIM, DIM_TEXT)
        self.add(FancyBboxPatch((box.x - box.w / 2, box.y - box.h / 2), box.w, box.h,
                                boxstyle="round,pad=0,rounding_size=0.1", fc=fc, ec=ec, lw=self.lw("box"), zorder=3))
        effects = [patheffects.withStroke(linewidth=3 * self.scale, foreground="white")] if halo else None
        self.text(box.x, box.y, text, kind="layer_small" if small else "layer", color=tc, zorder=4,
                  path_effects=effects)

    def op(self, op: Op, text: str, on=True, small=None):
        """A pointwise operation: a white circle (an ellipse for tanh) with ×, +, tanh or 1−."""
        small = len(text) > 3 if small is None else small
        self.add(Ellipse((op.x, op.y), 2 * op.w, 2 * op.r, fc="white", ec=INK if on else DIM, lw=self.lw("op"),
                         zorder=3))
        self.text(op.x, op.y, text, kind="op_small" if small else "op", color=INK if on else DIM_TEXT, zorder=4)

    def wire(self, points, color=INK, on=True, head=True, lw="wire", over=(), outline=False):
        """A vector travelling along ``points`` (rounded corners), with an arrow head at the end.

        ``over``: points where this wire crosses another one; the wire is drawn over it, through a
        gap cut into the other (a greyed-out wire goes under instead: lit parts stay whole).
        ``outline`` gives a light colour (the reset gate's yellow) a thin dark edge.
        """
        color = color if on else DIM
        width = self.lw(lw)
        z = (2.5 if over else 2) if on else 1.5
        pts = [tuple(map(float, p)) for p in points]
        if head:
            (x0, y0), (x1, y1) = pts[-2], pts[-1]
            d = math.hypot(x1 - x0, y1 - y0)
            ux, uy = (x1 - x0) / d, (y1 - y0) / d
            L, Wd = HEAD[0] * max(self.scale, 0.7), HEAD[1] * max(self.scale, 0.7)
            base = (x1 - ux * L, y1 - uy * L)
            pts[-1] = (x1 - ux * L * 0.8, y1 - uy * L * 0.8)    # the line stops inside the head
            tri = [(x1, y1), (base[0] - uy * Wd / 2, base[1] + ux * Wd / 2),
                   (base[0] + uy * Wd / 2, base[1] - ux * Wd / 2)]
            self.add(Polygon(tri, closed=True, fc=color, ec=INK if (outline and on) else color,
                             lw=0.8 * self.scale if outline else 0.5, zorder=z + 0.05, joinstyle="miter"))
        if on:
            for x, y in over:
                g = 0.3 * max(self.scale, 0.7)
                self.add(Rectangle((x - g / 2, y - g / 2), g, g, fc=FRAME_FILL, ec="none", zorder=2.3))
        effects = None
        if outline and on:
            effects = [patheffects.Stroke(linewidth=width + 1.6 * self.scale, foreground=INK), patheffects.Normal()]
        patch = PathPatch(_rounded(pts, CORNER), fill=False, ec=color, lw=width, capstyle="butt",
                          joinstyle="round", zorder=z, path_effects=effects)
        self.add(patch)
        return patch

    def merge(self, start, join, color=INK, on=True):
        """Concatenation: a wire rising from ``start`` that bends into the line through ``join``."""
        (x0, y0), (x1, y1) = start, join
        path = Path([(x0, y0), (x0, y1), (x1, y1)], [Path.MOVETO, Path.CURVE3, Path.CURVE3])
        self.add(PathPatch(path, fill=False, ec=color if on else DIM, lw=self.lw("wire"), capstyle="butt",
                           zorder=2 if on else 1.5))

    def dot(self, x, y, color=INK, on=True, size=0.09):
        """A fork: the vector is copied into two wires."""
        self.add(Circle((x, y), size * max(self.scale, 0.7), fc=color if on else DIM, ec="none",
                        zorder=2.7 if on else 1.7))

    def text(self, x, y, s, kind="label", color=INK, on=True, ha="center", va="center", zorder=5, **kw):
        """A label (mathtext for the book's symbols); ``kind`` picks its size from FONT."""
        return self.ax.text(x, y, s, fontsize=self.fs(kind), color=color if on else DIM_TEXT, ha=ha, va=va,
                            zorder=zorder, **kw)


def _rounded(pts, radius):
    """A polyline through ``pts`` whose corners are rounded with quadratic curves of ``radius``."""
    verts, codes = [pts[0]], [Path.MOVETO]
    for k in range(1, len(pts) - 1):
        (ax_, ay), (bx, by), (cx, cy) = pts[k - 1], pts[k], pts[k + 1]
        d1, d2 = math.hypot(bx - ax_, by - ay), math.hypot(cx - bx, cy - by)
        r = min(radius, d1 / 2, d2 / 2)
        p = (bx - (bx - ax_) / d1 * r, by - (by - ay) / d1 * r)
        q = (bx + (cx - bx) / d2 * r, by + (cy - by) / d2 * r)
        verts += [p, (bx, by), q]
        codes += [Path.LINETO, Path.CURVE3, Path.CURVE3]
    verts.append(pts[-1])
    codes.append(Path.LINETO)
    return Path(verts, codes)
