"""The book's time budget: every notebook run headless in a fresh kernel, and the site build.

Targets: each chapter under 30 s (chapters 09 and 10 under 60 s) and the whole book under
300 s (the developers' standards); a cold site build, which executes every notebook and then
writes the pages (about a minute of Sphinx with the API pages), under 7 minutes; a warm rebuild
under 30 s. The site is built into a temporary ``--path-output``, so the shared ``_build`` is
never touched.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from timing import ROOT, load

from lstmlib import machines

BOOK = ROOT / "book"
CHAPTER_LIMIT, LONG_CHAPTER_LIMIT, BOOK_LIMIT = 30.0, 60.0, 300.0
LONG_CHAPTERS = ("09_", "10_")
COLD_BUILD_LIMIT, WARM_BUILD_LIMIT = BOOK_LIMIT + 120.0, 30.0
ANSI = machines.ANSI                                 # terminal colours in tracebacks and logs


def notebooks() -> list:
    """Every notebook under book/, in file order (chapters 01_, 02_, ..., then a1_)."""
    return sorted(p for p in BOOK.rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)


def limit(path: Path) -> float:
    return LONG_CHAPTER_LIMIT if path.name.startswith(LONG_CHAPTERS) else CHAPTER_LIMIT


def run_notebook(path: Path, timeout: int = 600) -> dict:
    """Execute one notebook top to bottom in a fresh python3 kernel; seconds from kernel start."""
    import nbformat

    run = machines.run_notebook(path, timeout=timeout)
    seconds = run["seconds"]
    cells = sum(c.cell_type == "code" for c in nbformat.read(path, as_version=4).cells)
    return {"notebook": str(path.relative_to(ROOT)), "seconds": seconds, "limit": limit(path),
            "ok": run["ok"] and seconds < limit(path), "error": run["error"], "cells": cells}


def book() -> dict:
    """Run every notebook; returns per-notebook rows and the total against the book's limit."""
    os.environ.setdefault("LSTMLIB_PROGRESS", "0")  # as scripts/test.sh: no progress lines
    rows = []
    paths = notebooks()
    if not paths:
        print("  no notebooks under book/ yet", flush=True)
    for path in paths:
        row = run_notebook(path)
        rows.append(row)
        status = "ok" if row["ok"] else ("ERROR " + row["error"] if row["error"] else "over the limit")
        print(f"  {row['notebook']:40s} {row['seconds']:6.1f} s  (limit {row['limit']:.0f} s)  {status}",
              flush=True)
    total = sum(r["seconds"] for r in rows)
    return {"notebooks": rows, "total_s": total, "limit_s": BOOK_LIMIT,
            "ok": total < BOOK_LIMIT and all(r["ok"] for r in rows), "load": load()}


def site(keep: bool = False) -> dict:
    """Time a cold build (fresh output folder, nothing cached) and a warm rebuild of the site."""
    out = Path(tempfile.mkdtemp(prefix="lstm_bench_site_"))
    jb = Path(sys.executable).with_name("jupyter-book")
    command = [str(jb if jb.exists() else "jupyter-book"), "build", ".", "-W", "-n", "--keep-going",
               "--path-output", str(out)]
    env = dict(os.environ, LSTMLIB_PROGRESS="0")
    result = {"path_output": str(out), "command": " ".join(command[1:])}
    try:
        for name, limit_s in (("cold", COLD_BUILD_LIMIT), ("warm", WARM_BUILD_LIMIT)):
            t0 = time.perf_counter()
            proc = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
            seconds = time.perf_counter() - t0
            log = ANSI.sub("", proc.stdout + proc.stderr)
            problems = [line.strip() for line in log.splitlines()
                        if re.search(r"\b(WARNING|ERROR)\b", line) and "IPKernelApp" not in line]
            result[name] = {"seconds": seconds, "limit": limit_s, "returncode": proc.returncode,
                            "problems": problems[:10], "ok": proc.returncode == 0 and seconds < limit_s}
            print(f"  {name} site build {seconds:6.1f} s  (limit {limit_s:.0f} s)  exit {proc.returncode}"
                  + "".join(f"\n    {line}" for line in problems[:5]), flush=True)
    finally:
        if not keep:
            shutil.rmtree(out, ignore_errors=True)
    result["load"] = load()
    return result
