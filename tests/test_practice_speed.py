"""benchmarks/practice_speed.py (chapter 11's "Speed on a CPU") writes well-formed results, and
lstmlib.experiments.ch11_speed reads them back as the chapter prints them.

A smoke test on the benchmark's quick grid: it checks the structure of the JSON, the width of
the Markdown table (the course prints at most 79 columns) and the reader's clear error for a
missing file. No timing is asserted: the benchmark measures speed, the test suite never does.
"""
import importlib.util
import itertools
import json
import math
import pathlib

import pytest
import torch

from lstmlib.experiments import ch11_speed

ROOT = pathlib.Path(__file__).resolve().parents[1]


def _script():
    spec = importlib.util.spec_from_file_location("practice_speed", ROOT / "benchmarks" / "practice_speed.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def quick(tmp_path_factory):
    """(script module, output folder) after one ``--quick`` run into a temporary folder."""
    script, out = _script(), tmp_path_factory.mktemp("practice_speed")
    threads = torch.get_num_threads()
    assert script.main(["--quick", "--out", str(out)]) == 0
    assert torch.get_num_threads() == threads                  # the run restores torch's setting
    return script, out


def test_the_json_holds_the_machine_and_every_setting_of_the_grid(quick):
    script, out = quick
    results = json.loads((out / "practice_speed.json").read_text(encoding="utf8"))
    grid = script.QUICK
    assert results["quick"] is True and results["torch"] == torch.__version__ and results["date"]
    assert results["machine"]["cpu"] and results["machine"]["usable_cores"] >= 1
    assert results["threads"] == list(grid["threads"])
    assert results["settings"]["D"] == 8 and results["settings"]["H"] == 64
    rows = results["rows"]
    assert [(r["threads"], r["B"], r["T"]) for r in rows] == list(itertools.product(
        grid["threads"], grid["B"], grid["T"]))
    for r in rows:
        for key in ("torch_train_us", "lstmlib_train_us", "torch_fwd_us", "lstmlib_fwd_us",
                    "train_ratio", "fwd_ratio"):
            assert r[key] > 0 and math.isfinite(r[key]), key
        assert set(r["seconds"]) == {"torch_train", "lstmlib_train", "torch_fwd", "lstmlib_fwd"}
        assert all(len(s) == grid["rounds"] for s in r["seconds"].values())


def test_the_lstmp_row_counts_both_layers_parameters(quick):
    script, out = quick
    proj = json.loads((out / "practice_speed.json").read_text(encoding="utf8"))["proj"]
    D, H, P = 8, 64, script.QUICK_PROJ["proj_size"]
    (plain, lstmp) = proj["rows"]
    assert (plain["proj_size"], lstmp["proj_size"]) == (0, P)
    # W_ih (4H, D), W_hh (4H, H or P), two biases (4H,), and with a projection W_hr (P, H)
    assert plain["parameters"] == 4 * H * (D + H) + 8 * H
    assert lstmp["parameters"] == 4 * H * (D + P) + 8 * H + P * H
    assert (plain["output_size"], lstmp["output_size"]) == (H, P)
    assert all(r["train_us"] > 0 and r["fwd_us"] > 0 for r in proj["rows"])


def test_the_markdown_table_fits_79_columns_and_names_date_cpu_and_torch(quick):
    _, out = quick
    text = (out / "practice_speed.md").read_text(encoding="utf8")
    results = json.loads((out / "practice_speed.json").read_text(encoding="utf8"))
    too_long = [line for line in text.splitlines() if len(line) > 79]
    assert not too_long, too_long
    header = " ".join(text.split("\n\n")[0].split())            # the paragraph before the tables
    for fact in (results["date"], results["machine"]["cpu"], f"torch {torch.__version__}"):
        assert " ".join(fact.split()) in header, fact
    assert text.count("| threads |") == 2 and "| proj_size |" in text


def test_ch11_speed_prints_what_the_benchmark_wrote(quick, capsys):
    _, out = quick
    ch11_speed.print_table(out / "practice_speed.json")
    assert capsys.readouterr().out == (out / "practice_speed.md").read_text(encoding="utf8")


def test_a_missing_results_file_names_the_command_that_makes_it(tmp_path):
    with pytest.raises(FileNotFoundError, match="python benchmarks/practice_speed.py"):
        ch11_speed.load(tmp_path / "practice_speed.json")


@pytest.mark.parametrize("x, text", [(1234.5, "1230"), (123.45, "123"), (12.345, "12.3"),
                                     (1.0, "1.00"), (0.01234, "0.0123"), (29572.8, "29600")])
def test_numbers_are_printed_to_three_significant_figures(x, text):
    assert ch11_speed.sig3(x) == text
