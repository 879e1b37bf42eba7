"""Appendix A1's page on speed, counting: the NumPy calls the NumPy LSTM makes, counted exactly.

:func:`count` runs a function on arrays that count every NumPy call made on them (ufuncs and
array functions, top level only), and on the arrays computed from them; :func:`count_calls`
counts one time step of :func:`lstmlib.scratch.numpy_lstm.forward` and of its backward pass.
``book/a1_speed.ipynb`` multiplies the count by what one call costs
(:func:`lstmlib.experiments.a1_speed.call_cost`), and
:func:`lstmlib.experiments.a1_speed.where_time_goes` reports it per step.

    count, count_calls
"""
from __future__ import annotations

import collections

import numpy as np

from ..scratch import numpy_lstm


class _Counting(np.ndarray):
    """An array that counts every NumPy call made on it (ufuncs and array functions, top level
    only: a call made inside another is not counted again)."""
    calls: collections.Counter = collections.Counter()
    depth = 0

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        name = ufunc.__name__ if method == "__call__" else f"{ufunc.__name__}.{method}"
        return _counted(name, getattr(ufunc, method), inputs, kwargs)

    def __array_function__(self, func, types, args, kwargs):
        return _counted(func.__name__, func, args, kwargs)


def _map(f, v):
    """f applied to every array in v, through lists, tuples (named ones too) and dicts."""
    if isinstance(v, dict):
        return {k: _map(f, u) for k, u in v.items()}
    if isinstance(v, tuple) and hasattr(v, "_fields"):
        return type(v)(*(_map(f, u) for u in v))
    if isinstance(v, (list, tuple)):
        return type(v)(_map(f, u) for u in v)
    return f(v) if isinstance(v, np.ndarray) else v


def _plain(v):
    return _map(lambda a: a.view(np.ndarray) if isinstance(a, _Counting) else a, v)


def _wrap(v):
    return _map(lambda a: a if isinstance(a, _Counting) else a.view(_Counting), v)


def _counted(name, fn, args, kwargs):
    if _Counting.depth == 0:
        _Counting.calls[name] += 1
    _Counting.depth += 1
    try:
        out = fn(*_plain(args), **_plain(kwargs))
    finally:
        _Counting.depth -= 1
    return _wrap(out)


def count(fn, *args, **kwargs) -> collections.Counter:
    """The NumPy calls ``fn(*args, **kwargs)`` makes on the arrays it is given (and on the
    arrays it computes from them), by name: ``Counter({"multiply": 3, ...})``."""
    _Counting.calls = collections.Counter()
    fn(*_wrap(args), **_wrap(kwargs))
    found, _Counting.calls = _Counting.calls, collections.Counter()
    return found


def count_calls(T: int = 10, B: int = 2, D: int = 3, H: int = 4) -> dict:
    """The NumPy calls one time step of :func:`lstmlib.scratch.numpy_lstm.forward` and of
    :func:`~lstmlib.scratch.numpy_lstm.backward` makes: ``{"forward": Counter, "backward": Counter}``.
    The calls outside the loop are left out by counting T and 2T steps and taking the
    difference, divided by T."""
    out = {}
    for part in ("forward", "backward"):
        totals = []
        for steps in (T, 2 * T):
            params = numpy_lstm.init_params(D, H)
            x = np.random.default_rng(0).normal(size=(steps, B, D))
            hs, _, cache = numpy_lstm.forward(x, params)
            if part == "forward":
                totals.append(count(numpy_lstm.forward, x, params))
            else:
                totals.append(count(numpy_lstm.backward, np.ones_like(hs), cache))
        per_step = totals[1] - totals[0]
        out[part] = collections.Counter({k: v / T for k, v in per_step.items()})
    return out
