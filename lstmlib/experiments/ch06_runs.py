"""Chapter 6's larger sweep: the page's experiments with many more seeds (precomputed).

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/ch06_runs.py   # 31 sweeps, about 6 min on a quiet core

The page trains 5 runs of each variant with 8 units and 20 single cells of each variant,
enough to see the pattern but not to measure a rate: 5 of 20 against 0 of 20 is a
borderline difference. This sweep repeats the page's sweeps with other seeds
(:func:`lstmlib.experiments.ch06.sweep`, sweep numbers 1, 2, ...: no seed of the page's sweep
0), exactly as the page trains them:

    eight  10 sweeps of ch06.EIGHT, the five variants:           50 runs of each
    one    15 sweeps of ch06.ONE_CELL, the seven variants:        300 runs of each
    two     6 sweeps of ch06.TWO (exercise 4), the five variants: 60 runs of each

and records, for every run, whether it keeps time over 30 and 200 steps, and for every single
cell what its forget and output gates do (:func:`cell_facts`).
Results go to ``benchmarks/results/ch06_runs.jsonl`` through :func:`lstmlib.training.sweeps.run`
(resumable, tied by a hash to the code it runs); the notebook and
``tests/test_experiments_ch06.py`` read them with :func:`load`.
"""
from __future__ import annotations

from ..training import sweeps
from . import ch06

PATH = "benchmarks/results/ch06_runs.jsonl"
COMMAND = "OMP_NUM_THREADS=1 .venv/bin/python benchmarks/ch06_runs.py"
# setting: (the page's settings, the variants, how many sweeps)
SETTINGS = {"eight": (ch06.EIGHT, ch06.VARIANTS, 10),
            "one": (ch06.ONE_CELL, ch06.ONE_CELL_VARIANTS, 15),
            "two": (ch06.TWO, ch06.VARIANTS, 6)}


def planned_runs() -> list[dict]:
    """Every sweep of the larger run: ``{"setting", "sweep"}``, sweeps numbered from 1."""
    return [dict(setting=name, sweep=k) for name, (_, _, n) in SETTINGS.items() for k in range(1, n + 1)]


def one_run(setting: str, sweep: int) -> dict:
    """Train one sweep as the page does; per variant, one value per seed:
    ``{variant: {"on_time_30", "on_time_200", ...}}``, and for single cells the keys of
    :func:`cell_facts`."""
    if setting not in SETTINGS:
        raise ValueError(f"expected a setting in {tuple(SETTINGS)}, got {setting!r}")
    settings, variants, _ = SETTINGS[setting]
    trained = ch06.sweep(sweep, settings, variants)
    out = {}
    for name, models in trained.models.items():
        out[name] = {f"on_time_{T}": [ch06.on_time(m, T) for m in models] for T in (30, 200)}
        if setting == "one":
            out[name].update(cell_facts(models))
    return out


def cell_facts(models) -> dict:
    """What the page says of its single cells, one value per cell: the forget gate and its
    peephole term late in a long sequence (``"f"``, ``"p_f_C"``: :func:`ch06.forget_feedback`),
    the output gate's range over the last 20 steps of 200 (``"o_lo"``, ``"o_hi"``) and its
    largest value over the last 50 (``"o_hi_50"``: :func:`ch06.output_gate_range`), |p_o|
    (0 without it), and, on the sequence started at step 3, the output gate's largest value in
    the first half-period (steps 3-7, ``"o_first"``) and after it (steps 8-39, ``"o_after"``)."""
    out = {key: [] for key in ("f", "p_f_C", "o_lo", "o_hi", "o_hi_50", "p_o", "o_first", "o_after")}
    for m in models:
        f, term = ch06.forget_feedback(m)
        lo, hi = ch06.output_gate_range(m, last=20)
        o = ch06.trace(m)["o"]                                        # 40 steps, start at 3
        p_o = abs(float(m.rnn.p_o)) if "o" in m.rnn.peepholes else 0.0
        values = (f, term, lo, hi, ch06.output_gate_range(m)[1], p_o, float(o[3:8].max()), float(o[8:].max()))
        for key, v in zip(out, values):
            out[key].append(v)
    return out


def load(check: bool = True) -> dict:
    """The larger sweep as ``{setting: {variant: {key: [one value per run]}}}``, every sweep's
    runs joined (keys as :func:`one_run` returns them).

    Raises:
        lstmlib.training.sweeps.StaleResults: the code that made the file has changed since.
    """
    results = sweeps.load(PATH, check=check)
    out: dict = {}
    for record in results.records:
        per_setting = out.setdefault(record["run"]["setting"], {})
        for name, values in record["result"].items():
            joined = per_setting.setdefault(name, {})
            for key, v in values.items():
                joined.setdefault(key, []).extend(v)
    return out


def learnt(runs: dict, T: int = 200, threshold: float = 0.9) -> dict:
    """``{setting: {variant: (learnt, runs)}}``: the runs on time from at least ``threshold``
    of the starts over T steps (the page's definition of having learnt the task)."""
    return {setting: {name: (sum(v >= threshold for v in values[f"on_time_{T}"]), len(values[f"on_time_{T}"]))
                      for name, values in variants.items()}
            for setting, variants in runs.items()}
