"""Appendix A1's functions (``lstmlib.experiments.a1*``), and the numbers its pages cannot check.

The notebooks ``book/a1_numpy_lstm.ipynb`` and ``book/a1_speed.ipynb`` check their own claims
(``lstmlib.claims``); ``tests/test_other_runs.py`` and ``benchmarks/robustness.py`` run them
with other seeds and numeric environments. Here: fast tests of the experiment functions (bad
input, shapes, small deterministic facts), the settings the text quotes, the benchmark
numbers the speed page quotes (against the file they come from, which must be there), and
the quantitative sentences of the exercise solutions, which a markdown dropdown cannot check
itself (several problems each, bounds with margin, ``@pytest.mark.slow``).
"""
import inspect
import json
import pathlib
import textwrap

import numpy as np
import pytest

from lstmlib.experiments import a1, a1_calls, a1_speed, a1_train
from lstmlib.scratch import numpy_lstm

ROOT = pathlib.Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"


def markdown(name):
    """The markdown of a notebook, its whitespace runs made single spaces."""
    cells = json.loads((ROOT / "book" / name).read_text())["cells"]
    return " ".join(" ".join("".join(c["source"]).split())
                    for c in cells if c["cell_type"] == "markdown")


# ---------------------------------------------------------------------------------------------
# Settings and quoted numbers
# ---------------------------------------------------------------------------------------------
def test_the_settings_the_text_states():
    """The prose quotes these settings; this fails if someone changes them without the text."""
    assert (a1.CHECK["D"], a1.CHECK["H"], a1.CHECK["T"], a1.CHECK["B"], a1.CHECK["eps"]) == \
        (3, 4, 6, 2, 1e-6)
    assert a1.CHECK["eps_sweep"] == tuple(10.0 ** -k for k in range(1, 13))
    assert a1_train.ADDING == dict(T=20, hidden_size=16, batch=64, lr=1e-2, clip=1.0, steps=600,
                                   forget_bias=1.0, test=2000, twin_steps=100, runs=4)
    assert a1_train.EXPLODE == dict(T=100, hidden_size=16, batch=64, scale=20.0, lr=0.05, clip=1.0)
    assert a1_speed.SPEED["D"] == 16 and a1_speed.SPEED["H"] == 64
    assert a1_speed.SPEED["sizes"] == ((32, 100), (1, 1000))


def test_the_numbers_the_speed_page_quotes_from_the_benchmark():
    """The speed page quotes benchmarks/results/latest.* as measured elsewhere, with its date and
    machine. Rerunning the benchmark (python benchmarks/run.py) may change them: then update
    the page's text and these numbers. The file must be there: no silent skip."""
    bench = a1_speed.benchmark(RESULTS / "latest.json")
    assert bench is not None, "benchmarks/results/latest.json is missing"
    rows, machine = bench["rows"], bench["machine"]
    by = {(r["threads"], r["B"], r["T"]): r for r in rows}
    ratios = sorted(round(r["ratio"], 2) for r in rows)
    fast = [r["lstmlib_ms"] for r in rows]
    text = markdown("a1_speed.ipynb")
    quoted = {
        f"0.63 to 0.90 times as long": (ratios[0], ratios[-1]) == (0.63, 0.90),
        "(36 ms against 25 ms with one)": (round(by[2, 32, 100]["torch_ms"]),
                                           round(by[1, 32, 100]["torch_ms"])) == (36, 25),
        "12 to 17 ms": 11.5 < min(fast) and max(fast) < 17.5,
        "(13.3 ms against 70.6 ms, one thread)": (round(by[1, 1, 1000]["lstmlib_ms"], 1),
                                                  round(by[1, 1, 1000]["numpy_ms"], 1))
        == (13.3, 70.6),
        "about a fifth": 4.5 < by[1, 1, 1000]["numpy_ms"] / by[1, 1, 1000]["lstmlib_ms"] < 5.5,
        "an AMD EPYC with 2 logical cores": machine["cpu"] == "AMD EPYC"
        and machine["logical_cores"] == 2,
        "measured on 1 December 2026": bench["date"].startswith("2026-12-01"),
        "21 interleaved rounds": {r["rounds"] for r in rows} == {21},
    }
    for sentence, holds in quoted.items():
        assert sentence in text, f"the speed page no longer says {sentence!r}"
        assert holds, f"the benchmark's file no longer bears out {sentence!r}"
    md = " ".join((RESULTS / "latest.md").read_text().split())
    assert "16 calls per step (10 forward, 6 backward" in md and "16 NumPy calls per step" in text
    assert "a (64, 1) array costs 0.26 µs" in md and "would pay 0.87 µs per call" in md
    assert "0.87 µs against 0.26 µs" in text


def test_the_benchmark_reader_and_printer(capsys, tmp_path):
    assert a1_speed.benchmark(tmp_path / "missing.json") is None
    a1_speed.print_benchmark(tmp_path / "missing.json")
    assert "no benchmark results" in capsys.readouterr().out
    a1_speed.print_benchmark(RESULTS / "latest.json")
    out = capsys.readouterr().out
    assert out.startswith("measured elsewhere") and "AMD EPYC" in out
    assert all(len(line) <= 79 for line in out.splitlines())


# ---------------------------------------------------------------------------------------------
# The functions
# ---------------------------------------------------------------------------------------------
def test_relative_error_and_the_problem():
    assert a1.relative_error(np.ones(3), np.ones(3)) == 0.0
    assert a1.relative_error(np.zeros(3), np.zeros(3)) == 0.0
    assert abs(a1.relative_error([1.0, 0.0], [0.0, 1.0]) - np.sqrt(2)) < 1e-15
    p = a1.check_problem(0)
    before = {k: v.copy() for k, v in p.inputs().items()}
    a1.finite_differences(p, eps=1e-3)                      # nudges and restores every number
    assert all(np.array_equal(before[k], v) for k, v in p.inputs().items())
    assert p.loss() == p.loss_at(p.inputs())
    low = p.astype(np.float32)
    assert {v.dtype for v in low.inputs().values()} == {np.dtype(np.float32)}
    assert abs(low.loss() - p.loss()) < 1e-4 * abs(p.loss())


def test_eps_sweep_is_along_the_gradient_and_refuses_other_dtypes():
    p = a1.check_problem(0)
    errors = a1.eps_sweep(p, (1e-5,))
    assert errors.shape == (1,) and errors[0] < 1e-8
    with pytest.raises(ValueError, match=r"expected dtype np.float64 or np.float32, got"):
        a1.eps_sweep(p, dtype=np.float16)


def test_the_epsilon_figure():
    fig = a1.eps_figure(a1.CHECK["eps_sweep"], {"a": np.logspace(-1, -12, 12)})
    assert fig.get_axes()[0].get_xlabel().startswith("step")
    assert fig._repr_png_()[:4] == b"\x89PNG"


def test_the_carries_are_what_backward_hands_on():
    """The carries out of the first step are backward's (dh0, dC0) over the whole sequence."""
    params = a1_train.adding_params(0)
    c = a1_train.carries(params, 0, T=8, batch=4)
    assert set(c) == {"δh", "δC"} and c["δh"].shape == c["δC"].shape == (8,)
    x, y = next(a1_train.adding_batches(0, 8, 4, stream=a1_train.PROBE))
    lstm = {"W": params["W"], "b": params["b"]}
    hs, (h_T, _), cache = numpy_lstm.forward(x, lstm)
    dy = 2 * (h_T @ params["W_y"].T + params["b_y"] - y) / y.size
    dhs = np.zeros_like(hs)
    dhs[-1] = dy @ params["W_y"]
    _, _, (dh0, dC0) = numpy_lstm.backward(dhs, cache, with_inputs=True)
    scale = np.linalg.norm(dhs[-1])
    assert abs(c["δh"][-1] - np.linalg.norm(dh0) / scale) < 1e-12
    assert abs(c["δC"][-1] - np.linalg.norm(dC0) / scale) < 1e-12
    with pytest.raises(TypeError, match=r"expected params with keys 'W', 'b', 'W_y', 'b_y'"):
        a1_train.carries(lstm, 0)
    with pytest.raises(TypeError, match=r"expected a non-empty dict"):
        a1_train.carries_figure({})
    fig = a1_train.carries_figure({"a": c, "b": c})
    assert len(fig.get_axes()) == 2 and fig._repr_png_()[:4] == b"\x89PNG"


def test_run_seeds_never_overlap_and_refuse_bad_input():
    assert a1_train.run_seeds(0) == [0, 1, 2, 3] and a1_train.run_seeds(2) == [8, 9, 10, 11]
    assert not set(a1_train.run_seeds(1)) & set(a1_train.run_seeds(2))
    for bad in (-1, 1.5, True):
        with pytest.raises(ValueError, match=r"expected seed to be an int >= 0"):
            a1_train.run_seeds(bad)
    with pytest.raises(ValueError, match=r"expected runs to be an int >= 1"):
        a1_train.run_seeds(0, runs=0)


def test_carry_fade_and_the_runs_figure():
    history = type("History", (), {"loss": list(np.linspace(1, 0.01, 50))})()
    carries = {"δh": np.array([1.0, 0.5, 0.25]), "δC": np.array([2.0, 2.0, 1.0])}
    run = a1_train.Run(0, {}, history, 0.9, 0.001,
                       {"at initialisation": carries, "trained": carries})
    fade = a1_train.carry_fade([run, run])
    assert fade["trained"].shape == (2, 2) and fade["trained"][0].tolist() == [0.25, 0.5]
    fig = a1_train.runs_figure([run, run])
    assert fig._repr_png_()[:4] == b"\x89PNG"


def test_strictly_reports_what_raises():
    values, error = a1_train.strictly(lambda v: 1 / (1 + np.exp(-v)), [-1000.0, 1000.0])
    assert values == [] and error == "FloatingPointError: overflow encountered in exp"
    assert a1_train.strictly(numpy_lstm.sigmoid, [-1000.0, 1000.0]) == ([0.0, 1.0], "")


def test_the_counting_and_the_byte_formulas():
    assert a1_calls.count(lambda a, b: (a + b) * a, np.ones(2), np.ones(2)) == \
        {"add": 1, "multiply": 1}
    assert a1_speed.step_flops(B=1) == 24 * 1 * 64 * (64 + 16)
    x = np.zeros((7, 2, 3))
    _, _, cache = numpy_lstm.forward(x, numpy_lstm.init_params(3, 4))
    assert a1_speed.cache_bytes(cache) == a1_speed.cache_formula(T=7, B=2, D=3, H=4)


def test_the_speed_functions_run_and_print_within_the_column(capsys):
    rows = {(2, 5): a1_speed.timing(2, 5, rounds=1, seed=3)}
    assert set(rows[2, 5]) == set(a1_speed.IMPLEMENTATIONS)
    a1_speed.print_timing(rows)
    parts = [a1_speed.where_time_goes(2, 5, rounds=1, seed=3)]
    assert set(parts[0]["products_us"]) == {"F1", "B12", "B14", "B15"}
    assert parts[0]["calls"] == 67
    a1_speed.print_parts(parts)
    assert a1_speed.gflops(n=64, calls=1) > 0
    out = capsys.readouterr().out
    assert all(len(line) <= 79 for line in out.splitlines())


# ---------------------------------------------------------------------------------------------
# The exercise solutions' numbers
# ---------------------------------------------------------------------------------------------
@pytest.mark.slow
def test_exercise_3_without_the_carry_the_check_fails():
    """Exercise 3: drop δC_{t+1} ⊙ f_{t+1} from (B3) and the gradients are off by order 1
    ("on six problems", the solution says)."""
    line = a1.EQUATIONS["B3"][1]
    source = textwrap.dedent(inspect.getsource(numpy_lstm.backward))
    namespace = dict(vars(numpy_lstm))
    exec(source.replace(line, line.replace(" + dC_carry", "")), namespace)
    assert "on six problems" in markdown("a1_numpy_lstm.ipynb")
    for seed in range(6):
        p = a1.check_problem(seed)
        _, (h_T, _), cache = numpy_lstm.forward(p.x, p.params, p.state)
        wrong = namespace["backward"](p.G, cache, dstate=(0 * h_T, p.G_C))
        numeric = a1.finite_differences(p)
        assert a1.relative_error(wrong["W"], numeric["W"]) > 0.1
        assert a1.relative_error(p.bptt()["W"], numeric["W"]) < 1e-7


@pytest.mark.slow
def test_exercise_6_a_gradient_check_in_float32_fails_for_a_correct_gradient():
    """Exercise 6's solution, measured on ten problems in float32 (half-decades of ε): the
    median best ε between 1e-3 and 1e-2, the median smallest error between 1e-7 and 1e-4, and
    the full check at ε = 1e-2 or 1e-3 above 1e-6 for every array. Over 60 problems the best ε
    was 10^-2.5 in 32, 10^-2 in 19, 10^-3 in 7; the smallest error's median 5e-6; the full
    check's smallest array error 2e-5 (ten problems)."""
    text = markdown("a1_numpy_lstm.ipynb")
    for sentence in ("median of the best $\\varepsilon$ lies between $10^{-3}$ and $10^{-2}$",
                     "the median of the smallest error between $10^{-7}$ and $10^{-4}$",
                     "finds every array's relative error above $10^{-6}$"):
        assert sentence in text, f"the solution of exercise 6 no longer says {sentence!r}"
    eps = 10.0 ** -np.arange(1, 8, 0.5)
    best, smallest, full = [], [], []
    for seed in range(10):
        p = a1.check_problem(seed)
        errors = a1.eps_sweep(p, eps, dtype=np.float32)
        best.append(eps[errors.argmin()])
        smallest.append(errors.min())
        grads, low = p.bptt(), p.astype(np.float32)
        for e in (1e-2, 1e-3):
            numeric = a1.finite_differences(low, eps=e)
            full += [a1.relative_error(grads[k], numeric[k]) for k in grads]
    assert 10 ** -3.25 < np.median(best) < 10 ** -1.75
    assert 1e-7 < np.median(smallest) < 1e-4
    assert min(full) > 1e-6
