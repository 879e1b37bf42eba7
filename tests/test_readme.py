"""The README's figures are the benchmark's: its Benchmarks section is written by benchmarks/run.py
from benchmarks/results/latest.json, and no other sentence quotes a build time of its own."""
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
import report  # noqa: E402

README = (ROOT / "README.md").read_text(encoding="utf8")
RESULTS = json.loads((ROOT / "benchmarks" / "results" / "latest.json").read_text(encoding="utf8"))
LATEST_MD = (ROOT / "benchmarks" / "results" / "latest.md").read_text(encoding="utf8")


def test_the_readmes_figures_are_the_results_files():
    assert report.README_BEGIN in README and report.README_END in README
    assert report.update_readme(README, RESULTS) == README, \
        "the README's Benchmarks figures differ from latest.json: run benchmarks/run.py"
    assert LATEST_MD.strip() == report.markdown(RESULTS).strip(), "latest.md differs from latest.json"
    commit = RESULTS["machine"]["commit"]
    assert f"commit {commit}" in README and f"commit {commit}" in LATEST_MD


def test_no_other_sentence_quotes_a_build_or_rebuild_time():
    start, end = README.index(report.README_BEGIN), README.index(report.README_END)
    outside = README[:start] + README[end:]
    quoted = re.findall(r"(?:re)?build[^.\n]*?\b\d+(?:\.\d+)? ?(?:s|seconds)\b", outside)
    assert not quoted, f"build times quoted outside the benchmark's block: {quoted}"
    assert not re.search(r"\b[0-9a-f]{7}\b(?=[;)])", outside), "a commit id outside the benchmark's block"


def test_the_readme_says_how_long_the_tests_take_and_how_to_run_the_quick_subset():
    assert "@@" not in README, "a placeholder is left in the README"
    two = README.split("## Two commands", 1)[1].split("\n## ", 1)[0]
    assert 'bash scripts/test.sh -m "not slow"' in two
    assert re.search(r"\b\d+ minutes\b", two), "the README does not say how long the tests take"
