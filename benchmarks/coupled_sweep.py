"""Chapter 7's comparison repeated with twenty more seeds, and with the LSTM's default start.

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/coupled_sweep.py   # 360 packs, two at a time: about 8 min

Chapter 7's comparison trains four runs of the LSTM (from the matched start) and of the
coupled LSTM per task and learning rate of ``ch07.LRS``; this sweep runs it for each seed of
``ch07_sweep.SWEEP_SEEDS`` (the page itself trains only one seed's runs, at the learning rate
this sweep chose for each variant) and trains the LSTM from its default start too
(:func:`lstmlib.experiments.ch07_sweep.sweep_run`, one Pack of four networks per line, two
at a time in threads: each Pack trains as it would alone).

Writes ``benchmarks/results/coupled_sweep.jsonl`` through :func:`lstmlib.training.sweeps.run`:
resumable after an interruption, tied by a hash to this script and to every lstmlib module it
runs, and refused by :func:`lstmlib.training.sweeps.load` once any of them changes (the notebook and
``tests/test_experiments_ch07.py`` load it).
"""
from __future__ import annotations

import sys

from lstmlib.experiments import ch07, ch07_sweep
from lstmlib.training import sweeps

PATH = ch07_sweep.RESULTS
COMMAND = "OMP_NUM_THREADS=1 .venv/bin/python benchmarks/coupled_sweep.py"
RUNS_IMPORT = "import lstmlib.experiments.ch07_sweep"


def planned_runs() -> list[dict]:
    """Every line of the sweep: seed × task × network × learning rate."""
    return [dict(task=task, variant=variant, start=start, lr=lr, seed=seed)
            for seed in ch07_sweep.SWEEP_SEEDS for task in ch07.TASKS
            for variant, start in ch07_sweep.NETWORKS for lr in ch07.LRS]


def sources() -> list[str]:
    """This script and every lstmlib file the runs import."""
    return sweeps.script_sources("benchmarks/coupled_sweep.py", RUNS_IMPORT)


def main() -> int:
    results = sweeps.run_in_processes(PATH, "coupled_sweep", planned_runs(), ch07_sweep.sweep_run, sources(),
                                      COMMAND, what="packs")
    return 0 if results.complete else 1


if __name__ == "__main__":
    sys.exit(main())
