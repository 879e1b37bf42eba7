"""Chapter 4's headline over many runs: blocking the writes, in every run of the robustness report.

``benchmarks/robustness.py`` executes ``book/04_input_gate.ipynb`` over seeds × numeric
environments and keeps every claim each run checked, with its values, in
``benchmarks/results/robustness/04_input_gate.jsonl``. The chapter's headline claims log the
errors it draws here: the trained network's error on the probe sequences, and the errors with
the writes blocked (i_t = 0, every unit) at two distractor steps per sequence and at the two
marked steps (Hochreiter & Schmidhuber 1997: the input gate protects the memory from
irrelevant inputs). :func:`recorded_runs` reads them back; :func:`runs_figure` draws them with
the page's own run.

    RESULTS, HEADLINE, recorded_runs, runs_figure
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from .. import plots, style, tasks

RESULTS = Path(__file__).resolve().parents[2] / "benchmarks/results/robustness/04_input_gate.jsonl"
# Each error the figure draws, the beginning of the notebook's claim that logs it, and what
# that claim's first value is: the error itself, the error over the trained network's, or the
# change from the trained network's error in units of the baseline 1/6.
HEADLINE = {
    "as trained": ("the trained network's error on the probe sequences is below", "error"),
    "writes blocked at 2 distractor steps": ("blocking the writes at two distractor steps",
                                             "change over the baseline"),
    "writes blocked at the 2 marked steps": ("blocking the writes at the two marked steps",
                                             "times the trained error"),
}


def _claims(line: str) -> dict | None:
    """One run's {claim: values} from a line of the results file; None for any other line (the
    header, or the last line while a run is being written)."""
    try:
        record = json.loads(line)
    except json.JSONDecodeError:
        return None
    if not isinstance(record, dict) or "run" not in record:
        return None
    logged = record.get("result", {}).get("claims") or []
    return {c["claim"]: c["values"] for c in logged if "claim" in c and "values" in c}


def recorded_runs(path=RESULTS) -> list[dict]:
    """The runs recorded in the robustness results file that checked all three headline claims:
    ``[{label: error}]``, one dict per run, labels as in ``HEADLINE``. No file: an empty list."""
    path = Path(path)
    if not path.exists():
        return []
    runs = []
    for line in path.read_text().splitlines():
        checked = _claims(line)
        if not checked:
            continue
        found = {}
        for label, (start, _) in HEADLINE.items():
            values = [v for claim, v in checked.items() if claim.startswith(start)]
            if values:
                found[label] = values[0][0]
        if len(found) == len(HEADLINE):
            free = found["as trained"]
            for label, (_, what) in HEADLINE.items():
                if what == "times the trained error":
                    found[label] *= free
                elif what == "change over the baseline":
                    found[label] = free + found[label] * tasks.ADDING_BASELINE
            runs.append(found)
    return runs


def runs_figure(runs: list, this_run: dict):
    """The three errors of ``HEADLINE`` for every recorded run (dots, spread sideways) and for
    the page's run (``this_run``: {label: error}, a black ring), on a log scale, with the
    baseline 1/6 of a network that remembers nothing."""
    missing = [label for label in HEADLINE if label not in this_run]
    if missing:
        raise ValueError(f"expected this_run to give the errors {list(HEADLINE)}, missing {missing}")
    fig, ax = plots.figure(1, height=3.4)
    jitter = np.random.default_rng(0).uniform(-0.18, 0.18, len(runs))
    for j, label in enumerate(HEADLINE):
        if runs:
            ax.scatter(j + jitter, [r[label] for r in runs], s=18, color=style.MODEL["LSTM"],
                       alpha=0.7, linewidths=0, label="recorded runs" if j == 0 else None)
        ax.scatter([j], [this_run[label]], s=90, facecolors="none", edgecolors=style.INK,
                   linewidths=1.6, label="this run" if j == 0 else None)
    ax.axhline(tasks.ADDING_BASELINE, color=style.GREY, linestyle="--", linewidth=1.2,
               label="baseline 1/6: remember nothing")
    ax.set_xticks(range(len(HEADLINE)), [label.replace(" at ", "\nat ") for label in HEADLINE])
    ax.set_xlim(-0.6, len(HEADLINE) - 0.4)
    ax.set_yscale("log")
    ax.set_ylabel("mean squared error\n(1,000 probe sequences)")
    ax.set_title(f"{len(runs)} recorded runs of this chapter (seeds × numeric environments)"
                 if runs else "no recorded runs yet: run benchmarks/robustness.py --only 04",
                 loc="left", fontsize=10)
    ax.legend(loc="center left", fontsize=8.5)
    return fig
