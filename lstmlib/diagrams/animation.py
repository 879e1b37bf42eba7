"""An LSTM at work, one time step per frame (chapters 3-5 use it on trained networks).

``animate_lstm(lstm, x)`` runs an :class:`lstmlib.LSTM` (or a subclass) over one short sequence
and draws, for every step t, the module of :func:`.lstm.draw_lstm` with each gate's activation
as the fill of its box (one bar per hidden unit: f_t, i_t, o_t from 0 to 1, C̃_t from −1 to 1
around the middle) and three bar rows: the input x_t, the cell state C_t and the output h_t.

The frames are rendered once, as PNG, into HTML with matplotlib's ``to_jshtml``: the result
plays in a notebook and on the static website, without a kernel. :func:`offline_html` makes
that HTML self-contained: matplotlib's player loads its button icons (Font Awesome) from a CDN,
which the course's offline site must not do, so the icons become plain text symbols, and the
frame image gets alt text.
"""
from __future__ import annotations

import html as html_lib
import re

import matplotlib as mpl
import torch
from matplotlib.animation import FuncAnimation
from matplotlib.patches import Rectangle

from .. import style, validate
from ..layers import LSTM
from .canvas import Canvas
from .geometry import H, STUB
from .lstm import draw_lstm

MAX_UNITS = 12          # bars per box: more would be too thin to see
DEFAULT_UNITS = 8
GATE = style.GATE


class Animation:
    """An animation as self-contained HTML: ``.data`` is the HTML, ``.n_frames`` its frames.

    A notebook cell that ends with it displays it (``_repr_html_``); the website shows the same.
    """

    def __init__(self, html: str, n_frames: int):
        self.data = html
        self.n_frames = n_frames

    def _repr_html_(self) -> str:
        return self.data

    def __repr__(self) -> str:
        return f"<Animation: {self.n_frames} frames, {len(self.data) / 1024:.0f} KiB of HTML>"


def _check(lstm, x, units, max_steps):
    if not isinstance(lstm, LSTM):
        raise TypeError(f"expected an lstmlib.LSTM (or a subclass: PeepholeLSTM, CoupledLSTM), "
                        f"got {type(lstm).__name__}")
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"expected x to be a torch.Tensor of shape (T, {lstm.input_size}) or "
                        f"(T, 1, {lstm.input_size}), got {type(x).__name__}")
    shape = tuple(x.shape)
    if x.dim() == 3:
        if x.shape[1] != 1:
            raise ValueError(f"animate_lstm shows one sequence: expected x of shape (T, {lstm.input_size}) or "
                             f"(T, 1, {lstm.input_size}), got {shape} (a batch of {x.shape[1]})")
        x = x[:, 0]
    elif x.dim() != 2:
        raise ValueError(f"expected x of shape (T, {lstm.input_size}) or (T, 1, {lstm.input_size}), "
                         f"got rank {x.dim()} with shape {shape}")
    if x.shape[1] != lstm.input_size:
        raise ValueError(f"expected x of shape (T, {lstm.input_size}) (the LSTM's input_size), got {shape}")
    if not 1 <= x.shape[0] <= max_steps:
        raise ValueError(f"expected between 1 and max_steps={max_steps} time steps (one frame each), "
                         f"got {x.shape[0]}; pass a slice such as x[:{max_steps}]")
    validate.same_dtype_device("x", x, lstm.W)
    Hs = lstm.hidden_size
    if units is None:
        units = tuple(range(min(Hs, DEFAULT_UNITS)))
    else:
        if isinstance(units, (str, bytes)) or not hasattr(units, "__iter__"):
            raise TypeError(f"expected units to be None or a sequence of hidden-unit indices, got {units!r}")
        units = tuple(units)
        bad = [u for u in units if isinstance(u, bool) or not isinstance(u, int) or not 0 <= u < Hs]
        if bad or not 1 <= len(units) <= MAX_UNITS or len(set(units)) != len(units):
            raise ValueError(f"expected units to be 1 to {MAX_UNITS} distinct indices in [0, {Hs}), got {units!r}")
    return x, units


def _run(lstm, x):
    """Run the layer on one sequence x (T, D); every recorded quantity as (T, H) on the CPU."""
    x3 = x[None] if lstm.batch_first else x[:, None]         # (1, T, D) or (T, 1, D)
    with torch.no_grad():
        out, _, gates = lstm(x3, return_gates=True)
    pick = (lambda t: t[0]) if lstm.batch_first else (lambda t: t[:, 0])
    rec = {k: pick(v).detach().cpu().double() for k, v in gates.items()}     # f, i, g, o, c: (T, H)
    rec["h"] = pick(out).detach().cpu().double()                              # (T, H)
    rec["x"] = x.detach().cpu().double()                                      # (T, D)
    return rec


class _Bars:
    """n bars inside a rectangle: ``lo``..``hi`` is the value range, drawn bottom to top."""

    def __init__(self, cv, x0, y0, w, h, n, color, lo, hi, frame=True):
        self.y0, self.h, self.lo, self.hi = y0, h, lo, hi
        self.zero = y0 + h * (0 - lo) / (hi - lo) if lo < 0 < hi else y0
        if frame:
            cv.add(Rectangle((x0, y0), w, h, fc="white", ec=style.INK, lw=0.8, zorder=3))
        if lo < 0 < hi:
            cv.ax.plot([x0, x0 + w], [self.zero] * 2, color=style.GREY, lw=0.6, zorder=3.2)
        step = w / n
        self.bars = [Rectangle((x0 + (k + 0.12) * step, self.zero), 0.76 * step, 0, fc=color, ec="none", zorder=3.1)
                     for k in range(n)]
        for b in self.bars:
            cv.add(b)

    def set(self, values):
        for b, v in zip(self.bars, values):
            v = min(max(float(v), self.lo), self.hi)
            b.set_height(self.h * v / (self.hi - self.lo))


def animate_lstm(lstm, x, *, units=None, labels=None, alt=None, interval=800, dpi=80, max_steps=40):
    """Animate ``lstm`` (an :class:`lstmlib.LSTM` or subclass) reading ``x``: one frame per step.

    x: (T, D) or (T, 1, D), one sequence (T ≤ ``max_steps``), same dtype and device as the layer.
    units: which hidden units get a bar (default: the first 8; at most 12). interval: ms per frame.
    labels: optional, one string per step (the input tokens, say), shown beside the step number.
    alt: the frame's alt text (default: a description of what the animation shows).
    dpi: of the PNG frames (80: 560 px wide, about 40 KiB of HTML per frame).
    Each gate's box fills with its activation; bar rows show x_t (its first 12 features), C_t
    (scaled by max |C_t| over the sequence) and h_t. Peephole and coupled layers are drawn with
    their own wiring. Returns an :class:`Animation` (``.data``: HTML from ``to_jshtml``).
    """
    x, units = _check(lstm, x, units, max_steps)
    labels = _check_labels(labels, x.shape[0])
    if alt is not None and (not isinstance(alt, str) or not alt.strip()):
        raise TypeError(f"expected alt to be a non-empty str describing the animation, got {alt!r}")
    fig, frame, T = _figure(lstm, x, units, dpi, labels)
    anim = FuncAnimation(fig, frame, frames=range(T), interval=interval, blit=False, cache_frame_data=False)
    with mpl.rc_context({"savefig.dpi": dpi}):         # to_jshtml saves at savefig.dpi (style.use() sets 100)
        html = anim.to_jshtml(default_mode="loop")
    return Animation(offline_html(html, alt or _alt(lstm, T)), T)


def _check_labels(labels, T):
    if labels is None:
        return None
    if isinstance(labels, (str, bytes)) or not hasattr(labels, "__len__"):
        raise TypeError(f"expected labels to be a sequence of {T} strings (one per step), got {labels!r}")
    labels = list(labels)
    if len(labels) != T or not all(isinstance(label, str) for label in labels):
        raise ValueError(f"expected labels to be {T} strings, one per step, got {len(labels)} items")
    return labels


# to_jshtml's Font Awesome icons, as text symbols every system font has
ICONS = {"fa-minus": "\u2212", "fa-plus": "+", "fa-fast-backward": "\u00ab", "fa-step-backward": "\u2039",
         "fa-play fa-flip-horizontal": "\u25c0", "fa-pause": "\u275a\u275a", "fa-play": "\u25b6",
         "fa-step-forward": "\u203a", "fa-fast-forward": "\u00bb"}


def offline_html(html: str, alt: str) -> str:
    """to_jshtml's HTML without requests outside the page: no CDN stylesheet, text icons, alt text."""
    html = re.sub(r'<link[^>]*font-awesome[^>]*>', "", html)
    for icon, text in ICONS.items():
        html = html.replace(f'<i class="fa {icon}"></i>', f'<span aria-hidden="true">{text}</span>')
    leftover = re.findall(r'<i class="fa [^"]*">', html) + re.findall(r'(?:href|src)="https?:', html)
    if leftover:
        raise RuntimeError(f"matplotlib's animation HTML changed; unhandled external parts: {leftover}")
    return html.replace("<img id=", f'<img alt="{html_lib.escape(alt)}" id=', 1)


def _alt(lstm, T):
    return (f"Animation of an {type(lstm).__name__} reading a sequence of {T} steps, one frame per step: "
            "each gate box fills with its activation and bar rows show the input x_t, the cell state C_t "
            "and the output h_t. Use the buttons below to play or step through it.")


def _figure(lstm, x, units, dpi, labels=None):
    """The animation's figure and ``frame(t)``, which sets every bar to step t's values."""
    rec = _run(lstm, x)
    T, n, idx = x.shape[0], len(units), list(units)
    y_rows = -STUB - 1.35                              # the bar rows, under the module
    cv = Canvas((-2.25, 12.25), (y_rows - 0.65, H + STUB + 0.75), width=style.WIDTH_IN, dpi=dpi)
    P = draw_lstm(cv, peepholes=lstm.peepholes, coupled=lstm.coupled, halo=True)
    boxes = {}
    for g in ("f", "i", "C_tilde", "o"):
        if g == "i" and lstm.coupled:
            continue
        b = P["box"][g]
        lo = -1.0 if g == "C_tilde" else 0.0
        boxes[g] = _Bars(cv, b.x - b.w / 2 + 0.06, b.y - b.h / 2 + 0.06, b.w - 0.12, b.h - 0.12, n, GATE[g], lo, 1.0,
                         frame=False)
    c_max = float(rec["C_t"][:, idx].abs().max()) or 1.0
    x_max = float(rec["x"].abs().max()) or 1.0
    xs = list(range(min(rec["x"].shape[1], MAX_UNITS)))
    rows = {}
    for key, x0, color, lim, label in (("x", 0.4, style.GREY, x_max, r"$x_t$"), ("C_t", 4.6, GATE["C_t"], c_max, r"$C_t$"),
                                       ("h", 8.8, GATE["h"], 1.0, r"$h_t$")):
        rows[key] = _Bars(cv, x0, y_rows - 0.45, 2.8, 0.9, len(xs) if key == "x" else n, color, -lim, lim)
        cv.text(x0 - 0.15, y_rows, label, ha="right")
        cv.text(x0 + 2.8, y_rows + 0.5, f"±{lim:.2g}", kind="op_small", ha="right", va="bottom",
                color=style.GREY)
    clock = cv.text(-2.1, H + STUB + 0.45, "", kind="eq", ha="left")
    cv.text(-2.1, H + STUB - 0.1, f"one bar per hidden unit ({n} of {lstm.hidden_size})", kind="op_small",
            ha="left", color=style.GREY)

    def frame(t):
        for g, bars in boxes.items():
            bars.set(rec[g][t, idx])
        rows["C_t"].set(rec["C_t"][t, idx])
        rows["h"].set(rec["h"][t, idx])
        rows["x"].set(rec["x"][t, xs])
        clock.set_text(f"t = {t + 1} of {T}" + (f":  x_t = {labels[t]!r}" if labels else ""))
        return []

    return cv.fig, frame, T
