"""Chapter 10's larger sweep: every trained forecaster on all three series, sunspots
included, trained for more than three times the notebook's steps, five seeds each.

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/forecast_sweep.py   # 75 runs, about 3 min

Writes ``benchmarks/results/forecast_sweep.jsonl`` through :func:`lstmlib.sweeps.run`: one
line per finished run, resumable after an interruption, tied by a hash to this script and to every lstmlib module
it runs (:func:`sources`), and refused by :func:`lstmlib.sweeps.load` once any of them
changes (``tests/test_experiments_ch10.py`` loads it, so a stale file fails the tests, and
re-runs a sample of its rows). The notebook ``book/10_time_series.ipynb`` shows it as
precomputed.

The grid: series × model × budget × seed, with the notebook's learning rate per model.
"small" sizes each network to the linear model's parameter count, as the notebook does
(``BUDGETS`` can add larger multiples; the linear model has one size only). Each run is
:func:`lstmlib.forecasting.fit.fit` for ``STEPS`` steps with the validation checkpoint
kept, scored on the test part: the test part never chooses anything.
"""
from __future__ import annotations

import functools
import sys

import torch

from lstmlib import sweeps
from lstmlib.forecasting import data, fit, models
from lstmlib.forecasting.protocol import Problem, errors
from lstmlib.seed import seed_everything

PATH = "benchmarks/results/forecast_sweep.jsonl"
COMMAND = "OMP_NUM_THREADS=1 .venv/bin/python benchmarks/forecast_sweep.py"
# What one run imports: the models (LSTM, GRU and their layers), training, the protocol.
RUNS_IMPORT = ("import lstmlib.forecasting.data, lstmlib.forecasting.fit, "
               "lstmlib.forecasting.models, lstmlib.forecasting.protocol, lstmlib.seed")

# The same windows as the notebook (tests/test_experiments_ch10.py checks they agree).
SERIES = {"co2": dict(lookback=36, horizon=12, kernel=13),
          "sunspots": dict(lookback=22, horizon=11, kernel=11),
          "mackey_glass": dict(lookback=24, horizon=14, kernel=13)}
KINDS = ("DLinear", "MLP", "LSTM", "GRU", "Transformer")
BUDGETS = {"small": 1}                    # times the linear model's parameter count
LR = {"DLinear": 0.01, "MLP": 0.01, "LSTM": 0.03, "GRU": 0.03, "Transformer": 0.03}
SEEDS = (0, 1, 2, 3, 4)
STEPS, CHECK_EVERY = 1000, 50


@functools.lru_cache(maxsize=None)
def problem(series: str) -> Problem:
    s = SERIES[series]
    return Problem(data.load(series), s["lookback"], s["horizon"])


def size(series: str, kind: str, budget: str) -> int:
    s = SERIES[series]
    if kind == "DLinear":
        return s["kernel"]
    base = models.parameter_count(models.build("DLinear", s["lookback"], s["horizon"], s["kernel"]))
    return models.size_for_budget(kind, s["lookback"], s["horizon"], BUDGETS[budget] * base)


def one_run(series: str, kind: str, budget: str, seed: int) -> dict:
    p = problem(series)
    seed_everything(seed)
    model = models.build(kind, p.lookback, p.horizon, size(series, kind, budget))
    model, run = fit.fit(model, p, seed, steps=STEPS, lr=LR[kind], check_every=CHECK_EVERY)
    e = errors(fit.forecast(model, p, "test"), p.truth("test"))
    return dict(params=models.parameter_count(model), val=min(run.val_mse), best_step=run.best_step,
                mse=[float(f"{v:.6g}") for v in e.mse], mae=[float(f"{v:.6g}") for v in e.mae])


def planned() -> list[dict]:
    return [dict(series=s, kind=k, budget=b, seed=seed)
            for s in SERIES for k in KINDS for b in BUDGETS if k != "DLinear" or b == "small"
            for seed in SEEDS]


def sources() -> list[str]:
    """This script and every lstmlib file the runs import (layers, models, training, seeding
    included), so that the results go stale when any code they ran changes."""
    return ["benchmarks/forecast_sweep.py", *sweeps.imported_files(RUNS_IMPORT)]


def main() -> int:
    torch.set_num_threads(1)
    results = sweeps.run(PATH, "forecast_sweep", planned(), one_run, sources(), COMMAND)
    print(f"{len(results.records)} of {results.header['planned']} runs in {results.path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
