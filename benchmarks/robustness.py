"""The robustness run: every chapter top to bottom over seeds × numeric environments.

    .venv/bin/python benchmarks/robustness.py                  # every chapter, 24 runs each
    .venv/bin/python benchmarks/robustness.py --only 03 08     # chapters whose file starts so
    .venv/bin/python benchmarks/robustness.py --report         # only rewrite the report

A reader's laptop is one more random draw: another CPU takes another path through float32
training. This script executes each chapter's notebook in a fresh kernel, as a reader's
"Run All" would, with its ``SEED = 0`` line set to other seeds and under the numeric
environments of :mod:`lstmlib.machines` that change results on this machine (the probe
decides, and the report says which). Each chapter gets

- the page's own seed, 0, under every environment (the page as other CPUs run it), and
- seeds 1, 2, ... with the environments taken in turn, up to ``--runs`` runs in all.

Every claim a notebook checks (:mod:`lstmlib.claims`) is logged with its values and bound,
passed or not. Two runs go at once (``--workers``; each is a kernel of one thread). Results
are written as runs finish, one file per chapter under ``benchmarks/results/robustness/``
(:mod:`lstmlib.training.sweeps`: run again after an interruption, only the missing runs are made; a
chapter whose notebook or lstmlib changed starts afresh). The report,
``benchmarks/results/robustness.md``, gives for each chapter the runs and the failures, and
for each claim the range of its values over the runs next to its bound, the thinnest margins
first, with the commit, the CPU and the date.
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from lstmlib import claims, machines
from lstmlib.training import sweeps

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results" / "robustness"
REPORT = ROOT / "benchmarks" / "results" / "robustness.md"
COMMAND = ".venv/bin/python benchmarks/robustness.py"
RUNS, WORKERS = 24, 2


def notebooks(only=()) -> list[Path]:
    """The chapter notebooks in book/, those whose name starts with one of ``only`` if given."""
    paths = sorted(p for p in (ROOT / "book").glob("*.ipynb"))
    return [p for p in paths if not only or p.name.startswith(tuple(only))]


def environments(refresh: bool = False) -> list[str]:
    """The numeric environments that change results on this machine (native first).

    The probe's answer is kept in ``robustness/probe.json`` with the CPU it was made on, and
    made again on another CPU or with ``refresh``.
    """
    path = RESULTS / "probe.json"
    cpu = claims.cpu_name()
    if path.exists() and not refresh:
        saved = json.loads(path.read_text())
        if saved.get("cpu") == cpu:
            return saved["used"]
    print("probing which numeric environments change results here ...", flush=True)
    found = machines.probe()
    used = ["native"] + [n for n, f in found.items() if n != "native" and f["changes"]]
    RESULTS.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(dict(cpu=cpu, date=time.strftime("%Y-%m-%d"), probe=found,
                                    used=used), indent=1) + "\n")
    return used


def planned_runs(envs: list[str], total: int = RUNS) -> list[dict]:
    """Seed 0 under every environment, then seeds 1, 2, ... with the environments in turn."""
    runs = [dict(seed=0, env=e) for e in envs]
    seed = 1
    while len(runs) < total:
        runs.append(dict(seed=seed, env=envs[seed % len(envs)]))
        seed += 1
    return runs


def one_run(notebook: str, seed: int, env: str) -> dict:
    """Execute one notebook with one seed under one environment; its claims, as logged."""
    with tempfile.TemporaryDirectory() as tmp:
        log = Path(tmp) / "claims.jsonl"
        result = machines.run_notebook(ROOT / notebook, seed, env, claims_log=log)
        checked = [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []
    return {**result, "cpu": claims.cpu_name(), "commit": git("rev-parse", "--short", "HEAD"),
            "claims": checked}


def modules_of(path: Path) -> list[str]:
    """The files of the lstmlib modules a notebook imports (its first cell's imports, and theirs)."""
    import ast

    import nbformat

    cell = next(c for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code")
    imports = [ast.unparse(node) for node in ast.parse(cell.source).body
               if isinstance(node, (ast.Import, ast.ImportFrom))]
    return sweeps.imported_files("\n".join(imports), cwd=path.parent)


def run_chapter(path: Path, envs: list[str], total: int, workers: int) -> sweeps.Results:
    """Every planned run of one chapter, resumed where a results file has them already.

    The file is tied to the notebook and to the lstmlib modules it imports: when any of them
    changes, the chapter starts afresh.
    """
    rel = path.relative_to(ROOT).as_posix()
    runs = [dict(notebook=rel, **r) for r in planned_runs(envs, total)]
    out = RESULTS / f"{path.stem}.jsonl"
    try:
        return sweeps.run(out, f"robustness {path.stem}", runs, one_run,
                          sources=[rel, *modules_of(path)],
                          command=f"{COMMAND} --only {path.stem[:2]}", workers=workers)
    except sweeps.StaleResults:
        print(f"  {path.name}: its code changed while it ran; run it again", flush=True)
        return sweeps.load(out, check=False)


def git(*args) -> str:
    try:
        return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True,
                              timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return ""


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", nargs="*", default=(), help="chapters whose file starts so")
    parser.add_argument("--runs", type=int, default=RUNS, help="runs per chapter")
    parser.add_argument("--workers", type=int, default=WORKERS)
    parser.add_argument("--report", action="store_true", help="only rewrite the report")
    parser.add_argument("--probe", action="store_true", help="probe the environments again")
    args = parser.parse_args(argv)
    if not args.report:
        envs = environments(refresh=args.probe)
        print(f"environments: {', '.join(envs)}", flush=True)
        for path in notebooks(args.only):
            results = run_chapter(path, envs, args.runs, args.workers)
            failed = [r for r in results.records if not r["result"]["ok"]]
            print(f"{path.name}: {len(results.records)} runs, {len(failed)} failed", flush=True)
    import robustness_report
    text = robustness_report.write(REPORT, RESULTS, commit=git("rev-parse", "--short", "HEAD"),
                                   dirty=bool(git("status", "--porcelain", "--", "book", "lstmlib")))
    print(text.split("\n## Claims")[0])
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    sys.exit(main())
