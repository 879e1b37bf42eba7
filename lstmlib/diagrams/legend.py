"""The notation legend (the notes' figure 3, Colah 2015): the five marks every diagram is made of.

    neural-network layer    a box labelled σ or tanh (a weight matrix, a bias, an activation)
    pointwise operation     a circle: ×, + or tanh applied element by element
    vector transfer         an arrow carrying a whole vector
    concatenate             two lines merging: [h_{t-1}, x_t]
    copy                    a line forking (with a dot): the same vector goes two ways
"""
from __future__ import annotations

from .. import style
from .canvas import SIGMA, TIMES, Canvas
from .geometry import Box, Op

ITEMS = ("Neural network\nlayer", "Pointwise\noperation", "Vector\ntransfer", "Concatenate\n(lines merge)",
         "Copy\n(line forks)")
SLOT = 2.8              # width of one item


def notation_legend():
    """Figure 3: layer box, pointwise-operation circle, vector arrow, concatenation, copy."""
    ink = style.INK
    cv = Canvas((0, SLOT * len(ITEMS)), (-1.3, 1.45), width=style.WIDTH_IN)
    cx = [SLOT * (k + 0.5) for k in range(len(ITEMS))]
    y = 0.4
    cv.layer(Box(cx[0], y), SIGMA, style.GATE["i"])
    cv.op(Op(cx[1], y), TIMES)
    cv.wire([(cx[2] - 0.9, y), (cx[2] + 0.9, y)], ink)
    # concatenate: two wires merge into one
    x0, x1 = cx[3] - 0.9, cx[3] + 0.9
    cv.wire([(x0, y + 0.35), (cx[3] - 0.05, y + 0.35)], ink, head=False)
    cv.wire([(x0 + 0.35, y - 0.45), (x0 + 0.35, y - 0.05)], ink, head=False)
    cv.merge((x0 + 0.35, y - 0.05), (x0 + 0.75, y + 0.35), ink)
    cv.wire([(cx[3] - 0.05, y + 0.35), (x1, y + 0.35)], ink)
    cv.text(x0 - 0.1, y + 0.35, r"$a$", kind="eq", ha="right")
    cv.text(x0 + 0.2, y - 0.3, r"$b$", kind="eq", ha="right")
    cv.text(x1 - 0.3, y + 0.5, r"$[a, b]$", kind="eq", va="bottom")
    # copy: one wire forks into two
    x0, x1 = cx[4] - 0.9, cx[4] + 0.9
    cv.wire([(x0, y), (x1, y)], ink)
    cv.dot(cx[4] - 0.3, y, ink)
    cv.wire([(cx[4] - 0.3, y), (cx[4] - 0.3, y + 0.75)], ink)
    for x, text in zip(cx, ITEMS):
        cv.text(x, -0.35, text, kind="eq", va="top", linespacing=1.15)
    return cv.fig
