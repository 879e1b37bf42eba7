"""lstmlib.training.sweeps: results written as they come, a rerun does only what is missing, and a file
made by other code is refused."""
import json

import pytest

from lstmlib.training import sweeps


@pytest.fixture
def source(tmp_path, monkeypatch):
    """A fake repository with one source file."""
    monkeypatch.setattr(sweeps, "ROOT", tmp_path)
    (tmp_path / "script.py").write_text("VERSION = 1\n")
    return tmp_path


RUNS = [dict(variant=v, seed=s) for v in ("a", "b") for s in (0, 1)]


def test_a_sweep_writes_every_run_and_reads_back(source):
    calls = []

    def fn(variant, seed):
        calls.append((variant, seed))
        return dict(score=seed + (variant == "b"))
    results = sweeps.run("out/r.jsonl", "demo", RUNS, fn, sources=["script.py"], command="python script.py",
                         progress=False)
    assert results.complete and len(calls) == 4
    assert results.rows[3] == dict(variant="b", seed=1, score=2)
    assert results.command == "python script.py"
    assert sweeps.load("out/r.jsonl").header["sources"] == ["script.py"]


def test_an_interrupted_sweep_keeps_its_finished_runs_and_does_only_the_rest(source):
    def failing(variant, seed):
        if variant == "b":
            raise KeyboardInterrupt
        return dict(score=seed)
    with pytest.raises(KeyboardInterrupt):
        sweeps.run("r.jsonl", "demo", RUNS, failing, sources=["script.py"], progress=False)
    partial = sweeps.load("r.jsonl")
    assert len(partial.records) == 2 and not partial.complete
    calls = []

    def fn(variant, seed):
        calls.append((variant, seed))
        return dict(score=seed)
    results = sweeps.run("r.jsonl", "demo", RUNS, fn, sources=["script.py"], progress=False)
    assert calls == [("b", 0), ("b", 1)] and results.complete


def test_changed_code_makes_the_file_stale_and_a_rerun_starts_afresh(source):
    sweeps.run("r.jsonl", "demo", RUNS, lambda variant, seed: dict(score=0), sources=["script.py"],
               progress=False)
    (source / "script.py").write_text("VERSION = 2\n")
    with pytest.raises(sweeps.StaleResults, match="was made by other code than the current script.py"):
        sweeps.load("r.jsonl")
    assert len(sweeps.load("r.jsonl", check=False).records) == 4
    calls = []
    sweeps.run("r.jsonl", "demo", RUNS, lambda variant, seed: calls.append(1) or dict(score=1),
               sources=["script.py"], progress=False)
    assert len(calls) == 4 and sweeps.load("r.jsonl").rows[0]["score"] == 1


def test_the_hash_covers_paths_and_bytes(source):
    (source / "other.py").write_text("VERSION = 1\n")
    assert sweeps.code_hash(["script.py"]) != sweeps.code_hash(["other.py"])
    assert sweeps.code_hash(["script.py", "other.py"]) == sweeps.code_hash(["other.py", "script.py"])


def test_the_hash_covers_code_not_prose(source):
    """A docstring, a comment line or a notebook's markdown can change without making the results
    stale; a line of code cannot."""
    path = source / "m.py"
    path.write_text('"""Module."""\n\n\ndef f(x):\n    """Twice x."""\n    # doubled\n    return 2 * x\n')
    before = sweeps.code_hash(["m.py"])
    path.write_text('"""Module, reworded\nover two lines."""\n\n\ndef f(x):\n    """Two times x."""\n'
                    '    # times two\n    return 2 * x\n')
    assert sweeps.code_hash(["m.py"]) == before
    path.write_text('"""Module."""\n\n\ndef f(x):\n    """Twice x."""\n    return 3 * x\n')
    assert sweeps.code_hash(["m.py"]) != before
    notebook = lambda md, code: json.dumps({"cells": [
        {"cell_type": "markdown", "source": [md]}, {"cell_type": "code", "source": [code]}]})
    (source / "n.ipynb").write_text(notebook("# One", "x = 1"))
    before = sweeps.code_hash(["n.ipynb"])
    (source / "n.ipynb").write_text(notebook("# One, reworded", "x = 1"))
    assert sweeps.code_hash(["n.ipynb"]) == before
    (source / "n.ipynb").write_text(notebook("# One", "x = 2"))
    assert sweeps.code_hash(["n.ipynb"]) != before


def test_module_names_resolve_to_repository_files():
    files = sweeps.source_files(["lstmlib.training.sweeps", "lstmlib.experiments"])
    assert "lstmlib/training/sweeps.py" in files and "lstmlib/experiments/ch01.py" in files
    with pytest.raises(ValueError, match="neither a file under .* nor an importable module"):
        sweeps.source_files(["no_such_module_here"])
    with pytest.raises(TypeError, match="expected sources to be a list"):
        sweeps.source_files("lstmlib.training.sweeps")


def test_bad_files_and_runs_are_refused(source):
    with pytest.raises(FileNotFoundError, match="run the sweep's script first"):
        sweeps.load("missing.jsonl")
    (source / "bad.jsonl").write_text(json.dumps({"x": 1}) + "\n")
    with pytest.raises(ValueError, match="not a sweep results file"):
        sweeps.load("bad.jsonl")
    with pytest.raises(ValueError, match="duplicates"):
        sweeps.run("r.jsonl", "demo", RUNS + RUNS[:1], lambda **k: {}, sources=["script.py"], progress=False)


def score_in_a_process(variant, seed):
    """A run for run_in_processes: module-level, so that a process pool can pickle it."""
    import os

    import torch
    return dict(score=seed + (variant == "b"), pid=os.getpid(), threads=torch.get_num_threads())


def test_a_scripts_sweep_runs_in_processes_of_one_thread_and_says_what_it_holds(source, capsys):
    results = sweeps.run_in_processes("out/p.jsonl", "demo", RUNS, score_in_a_process, ["script.py"],
                                      "python script.py", workers=2, what="runs")
    assert results.complete and [r["score"] for r in results.rows] == [0, 1, 1, 2]
    assert {r["threads"] for r in results.rows} == {1}
    assert os_pid() not in {r["pid"] for r in results.rows}
    assert "4 of 4 runs in" in capsys.readouterr().out
    with pytest.raises(ValueError, match="expected workers to be a positive int"):
        sweeps.run_in_processes("out/q.jsonl", "demo", RUNS, score_in_a_process, ["script.py"], "", workers=0)


def os_pid():
    import os
    return os.getpid()


def test_a_scripts_sources_are_the_script_and_what_its_runs_import():
    files = sweeps.script_sources("benchmarks/odyssey.py", "import lstmlib.tasks.latch")
    assert files[0] == "benchmarks/odyssey.py" and "lstmlib/tasks/latch.py" in files
    assert "lstmlib/validate.py" in files and not any("experiments" in f for f in files)
