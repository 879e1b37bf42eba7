"""Where everything sits: the one layout that every module diagram shares.

Coordinates are in "module units", with the origin at the lower-left corner of a module's frame.
The LSTM module (Colah 2015's layout, which the notes' figures use) is a 10 x 6 frame:

    y = 5.0   the cell-state line C_{t-1} -> (x) -> (+) -> C_t          (GRU: the h line)
    y = 3.6   the product row: i_t (x) C~_t
    y = 2.2   the layer row: four boxes  sigma  sigma  tanh  sigma   and the output (x)
    y = 0.8   the input line: h_{t-1} joined by x_t, i.e. [h_{t-1}, x_t]

Each gate owns a column, the same in every figure: the forget gate at x = 2.2, the input gate
at 3.7, the candidate C~_t at 5.2, the output gate at 6.7, the output's tanh and (x) at 8.3.
The GRU reuses the rows and the first two columns: z_t where f_t is, r_t where i_t is.
"""
from __future__ import annotations

from dataclasses import dataclass

# Frame of one module, and how far its wires reach outside it.
W, H = 10.0, 6.0
STUB = 0.9

# Rows.
Y_C = 5.0           # cell state (LSTM) or hidden state (GRU)
Y_PROD = 3.6        # i_t (x) C~_t
Y_BOX = 2.2         # the layers
Y_H = 0.8           # [h_{t-1}, x_t]

# Columns.
X_IN = 1.0          # x_t comes in from below and joins h_{t-1}
COL = {"f": 2.2, "i": 3.7, "C_tilde": 5.2, "o": 6.7}
X_TANH = 8.3        # tanh(C_t) and the output product o_t (x) tanh(C_t)
X_OUT = 9.3         # h_t forks: right to the next step, up to the output
X_PEEP = 1.15       # where the peepholes of f and i tap C_{t-1}
Y_PEEP_I = 4.3      # height at which the input gate's peephole turns right

# Sizes. A module figure is 14.4 units wide at 7 in: every module figure uses that scale.
UNIT_IN = 7.0 / 14.4
BOX_W, BOX_H = 1.1, 0.7
OP_R = 0.3
HEAD = (0.26, 0.2)  # arrow head: length, width


@dataclass(frozen=True)
class Box:
    """A neural-network layer: a rectangle centred at (x, y)."""

    x: float
    y: float
    w: float = BOX_W
    h: float = BOX_H

    @property
    def top(self):
        return (self.x, self.y + self.h / 2)

    @property
    def bottom(self):
        return (self.x, self.y - self.h / 2)

    @property
    def left(self):
        return (self.x - self.w / 2, self.y)

    @property
    def right(self):
        return (self.x + self.w / 2, self.y)


@dataclass(frozen=True)
class Op:
    """A pointwise operation: a circle of radius r centred at (x, y), or an ellipse (rx, r)."""

    x: float
    y: float
    r: float = OP_R
    rx: float | None = None     # wider than tall: room for "tanh"

    @property
    def w(self):
        return self.rx or self.r

    @property
    def top(self):
        return (self.x, self.y + self.r)

    @property
    def bottom(self):
        return (self.x, self.y - self.r)

    @property
    def left(self):
        return (self.x - self.w, self.y)

    @property
    def right(self):
        return (self.x + self.w, self.y)


def lstm_parts(ox: float = 0.0, oy: float = 0.0, grow: float = 1.0) -> dict:
    """The LSTM module's boxes and operations, for a module whose frame starts at (ox, oy).

    ``grow`` enlarges the shapes (not their places): the small modules of a chain need room
    for their symbols.
    """
    box = {g: Box(ox + x, oy + Y_BOX, BOX_W * grow, BOX_H * grow) for g, x in COL.items()}
    r = OP_R * grow
    return {
        "box": box,
        "times_f": Op(ox + COL["f"], oy + Y_C, r),        # f_t (x) C_{t-1}
        "plus": Op(ox + COL["C_tilde"], oy + Y_C, r),           # + i_t (x) C~_t
        "times_i": Op(ox + COL["C_tilde"], oy + Y_PROD, r),     # i_t (x) C~_t
        "tanh": Op(ox + X_TANH, oy + (Y_C + Y_BOX) / 2 + 0.25, r, rx=0.55 * grow),   # tanh(C_t)
        "times_o": Op(ox + X_TANH, oy + Y_BOX, r),        # o_t (x) tanh(C_t)
    }
