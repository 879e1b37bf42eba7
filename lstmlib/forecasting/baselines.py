"""Forecasts without a neural network: naive, seasonal naive, and the classical statistical
models of the forecasting field, exponential smoothing and ARIMA, from statsmodels.

    naive(problem, "test")                        # (B, K): the last value, repeated
    seasonal_naive(problem, "test", period=12)    # (B, K): the value one season earlier
    model = Classical.fit(problem, "ETS", trend=True, seasonal=12)
    model.forecast("test")                        # (B, K), in the series' unit
    model.n_params                                # the estimated parameters
    auto_ets(problem), auto_arima(problem)        # each form chosen by AICc, as forecasters do

Every forecast is made from the origins of
:meth:`~lstmlib.forecasting.protocol.Problem.origins`, with the same
``horizon``, in the series' own unit. The classical models are fitted by maximum likelihood
on the training part only; for the forecasts their parameters stay fixed and the Kalman
filter reads the series up to each origin (the past that any model sees in its window).
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
from statsmodels.tsa.statespace.exponential_smoothing import ExponentialSmoothing
from statsmodels.tsa.statespace.sarimax import SARIMAX
from threadpoolctl import threadpool_limits

from .. import validate
from .protocol import Problem

CLASSICAL = ("ETS", "ARIMA")


def _check(problem):
    if not isinstance(problem, Problem):
        raise TypeError(f"expected a forecasting Problem, got {type(problem).__name__}")


def naive(problem: Problem, part: str) -> np.ndarray:
    """ŷ[t + h − 1] = y[t − 1] for every lead h = 1 … K: tomorrow is like today. (B, K)."""
    _check(problem)
    last = problem.inputs(part)[:, -1:]                             # (B, 1)
    return np.repeat(last, problem.horizon, axis=1)                  # (B, K)


def seasonal_naive(problem: Problem, part: str, period: int) -> np.ndarray:
    """ŷ[t + h − 1] = y[t + h − 1 − m·k] at lead h, with k the fewest whole seasons (of
    ``period`` m steps) that reach back before the origin: next January is like last
    January. (B, K)."""
    _check(problem)
    period = validate.positive_int("period", period)
    if period > problem.lookback:
        raise ValueError(f"expected a period of at most the lookback {problem.lookback}, got {period}")
    window = problem.inputs(part)                                   # (B, L)
    h = np.arange(problem.horizon)                                   # lead − 1
    back = period * (h // period + 1) - h                            # steps before the origin
    return window[:, problem.lookback - back]                        # (B, K)


@dataclass
class Classical:
    """A statsmodels state-space model fitted on the training part (``Classical.fit``).

    ``kind`` "ETS": ``statsmodels.tsa.statespace.exponential_smoothing.ExponentialSmoothing``
    (keyword arguments ``trend``, ``damped_trend``, ``seasonal``); "ARIMA": ``SARIMAX``
    (``order``, ``seasonal_order``, ``trend``).
    """
    problem: Problem
    kind: str
    spec: dict
    result: object                   # the statsmodels results of the fit on the training part

    @classmethod
    def fit(cls, problem: Problem, kind: str, maxiter: int = 500, **spec) -> "Classical":
        """Maximum likelihood on the training part (L-BFGS, up to ``maxiter`` iterations)."""
        _check(problem)
        if kind not in CLASSICAL:
            raise ValueError(f"unknown classical model {kind!r}: expected one of {CLASSICAL}")
        train = problem.series.forward(problem.values("train"))
        model = (ExponentialSmoothing if kind == "ETS" else SARIMAX)(train, **spec)
        with threadpool_limits(1), warnings.catch_warnings():
            warnings.simplefilter("ignore")          # start-value notices on short series
            result = model.fit(disp=False, maxiter=maxiter)
        return cls(problem, kind, dict(spec), result)

    @property
    def converged(self) -> bool:
        """Whether the likelihood optimiser reported convergence."""
        return bool(self.result.mle_retvals.get("converged", False))

    @property
    def params(self) -> np.ndarray:
        return np.asarray(self.result.params, dtype=float)

    @property
    def n_params(self) -> int:
        """Estimated parameters, initial states and noise variance included."""
        return len(self.params)

    def name(self) -> str:
        """ARIMA(p,d,q), or ETS(error, trend, season) in the usual letters: A additive,
        Ad additive damped, N none (statsmodels' state-space ETS has additive errors)."""
        if self.kind == "ARIMA":
            p, d, q = self.spec.get("order", (1, 0, 0))
            P, D, Q, m = self.spec.get("seasonal_order", (0, 0, 0, 0))
            return f"ARIMA({p},{d},{q})" + (f"({P},{D},{Q}){m}" if m else "")
        trend = ("Ad" if self.spec.get("damped_trend") else "A") if self.spec.get("trend") else "N"
        return f"ETS(A,{trend},{'A' if self.spec.get('seasonal') else 'N'})"

    def forecast(self, part: str) -> np.ndarray:
        """Forecasts from every origin of ``part``, (B, K): the fitted parameters, the filter
        run over the values before each origin, then K steps of the state equation."""
        values = self.problem.series.forward(self.problem.known(part))
        with threadpool_limits(1), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            run = self.result.apply(values)             # same parameters, longer series
        f = run.filter_results
        for name in ("design", "transition", "obs_intercept", "state_intercept"):
            m = getattr(f, name)
            if m.shape[-1] > 1 and not np.allclose(m, m[..., :1]):     # e.g. a linear trend
                raise NotImplementedError(f"a time-varying {name} is not supported")
        Z, T = f.design[:, :, 0], f.transition[:, :, 0]                  # (1, k), (k, k)
        d, c = f.obs_intercept[:, 0], f.state_intercept[:, 0]            # (1,), (k,)
        a = run.predicted_state[:, self.problem.origins(part)]          # (k, B): a[t | t − 1]
        out = []
        for _ in range(self.problem.horizon):
            out.append(Z @ a + d[:, None])                               # (1, B)
            a = T @ a + c[:, None]
        return self.problem.series.inverse(np.concatenate(out).T)         # (B, K)

    @property
    def aicc(self) -> float:
        """The corrected Akaike information criterion of the fit on the training part."""
        return float(self.result.aicc)


def auto_ets(problem: Problem) -> Classical:
    """Exponential smoothing in the form with the lowest AICc on the training part: trend none,
    additive or additive damped, times a season none or additive (where the series has one);
    the state-space ETS of statsmodels, additive errors (Hyndman & Athanasopoulos, 8.6)."""
    _check(problem)
    m = problem.series.period
    forms = [dict(trend=trend, damped_trend=damped, seasonal=season)
             for trend, damped in ((False, False), (True, False), (True, True))
             for season in ((None, m) if m else (None,))]
    return min((Classical.fit(problem, "ETS", **form) for form in forms), key=lambda c: c.aicc)


ARIMA_ORDERS = dict(p=range(4), q=range(3))


def differences(problem: Problem) -> tuple[int, int]:
    """``(d, D)`` for :func:`auto_arima`: one seasonal difference where the series has a
    season; then a first difference if the KPSS test (5 %) rejects a stationary level on
    the training part, as in Hyndman & Khandakar's auto.arima (2008)."""
    from statsmodels.tsa.stattools import kpss
    m, y = problem.series.period, problem.series.forward(problem.values("train"))
    D = 1 if m else 0
    if D:
        y = y[m:] - y[:-m]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")              # p-values beyond KPSS's table are clipped
        p_value = kpss(y, regression="c", nlags="auto")[1]
    return (1 if p_value < 0.05 else 0), D


def auto_arima(problem: Problem) -> Classical:
    """ARIMA(p, d, q), times (0, 1, 1) over the season where the series has one, with d from
    :func:`differences` and p ≤ 3, q ≤ 2 chosen by AICc on the training part; a constant
    when nothing is differenced."""
    _check(problem)
    (d, D), m = differences(problem), problem.series.period
    seasonal = dict(seasonal_order=(0, D, 1, m)) if m else {}
    trend = "c" if d + D == 0 else "n"
    fits = [Classical.fit(problem, "ARIMA", order=(p, d, q), trend=trend, **seasonal)
            for p in ARIMA_ORDERS["p"] for q in ARIMA_ORDERS["q"]]
    return min(fits, key=lambda c: c.aicc)
