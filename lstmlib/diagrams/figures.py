"""The LSTM family's figures: the module, its steps (the notes' figures 4-8) and two variants (9, 10).

Each function returns a matplotlib ``Figure`` 7 in wide (the book's 700 px column at 100 dpi):

    lstm_module(highlight=None)     the module; highlight some parts, grey out the rest
    cell_state_line()               figure 4, the core idea           (chapter 2)
    forget_gate()                   figure 5, step 1                  (chapter 3)
    input_gate()                    figure 6, step 2: i_t and C̃_t      (chapter 4)
    cell_update()                   figure 7, step 2: the new C_t     (chapter 4)
    output_gate()                   figure 8, step 3                  (chapter 5)
    peephole_lstm(peepholes=...)    figure 9                          (chapter 6)
    coupled_lstm()                  figure 10                         (chapter 7)
"""
from __future__ import annotations

from collections.abc import Iterable

from .. import validate
from .lstm import COUPLED_EQUATION, EQUATIONS, PARTS, PEEPHOLE_EQUATIONS, module_figure

PEEPHOLE_GATES = ("f", "i", "o")


def _check_highlight(highlight) -> frozenset | None:
    """None, one part name, or an iterable of part names from PARTS."""
    if highlight is None:
        return None
    if isinstance(highlight, str):
        highlight = (highlight,)
    if not isinstance(highlight, Iterable):
        raise TypeError(f"expected highlight to be None, a part name or an iterable of part names from "
                        f"{PARTS}, got {type(highlight).__name__} {highlight!r}")
    names = tuple(highlight)
    for name in names:
        if not isinstance(name, str):
            raise TypeError(f"expected highlight to hold part names (str) from {PARTS}, "
                            f"got {type(name).__name__} {name!r}")
        if name not in PARTS:
            raise ValueError(f"unknown part {name!r} in highlight: expected names from {PARTS}, got {names!r}")
    if not names:
        raise ValueError(f"expected highlight to name at least one part from {PARTS} (or None for no "
                         f"highlighting), got an empty {type(highlight).__name__}")
    return frozenset(names)


def lstm_module(highlight=None):
    """The LSTM module (the notes' figure 2, Colah 2015): four layers σ, σ, tanh, σ and the
    pointwise ×, +, tanh, with the cell state C along the top and [h_{t-1}, x_t] along the bottom.

    ``highlight``: None (every part in colour), one part name, or an iterable of names from
    ``("cell_state", "forget", "input", "update", "output")``; the other parts are greyed out and
    the highlighted parts' equations are written under the module. Unknown names raise
    ValueError listing the valid ones; anything else but a str or an iterable raises TypeError.
    """
    parts = _check_highlight(highlight)
    if parts is None:
        return module_figure()
    equations = [eq for p in PARTS if p in parts for eq in EQUATIONS[p]]
    return module_figure(equations, lit=lambda *tags: not parts.isdisjoint(tags))


def cell_state_line():
    """Figure 4, the core idea: the cell state runs along the top, touched only by a × and a +."""
    return lstm_module(highlight=("cell_state",))


def forget_gate():
    """Figure 5, step 1: f_t = σ(W_f·[h_{t-1}, x_t] + b_f) multiplies C_{t-1} (chapter 3)."""
    return lstm_module(highlight=("forget",))


def input_gate():
    """Figure 6, step 2: the input gate i_t (σ) and the candidate C̃_t (tanh) side by side (chapter 4)."""
    return lstm_module(highlight=("input",))


def cell_update():
    """Figure 7, step 2: C_t = f_t ⊙ C_{t-1} + i_t ⊙ C̃_t, old state scaled by f_t plus candidate
    scaled by i_t (chapter 4)."""
    return lstm_module(highlight=("update",))


def output_gate():
    """Figure 8, step 3: o_t = σ(W_o·[h_{t-1}, x_t] + b_o) filters tanh(C_t) into h_t (chapter 5)."""
    return lstm_module(highlight=("output",))


def peephole_lstm(peepholes=PEEPHOLE_GATES):
    """Figure 9: the gates also read the cell state (Gers & Schmidhuber 2000), chapter 6.

    Peepholes are diagonal, as in :class:`lstmlib.PeepholeLSTM`: f_t and i_t read C_{t-1} (the
    orange wires tap the line before the forget ×), o_t reads the new C_t (after the +). The
    equations under the module say so with p ⊙ C, one weight per cell; the notes write the
    same gates as W_f·[C_{t-1}, h_{t-1}, x_t] + b_f.
    ``peepholes``: a tuple, any subset of ("f", "i", "o"), checked as :class:`lstmlib.PeepholeLSTM`
    checks it: unknown names raise ValueError listing the valid ones, a bare str raises TypeError.
    """
    gates = validate.gate_subset("peephole", peepholes, PEEPHOLE_GATES)
    equations = [PEEPHOLE_EQUATIONS[g] for g in gates]
    return module_figure(equations, peepholes=gates)


def coupled_lstm():
    """Figure 10: coupled forget and input gates, i_t = 1 − f_t (Greff et al. 2017's CIFG), chapter 7.

    One σ layer decides both what to forget and what to write: C_t = f_t ⊙ C_{t-1} + (1 − f_t) ⊙ C̃_t.
    """
    return module_figure([COUPLED_EQUATION], coupled=True)
