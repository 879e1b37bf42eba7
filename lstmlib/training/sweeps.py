"""Sweeps too long for a live notebook: a results file written as it goes, resumable, tied to its code.

Chapters 9 and 10 run a reduced experiment live and also show a larger sweep that a script
ran beforehand. Such a precomputed figure must never silently go stale, so its results file
carries a hash of the code that produced it, and :func:`load` refuses a file whose hash no
longer matches the code as it is now (``tests/`` loads every results file the book shows).
The hash reads code, not prose: docstrings, comment lines and a notebook's markdown can be
edited without making results stale (:func:`code_of`).

    runs = [dict(variant=v, task=t, seed=s) for v in VARIANTS for t in TASKS for s in SEEDS]
    results = run("benchmarks/results/odyssey.jsonl", "odyssey", runs, one_run,
                  sources=["benchmarks/odyssey.py", "lstmlib.experiments.ch09"])
    results = load("benchmarks/results/odyssey.jsonl")         # in the notebook
    results.rows                                                # [{**run, **result}, ...]

The file is JSON Lines: a header line (the sweep's name, the hash, the source files it
covers, the number of runs planned), then one line per finished run, appended and flushed as
soon as the run ends. Run again after an interruption, :func:`run` keeps every finished run
and does only the rest; if the code changed since, it starts the file afresh (the old runs
were made by other code).
"""
from __future__ import annotations

import ast
import hashlib
import importlib.util
import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from .. import validate
from .progress import progress_bar

ROOT = Path(__file__).resolve().parents[2]         # the repository (lstmlib is installed editable)


class StaleResults(RuntimeError):
    """The results file was made by other code than the code as it is now."""


def source_files(sources) -> list[str]:
    """Repository-relative paths of ``sources``: module names (``lstmlib.experiments.ch09``) or paths.

    A package name stands for every ``.py`` file under it.
    """
    if isinstance(sources, str) or not hasattr(sources, "__iter__"):
        raise TypeError(f"expected sources to be a list of module names or paths, got {sources!r}")
    files = set()
    for s in sources:
        path = ROOT / s
        if not path.exists():
            spec = importlib.util.find_spec(s)
            if spec is None or spec.origin is None:
                raise ValueError(f"source {s!r} is neither a file under {ROOT} nor an importable module")
            path = Path(spec.origin)
            if path.name == "__init__.py":
                path = path.parent
        found = sorted(path.rglob("*.py")) if path.is_dir() else [path]
        for f in found:
            try:
                files.add(f.resolve().relative_to(ROOT).as_posix())
            except ValueError:
                raise ValueError(f"source {s!r} ({f}) is outside the repository {ROOT}") from None
    if not files:
        raise ValueError(f"sources {list(sources)!r} name no file")
    return sorted(files)


def imported_files(imports: str, cwd=None) -> list[str]:
    """The repository files of every lstmlib module that ``imports`` loads, in a fresh Python.

    ``imports`` is Python code, typically import lines (``"import lstmlib.experiments.ch08"``);
    the answer includes what those modules import in turn. A sweep lists these as its
    sources, so that its results go stale when any code it runs changes.
    """
    import subprocess
    import sys

    code = imports + ("\nimport sys\nprint('\\n'.join(sorted(m.__file__ for n, m in "
                      "list(sys.modules.items()) if n.split('.')[0] == 'lstmlib')))")
    done = subprocess.run([sys.executable, "-c", code], cwd=cwd, capture_output=True, text=True,
                          timeout=300)
    if done.returncode != 0:
        raise RuntimeError(f"importing failed: {done.stderr.strip().splitlines()[-1:]}")
    return sorted(Path(f).resolve().relative_to(ROOT).as_posix() for f in done.stdout.split())


def code_hash(files: list[str]) -> str:
    """SHA-256 of the named repository files, each path and its code (:func:`code_of`), in path order."""
    digest = hashlib.sha256()
    for rel in sorted(files):
        digest.update(rel.encode() + b"\0" + code_of(ROOT / rel) + b"\0")
    return digest.hexdigest()


def code_of(path: Path) -> bytes:
    """What of a file decides what it computes: a Python file without its docstrings and its
    comment lines, a notebook's code cells; any other file whole. Editing prose then leaves
    the results of a sweep (and of the robustness run) valid; editing code makes them stale."""
    text = path.read_bytes()
    if path.suffix == ".ipynb":
        cells = json.loads(text)["cells"]
        return "\n\0".join("".join(c["source"]) for c in cells if c["cell_type"] == "code").encode()
    if path.suffix != ".py":
        return text
    lines = text.decode().splitlines()
    drop = set()
    for node in ast.walk(ast.parse(text)):
        body = getattr(node, "body", None)
        if (isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and body
                and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant)
                and isinstance(body[0].value.value, str)):
            doc = body[0]
            alone = (not lines[doc.lineno - 1][:doc.col_offset].strip()
                     and not lines[doc.end_lineno - 1][doc.end_col_offset:].strip())
            if alone:
                drop.update(range(doc.lineno - 1, doc.end_lineno))
    kept = [line for k, line in enumerate(lines) if k not in drop and not line.lstrip().startswith("#")]
    return "\n".join(kept).encode()


def run_key(run: dict) -> str:
    """A run's identity: its parameters as canonical JSON."""
    return json.dumps(run, sort_keys=True)


@dataclass
class Results:
    """A results file, read back. ``rows`` merges each run's parameters and results."""
    path: Path
    header: dict
    records: list

    @property
    def rows(self) -> list[dict]:
        return [{**r["run"], **r["result"]} for r in self.records]

    @property
    def complete(self) -> bool:
        """Every planned run has finished."""
        return len(self.records) >= self.header["planned"]

    @property
    def command(self) -> str:
        """The command that made the file (as the script recorded it)."""
        return self.header.get("command", "")


def _read(path: Path):
    lines = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    if not lines or "sweep" not in lines[0]:
        raise ValueError(f"{path} is not a sweep results file (no header line)")
    return lines[0], lines[1:]


def load(path, check: bool = True) -> Results:
    """Read a results file; with ``check`` (the default), refuse it if its code has changed.

    Raises:
        StaleResults: the hash in the file differs from the hash of its source files now.
    """
    path = Path(path) if Path(path).is_absolute() else ROOT / path
    if not path.exists():
        raise FileNotFoundError(f"no results file {path}: run the sweep's script first")
    header, records = _read(path)
    if check:
        now = code_hash(header["sources"])
        if now != header["code_hash"]:
            raise StaleResults(f"{path.relative_to(ROOT)} was made by other code than the current "
                               f"{', '.join(header['sources'])}: run `{header.get('command', 'its script')}` "
                               f"again (stored hash {header['code_hash'][:12]}, now {now[:12]})")
    return Results(path, header, records)


def run(path, name: str, runs: list[dict], fn, sources, command: str = "", progress: bool | None = None,
        workers: int = 1) -> Results:
    """Run ``fn(**run)`` for every run not yet in the file, appending each result as it finishes.

    Args:
        path: the results file (JSON Lines), repository-relative or absolute.
        name: the sweep's name, stored in the header.
        runs: the planned runs, each a dict of JSON-serialisable parameters.
        fn: ``fn(**run) -> dict`` of JSON-serialisable results.
        sources: what the results depend on (see :func:`source_files`): the script and the
            lstmlib modules it runs.
        command: the command line that runs the sweep, stored for readers of the results.
        progress: show a progress bar (tqdm); None = only when run interactively, as for
            :func:`lstmlib.training.loop.train` (never with ``LSTMLIB_PROGRESS=0``).
        workers: how many runs at once, in threads: for an ``fn`` that waits on a process of
            its own (a notebook's kernel, say); the file holds the runs in the order they end.
    """
    path = Path(path) if Path(path).is_absolute() else ROOT / path
    validate.positive_int("workers", workers)
    files = source_files(sources)
    header = dict(sweep=name, code_hash=code_hash(files), sources=files, planned=len(runs), command=command)
    keys = [run_key(r) for r in runs]
    if len(set(keys)) != len(keys):
        raise ValueError("expected every planned run to be different, got duplicates")
    done = {}
    if path.exists():
        old, records = _read(path)
        if old.get("code_hash") == header["code_hash"] and old.get("sweep") == name:
            done = {run_key(r["run"]): r for r in records if run_key(r["run"]) in set(keys)}
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w") as f:                       # the header, then the runs already done
        f.write(json.dumps(header) + "\n")
        for k in keys:
            if k in done:
                f.write(json.dumps(done[k]) + "\n")
    todo = [r for r, k in zip(runs, keys) if k not in done]
    bar = progress_bar(len(runs), desc=name, unit="run", initial=len(runs) - len(todo), show=progress)
    lock = threading.Lock()

    def one(r):
        start = time.perf_counter()
        result = fn(**r)
        record = dict(run=r, result=result, seconds=round(time.perf_counter() - start, 3))
        with lock, path.open("a") as f:
            f.write(json.dumps(record) + "\n")
            f.flush()
            if bar is not None:
                bar.update(1)

    if workers == 1:
        for r in todo:
            one(r)
    else:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            for future in [pool.submit(one, r) for r in todo]:
                future.result()
    if bar is not None:
        bar.close()
    return load(path)


def script_sources(script: str, runs_import: str) -> list[str]:
    """A sweep script's sources: the script (repository-relative path) and every lstmlib file
    that ``runs_import`` (``"import lstmlib.experiments.ch08_sweep"``) loads."""
    return [script, *imported_files(runs_import)]


def _one_thread():
    import torch
    torch.set_num_threads(1)


def run_in_processes(path, name: str, runs: list[dict], fn, sources, command: str,
                     workers: int = 2, what: str = "runs") -> Results:
    """What every script in ``benchmarks/`` does: :func:`run` with each run in one of
    ``workers`` processes of one thread each (``fn`` must be a module-level function), then a
    line on what the file holds. Returns the :class:`Results`."""
    from concurrent.futures import ProcessPoolExecutor

    validate.positive_int("workers", workers)
    with ProcessPoolExecutor(workers, initializer=_one_thread) as pool:
        def in_process(**one):
            return pool.submit(fn, **one).result()

        results = run(path, name, runs, in_process, sources, command, workers=workers)
    minutes = sum(r["seconds"] for r in results.records) / 60
    print(f"{len(results.records)} of {results.header['planned']} {what} in {results.path}, "
          f"{minutes:.1f} minutes (wall clock of each run, {workers} at once)")
    return results
