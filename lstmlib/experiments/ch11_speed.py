"""Chapter 11's "Speed on a CPU": the speed benchmark's results, read and printed as a table.

The chapter times nothing itself (its page must build in seconds and say the same on every
machine); ``benchmarks/practice_speed.py`` measures torch.nn.LSTM against lstmlib.LSTM over
threads, batch sizes and sequence lengths, and the LSTMP row (``proj_size``), and writes
``benchmarks/results/practice_speed.json``. This module turns that file into the Markdown
table the benchmark also writes (one definition of the table, so the two cannot differ),
with lines of at most 79 characters, the width of the course's printed output.

    RESULTS, COMMAND, load, sig3, markdown, print_table
"""
from __future__ import annotations

import json
import math
import pathlib
import textwrap

# The benchmark's results, when this is the repository's checkout (benchmarks/ is not installed).
RESULTS = pathlib.Path(__file__).resolve().parents[2] / "benchmarks" / "results" / "practice_speed.json"
COMMAND = "python benchmarks/practice_speed.py"
WIDTH = 79
COLUMNS = "| threads |   B |   T | torch.nn.LSTM | lstmlib.LSTM | lstmlib/torch |"


def load(path=RESULTS) -> dict:
    """The benchmark's results (written by ``benchmarks/practice_speed.py``); a clear
    FileNotFoundError naming that command when the file is not there."""
    path = pathlib.Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no speed results at {path}: run `{COMMAND}` in the repository "
                                "(about 3 minutes) to measure them")
    return json.loads(path.read_text(encoding="utf8"))


def sig3(x: float) -> str:
    """x to 3 significant figures, without an exponent: 1234.5 -> '1230', 0.01234 -> '0.0123'."""
    if not math.isfinite(x) or x == 0:
        return str(x)
    digits = 2 - math.floor(math.log10(abs(x)))
    return f"{round(x, digits):.{max(digits, 0)}f}"


def _header(results: dict) -> list:
    m, s = results["machine"], results["settings"]
    text = (f"Speed on a CPU, measured {results['date']} on {m['cpu']} ({m['usable_cores']} "
            f"usable cores, load {results['load_before'][0]}), torch {results['torch']}: "
            f"torch.nn.LSTM against lstmlib.LSTM with the same weights, D = {s['D']}, "
            f"H = {s['H']}, {s['dtype']}. Times in µs per sequence step (a pass's seconds / T), "
            f"medians of {s['rounds']} interleaved rounds; ratios are medians of the rounds' ratios.")
    lines = textwrap.wrap(text, WIDTH)
    if results.get("quick"):
        lines.insert(0, "QUICK RUN (a tiny grid, few rounds): these numbers mean nothing.")
    return lines


def _table(rows: list, kind: str) -> list:
    lines = [COLUMNS, "|" + "|".join("-" * (len(c) - 1) + ":" for c in COLUMNS.split("|")[1:-1]) + "|"]
    for r in rows:
        lines.append(f"| {r['threads']:7d} | {r['B']:3d} | {r['T']:3d} | {sig3(r[f'torch_{kind}_us']):>13} "
                     f"| {sig3(r[f'lstmlib_{kind}_us']):>12} | {sig3(r[f'{kind}_ratio']):>13} |")
    return lines


def _projection(p: dict) -> list:
    size = p["rows"][1]["proj_size"]
    lines = textwrap.wrap(f"LSTMP: torch.nn.LSTM({p['D']}, {p['H']}, proj_size={size}) against "
                          f"proj_size=0, B = {p['B']}, T = {p['T']}, {p['threads']} thread(s), "
                          "µs per step:", WIDTH)
    lines += ["", "| proj_size | parameters | training step | forward only |",
              "|----------:|-----------:|--------------:|-------------:|"]
    for r in p["rows"]:
        lines.append(f"| {r['proj_size']:9d} | {r['parameters']:10d} | {sig3(r['train_us']):>13} "
                     f"| {sig3(r['fwd_us']):>12} |")
    return lines + ["", f"proj_size={size} / proj_size=0: training step {sig3(p['train_ratio'])}, "
                    f"forward only {sig3(p['fwd_ratio'])}."]


def markdown(results: dict) -> str:
    """The results as Markdown: a header (date, CPU, torch version, settings), the training
    step's table, the forward pass's table, and the LSTMP comparison; no line over 79 columns."""
    lines = _header(results)
    lines += ["", "Training step (forward, loss = output.sum(), backward):", ""]
    lines += _table(results["rows"], "train")
    lines += ["", "Forward only (under torch.no_grad()):", ""]
    lines += _table(results["rows"], "fwd")
    lines += [""] + _projection(results["proj"])
    return "\n".join(lines)


def print_table(path=RESULTS) -> None:
    """Print the benchmark's table (what ``benchmarks/results/practice_speed.md`` holds)."""
    print(markdown(load(path)))
