"""Architecture diagrams drawn by code: every figure of the notes, in one visual language.

Colah (2015)'s notation, which the notes' figures use: layers are boxes labelled σ or tanh,
pointwise operations are circles, vectors travel along arrows, merging lines concatenate and
forks copy. One colour per gate across the course (:mod:`lstmlib.style`, Okabe–Ito). Every
function below returns a matplotlib ``Figure`` at most 7 in wide and is callable without
arguments; ``ALT[name]`` is its alt text.

    notes' figure   function                                     chapter
    1               rnn_chain(), rnn_module()                    1
    2               lstm_chain(), lstm_module(highlight=None)     1
    3               notation_legend()                            1
    4               cell_state_line()                            2
    5               forget_gate()                                3
    6               input_gate()                                 4
    7               cell_update()                                4
    8               output_gate()                                5
    9               peephole_lstm(peepholes=("f", "i", "o"))     6
    10              coupled_lstm()                               7
    11              gru_module()                                 8
    -               animate_lstm(lstm, x)                        3-5

Modules: ``geometry`` (where everything sits), ``canvas`` (the marks), ``lstm`` (the LSTM module
drawn part by part), ``figures`` (the LSTM-family figures), ``rnn``, ``gru``, ``chains``,
``legend``, ``animation``, ``alt``.
"""
from .alt import ALT
from .animation import Animation, animate_lstm
from .chains import lstm_chain, rnn_chain
from .figures import (cell_state_line, cell_update, coupled_lstm, forget_gate, input_gate, lstm_module, output_gate,
                      peephole_lstm)
from .gru import gru_module
from .legend import notation_legend
from .lstm import PARTS
from .rnn import rnn_module

FIGURES = ("rnn_chain", "lstm_chain", "rnn_module", "notation_legend", "lstm_module", "cell_state_line",
           "forget_gate", "input_gate", "cell_update", "output_gate", "peephole_lstm", "coupled_lstm",
           "gru_module")

__all__ = [*FIGURES, "animate_lstm", "Animation", "ALT", "FIGURES", "PARTS"]
