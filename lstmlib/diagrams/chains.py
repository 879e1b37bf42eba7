"""A recurrent network unrolled over three time steps (the notes' figures 1 and 2, chapter 1).

The same module is drawn three times, at steps t−1, t and t+1: inputs x enter from below,
outputs h leave from the top, and the state (h for the RNN; h and the cell state C for the
LSTM) runs from each module into the next. The modules are :func:`.rnn.draw_rnn` and
:func:`.lstm.draw_lstm`, so the chain shows exactly the insides of the module figures.
"""
from __future__ import annotations

from .. import style
from .canvas import Canvas
from .geometry import H, W
from .lstm import draw_lstm
from .rnn import RNN_H, RNN_W, draw_rnn

STEPS = ("t-1", "t", "t+1")
GAP = 1.0               # between two modules: the state's wire from one to the next
END = 0.6               # the state's wire into the first module and out of the last


def _io(step: str) -> dict:
    return {"C_in": "", "h_in": "", "C_out": "", "h_out": "", "x": rf"$x_{{{step}}}$", "h_up": rf"$h_{{{step}}}$"}


def _chain(draw, width, height, scale, text_scale, symbol_scale):
    span = 3 * width + 2 * GAP + 2 * END
    cv = Canvas((-END - 0.15, span - END + 0.25), (-1.85, height + 1.8), width=style.WIDTH_IN, scale=scale,
                text_scale=text_scale, symbol_scale=symbol_scale)
    for k, step in enumerate(STEPS):
        left = END if k == 0 else GAP / 2
        right = END if k == 2 else GAP / 2
        draw(cv, k * (width + GAP), step, (left, right, 0.85, 0.85))
    return cv.fig


def rnn_chain():
    """Figure 1: a tanh RNN unrolled over three steps; each module is one tanh layer that reads
    [h_{t-1}, x_t] and emits h_t, which goes up as the output and right into the next step."""
    def draw(cv, ox, step, stubs):
        draw_rnn(cv, ox, 0.0, io={**_io(step), "h_in": "", "h_out": ""}, stubs=stubs)
    return _chain(draw, RNN_W, RNN_H, scale=0.8, text_scale=0.95, symbol_scale=0.9)


def lstm_chain():
    """Figure 2: an LSTM unrolled over three steps; each module has four layers (σ, σ, tanh, σ)
    and the pointwise ×, +, tanh, and passes both C_t (top) and h_t (bottom) to the next step."""
    def draw(cv, ox, step, stubs):
        draw_lstm(cv, ox, 0.0, labels=False, io=_io(step), stubs=stubs, grow=1.18)
    return _chain(draw, W, H, scale=0.6, text_scale=0.85, symbol_scale=0.62)
