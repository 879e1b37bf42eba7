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

import torch

from lstmlib.experiments import ch06_runs
from lstmlib.training import sweeps

RUNS_IMPORT = "import lstmlib.experiments.ch06_runs"


def sources() -> list[str]:
    """This script and every lstmlib file the runs import."""
    return ["benchmarks/ch06_runs.py", *sweeps.imported_files(RUNS_IMPORT)]


def main() -> int:
    torch.set_num_threads(1)
    results = sweeps.run(ch06_runs.PATH, "ch06_runs", ch06_runs.planned_runs(), ch06_runs.one_run,
                         sources=sources(), command=ch06_runs.COMMAND)
    minutes = sum(r["seconds"] for r in results.records) / 60
    print(f"{len(results.records)} sweeps in {ch06_runs.PATH}, {minutes:.1f} minutes of training")
    return 0


if __name__ == "__main__":
    sys.exit(main())
