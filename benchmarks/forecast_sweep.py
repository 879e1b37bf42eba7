"""Chapter 10's full experiment: every forecaster on six series, on a rolling origin, every
trained model tuned the same way.

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/forecast_sweep.py     # about 20 min on 2 cores

Two results files, written through :func:`lstmlib.training.sweeps.run` (one line per finished run,
resumable after an interruption, tied by a hash to this script and to every lstmlib module
the runs import, and refused by :func:`lstmlib.training.sweeps.load` once any of them changes):

- ``benchmarks/results/forecast_sweep.jsonl``: for each series and fold
  (:func:`lstmlib.experiments.ch10.problems`), every trained model at every learning rate
  and size of ``ch10.TUNING`` with three seeds, and the two statistical models in the form
  AICc chose (:func:`lstmlib.experiments.ch10.one_run`). The chapter picks each model's
  setting per fold by its mean validation error (:func:`lstmlib.experiments.ch10.chosen`):
  the test blocks never choose anything.
- ``benchmarks/results/forecast_lookback.jsonl``: the lookback probe, made after the first
  file is complete: ``ch10.PROBED`` on the last fold of every series at the other lookbacks
  of ``ch10.LOOKBACKS``, each at the setting chosen for it at the series' own lookback.

``tests/test_experiments_ch10.py`` loads both (a stale file fails the tests) and re-runs a
sample of their rows.
"""
from __future__ import annotations

import argparse
import sys

from lstmlib.experiments import ch10
from lstmlib.training import sweeps

PATH = "benchmarks/results/forecast_sweep.jsonl"             # ch10_results.SWEEP
LOOKBACK_PATH = "benchmarks/results/forecast_lookback.jsonl"  # ch10_results.LOOKBACK
COMMAND = "OMP_NUM_THREADS=1 .venv/bin/python benchmarks/forecast_sweep.py"
RUNS_IMPORT = "import lstmlib.experiments.ch10"


def folds(series: str) -> range:
    return range(len(ch10.problems(series)))


def planned() -> list[dict]:
    """Every run of the first file: statistical models first, then the search."""
    runs = [dict(series=s, fold=f, kind=k) for s in ch10.SERIES for f in folds(s)
            for k in ch10.CLASSICAL]
    for s in ch10.SERIES:
        for f in folds(s):
            for kind in ch10.TRAINED:
                budgets = ["1x"] if kind == "DLinear" else list(ch10.TUNING["budgets"])
                runs += [dict(series=s, fold=f, kind=kind, seed=seed, lr=lr, budget=b)
                         for lr in ch10.TUNING["lrs"] for b in budgets
                         for seed in ch10.TUNING["seeds"]]
    return runs


def planned_lookback(rows) -> list[dict]:
    """The lookback probe's runs, at the settings the first file chose."""
    chosen = ch10.chosen(rows)
    runs = []
    for s in ch10.SERIES:
        f = folds(s)[-1]
        for kind in ch10.PROBED:
            lr, b = chosen[s, f, kind]
            runs += [dict(series=s, fold=f, kind=kind, seed=seed, lr=lr, budget=b,
                          lookback=ch10.lookback_of(s, times))
                     for times in ch10.LOOKBACKS for seed in ch10.TUNING["seeds"]]
    return runs


def sources() -> list[str]:
    """This script and every lstmlib file the runs import (layers, models, training,
    seeding and the protocol included)."""
    return sweeps.script_sources("benchmarks/forecast_sweep.py", RUNS_IMPORT)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2,
                        help="runs at once, each in a process of one thread (default 2)")
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    first = sweeps.run_in_processes(PATH, "forecast_sweep", planned(), ch10.one_run, sources(),
                                    COMMAND, workers=args.workers)
    if not first.complete:
        return 1
    second = sweeps.run_in_processes(LOOKBACK_PATH, "forecast_lookback", planned_lookback(first.rows),
                                     ch10.one_run, sources(), COMMAND, workers=args.workers)
    return 0 if second.complete else 1

if __name__ == "__main__":
    sys.exit(main())
