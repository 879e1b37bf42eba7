"""Chapter 7's comparison with twenty seeds, three learning rates, and the LSTM's default start.

Each variant is trained at every learning rate of ``ch07.LRS`` (four runs per variant, task,
learning rate and seed, one :class:`lstmlib.models.packed.Pack` each) and keeps, per seed, the
learning rate with the lowest median error on validation sequences. Four runs are few: the
median of four LSTM runs on the sum varies by more than a factor of two from seed to seed.
``benchmarks/coupled_sweep.py`` runs :func:`sweep_run` for every seed of ``SWEEP_SEEDS``,
task, network and learning rate (the page's settings exactly), and the page shows the result
(:func:`ratios`); the page itself trains one seed's four runs of each variant at the learning
rate this sweep chose for it (:mod:`lstmlib.experiments.ch07_runs`). The sweep also trains
the LSTM from its default start (b_i = 0, input gate near 0.5), which measures what the
matched start (b_i = -1) changes.

    RESULTS                        the results file (``lstmlib.training.sweeps.load(RESULTS).rows``)
    sweep_run                      one seed's four runs of one network, task and learning rate
    NETWORKS, network_label        the three networks: (variant, start)
    chosen_medians, ratios         per seed: each network's median at its chosen learning rate
                                   (what="beyond": the sum's networks on 7 to 10 markers)
"""
from __future__ import annotations

import numpy as np

from . import ch07

RESULTS = "benchmarks/results/coupled_sweep.jsonl"     # written by benchmarks/coupled_sweep.py
SWEEP_SEEDS = tuple(range(1, 21))             # runs 4 to 83: none of them the page's (SEED = 0)
# (variant, start): the LSTM from the matched start (the page's) and from the default one
NETWORKS = (("LSTM", "matched"), ("LSTM", "default"), ("CoupledLSTM", "matched"))
INPUT_BIAS = {"matched": -ch07.COUPLING["forget_bias"], "default": None}


def network_label(variant: str, start: str) -> str:
    """How the page names a network: "LSTM, b_i = -1 (matched start)", ..."""
    if (variant, start) not in NETWORKS:
        raise ValueError(f"unknown network {(variant, start)!r}: expected one of {NETWORKS}")
    if variant == "CoupledLSTM":
        return ch07.LABEL[variant]
    return {"matched": "LSTM, b_i = -1 (matched start)", "default": "LSTM, b_i = 0 (default start)"}[start]


def sweep_run(task: str, variant: str, start: str, lr: float, seed: int) -> dict:
    """Train ``ch07.RUNS`` networks as :func:`ch07.compare` does for ``seed`` (one Pack) and
    record each one's test and validation error (share of the baseline) as the page measures
    them; for the sum also the test error on 7 to 10 markers (as the page's
    ``ch07.held_out(model, "sum", run, markers=(7, 10))``):
    ``{"test": [...], "valid": [...], "beyond": [...]}``."""
    network_label(variant, start)
    run_list = ch07.runs(seed)
    pack = ch07.train_pack(variant, task, run_list, lr, input_bias=INPUT_BIAS[start])
    out = {"test": ch07.pack_held_out(pack, task, run_list[0]).tolist(),
           "valid": ch07.pack_held_out(pack, task, run_list[0], stream=ch07.VALID).tolist()}
    if task == "sum":
        nets = pack.unpack()
        out["beyond"] = [ch07.held_out(m, "sum", r, markers=(7, 10)) for m, r in zip(nets, run_list)]
    return out


def _cells(rows) -> dict:
    """{(task, variant, start, seed): {lr: row}} from the sweep's rows."""
    cells = {}
    for row in rows:
        key = (row["task"], row["variant"], row["start"], row["seed"])
        cells.setdefault(key, {})[row["lr"]] = row
    return cells


def chosen_medians(rows, what: str = "test") -> dict:
    """``{(task, variant, start): (n_seeds,)}``: per seed, the median of ``what`` ("test" or
    "beyond") over the runs at the network's chosen learning rate (lowest median
    validation error), the seeds in increasing order."""
    out = {}
    for (task, variant, start, seed), by_lr in sorted(_cells(rows).items(), key=lambda kv: kv[0][3]):
        if what not in next(iter(by_lr.values())):
            continue
        lr = min(by_lr, key=lambda a: np.median(by_lr[a]["valid"]))
        out.setdefault((task, variant, start), []).append(float(np.median(by_lr[lr][what])))
    return {k: np.array(v) for k, v in out.items()}


def ratios(rows, what: str = "test") -> dict:
    """``{(task, start): (n_seeds,)}``: per seed, the LSTM's median error (from ``start``)
    over the coupled LSTM's, each at its chosen learning rate: above 1, the coupled LSTM did
    better."""
    m = chosen_medians(rows, what)
    tasks = dict.fromkeys(t for t, _, _ in m)
    return {(t, s): m[t, "LSTM", s] / m[t, "CoupledLSTM", "matched"]
            for t in tasks for s in INPUT_BIAS if (t, "LSTM", s) in m}
