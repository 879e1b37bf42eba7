"""The GRU module (the notes' figure 11, Cho et al. 2014; chapter 8).

The notes' (and Colah 2015's) convention, which this figure follows:

    z_t = σ(W_z·[h_{t-1}, x_t])                  update gate     (column of f_t)
    r_t = σ(W_r·[h_{t-1}, x_t])                  reset gate      (column of i_t)
    h̃_t = tanh(W_n·[r_t ⊙ h_{t-1}, x_t])         candidate
    h_t = (1 − z_t) ⊙ h_{t-1} + z_t ⊙ h̃_t

Here z_t weights the *candidate*. ``torch.nn.GRU`` (and :class:`lstmlib.GRU`) write
h_t = (1 − z_t) ⊙ n_t + z_t ⊙ h_{t-1}: PyTorch's z_t is 1 − this z_t. There is no separate
cell state: the hidden state runs along the top, where the LSTM's cell state runs.
"""
from __future__ import annotations

from .. import style
from .canvas import ONE_MINUS, PLUS, SIGMA, TANH, TIMES, Canvas, tint
from .geometry import COL, H, STUB, W, X_IN, X_OUT, Y_BOX, Y_C, Y_H, Box, Op

GATE = style.GATE
X_DROP = 0.6            # h_{t-1} is copied down to the gates here
Y_LOW = 0.25            # x_t's own wire to the candidate
Y_RH = 2.95             # h_{t-1} on its way to r_t ⊙ h_{t-1}
Y_Z = 3.6               # z_t on its way to z_t ⊙ h̃_t
X_RH, X_CAND = 5.35, 7.2    # r_t ⊙ h_{t-1}, the candidate's column
R_FILL = tint(GATE["r"], 0.6)   # yellow is too light for a tinted fill or an edge: stronger fill, ink edge

EQUATIONS = [
    r"$z_t = \sigma(W_z \cdot [h_{t-1}, x_t])$",
    r"$r_t = \sigma(W_r \cdot [h_{t-1}, x_t])$",
    r"$\tilde{h}_t = \tanh(W_n \cdot [r_t \odot h_{t-1}, x_t])$",
    r"$h_t = (1 - z_t) \odot h_{t-1} + z_t \odot \tilde{h}_t$",
]


def draw_gru(cv: Canvas, ox=0.0, oy=0.0, labels=True):
    """Draw one GRU module (the notes' convention) whose frame starts at (ox, oy)."""
    ink = style.INK
    xL, xR, yBot, yTop = ox - STUB, ox + W + STUB, oy - STUB, oy + H + STUB
    yT, yB, yH = oy + Y_C, oy + Y_BOX, oy + Y_H
    xz, xr, xd = ox + COL["f"], ox + COL["i"], ox + X_DROP
    z_box, r_box, cand = Box(xz, yB), Box(xr, yB), Box(ox + X_CAND, yB)
    times_keep, plus = Op(xz, yT), Op(cand.x, yT)             # (1 − z_t) ⊙ h_{t-1}, the sum
    one_minus, times_z = Op(xz, oy + 4.16, r=0.25), Op(cand.x, oy + Y_Z)
    times_r = Op(ox + X_RH, yB)
    x_in = ox + X_IN
    cv.frame(ox, oy, ox + W, oy + H)

    # The hidden state along the top: h_{t-1} -> (x) -> (+) -> h_t.
    cv.wire([(xL, yT), times_keep.left], ink, lw="cell")
    cv.wire([times_keep.right, plus.left], ink, lw="cell")
    cv.wire([plus.right, (xR, yT)], ink, lw="cell")
    cv.dot(ox + X_OUT, yT, ink, size=0.12)
    cv.wire([(ox + X_OUT, yT), (ox + X_OUT, yTop)], ink)

    # h_{t-1} copied down, joined by x_t, into both gates; x_t also straight to the candidate.
    cv.dot(xd, yT, ink, size=0.12)
    cv.wire([(xd, yT), (xd, yH), (x_in + 0.4, yH)], ink, head=False)
    cv.wire([(x_in, yBot), (x_in, yH - 0.4)], ink, head=False)
    cv.merge((x_in, yH - 0.4), (x_in + 0.4, yH), ink)
    cv.wire([(x_in + 0.4, yH), (xz, yH)], ink, head=False)
    cv.dot(xz, yH, ink)
    cv.wire([(xz, yH), z_box.bottom], ink)
    cv.wire([(xz, yH), (xr, yH), r_box.bottom], ink)
    cv.dot(x_in, oy + Y_LOW, ink)
    cv.wire([(x_in, oy + Y_LOW), (cand.x, oy + Y_LOW), cand.bottom], ink)

    # Update gate z_t: 1 − z_t keeps the old state, z_t lets the candidate in.
    cv.layer(z_box, SIGMA, GATE["z"])
    cv.wire([z_box.top, one_minus.bottom], GATE["z"])
    cv.dot(xz, oy + Y_Z, GATE["z"])
    cv.op(one_minus, ONE_MINUS, small=True)
    cv.wire([one_minus.top, times_keep.bottom], GATE["z"])
    cv.wire([(xz, oy + Y_Z), times_z.left], GATE["z"])
    cv.op(times_keep, TIMES)

    # Reset gate r_t scales h_{t-1} before the candidate reads it.
    cv.layer(r_box, SIGMA, GATE["r"], edge=ink, fill=R_FILL)
    cv.wire([r_box.right, times_r.left], GATE["r"], outline=True)
    cv.dot(xd, oy + Y_RH, ink)
    cv.wire([(xd, oy + Y_RH), (times_r.x, oy + Y_RH), times_r.top], ink, over=[(xz, oy + Y_RH)])
    cv.op(times_r, TIMES)
    cv.wire([times_r.right, cand.left], ink)

    # Candidate h̃_t, weighted by z_t and added to the kept state.
    cv.layer(cand, TANH, GATE["n"])
    cv.wire([cand.top, times_z.bottom], GATE["n"])
    cv.op(times_z, TIMES)
    cv.wire([times_z.top, plus.bottom], ink)
    cv.op(plus, PLUS)

    if labels:
        _labels(cv, ox, oy, r_box, cand, times_z, times_r, (xL, xR, yBot, yTop))


def _labels(cv, ox, oy, r_box, cand, times_z, times_r, ends):
    """z_t, r_t and h̃_t beside their wires; h_{t-1}, x_t and h_t where the wires leave the frame
    (``ends``: their left, right, bottom and top ends)."""
    xL, xR, yBot, yTop = ends
    xz, yT, yB = ox + COL["f"], oy + Y_C, oy + Y_BOX
    cv.text((xz + times_z.left[0]) / 2 - 0.9, oy + Y_Z + 0.1, r"$z_t$", va="bottom")
    cv.text((r_box.right[0] + times_r.left[0]) / 2, yB + 0.1, r"$r_t$", va="bottom")
    cv.text(cand.x - 0.14, (cand.top[1] + times_z.bottom[1]) / 2, r"$\tilde{h}_t$", ha="right")
    gap = 0.12
    cv.text(xL - gap, yT, r"$h_{t-1}$", ha="right")
    cv.text(ox + X_IN, yBot - gap, r"$x_t$", va="top")
    cv.text(xR + gap, yT, r"$h_t$", ha="left")
    cv.text(ox + X_OUT, yTop + gap, r"$h_t$", va="bottom")


def gru_module():
    """Figure 11: the GRU cell in the notes' convention, h_t = (1 − z_t) ⊙ h_{t-1} + z_t ⊙ h̃_t.

    Update gate z_t (sky blue), reset gate r_t (yellow), candidate h̃_t (green, like C̃_t), and no
    separate cell state. PyTorch's ``nn.GRU`` z_t is 1 − this z_t (it weights h_{t-1}).
    """
    n = len(EQUATIONS)
    cv = Canvas((-2.2, 12.2), (-STUB - 1.0 - 0.62 * n, H + STUB + 0.75))
    draw_gru(cv)
    for k, eq in enumerate(EQUATIONS):
        cv.text(W / 2, -STUB - 1.2 - k * 0.62, eq, kind="eq")
    return cv.fig
