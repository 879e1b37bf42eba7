"""Chapter 3's 24 networks: the page's experiment with seeds 1 to 24, and exercise 5's.

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/ch03_runs.py   # 30 runs, about 4 min on a quiet core

The page trains one language model; its headline figure shows the clamps of the chapter on
24 more, trained exactly as the page's, and its text says what all of them share and what
only most do. :func:`lstmlib.experiments.ch03_runs.summary` trains and measures each (the
same functions as the page), :func:`~lstmlib.experiments.ch03_runs.summary_without_forget`
the LSTMs without a forget gate of exercise 5.

Writes ``benchmarks/results/ch03_runs.jsonl`` through :func:`lstmlib.training.sweeps.run`: one line
per finished run, resumable after an interruption, tied by a hash to this script and to every
lstmlib module it runs, and refused by :func:`lstmlib.training.sweeps.load` once any of them changes
(``tests/test_experiments_ch03.py`` checks that; the notebook reads the rows without the
check, so that an edit elsewhere in lstmlib does not stop a reader's run). One run at a time: the runs
seed torch's global generator.
"""
from __future__ import annotations

import sys

from lstmlib.experiments import ch03_runs
from lstmlib.training import sweeps

RUNS_IMPORT = "import lstmlib.experiments.ch03_runs"


def sources() -> list[str]:
    """This script and every lstmlib file the runs import."""
    return sweeps.script_sources("benchmarks/ch03_runs.py", RUNS_IMPORT)


def main() -> int:
    results = sweeps.run_in_processes(ch03_runs.PATH, "ch03_runs", ch03_runs.planned_runs(), ch03_runs.one_run, sources(),
                                      ch03_runs.COMMAND, what="runs")
    return 0 if results.complete else 1


if __name__ == "__main__":
    sys.exit(main())
