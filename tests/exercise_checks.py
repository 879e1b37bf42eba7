"""What every exercise's checker must do, written once for the tests of each exercise.

``tests/test_exercises.py`` runs the checks that hold for every exercise over all of them
(:data:`ALL`); the tests of one exercise (``test_exercise_coupled.py``, ...) use
:func:`assert_says` for their own wrong implementations, written as a reader would write them.
"""
from __future__ import annotations

import contextlib
import io

from lstmlib import exercises

#: Every exercise lstmlib.exercises exports, in the order of its ``__all__``.
ALL = [getattr(exercises, name) for name in exercises.__all__
       if isinstance(getattr(exercises, name), exercises.Exercise)]


def printed(call, *args) -> str:
    """What ``call(*args)`` prints."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        call(*args)
    return out.getvalue()


def assert_says(exercise, wrong, words, mistake: str | None = None):
    """A wrong implementation is not correct, and its message starts "Not yet." and contains
    each of ``words`` (and, when ``mistake`` is given, names that known mistake)."""
    verdict = exercise.diagnose(wrong)
    assert not verdict.correct, f"{getattr(wrong, '__name__', wrong)} was judged correct"
    if mistake is not None:
        assert verdict.mistake == mistake, (mistake, verdict)
    flat = verdict.message.replace("\n", " ")
    assert flat.startswith("Not yet."), flat
    for w in ([words] if isinstance(words, str) else words):
        assert w in flat, f"expected {w!r} in the message, got: {flat}"
