"""The plain RNN's module (the notes' figure 1, chapter 1): one tanh layer.

    h_t = tanh(W·[h_{t-1}, x_t] + b)          (:func:`lstmlib.cells.rnn_cell`)

It uses the LSTM module's rows (the input line at y = 0.8, the layer at y = 2.2) in a narrower
frame, since there is no cell state: h_{t-1} comes in from the left, x_t from below, they are
concatenated and go through one tanh layer, whose output h_t is copied up (the output) and right
(the next step).
"""
from __future__ import annotations

from .. import style
from .canvas import TANH, Canvas
from .geometry import STUB, X_IN, Y_BOX, Y_H, Box

RNN_W, RNN_H = 5.6, 4.2      # the frame
X_LAYER = 3.0                # the tanh layer's column
Y_FORK = 3.4                 # where h_t is copied
X_DOWN = 4.8                 # where the copy for the next step turns down

EQUATION = r"$h_t = \tanh(W \cdot [h_{t-1}, x_t] + b)$"
IO_LABELS = {"h_in": r"$h_{t-1}$", "x": r"$x_t$", "h_out": r"$h_t$", "h_up": r"$h_t$"}


def draw_rnn(cv: Canvas, ox=0.0, oy=0.0, io=IO_LABELS, stubs=(STUB, STUB, STUB, STUB)):
    """Draw one RNN module whose frame has its lower-left corner at (ox, oy)."""
    ink = style.INK
    xL, xR, yBot, yTop = ox - stubs[0], ox + RNN_W + stubs[1], oy - stubs[2], oy + RNN_H + stubs[3]
    yH, x_in = oy + Y_H, ox + X_IN - 0.3
    box = Box(ox + X_LAYER, oy + Y_BOX)
    cv.frame(ox, oy, ox + RNN_W, oy + RNN_H)
    cv.wire([(xL, yH), (ox + X_IN, yH)], ink, head=False)
    cv.wire([(x_in, yBot), (x_in, yH - 0.4)], ink, head=False)
    cv.merge((x_in, yH - 0.4), (x_in + 0.4, yH), ink)
    cv.wire([(ox + X_IN, yH), (box.x, yH), box.bottom], ink)
    cv.layer(box, TANH, style.GATE["C_tilde"])
    yF, xD = oy + Y_FORK, ox + X_DOWN
    cv.wire([box.top, (box.x, yTop)], ink)
    cv.dot(box.x, yF, ink)
    cv.wire([(box.x, yF), (xD, yF), (xD, yH), (xR, yH)], ink)
    if io:
        gap = 0.12
        cv.text(xL - gap, yH, io["h_in"], ha="right")
        cv.text(x_in, yBot - gap, io["x"], va="top")
        cv.text(xR + gap, yH, io["h_out"], ha="left")
        cv.text(box.x, yTop + gap, io["h_up"], va="bottom")
    return box


def rnn_module():
    """Figure 1's repeating module: one tanh layer on [h_{t-1}, x_t], its output h_t copied up
    and to the next step; the equation under it. Drawn at the LSTM figures' scale (4.9 in wide)."""
    cv = Canvas((-2.2, RNN_W + STUB + 1.2), (-STUB - 1.95, RNN_H + STUB + 0.75))
    draw_rnn(cv)
    cv.text(RNN_W / 2, -STUB - 1.45, EQUATION, kind="eq")
    return cv.fig
