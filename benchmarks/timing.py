"""Interleaved timing and a description of the machine the numbers came from.

The course's machine has 2 cores that other work shares, so one timing means little. Every
contestant runs once per round, in an order that rotates each round, so that a burst of load
falls on all of them; we report medians, and for comparisons the median of the per-round
ratios (robust to a slow round, which slows both sides of its ratio).
"""
from __future__ import annotations

import gc
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def interleaved(contestants: dict, rounds: int, warmup: int = 2) -> dict:
    """Time each zero-argument callable ``rounds`` times, interleaved. Returns name -> [seconds]."""
    names = list(contestants)
    for fn in contestants.values():
        for _ in range(warmup):
            fn()
    times = {name: [] for name in names}
    for r in range(rounds):
        gc.collect()
        for name in names[r % len(names):] + names[:r % len(names)]:
            t0 = time.perf_counter()
            contestants[name]()
            times[name].append(time.perf_counter() - t0)
    return times


def median(values) -> float:
    return statistics.median(values)


def median_ratio(a, b) -> float:
    """Median over rounds of a[r] / b[r]."""
    return statistics.median(x / y for x, y in zip(a, b))


def spread(values) -> float:
    """Interquartile range relative to the median: how noisy a series was."""
    q = statistics.quantiles(values, n=4)
    return (q[2] - q[0]) / statistics.median(values)


def per_call(fn, calls: int = 20000, repeats: int = 5) -> float:
    """Median seconds per call of a fast callable, over ``repeats`` batches of ``calls``."""
    batches = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        for _ in range(calls):
            fn()
        batches.append((time.perf_counter() - t0) / calls)
    return statistics.median(batches)


def load() -> list:
    """The 1, 5 and 15 minute load averages (how busy the machine was)."""
    return [round(v, 2) for v in os.getloadavg()]


def machine() -> dict:
    """CPU model, cores, library versions, and the commit being measured."""
    import numpy
    import torch

    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:
        usable = os.cpu_count()
    return {
        "cpu": cpu, "logical_cores": os.cpu_count(), "usable_cores": usable,
        "torch_threads": torch.get_num_threads(), "torch": torch.__version__,
        "numpy": numpy.__version__, "python": platform.python_version(),
        "os": f"{platform.system()} {platform.release()}", "commit": _commit(),
        "date": time.strftime("%Y-%m-%d %H:%M %Z"), "executable": sys.executable,
    }


def _commit() -> str:
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                              text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=ROOT,
                               capture_output=True, text=True).stdout.strip()
        return head + (" + uncommitted changes" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
