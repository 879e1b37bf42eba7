"""Chapter 9's full sweep, a small "LSTM: A Search Space Odyssey" (Greff et al. 2017).

    .venv/bin/python benchmarks/odyssey.py              # writes benchmarks/results/odyssey.jsonl

Three parts, every run one network trained and scored by
:func:`lstmlib.experiments.ch09.one_run` on the chapter's three tasks:

- every variant × learning rate (``ch09.LRS``), hidden size 16, the base training budget;
- the vanilla LSTM at the other hidden sizes (``ch09.HIDDEN_SIZES``) × learning rate, so that
  the learning rate can be set against another hyperparameter, as in the paper;
- every variant with ``ch09.LONGER`` times the training steps, at the base learning rate.

Each with seeds 0 … ``--seeds`` − 1 (the longer training: the first ``LONGER_SEEDS``). The
results file is written as the runs finish (a progress bar shows how far it is); interrupted
and run again, the script keeps every finished run and does only the rest. The file stores a
hash of this script and of every lstmlib module its runs import (:func:`sources`): after any
change to them, ``lstmlib.training.sweeps.load`` refuses the file until the sweep has been run again.
Two processes of one thread each (``--workers``): about 21 minutes of CPU, some
11 minutes on 2 cores (10.6 measured on an Intel Xeon, 2026-12-05).
"""
from __future__ import annotations

import argparse
import sys

from lstmlib.experiments import ch09
from lstmlib.training import sweeps

RESULTS = "benchmarks/results/odyssey.jsonl"
COMMAND = ".venv/bin/python benchmarks/odyssey.py"
SEEDS = 10
LONGER_SEEDS = 5             # the longer training costs 4 times as much: half the seeds
RUNS_IMPORT = "import lstmlib.experiments.ch09"


def planned_runs(seeds: int = SEEDS) -> list[dict]:
    """Every run of the sweep, in the order they are made (fast parts first)."""
    base_lr, base_H = ch09.TRAINING["lr"], ch09.TRAINING["hidden_size"]
    runs = []
    for task in ch09.TASKS:
        steps = ch09.SETTINGS[task]["steps"]
        for variant in ch09.VARIANTS:
            for lr in ch09.LRS:
                runs += [dict(task=task, variant=variant, seed=s, lr=lr, hidden_size=base_H, steps=steps)
                         for s in range(seeds)]
        for H in ch09.HIDDEN_SIZES:
            if H != base_H:
                for lr in ch09.LRS:
                    runs += [dict(task=task, variant="LSTM", seed=s, lr=lr, hidden_size=H, steps=steps)
                             for s in range(seeds)]
    for task in ch09.TASKS:
        steps = ch09.LONGER * ch09.SETTINGS[task]["steps"]
        for variant in ch09.VARIANTS:
            runs += [dict(task=task, variant=variant, seed=s, lr=base_lr, hidden_size=base_H, steps=steps)
                     for s in range(min(seeds, LONGER_SEEDS))]
    return runs


def sources() -> list[str]:
    """This script and every lstmlib file the runs import."""
    return sweeps.script_sources("benchmarks/odyssey.py", RUNS_IMPORT)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=SEEDS, help=f"seeds per setting (default {SEEDS})")
    parser.add_argument("--out", default=RESULTS, help=f"results file (default {RESULTS})")
    parser.add_argument("--workers", type=int, default=2,
                        help="runs at once, each in a process of one thread (default 2)")
    argv = sys.argv[1:] if argv is None else list(argv)
    args = parser.parse_args(argv)
    if args.seeds < 1:
        parser.error(f"expected --seeds to be at least 1, got {args.seeds}")
    kept = [a for a in argv if not a.startswith("--workers")]
    command = COMMAND if (args.seeds, args.out) == (SEEDS, RESULTS) else " ".join([COMMAND, *kept])
    results = sweeps.run_in_processes(args.out, "odyssey", planned_runs(args.seeds), ch09.one_run,
                                      sources(), command, workers=args.workers)
    return 0 if results.complete else 1


if __name__ == "__main__":
    sys.exit(main())
