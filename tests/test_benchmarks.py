"""benchmarks/run.py runs and writes a well-formed results file (a smoke test: no timing is
asserted; speed is measured by the benchmark itself, never by the test suite)."""
import json
import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[1]


def test_benchmark_harness_writes_its_results(tmp_path):
    proc = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "run.py"), "--quick", "--only", "layers",
                           "--only", "numpy", "--out", str(tmp_path)], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    results = json.loads((tmp_path / "latest.json").read_text())
    assert {"machine", "layers", "numpy"} <= set(results) and "book" not in results
    assert results["machine"]["torch"] and results["machine"]["usable_cores"] >= 1
    rows = results["layers"]["rows"]
    assert {(r["layer"], r["B"], r["T"]) for r in rows} == {(k, B, T) for k in ("LSTM", "GRU", "RNN")
                                                           for B, T in ((4, 10), (1, 30))}
    for r in rows:
        assert r["lstmlib_ms"] > 0 and r["torch_ms"] > 0
        assert 0 < r["ratio"] < float("inf")
    assert all("readable_ms" in r for r in rows if r["layer"] == "LSTM")
    assert len(results["numpy"]["rows"]) == 4                       # 2 sizes × 2 thread settings
    text = (tmp_path / "latest.md").read_text()
    assert "| LSTM | 1 | 30 |" in text and "NumPy LSTM" in text and results["machine"]["cpu"] in text
