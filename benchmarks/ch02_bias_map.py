"""Chapter 2's map: the temporal-order task learned or not, by forget-gate bias and length.

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/ch02_bias_map.py   # 192 runs, about 16 min on a quiet core

The page trains one network per forget-gate bias at one length (T = 60) for 600 Adam steps.
This sweep trains ``ch02_map.MAP["runs"]`` runs of the page's network for every bias of
``MAP["biases"]`` and every length of ``MAP["lengths"]``, with the page's settings otherwise
(:func:`lstmlib.experiments.ch02_map.map_run`): its held-out accuracy, the step at which it
learned, and how much of its cell state each unit keeps over the lag, before and after
training.

Writes ``benchmarks/results/ch02_bias_map.jsonl`` through :func:`lstmlib.training.sweeps.run`: one line
per finished run, resumable after an interruption, tied by a hash to this script and to every
lstmlib module it runs, and refused by :func:`lstmlib.training.sweeps.load` once any of them changes
(the notebook and ``tests/test_experiments_ch02.py`` load it; the tests also re-run a sample of
its rows).
"""
from __future__ import annotations

import sys

from lstmlib.experiments import ch02_map
from lstmlib.training import sweeps

PATH = "benchmarks/results/ch02_bias_map.jsonl"
COMMAND = "OMP_NUM_THREADS=1 .venv/bin/python benchmarks/ch02_bias_map.py"
RUNS_IMPORT = "import lstmlib.experiments.ch02_map"


def planned_runs() -> list[dict]:
    """Every run: length × bias × run, the cheap lengths first."""
    m = ch02_map.MAP
    return [dict(forget_bias=b, T=T, run=run)
            for T in m["lengths"] for b in m["biases"] for run in range(m["runs"])]


def sources() -> list[str]:
    """This script and every lstmlib file the runs import."""
    return sweeps.script_sources("benchmarks/ch02_bias_map.py", RUNS_IMPORT)


def main() -> int:
    results = sweeps.run_in_processes(PATH, "ch02_bias_map", planned_runs(), ch02_map.map_run, sources(),
                                      COMMAND, what="runs")
    return 0 if results.complete else 1


if __name__ == "__main__":
    sys.exit(main())
