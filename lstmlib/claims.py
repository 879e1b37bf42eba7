"""The book's claims as checks that speak to the reader when a run does not bear them out.

Every quantitative sentence of a chapter is checked in a folded cell under it, with one of
two calls; the sentence is the call's first argument, so the page and its check cannot say
different things:

    claims.check("every GRU run with b_z = 3 reaches held-out accuracy above 0.9",
                 accuracy, above=0.9)                      # every value > 0.9
    claims.check("the layer equals torch.nn.GRU to float64 rounding",
                 difference, below=1e-12)
    claims.check("the readout slopes sum to about 1", total, between=(0.9, 1.1))
    claims.check("a GRU of 37 units has 4,477 parameters", count, equals=4_477)
    claims.count("at least 6 of the 10 runs keep time", kept, at_least=6)

A claim is a property of the experiment, meant to hold for any ``SEED`` on any CPU (training
in float32 takes another path on every machine). When it does not, the call raises
:class:`ClaimNotReproduced`, an ``AssertionError`` whose message names the claim, the values
this run found and the bound, and says where to report it.

With ``LSTMLIB_CLAIMS_LOG`` set to a file, every call also appends what it checked to that
file (JSON Lines), passed or not: ``benchmarks/robustness.py`` collects these over many runs
and reports, for every claim, the range of values next to its bound.
"""
from __future__ import annotations

import json
import math
import os
import platform
from numbers import Integral, Real

__all__ = ["check", "count", "ClaimNotReproduced", "environment", "cpu_name", "REPORT"]

LOG = "LSTMLIB_CLAIMS_LOG"
REPORT = ("This run (its SEED, this machine's arithmetic) is not one the course was\n"
          "checked with, and the claim does not hold for it. Please report it with this\n"
          "message and the output of lstmlib.claims.environment(): see 'When a claim\n"
          "fails' on the page 'Run it yourself'.")


class ClaimNotReproduced(AssertionError):
    """A claim of the book did not hold in this run (this seed, this machine)."""


def _flat(values) -> list:
    """``values`` as a flat list of Python numbers (a number, a list, a tensor, an array)."""
    if hasattr(values, "tolist"):                   # torch.Tensor, numpy.ndarray, numpy scalar
        values = values.tolist()
    if isinstance(values, bool) or isinstance(values, (Real, Integral)):
        return [values]
    if isinstance(values, (str, bytes, dict)) or not hasattr(values, "__iter__"):
        raise TypeError(f"expected a number or a sequence of numbers, got "
                        f"{type(values).__name__} {values!r}")
    out = []
    for v in values:
        out.extend(_flat(v))
    return out


def _numeric(values) -> bool:
    """A number, or a (nested) sequence / tensor / array of numbers only."""
    try:
        return all(isinstance(v, (Real, Integral)) for v in _flat(values))
    except TypeError:
        return False


def _number(name: str, v) -> float:
    if isinstance(v, bool) or not isinstance(v, (Real, Integral)):
        raise TypeError(f"expected {name} to be a number, got {type(v).__name__} {v!r}")
    return v


def _show(v) -> str:
    if isinstance(v, bool) or isinstance(v, Integral):
        return str(v)
    if v == 0 or 1e-3 <= abs(v) < 1e4:
        return f"{v:.4g}"
    return f"{v:.3g}"


def _shown(values: list, limit: int = 12) -> str:
    text = ", ".join(_show(v) for v in values[:limit])
    return text + (f", ... ({len(values)} values)" if len(values) > limit else "")


def _log(record: dict) -> None:
    path = os.environ.get(LOG)
    if path:
        with open(path, "a") as f:
            f.write(json.dumps(record) + "\n")


def _fail(claim: str, bound: str, found: str, failing: str = "") -> ClaimNotReproduced:
    lines = [f"claim not reproduced: {claim}",
             f"  the bound: {bound}",
             f"  this run: {found}"]
    if failing:
        lines.append(f"  not within the bound: {failing}")
    lines.append(REPORT)
    return ClaimNotReproduced("\n".join(lines))


def check(claim: str, values, *, above=None, below=None, between=None, equals=None,
          log_scale: bool | None = None):
    """Check that every one of ``values`` is within one bound (returns nothing: a check cell
    shows no output).

    Args:
        claim: the sentence of the book this checks, as the page says it.
        values: a number, or a sequence / tensor / array of numbers (one per run, say).
        above, below: every value must be strictly greater / smaller than this number.
        between: ``(low, high)``: every value must be strictly between the two.
        equals: every value must equal this number exactly (counts, sizes: no rounding); or,
            for a setting the text quotes (a dict, a tuple, a string), ``values == equals``.
        log_scale: how ``benchmarks/robustness.py`` measures the margin (None: log when the
            values and the bound are positive and span more than a factor of 100).

    Raises:
        ClaimNotReproduced: a value is outside the bound; the message names the claim, the
            values and the bound.
        TypeError, ValueError: not exactly one bound, or a bound or value that is not a number.
    """
    if not isinstance(claim, str) or not claim.strip():
        raise TypeError(f"expected the claim as a sentence (str), got {claim!r}")
    given = {k: v for k, v in dict(above=above, below=below, between=between,
                                   equals=equals).items() if v is not None}
    if len(given) != 1:
        raise ValueError(f"expected exactly one of above=, below=, between=, equals=, "
                         f"got {sorted(given) or 'none'}")
    (kind, bound), = given.items()
    if kind == "equals" and not (_numeric(values) and isinstance(bound, (Real, Integral))):
        # a setting: a dict, a list, a tuple or a string, compared as a whole
        ok = values == bound
        _log(dict(claim=claim, kind="equals", bound=0, values=[0 if ok else 1], ok=ok,
                  log_scale=False))
        if not ok:
            raise _fail(claim, f"exactly {bound!r}", repr(values))
        return
    flat = _flat(values)
    if not flat:
        raise ValueError(f"expected at least one value for the claim {claim!r}, got none")
    for v in flat:
        _number("every value", v)
    if kind == "between":
        if not (isinstance(bound, (tuple, list)) and len(bound) == 2):
            raise TypeError(f"expected between=(low, high), got {bound!r}")
        low, high = (_number("between's bounds", b) for b in bound)
        if not low < high:
            raise ValueError(f"expected between=(low, high) with low < high, got {bound!r}")
        ok = [low < v < high for v in flat]
        text = f"every value between {_show(low)} and {_show(high)}"
    else:
        _number(kind, bound)
        test = {"above": lambda v: v > bound, "below": lambda v: v < bound,
                "equals": lambda v: v == bound}[kind]
        ok = [bool(test(v)) and not (isinstance(v, float) and math.isnan(v)) for v in flat]
        word = {"above": ">", "below": "<", "equals": "=="}[kind]
        text = f"every value {word} {_show(bound)}"
    _log(dict(claim=claim, kind=kind, bound=list(bound) if kind == "between" else bound,
              values=flat, ok=all(ok), log_scale=log_scale))
    if not all(ok):
        bad = [v for v, good in zip(flat, ok) if not good]
        raise _fail(claim, text, _shown(flat), _shown(bad) if len(flat) > 1 else "")


def count(claim: str, outcomes, *, at_least: int | None = None, at_most: int | None = None):
    """Check how many of ``outcomes`` (one bool per run) are true (returns nothing).

    For behaviours that show in some runs but not all: the chapter trains several runs and
    claims a count that holds with margin (``benchmarks/robustness.py`` estimates how often
    it could fail from the rate over all its runs).

    Raises:
        ClaimNotReproduced: the count is outside the bound.
    """
    if not isinstance(claim, str) or not claim.strip():
        raise TypeError(f"expected the claim as a sentence (str), got {claim!r}")
    flat = _flat(outcomes)
    if not flat or not all(isinstance(o, bool) or o in (0, 1) for o in flat):
        raise TypeError(f"expected outcomes to be a non-empty sequence of bools, got {outcomes!r}")
    if (at_least is None) == (at_most is None):
        raise ValueError("expected exactly one of at_least=, at_most=")
    k = at_least if at_least is not None else at_most
    if isinstance(k, bool) or not isinstance(k, Integral) or not 0 <= k <= len(flat):
        raise ValueError(f"expected the bound to be an int from 0 to {len(flat)}, got {k!r}")
    hits = sum(bool(o) for o in flat)
    ok = hits >= k if at_least is not None else hits <= k
    kind = "at_least" if at_least is not None else "at_most"
    _log(dict(claim=claim, kind=kind, bound=int(k), values=[bool(o) for o in flat],
              ok=ok, log_scale=False))
    if not ok:
        word = "at least" if at_least is not None else "at most"
        raise _fail(claim, f"{word} {k} of {len(flat)}", f"{hits} of {len(flat)}")


def cpu_name() -> str:
    """The CPU's model name, as the operating system reports it (or the architecture)."""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    if platform.system() == "Darwin":
        import subprocess
        try:
            return subprocess.run(["sysctl", "-n", "machdep.cpu.brand_string"],
                                  capture_output=True, text=True, timeout=5).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            pass
    return platform.processor() or platform.machine()


def environment() -> str:
    """What decides this machine's arithmetic: versions, CPU, threads, numeric settings."""
    import numpy
    import torch

    lines = [f"python {platform.python_version()}, torch {torch.__version__}, "
             f"numpy {numpy.__version__}",
             f"machine: {platform.system()} {platform.machine()}, CPU: {cpu_name()}",
             f"torch CPU capability: {torch.backends.cpu.get_cpu_capability()}, "
             f"threads: {torch.get_num_threads()}"]
    for name in ("ATEN_CPU_CAPABILITY", "MKL_CBWR", "MKL_ENABLE_INSTRUCTIONS",
                 "OPENBLAS_CORETYPE", "OMP_NUM_THREADS"):
        if os.environ.get(name):
            lines.append(f"{name}={os.environ[name]}")
    return "\n".join(lines)
