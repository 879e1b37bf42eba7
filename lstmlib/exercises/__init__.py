"""Exercises with checkers: write a step of the LSTM yourself and let the checker say what is wrong.

    from lstmlib import exercises
    q = exercises.forget_step          # step 1 (chapter 3); store_step (4), output_step (5),
                                       # peephole_step (6), coupled_step (7), gru_step (8),
                                       # backward_step (appendix A1)
    q.check(my_forget_step)            # "Correct." or exactly what is wrong
    q.hint()                           # one hint at a time
    q.solution()                       # the reference code

Modules:
    checker   the checker: Exercise, Mistake, Verdict
    steps     the three steps of the LSTM (chapters 3-5)
    peephole  one step of the peephole LSTM (chapter 6)
    coupled   the coupled cell update (chapter 7)
    gru       one step of the GRU (chapter 8)
    backward  one step of backpropagation through time, in NumPy (appendix A1)
    practice  torch.nn.LSTM in practice: the last valid state, reversing within each length,
              both directions, the summary in h_n, the forget-gate bias (chapter 11;
              ``from lstmlib.exercises import practice``)
"""
from .backward import backward_step
from .checker import Exercise, Mistake, Verdict
from .coupled import coupled_step
from .gru import gru_step
from .peephole import peephole_step
from .steps import forget_step, output_step, store_step

__all__ = ["Exercise", "Mistake", "Verdict", "forget_step", "store_step", "output_step", "peephole_step",
           "coupled_step", "gru_step", "backward_step"]
