"""Exercises with checkers: write a step of the LSTM yourself and let the checker say what is wrong.

    from lstmlib import exercises
    q = exercises.forget_step          # step 1 (chapter 3); store_step (4), output_step (5)
    q.check(my_forget_step)            # "Correct." or exactly what is wrong
    q.hint()                           # one hint at a time
    q.solution()                       # the reference code

Modules:
    checker   the checker: Exercise, Mistake, Verdict
    steps     the three steps of the LSTM (chapters 3-5)
    gru       one step of the GRU (chapter 8)
"""
from .checker import Exercise, Mistake, Verdict
from .gru import gru_step
from .steps import forget_step, output_step, store_step

__all__ = ["Exercise", "Mistake", "Verdict", "forget_step", "store_step", "output_step", "gru_step"]
