"""Chapter 1's runs over seeds: the page's RNN and LSTM, other forget-gate biases, and a fair rival.

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/ch01_sweep.py    # 60 runs, about 15 min on a quiet core

The page trains one tanh RNN and one LSTM, as long as a page can afford. This sweep trains,
for ``ch01_runs.RUNS`` seeds, every network of ``ch01_runs.NETWORKS`` at its budget
(:func:`lstmlib.experiments.ch01_runs.sweep_run`): at the page's budget (700 Adam steps at
learning rate 0.03) the page's RNN and the LSTM with forget-gate bias 1, 2 (the page's) and 3;
at a longer one (3,000 steps at 0.001) the tanh RNN again and the identity-initialised ReLU
RNN of Le et al. (2015). Each run records its held-out error, when it left the baseline and
when it learned, and its smoothed learning curve.

Writes ``benchmarks/results/ch01_sweep.jsonl`` through :func:`lstmlib.training.sweeps.run`: one line
per finished run, resumable after an interruption, tied by a hash to this script and to every
lstmlib module it runs, and refused by :func:`lstmlib.training.sweeps.load` once any of them changes
(the notebook and ``tests/test_experiments_ch01.py`` load it).
"""
from __future__ import annotations

import sys

from lstmlib.experiments import ch01_runs
from lstmlib.training import sweeps

PATH = "benchmarks/results/ch01_sweep.jsonl"
COMMAND = "OMP_NUM_THREADS=1 .venv/bin/python benchmarks/ch01_sweep.py"
RUNS_IMPORT = "import lstmlib.experiments.ch01_runs"


def planned_runs() -> list[dict]:
    """Every run: budget × network × seed, seed by seed (a partial file covers every network)."""
    return [dict(budget=budget, network=network, seed=seed)
            for seed in range(ch01_runs.RUNS)
            for budget, networks in ch01_runs.NETWORKS.items() for network in networks]


def sources() -> list[str]:
    """This script and every lstmlib file the runs import."""
    return sweeps.script_sources("benchmarks/ch01_sweep.py", RUNS_IMPORT)


def main() -> int:
    results = sweeps.run_in_processes(PATH, "ch01_sweep", planned_runs(), ch01_runs.sweep_run, sources(),
                                      COMMAND, what="runs")
    return 0 if results.complete else 1


if __name__ == "__main__":
    sys.exit(main())
