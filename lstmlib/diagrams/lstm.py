"""The LSTM module, its three steps, and its peephole and coupled-gate variants (figures 2, 4-10).

One function, :func:`draw_lstm`, draws the module (Colah 2015's layout) onto a canvas; every wire,
box and circle carries the names of the parts it belongs to, so the same drawing serves the plain
module, each step of the walk-through with the rest greyed out, the variants and the animation.

The equations (Hochreiter & Schmidhuber 1997, forget gate from Gers et al. 2000; the notes' Step
1-3; :func:`lstmlib.cells.lstm_cell`):

    f_t = σ(W_f·[h_{t-1}, x_t] + b_f)          forget        (figure 5, chapter 3)
    i_t = σ(W_i·[h_{t-1}, x_t] + b_i)          input         (figure 6, chapter 4)
    C̃_t = tanh(W_C·[h_{t-1}, x_t] + b_C)
    C_t = f_t ⊙ C_{t-1} + i_t ⊙ C̃_t            update        (figure 7, chapter 4)
    o_t = σ(W_o·[h_{t-1}, x_t] + b_o)          output        (figure 8, chapter 5)
    h_t = o_t ⊙ tanh(C_t)
"""
from __future__ import annotations

from typing import NamedTuple

from matplotlib.figure import Figure

from .. import style
from .canvas import ONE_MINUS, PLUS, SIGMA, TANH, TIMES, Canvas
from .geometry import (COL, H, OP_R, STUB, W, X_IN, X_OUT, X_PEEP, X_TANH, Y_BOX, Y_C, Y_H, Y_PEEP_I,
                       Y_PROD, Op, lstm_parts)

PARTS = ("cell_state", "forget", "input", "update", "output")
GATE = style.GATE

EQUATIONS = {
    "cell_state": [],
    "forget": [r"$f_t = \sigma(W_f \cdot [h_{t-1}, x_t] + b_f)$"],
    "input": [r"$i_t = \sigma(W_i \cdot [h_{t-1}, x_t] + b_i)$",
              r"$\tilde{C}_t = \tanh(W_C \cdot [h_{t-1}, x_t] + b_C)$"],
    "update": [r"$C_t = f_t \odot C_{t-1} + i_t \odot \tilde{C}_t$"],
    "output": [r"$o_t = \sigma(W_o \cdot [h_{t-1}, x_t] + b_o)$", r"$h_t = o_t \odot \tanh(C_t)$"],
}
PEEPHOLE_EQUATIONS = {   # diagonal peepholes, as lstmlib.PeepholeLSTM computes them (p ⊙ C: one weight per cell)
    "f": r"$f_t = \sigma(W_f \cdot [h_{t-1}, x_t] + p_f \odot C_{t-1} + b_f)$",
    "i": r"$i_t = \sigma(W_i \cdot [h_{t-1}, x_t] + p_i \odot C_{t-1} + b_i)$",
    "o": r"$o_t = \sigma(W_o \cdot [h_{t-1}, x_t] + p_o \odot C_t + b_o)$",
}
COUPLED_EQUATION = r"$C_t = f_t \odot C_{t-1} + (1 - f_t) \odot \tilde{C}_t$"

IO_LABELS = {"C_in": r"$C_{t-1}$", "h_in": r"$h_{t-1}$", "x": r"$x_t$", "C_out": r"$C_t$", "h_out": r"$h_t$",
             "h_up": r"$h_t$"}


def draw_lstm(cv: Canvas, ox=0.0, oy=0.0, lit=None, labels=True, io=IO_LABELS, peepholes=(), coupled=False,
              stubs=(STUB, STUB, STUB, STUB), grow=1.0, halo=False):
    """Draw one LSTM module whose frame has its lower-left corner at (ox, oy).

    lit(*parts) -> bool decides whether a mark is drawn in colour (None: everything is).
    labels: write f_t, i_t, C̃_t, o_t beside their wires. io: the labels of the wires that enter
    and leave the module (None: no labels). stubs: how far the wires reach out of the frame
    (left, right, bottom, top). grow: enlarge the boxes and circles (chains). halo: white
    outlines around the layers' labels (the animation draws bars under them). Returns the
    module's boxes and operations (see ``lstm_parts``).
    """
    lit = lit or (lambda *parts: True)
    P = lstm_parts(ox, oy, grow)
    at = _Where(ox=ox, oy=oy, yC=oy + Y_C, yP=oy + Y_PROD, yB=oy + Y_BOX, yH=oy + Y_H,
                col={g: ox + x for g, x in COL.items()}, xL=ox - stubs[0], xR=ox + W + stubs[1],
                yBot=oy - stubs[2], yTop=oy + H + stubs[3], x_in=ox + X_IN - 0.3, xo=ox + X_OUT)
    cv.frame(ox, oy, ox + W, oy + H)
    _draw_cell_state(cv, P, at, lit)
    _draw_input_line(cv, P, at, lit, coupled)
    _draw_forget_and_store(cv, P, at, lit, coupled, halo)
    _draw_output(cv, P, at, lit, halo)
    _draw_peepholes(cv, P, ox, oy, peepholes, lit)
    if labels:
        _gate_labels(cv, P, at, lit, coupled)
    if io:
        _io_labels(cv, io, at.xL, at.xR, at.yBot, at.yTop, at.x_in, at.xo, at.yC, at.yH, lit)
    return P


class _Where(NamedTuple):
    """Where one module's lines run: its corner (ox, oy), the heights of the cell state (yC), the
    products (yP), the layer boxes (yB) and the input line (yH), the gates' columns, the ends of
    the wires that leave the frame (xL, xR, yBot, yTop), x_t's column and h_t's way out (xo)."""
    ox: float
    oy: float
    yC: float
    yP: float
    yB: float
    yH: float
    col: dict
    xL: float
    xR: float
    yBot: float
    yTop: float
    x_in: float
    xo: float


def _draw_cell_state(cv, P, at, lit):
    """The cell state: C_{t-1} -> (x) -> (+) -> C_t, along the top."""
    orange = GATE["C_t"]
    cv.wire([(at.xL, at.yC), P["times_f"].left], orange, lit("cell_state", "update", "forget"), lw="cell")
    cv.wire([P["times_f"].right, P["plus"].left], orange, lit("cell_state", "update"), lw="cell")
    cv.wire([P["plus"].right, (at.xR, at.yC)], orange, lit("cell_state", "update", "output"), lw="cell")


def _draw_input_line(cv, P, at, lit, coupled):
    """The input line: h_{t-1} joined by x_t (concatenation), then copied to every gate."""
    ink, B, col, yH, x_in = style.INK, P["box"], at.col, at.yH, at.x_in
    cv.wire([(at.xL, yH), (at.ox + X_IN, yH)], ink, lit("forget", "input", "output"), head=False)
    cv.wire([(x_in, at.yBot), (x_in, yH - 0.4)], ink, lit("forget", "input", "output"), head=False)
    cv.merge((x_in, yH - 0.4), (x_in + 0.4, yH), ink, lit("forget", "input", "output"))
    gates_right = ["i", "C_tilde", "o"] if not coupled else ["C_tilde", "o"]
    cv.wire([(at.ox + X_IN, yH), (col["f"], yH)], ink, lit("forget", "input", "output"), head=False)
    prev = "f"
    for g in gates_right:
        parts = ("input", "output") if g in "ig" else ("output",)
        if g == "o":
            cv.wire([(col[prev], yH), (col["o"], yH), B["o"].bottom], ink, lit(*parts))
        else:
            cv.wire([(col[prev], yH), (col[g], yH)], ink, lit(*parts), head=False)
        prev = g
    for g, parts in (("f", ("forget",)), ("i", ("input",)), ("C_tilde", ("input",))):
        if g == "i" and coupled:
            continue
        through = ("forget", "input", "output") if g == "f" else ("input", "output")   # the line the dot sits on
        cv.dot(col[g], yH, ink, lit(*through))
        cv.wire([(col[g], yH), B[g].bottom], ink, lit(*parts))


def _draw_forget_and_store(cv, P, at, lit, coupled, halo):
    """Step 1, forget: f_t = σ(...) multiplies C_{t-1}. Step 2, store: i_t ⊙ C̃_t is added to the
    cell state; coupled, i_t = 1 - f_t: a copy of f_t goes through "1 -" instead of a layer."""
    B, col, yP = P["box"], at.col, at.yP
    cv.layer(B["f"], SIGMA, GATE["f"], lit("forget"), halo=halo)
    cv.wire([B["f"].top, P["times_f"].bottom], GATE["f"], lit("forget", "update"))
    cv.op(P["times_f"], TIMES, lit("cell_state", "forget", "update"))
    if coupled:
        one_minus = Op(col["i"] - 0.4, yP)
        cv.dot(col["f"], yP, GATE["f"], lit("forget", "update"))
        cv.wire([(col["f"], yP), one_minus.left], GATE["f"], lit("forget", "update"))
        cv.op(one_minus, ONE_MINUS, lit("update"), small=True)
        cv.wire([one_minus.right, P["times_i"].left], GATE["f"], lit("update"))
    else:
        cv.layer(B["i"], SIGMA, GATE["i"], lit("input"), halo=halo)
        cv.wire([B["i"].top, (col["i"], yP), P["times_i"].left], GATE["i"], lit("input", "update"))
    cv.layer(B["C_tilde"], TANH, GATE["C_tilde"], lit("input"), halo=halo)
    cv.wire([B["C_tilde"].top, P["times_i"].bottom], GATE["C_tilde"], lit("input", "update"))
    cv.op(P["times_i"], TIMES, lit("update"))
    cv.wire([P["times_i"].top, P["plus"].bottom], style.INK, lit("update"))
    cv.op(P["plus"], PLUS, lit("cell_state", "update"))


def _draw_output(cv, P, at, lit, halo):
    """Step 3, output: h_t = o_t ⊙ tanh(C_t), sent right (next step) and up (output)."""
    B, orange, ink, xo = P["box"], GATE["C_t"], style.INK, at.xo
    cv.layer(B["o"], SIGMA, GATE["o"], lit("output"), halo=halo)
    cv.dot(at.ox + X_TANH, at.yC, orange, lit("output"), size=0.12)
    cv.wire([(at.ox + X_TANH, at.yC), P["tanh"].top], orange, lit("output"))
    cv.op(P["tanh"], TANH, lit("output"))
    cv.wire([P["tanh"].bottom, P["times_o"].top], ink, lit("output"))
    cv.wire([B["o"].right, P["times_o"].left], GATE["o"], lit("output"))
    cv.op(P["times_o"], TIMES, lit("output"))
    cv.wire([P["times_o"].right, (xo, at.yB), (xo, at.yH), (at.xR, at.yH)], ink, lit("output"))
    cv.dot(xo, at.yB, ink, lit("output"))
    cv.wire([(xo, at.yB), (xo, at.yTop)], ink, lit("output"), over=[(xo, at.yC)])


def _gate_labels(cv, P, at, lit, coupled):
    """f_t, i_t (or 1 - f_t), C̃_t and o_t beside their wires."""
    B, col, yP = P["box"], at.col, at.yP
    lab = dict(kind="label", ha="left")
    y_f = (B["f"].top[1] + yP) / 2 if coupled else (B["f"].top[1] + P["times_f"].bottom[1]) / 2 - 0.25
    cv.text(col["f"] + 0.14, y_f, r"$f_t$", on=lit("forget", "update"), **lab)
    if coupled:
        cv.text((col["i"] - 0.4 + OP_R + P["times_i"].left[0]) / 2, yP + 0.12, r"$1-f_t$", kind="eq",
                on=lit("update"), ha="center", va="bottom")
    else:
        cv.text((col["i"] + P["times_i"].left[0]) / 2, yP + 0.12, r"$i_t$", on=lit("input", "update"),
                va="bottom")
    cv.text(col["C_tilde"] + 0.14, (B["C_tilde"].top[1] + P["times_i"].bottom[1]) / 2, r"$\tilde{C}_t$",
            on=lit("input", "update"), **lab)
    cv.text((B["o"].right[0] + P["times_o"].left[0]) / 2, at.yB + 0.1, r"$o_t$", on=lit("output"), va="bottom")


def _draw_peepholes(cv, P, ox, oy, peepholes, lit):
    """Peepholes (Gers & Schmidhuber 2000): f and i read C_{t-1}, o reads C_t (diagonal weights)."""
    orange, B = GATE["C_t"], P["box"]
    yC, on = oy + Y_C, lit("peephole")
    xp = ox + X_PEEP
    if "f" in peepholes or "i" in peepholes:
        cv.dot(xp, yC, orange, on, size=0.12)
    if "f" in peepholes:
        cv.wire([(xp, yC), (xp, oy + Y_BOX), B["f"].left], orange, on)
    if "i" in peepholes:
        xi, yi = B["i"].x - 0.3, oy + Y_PEEP_I
        cv.wire([(xp, yC), (xp, yi), (xi, yi), (xi, B["i"].top[1])], orange, on, over=[(B["f"].x, yi)])
        if "f" in peepholes:
            cv.dot(xp, yi, orange, on)
    if "o" in peepholes:
        cv.dot(B["o"].x, yC, orange, on, size=0.12)
        cv.wire([(B["o"].x, yC), B["o"].top], orange, on)


def _io_labels(cv, io, xL, xR, yBot, yTop, x_in, xo, yC, yH, lit):
    gap = 0.12
    cv.text(xL - gap, yC, io["C_in"], ha="right", on=lit("cell_state", "update", "forget"))
    cv.text(xL - gap, yH, io["h_in"], ha="right", on=lit("forget", "input", "output"))
    cv.text(x_in, yBot - gap, io["x"], va="top", on=lit("forget", "input", "output"))
    cv.text(xR + gap, yC, io["C_out"], ha="left", on=lit("cell_state", "update", "output"))
    cv.text(xR + gap, yH, io["h_out"], ha="left", on=lit("output"))
    cv.text(xo, yTop + gap, io["h_up"], va="bottom", on=lit("output"))


# --------------------------------------------------------------------------------------------
XLIM = (-2.2, 12.2)
YTOP = H + STUB + 0.75
Y_EQ0, DY_EQ = -STUB - 0.85, 0.62       # first equation line below the module, line spacing


def module_figure(equations=(), **draw) -> Figure:
    """A figure of one LSTM module (``draw`` goes to :func:`draw_lstm`) with equations under it."""
    n = len(equations)
    bottom = -STUB - 0.7 - (DY_EQ * n + 0.3 if n else 0)
    cv = Canvas(XLIM, (bottom, YTOP))
    draw_lstm(cv, **draw)
    for k, eq in enumerate(equations):
        cv.text(W / 2, Y_EQ0 - 0.35 - k * DY_EQ, eq, kind="eq", va="center")
    return cv.fig
