"""Chapter 10, LSTMs for time series: the notes' opening claim, tested as forecasters test.

Used by ``book/10_time_series.ipynb`` (a reduced experiment, live) and by
``benchmarks/forecast_sweep.py`` (the full one, precomputed); the tables and tests over the
sweep are in :mod:`lstmlib.experiments.ch10_results`. After Hyndman & Athanasopoulos,
*Forecasting: Principles and Practice* (rolling origin, MASE), Zeng et al. (2023: DLinear,
the shuffle probe), Nie et al. (2023: PatchTST):

    SERIES, TUNING, problems, budget, size, train, one_run, chosen, classical, reference,
    shuffled_forecast, live, seeds

Six series (five real, from statsmodels, and Mackey–Glass), each evaluated on a rolling
origin (three test blocks at its end, :meth:`lstmlib.forecasting.protocol.Problem.rolling`).
Every trained model gets the same search, judged on the validation block only: each
learning rate of ``TUNING["lrs"]`` and each size of ``TUNING["budgets"]`` (the parameter
count of the linear model, times 1 or 4; the linear model has one size), three seeds each,
the same steps and warm-up for all. The statistical models choose their own form by AICc
(:func:`lstmlib.forecasting.baselines.auto_ets`, :func:`~lstmlib.forecasting.baselines.auto_arima`).
"""
from __future__ import annotations

import functools

import numpy as np
import torch

from ..forecasting import baselines as base, data, evaluation, fit, models
from ..forecasting.protocol import Problem
from ..training.seed import PROBE, data_stream, seed_everything

# Windows per series: lookback L (three seasons, or about two cycles), horizon K (a season,
# two years of quarters, a solar cycle, 14 steps of Mackey–Glass), DLinear's kernel.
SERIES = {"co2": dict(lookback=36, horizon=12, kernel=13),
          "elnino": dict(lookback=36, horizon=12, kernel=13),
          "elec_equip": dict(lookback=36, horizon=12, kernel=13),
          "unemployment": dict(lookback=16, horizon=8, kernel=7),
          "sunspots": dict(lookback=22, horizon=11, kernel=11),
          "mackey_glass": dict(lookback=24, horizon=14, kernel=13)}
REAL = data.REAL
TRAINED = models.KINDS                            # DLinear, MLP, LSTM, GRU, PatchTST
CLASSICAL = ("ETS", "ARIMA")
REFERENCES = ("naive", "seasonal naive")          # seasonal naive = naive without a season
# The search every trained model gets, and how each run trains.
TUNING = dict(lrs=(1e-3, 3e-3, 1e-2, 3e-2), budgets={"1x": 1, "4x": 4}, seeds=(0, 1, 2),
              steps=400, batch=64, check_every=25, warmup=40)
# The lookback probe: each of these models again at these multiples of the lookback.
PROBED = ("DLinear", "LSTM", "PatchTST")
LOOKBACKS = (0.5, 2.0)
# The live page: its series (the last fold of each), and two network seeds per run.
LIVE = ("co2", "mackey_glass")
LIVE_SEEDS = 2


def _check(name, kind=None):
    if name not in SERIES:
        raise ValueError(f"unknown series {name!r}: expected one of {tuple(SERIES)}")
    if kind is not None and kind not in TRAINED:
        raise ValueError(f"unknown model {kind!r}: expected one of {TRAINED}")


def lookback_of(name: str, times: float = 1.0) -> int:
    """The series' lookback, times ``times`` (rounded; at least its horizon)."""
    _check(name)
    s = SERIES[name]
    return max(s["horizon"], round(times * s["lookback"]))


@functools.lru_cache(maxsize=None)
def problems(name: str, lookback: int | None = None) -> tuple[Problem, ...]:
    """The series' rolling-origin folds, oldest test block first."""
    _check(name)
    s = SERIES[name]
    return tuple(Problem.rolling(data.load(name), lookback or s["lookback"], s["horizon"]))


def budget(name: str) -> int:
    """The linear model's parameter count at the series' own lookback, 2 (L K + K)."""
    _check(name)
    s = SERIES[name]
    return models.parameter_count(models.build("DLinear", s["lookback"], s["horizon"], s["kernel"]))


def size(name: str, kind: str, budget_key: str = "1x", lookback: int | None = None) -> int:
    """The ``size`` of :func:`lstmlib.forecasting.models.build` whose parameter count is
    closest to ``TUNING["budgets"][budget_key]`` times :func:`budget` (DLinear: its kernel)."""
    _check(name, kind)
    s = SERIES[name]
    if kind == "DLinear":
        return s["kernel"]
    if budget_key not in TUNING["budgets"]:
        raise ValueError(f"unknown budget {budget_key!r}: expected one of {tuple(TUNING['budgets'])}")
    return models.size_for_budget(kind, lookback or s["lookback"], s["horizon"],
                                  TUNING["budgets"][budget_key] * budget(name))


def train(name: str, fold: int, kind: str, lr: float, budget_key: str, seed: int,
          lookback: int | None = None):
    """One network, seeded, trained on one fold (the search's settings). Returns
    ``(model, Run)``."""
    p = problems(name, lookback)[fold]
    seed_everything(seed)
    model = models.build(kind, p.lookback, p.horizon, size(name, kind, budget_key, p.lookback))
    return fit.fit(model, p, seed, steps=TUNING["steps"], batch=TUNING["batch"], lr=lr,
                   check_every=TUNING["check_every"], warmup=TUNING["warmup"])


def _rounded(values) -> list:
    return [float(f"{v:.6g}") for v in np.asarray(values, dtype=float)]


def shuffled_forecast(model, problem: Problem, seed: int) -> np.ndarray:
    """The model's test forecasts from windows whose past is shuffled
    (:func:`lstmlib.forecasting.evaluation.shuffled`), (B, K) in the series' unit."""
    X, _ = problem.windows("test")
    with torch.no_grad():
        z = model(evaluation.shuffled(X, data_stream(seed, PROBE))).double().numpy()
    return problem.to_unit(z)


def one_run(series: str, fold: int, kind: str, seed: int = 0, lr: float | None = None,
            budget: str | None = None, lookback: int | None = None) -> dict:
    """The unit of the sweep. A trained ``kind``: the network of :func:`train`, its best
    validation MSE (normalised), parameters, and on the test block each origin's absolute
    error (``origin_ae``, mean over leads) and the MAE by lead, plus the MAE with shuffled
    windows. ``kind`` "ETS" or "ARIMA": the form chosen by AICc, and the same test errors."""
    p = problems(series, lookback)[fold]
    truth = p.truth("test")
    if kind in CLASSICAL:
        model = classical(series, fold, kind)
        forecast = model.forecast("test")
        extra = dict(form=model.name(), params=model.n_params)
    else:
        model, run = train(series, fold, kind, lr, budget, seed, lookback)
        forecast = fit.forecast(model, p, "test")
        shuffled = evaluation.origin_errors(shuffled_forecast(model, p, seed), truth)
        extra = dict(params=models.parameter_count(model), val=min(run.val_mse),
                     best_step=run.best_step, shuffled_mae=float(f"{shuffled.mean():.6g}"))
    return dict(origin_ae=_rounded(evaluation.origin_errors(forecast, truth)),
                lead_mae=_rounded(np.abs(forecast - truth).mean(axis=0)), **extra)


def chosen(rows) -> dict:
    """``{(series, fold, kind): (lr, budget)}``: each trained model's setting with the lowest
    mean validation MSE over its seeds, per fold (rows of the sweep at the series' own
    lookback). The test blocks choose nothing."""
    groups = {}
    for r in rows:
        if r["kind"] in TRAINED and r.get("lookback") is None:
            groups.setdefault((r["series"], r["fold"], r["kind"]), {}).setdefault(
                (r["lr"], r["budget"]), []).append(r["val"])
    return {key: min(by, key=lambda s: np.mean(by[s])) for key, by in groups.items()}


def classical(name: str, fold: int, kind: str):
    """The statistical model ``kind`` ("ETS" or "ARIMA") in the form AICc chose on the fold's
    training part."""
    if kind not in CLASSICAL:
        raise ValueError(f"unknown statistical model {kind!r}: expected one of {CLASSICAL}")
    p = problems(name)[fold]
    return base.auto_ets(p) if kind == "ETS" else base.auto_arima(p)


def reference(problem: Problem, name: str) -> np.ndarray:
    """A reference forecast for the test block, (B, K): ``"naive"``, or ``"seasonal naive"``
    (the naive forecast where the series has no season)."""
    if name not in REFERENCES:
        raise ValueError(f"unknown reference {name!r}: expected one of {REFERENCES}")
    m = problem.series.period
    if name == "seasonal naive" and m:
        return base.seasonal_naive(problem, "test", m)
    return base.naive(problem, "test")


def seeds(seed: int) -> tuple[int, ...]:
    """The network seeds of one run of the page: SEED 0 trains 0 and 1, SEED 1 trains 2 and
    3, and so on: the tests' other SEEDs never reuse the page's networks."""
    return tuple(LIVE_SEEDS * seed + k for k in range(LIVE_SEEDS))


def live(name: str, seed: int, settings: dict) -> dict:
    """The page's reduced experiment on the last fold of one series: every trained model at
    the settings the full sweep chose for that fold (``{kind: (lr, budget)}``), with the
    network seeds of :func:`seeds`, and the two references. Returns ``{model: [MASE per
    seed]}`` with ``"shuffled " + kind`` for each network's MASE on shuffled windows, and
    ``"forecasts"``: ``{model: (B, K)}`` of the first seed."""
    _check(name)
    fold = len(problems(name)) - 1
    p = problems(name)[fold]
    scale, truth = p.mase_scale(), p.truth("test")
    out = {r: [evaluation.mase(reference(p, r), truth, scale)] for r in REFERENCES}
    forecasts = {r: reference(p, r) for r in REFERENCES}
    for kind in TRAINED:
        lr, budget_key = settings[kind]
        nets = [train(name, fold, kind, lr, budget_key, s)[0] for s in seeds(seed)]
        f = [fit.forecast(m, p, "test") for m in nets]
        out[kind] = [evaluation.mase(x, truth, scale) for x in f]
        out["shuffled " + kind] = [evaluation.mase(shuffled_forecast(m, p, s), truth, scale)
                                   for m, s in zip(nets, seeds(seed))]
        forecasts[kind] = f[0]
    out["forecasts"] = forecasts
    return out
