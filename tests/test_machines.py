"""lstmlib.machines (a notebook with another seed, as another CPU), the robustness report's
estimates, and sweeps that run in parallel and hash the code they import."""
import json
import sys
import time
from pathlib import Path

import nbformat
import pytest

from lstmlib import machines
from lstmlib.training import sweeps

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
import robustness  # noqa: E402
import robustness_report  # noqa: E402


def notebook(tmp_path, body, first="import torch\nfrom lstmlib import claims\nSEED = 0"):
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell(first), nbformat.v4.new_code_cell(body)]
    path = tmp_path / "chapter.ipynb"
    nbformat.write(nb, path)
    return path


def test_set_seed_changes_the_one_seed_line_and_refuses_anything_else():
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("x = 1\nSEED = 0\n"), nbformat.v4.new_code_cell("y = SEED")]
    assert machines.set_seed(nb, 17).cells[0].source == "x = 1\nSEED = 17\n"
    for cells in (["x = 1"], ["SEED = 0\nSEED = 1"], ["x = 1", "SEED = 0"]):
        nb.cells = [nbformat.v4.new_code_cell(c) for c in cells]
        with pytest.raises(ValueError, match="exactly one line 'SEED = <n>'"):
            machines.set_seed(nb, 3)
    with pytest.raises(ValueError, match="non-negative int seed"):
        machines.set_seed(nb, -1)


def test_an_environment_replaces_the_numeric_settings_and_keeps_the_rest():
    base = {"PATH": "/bin", "MKL_CBWR": "AVX2", "OPENBLAS_CORETYPE": "Zen"}
    env = machines.environ("mkl-compatible", base)
    assert env == {"PATH": "/bin", "MKL_CBWR": "COMPATIBLE"}
    assert machines.environ("native", base) == {"PATH": "/bin"}
    with pytest.raises(ValueError, match="expected one of native"):
        machines.environ("pentium", base)


@pytest.mark.slow
def test_a_notebook_runs_with_its_seed_and_environment_and_logs_its_claims(tmp_path):
    body = ("import os\n"
            "claims.check('the seed is 5', SEED, equals=5)\n"
            "claims.check('MKL_CBWR is set', int(os.environ.get('MKL_CBWR') == 'COMPATIBLE'), equals=1)\n"
            "claims.check('one thread', int(os.environ['OMP_NUM_THREADS']), equals=1)")
    log = tmp_path / "claims.jsonl"
    result = machines.run_notebook(notebook(tmp_path, body), 5, "mkl-compatible", claims_log=log)
    assert result["ok"], result
    assert [json.loads(line)["ok"] for line in log.read_text().splitlines()] == [True] * 3


@pytest.mark.slow
def test_a_claim_that_fails_in_a_notebook_is_reported_as_the_reader_sees_it(tmp_path):
    body = "claims.check('every value is above 2', [1.5, 3.0], above=2)"
    result = machines.run_notebook(notebook(tmp_path, body), 0)
    assert not result["ok"]
    assert result["error"].startswith("ClaimNotReproduced: claim not reproduced: every value")
    assert "not within the bound: 1.5" in result["claim"]
    other = machines.run_notebook(notebook(tmp_path, "x = [1][2]"), 0)
    assert other["error"] == "code cell 2: IndexError: list index out of range at `x = [1][2]`"


def test_the_planned_runs_take_seed_0_everywhere_then_other_seeds_in_turn():
    runs = robustness.planned_runs(["native", "a", "b"], total=7)
    assert runs == [dict(seed=0, env="native"), dict(seed=0, env="a"), dict(seed=0, env="b"),
                    dict(seed=1, env="a"), dict(seed=2, env="b"), dict(seed=3, env="native"),
                    dict(seed=4, env="a")]


def record(values, ok=True, kind="above", bound=0.5, log_scale=None):
    return dict(claim="c", kind=kind, bound=bound, values=values, ok=ok, log_scale=log_scale)


def test_the_report_estimates_a_thin_margin_as_risky_and_a_wide_one_as_safe():
    wide = robustness_report.summarise([record([0.9 + 0.01 * (k % 3)]) for k in range(24)])
    thin = robustness_report.summarise([record([0.52 + 0.02 * (k % 3)]) for k in range(24)])
    assert wide["risk"] < 1e-6 < 1e-3 < thin["risk"]
    assert wide["observed"] == "0.9 to 0.92" and wide["bound"] == "> 0.5"
    exact = robustness_report.summarise([record([4477], kind="equals", bound=4477)] * 24)
    assert exact["risk"] == 0 and exact["spread"] == "exact"
    # a bound on values that span decades is judged on a log scale
    logged = robustness_report.summarise([record([10.0 ** -(12 + k % 3)], kind="below", bound=1e-6)
                                          for k in range(24)])
    assert logged["spread"].endswith("(log)") and logged["risk"] < 1e-6


def test_the_report_bounds_a_count_by_the_pooled_rate():
    often = [record([True, True, True], kind="at_least", bound=2)] * 24
    assert robustness_report.summarise(often)["risk"] < 1e-3
    coin = [record([k % 2 == 0, k % 3 == 0, True], kind="at_least", bound=2) for k in range(24)]
    assert robustness_report.summarise(coin)["risk"] > 0.1
    # the same mixed pattern in every execution: counted in a precomputed file
    fixed = [record([True, False, True, False], kind="at_least", bound=2)] * 24
    assert robustness_report.summarise(fixed)["spread"] == "exact"
    assert robustness_report.summarise(fixed)["risk"] == 0


def test_a_sweep_runs_in_parallel_and_keeps_every_result(tmp_path):
    def slow(k):
        time.sleep(0.2)
        return {"k2": k * k}
    start = time.perf_counter()
    results = sweeps.run(tmp_path / "s.jsonl", "s", [dict(k=k) for k in range(6)], slow,
                         sources=["lstmlib/training/sweeps.py"], progress=False, workers=3)
    assert time.perf_counter() - start < 1.0                  # 6 × 0.2 s in 3 threads
    assert sorted(r["k2"] for r in results.rows) == [0, 1, 4, 9, 16, 25]
    with pytest.raises(ValueError, match="workers"):
        sweeps.run(tmp_path / "t.jsonl", "t", [dict(k=1)], slow, sources=["lstmlib/training/sweeps.py"],
                   progress=False, workers=0)


def test_a_sweep_hashes_every_lstmlib_module_it_imports():
    files = sweeps.imported_files("import lstmlib.experiments.ch08_sweep")
    assert {"lstmlib/experiments/ch08_sweep.py", "lstmlib/experiments/ch08_compare.py",
            "lstmlib/layers/gru.py", "lstmlib/training/loop.py", "lstmlib/layers/fused.py"} <= set(files)
    assert "lstmlib/forecasting/models.py" not in files
