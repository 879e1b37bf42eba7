"""Chapter 8's larger comparison: the GRU against the LSTM at each model's best learning rate.

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/gru_sweep.py   # 250 runs, about 10 min on a quiet core

The page trains three runs of each network at one learning rate, for as long as a page can
afford; a comparison at one learning rate compares the networks *and* how well that rate suits
each. This sweep trains ``ch08_sweep.SWEEP_RUNS`` runs of every network of the chapter at
each of ``ch08_sweep.SWEEP_LRS``, for twice the page's steps, with the page's settings
otherwise (:func:`lstmlib.experiments.ch08_sweep.sweep_run`). Each run records its score on
validation sequences (which choose each network's learning rate), on test sequences (which
are reported), the step at which it learned, and the best and last value of its curve.

Writes ``benchmarks/results/gru_sweep.jsonl`` through :func:`lstmlib.training.sweeps.run`: one line
per finished run, resumable after an interruption, tied by a hash to this script and to every
lstmlib module it runs, and refused by :func:`lstmlib.training.sweeps.load` once any of them changes
(the notebook and ``tests/test_experiments_ch08.py`` load it).
"""
from __future__ import annotations

import sys

from lstmlib.experiments import ch08_compare, ch08_sweep
from lstmlib.training import sweeps

PATH = "benchmarks/results/gru_sweep.jsonl"
COMMAND = "OMP_NUM_THREADS=1 .venv/bin/python benchmarks/gru_sweep.py"
RUNS_IMPORT = "import lstmlib.experiments.ch08_sweep"


def planned_runs() -> list[dict]:
    """Every run: task × model × learning rate × run."""
    return [dict(task=task, model=model, lr=lr, run=run)
            for task in ch08_compare.TASKS for model in ch08_compare.COMPARED[task]
            for lr in ch08_sweep.SWEEP_LRS for run in range(ch08_sweep.SWEEP_RUNS)]


def sources() -> list[str]:
    """This script and every lstmlib file the runs import."""
    return sweeps.script_sources("benchmarks/gru_sweep.py", RUNS_IMPORT)


def main() -> int:
    results = sweeps.run_in_processes(PATH, "gru_sweep", planned_runs(), ch08_sweep.sweep_run, sources(),
                                      COMMAND, what="runs")
    return 0 if results.complete else 1


if __name__ == "__main__":
    sys.exit(main())
