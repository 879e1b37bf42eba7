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
