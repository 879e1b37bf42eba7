"""The course's visual language: one colour per gate, one per model, one figure style.

Colours are the Okabe–Ito palette (Okabe & Ito 2008), which stays distinguishable under the
common forms of colour blindness. Every plot and diagram in the book takes its colours from
here, so the forget gate is the same vermillion in a diagram, a heat map and a learning curve.

Figures are drawn on an opaque white panel with dark ink. On the website's dark mode the panel
shows as a light card, so the ink never disappears into a dark background.

    from lstmlib import style
    style.use()                                # once, at the top of a chapter
    plt.plot(t, f, color=style.GATE["f"])
"""
from __future__ import annotations

import matplotlib as mpl

# Okabe–Ito
BLACK = "#000000"
ORANGE = "#E69F00"
SKY_BLUE = "#56B4E9"
GREEN = "#009E73"           # bluish green
YELLOW = "#F0E442"          # too light for lines on white: fills only
BLUE = "#0072B2"
VERMILLION = "#D55E00"
PURPLE = "#CC79A7"          # reddish purple
GREY = "#7F7F7F"            # neutral, for baselines and de-emphasised parts
INK = "#222222"             # text and strokes

GATE = {
    "f": VERMILLION,        # forget gate f_t            (step 1)
    "i": BLUE,              # input gate i_t             (step 2)
    "C_tilde": GREEN,             # candidate C̃_t              (step 2)
    "o": PURPLE,            # output gate o_t            (step 3)
    "C_t": ORANGE,            # cell state C_t
    "h": BLACK,             # hidden state h_t
    "x": GREY,              # input x_t
    "z": SKY_BLUE,          # GRU update gate z_t
    "r": YELLOW,            # GRU reset gate r_t (fills; use INK outlines)
    "n": GREEN,             # GRU candidate (the same role as C̃_t)
}

MODEL = {
    "RNN": VERMILLION,
    "LSTM": BLUE,
    "GRU": GREEN,
    "PeepholeLSTM": PURPLE,
    "CoupledLSTM": ORANGE,
    "baseline": GREY,
}

WIDTH_IN = 7.0              # 700 px at DPI: the book's column
DPI = 100

RC = {
    "figure.figsize": (WIDTH_IN, 3.5),
    "figure.dpi": DPI,
    "savefig.dpi": DPI,
    "figure.facecolor": "white",
    "savefig.facecolor": "white",
    "axes.facecolor": "white",
    "axes.edgecolor": INK,
    "axes.labelcolor": INK,
    "text.color": INK,
    "xtick.color": INK,
    "ytick.color": INK,
    "axes.grid": True,
    "grid.color": "#DDDDDD",
    "grid.linewidth": 0.6,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.titlesize": 11,
    "axes.labelsize": 10,
    "legend.fontsize": 9,
    "legend.frameon": False,
    "font.size": 10,
    "lines.linewidth": 1.8,
    "axes.prop_cycle": mpl.cycler(color=[BLUE, VERMILLION, GREEN, PURPLE, ORANGE, SKY_BLUE, BLACK]),
    "figure.constrained_layout.use": True,
}


def use() -> None:
    """Apply the course's matplotlib style (white panel, Okabe–Ito colours, 700 px wide)."""
    mpl.rcParams.update(RC)
