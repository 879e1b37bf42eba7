"""Chapter 6's larger sweep: the page's sweeps with many more seeds.

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/ch06_runs.py   # 31 sweeps, about 6 min on a quiet core

What it trains and records: :mod:`lstmlib.experiments.ch06_runs`. Writes
``benchmarks/results/ch06_runs.jsonl`` through :func:`lstmlib.training.sweeps.run`: one line per
finished sweep, resumable after an interruption, tied by a hash to this script and to every
lstmlib module it runs, and refused by :func:`lstmlib.training.sweeps.load` once any of them changes
(the notebook and ``tests/test_experiments_ch06.py`` load it). One sweep at a time: the
sweeps seed torch's global generator.
"""
from __future__ import annotations

import sys

from lstmlib.experiments import ch06_runs
from lstmlib.training import sweeps

RUNS_IMPORT = "import lstmlib.experiments.ch06_runs"


def sources() -> list[str]:
    """This script and every lstmlib file the runs import."""
    return sweeps.script_sources("benchmarks/ch06_runs.py", RUNS_IMPORT)


def main() -> int:
    results = sweeps.run_in_processes(ch06_runs.PATH, "ch06_runs", ch06_runs.planned_runs(), ch06_runs.one_run, sources(),
                                      ch06_runs.COMMAND, what="sweeps")
    return 0 if results.complete else 1


if __name__ == "__main__":
    sys.exit(main())
