"""Appendix A1's claims (book/a1_numpy_lstm.ipynb), re-checked with five seeds the page does not use.

Each slow test repeats an ``assert`` of the notebook with the same ``lstmlib.experiments.a1*``
calls and the same thresholds as the text, so a claim that holds only for the page's seed (0)
fails here. Timings are printed by the page, never asserted; what the page quotes from the
repository's benchmark (``benchmarks/results/latest.*``) is checked against that file, so a new
benchmark run that changes those numbers fails here until the text is updated.
"""
import functools
import inspect
import json
import textwrap
import pathlib
import warnings

import numpy as np
import pytest
import torch

from lstmlib import LSTM, numpy_lstm, tasks
from lstmlib.experiments import a1, a1_speed, a1_train

SEEDS = (1, 2, 3, 4, 5)
RESULTS = pathlib.Path(__file__).resolve().parents[1] / "benchmarks" / "results"


@functools.lru_cache(maxsize=None)
def chapter(seed):
    """The appendix's experiments in its order, for one seed."""
    problem = a1.check_problem(seed)
    grads = problem.bptt()
    numeric = a1.finite_differences(problem)
    params, history = a1_train.train_adding(seed)
    return dict(problem=problem, grads=grads, numeric=numeric,
                sweep=[a1.eps_sweep(a1.check_problem(s), seed=s) for s in (seed, seed + 1, seed + 2)],
                autograd=a1.autograd_check(problem), carousel=a1.carousel(seed),
                history=history, test_mse=a1_train.held_out_mse(params, seed),
                twin=a1_train.twin_training(seed), boom=a1_train.exploding(seed))


# ---------------------------------------------------------------------------------------------
# The claims, seed by seed
# ---------------------------------------------------------------------------------------------
@pytest.mark.slow
@pytest.mark.parametrize("seed", SEEDS)
def test_the_forward_pass_is_lstmlibs_and_the_cache_is_its_size(seed):
    problem = chapter(seed)["problem"]
    hs, _, cache = numpy_lstm.forward(problem.x, problem.params, problem.state)
    lstm = LSTM(3, 4, dtype=torch.float64)
    with torch.no_grad():
        lstm.W.copy_(torch.from_numpy(problem.params["W"]))
        lstm.b.copy_(torch.from_numpy(problem.params["b"]))
        out, _ = lstm(torch.from_numpy(problem.x), tuple(torch.from_numpy(s) for s in problem.state))
    assert np.abs(hs - out.numpy()).max() < 1e-12
    assert a1_speed.cache_bytes(cache) == a1_speed.cache_formula(T=6, B=2, D=3, H=4) == 2_976


@pytest.mark.slow
@pytest.mark.parametrize("seed", SEEDS)
def test_the_carousel_alone_is_the_product_of_forget_gates(seed):
    assert chapter(seed)["carousel"] < 1e-12


@pytest.mark.slow
@pytest.mark.parametrize("seed", SEEDS)
def test_the_gradients_agree_with_central_differences(seed):
    c = chapter(seed)
    errors = {k: a1.relative_error(c["grads"][k], c["numeric"][k]) for k in c["grads"]}
    assert sum(g.size for g in c["grads"].values()) == 180
    assert max(errors.values()) < 1e-7


@pytest.mark.slow
@pytest.mark.parametrize("seed", SEEDS)
def test_the_error_of_central_differences_against_epsilon(seed):
    eps = a1.CHECK["eps_sweep"]
    for errors in chapter(seed)["sweep"]:
        ratios = errors[:3] / errors[1:4]
        best = eps[errors.argmin()]
        assert ((50 < ratios) & (ratios < 200)).all()
        assert 1e-7 <= best <= 1e-5 and errors.min() < 1e-8
        assert errors[-1] > 1e4 * errors.min()


@pytest.mark.slow
@pytest.mark.parametrize("seed", SEEDS)
def test_the_gradients_are_autograds(seed):
    autograd = chapter(seed)["autograd"]
    assert set(autograd) == {"torch.nn.LSTM", "lstmlib.LSTM"}
    assert all(e < 1e-13 for errors in autograd.values() for e in errors.values())


@pytest.mark.slow
@pytest.mark.parametrize("seed", SEEDS)
def test_the_numpy_lstm_learns_the_adding_problem_with_its_own_gradients(seed):
    c = chapter(seed)
    norms = np.array(c["history"].grad_norm)
    assert a1_train.min_smoothed(c["history"].loss[:100]) > 0.8 * tasks.ADDING_BASELINE
    assert c["test_mse"] < 0.01 < tasks.ADDING_BASELINE / 10
    assert 0 < np.mean(norms > 1) < 0.5 and norms.max() < 20


@pytest.mark.slow
@pytest.mark.parametrize("seed", SEEDS)
def test_the_same_run_under_autograd_follows_it(seed):
    numpy_loss, torch_loss, weight_gap = chapter(seed)["twin"]
    assert len(numpy_loss) == len(torch_loss) == 100
    assert np.abs(numpy_loss - torch_loss).max() < 1e-12 and weight_gap < 1e-12


@pytest.mark.slow
@pytest.mark.parametrize("seed", SEEDS)
def test_an_exploding_gradient_and_what_clipping_does(seed):
    boom = chapter(seed)["boom"]
    scaled = "W_h × 20"
    assert set(boom.norm) == {"W_h × 1", scaled}
    assert boom.by_distance["W_h × 1"][99] < 1e-4 and boom.by_distance[scaled][99] > 1e5
    assert 1 < boom.norm["W_h × 1"] < 10 and boom.norm[scaled] > 1e6
    unclipped, clipped = boom.unclipped, boom.clipped
    assert unclipped["step"] > 1e5 and unclipped["max |a|"] > 1e4
    assert unclipped["saturated"] > 0.99
    assert abs(clipped["norm"] - 1) < 1e-9 and abs(clipped["cosine"] - 1) < 1e-12
    assert abs(clipped["step"] - 0.05) < 1e-9 and clipped["saturated"] == 0
    assert 0.5 < clipped["max |a|"] / boom.before["max |a|"] < 1.5


# ---------------------------------------------------------------------------------------------
# What does not depend on a seed
# ---------------------------------------------------------------------------------------------
def test_the_settings_the_text_states():
    """The prose quotes these settings; this fails if someone changes them without the text."""
    assert (a1.CHECK["D"], a1.CHECK["H"], a1.CHECK["T"], a1.CHECK["B"], a1.CHECK["eps"]) == \
        (3, 4, 6, 2, 1e-6)
    assert a1.CHECK["eps_sweep"] == tuple(10.0 ** -k for k in range(1, 13))
    assert a1_train.ADDING == dict(T=20, hidden_size=16, batch=64, lr=1e-2, clip=1.0, steps=600,
                                   forget_bias=1.0, test=2000, twin_steps=100)
    assert a1_train.EXPLODE == dict(T=100, hidden_size=16, batch=64, scale=20.0, lr=0.05, clip=1.0)
    assert a1_train.SATURATED == 40.0
    s = numpy_lstm.sigmoid(40.0)
    assert s * (1 - s) < 1e-17
    assert a1_speed.SPEED["D"] == 16 and a1_speed.SPEED["H"] == 64
    assert a1_speed.SPEED["sizes"] == ((32, 100), (1, 1000))
    assert abs(np.finfo(np.float64).eps ** (1 / 3) - 6e-6) < 1e-6
    assert abs(np.finfo(np.float32).eps - 1.2e-7) < 1e-8


def test_the_numbers_quoted_from_the_benchmark():
    """Appendix A1's speed section quotes benchmarks/results/latest.*; rerunning the benchmark
    (python benchmarks/run.py) may change them: then update the text and these numbers."""
    rows = json.loads((RESULTS / "latest.json").read_text())["numpy"]["rows"]
    by = {(r["threads"], r["B"], r["T"]): r for r in rows}
    assert sorted(round(r["ratio"], 2) for r in rows) == [0.63, 0.86, 0.88, 0.90]
    assert min(r["lstmlib_ms"] for r in rows) > 11.5 and max(r["lstmlib_ms"] for r in rows) < 17
    assert round(by[1, 1, 1000]["lstmlib_ms"], 1) == 13.3 and round(by[1, 1, 1000]["numpy_ms"], 1) == 70.6
    assert round(by[2, 32, 100]["torch_ms"]) == 36 and round(by[1, 32, 100]["torch_ms"]) == 25
    assert by[1, 1, 1000]["numpy_ms"] / by[1, 1, 1000]["lstmlib_ms"] > 4.5          # "a fifth"
    text = (RESULTS / "latest.md").read_text()
    assert "16 calls per step (10 forward, 6 backward" in text and "2 logical cores" in text
    assert {r["rounds"] for r in rows} == {21} and max(r["ratio"] for r in rows) < 1
    assert "a (64, 1) array costs 0.26 µs" in text and "would pay 0.87 µs per call" in text
    assert a1_speed.benchmark(RESULTS / "latest.json")["rows"] == rows
    assert a1_speed.benchmark(RESULTS / "missing.json") is None


def test_the_counts_of_calls_operations_and_bytes():
    calls = a1_speed.count_calls()
    assert sum(calls["forward"].values()) == 37 and sum(calls["backward"].values()) == 30
    assert calls["forward"]["matmul"] == 1 and calls["backward"]["matmul"] == 3
    assert sum(a1_speed.count(numpy_lstm.sigmoid, np.zeros((1, 64))).values()) == 9
    assert a1_speed.count(lambda a, b: (a + b) * a, np.ones(2), np.ones(2)) == {"add": 1, "multiply": 1}
    assert a1_speed.step_flops(B=1) == 122_880 and a1_speed.step_flops(B=32) == 3_932_160
    x = np.zeros((1000, 1, 16))
    _, _, cache = numpy_lstm.forward(x, numpy_lstm.init_params(16, 64))
    assert a1_speed.cache_bytes(cache) == a1_speed.cache_formula(T=1000, B=1, D=16, H=64) == 3_712_000


def test_the_sigmoid_formulas():
    naive, other, stable = a1_train.sigmoid_formulas().values()
    assert "overflow encountered in exp" in naive[1] and naive[0].tolist() == [0.0, 1.0]
    assert np.isnan(other[0][1]) and stable[1] == [] and stable[0].tolist() == [0.0, 1.0]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(all="raise"):
            assert numpy_lstm.sigmoid(np.array([-1000.0, 1000.0])).tolist() == [0.0, 1.0]
    a = np.linspace(-50, 50, 1001)
    assert np.abs(numpy_lstm.sigmoid(a) - (1 + np.tanh(a / 2)) / 2).max() < 1e-15


def test_the_speed_functions_run_and_print_within_the_column(capsys):
    rows = {(2, 5): a1_speed.timing(2, 5, rounds=1)}
    assert set(rows[2, 5]) == set(a1_speed.IMPLEMENTATIONS)
    a1_speed.print_timing(rows)
    parts = [a1_speed.where_time_goes(2, 5, rounds=1)]
    assert set(parts[0]["products_us"]) == {"F1", "B12", "B14", "B15"}
    assert parts[0]["calls"] == 67
    a1_speed.print_parts(parts)
    a1_speed.print_benchmark()
    a1_speed.print_benchmark(RESULTS / "missing.json")
    assert a1_speed.gflops(n=64, calls=1) > 0
    out = capsys.readouterr().out
    assert all(len(line) <= 79 for line in out.splitlines())


def test_the_epsilon_figure():
    fig = a1.eps_figure(a1.CHECK["eps_sweep"], {"a": np.logspace(-1, -12, 12)})
    assert fig.get_axes()[0].get_xlabel().startswith("step")
    png = fig._repr_png_()
    assert png[:4] == b"\x89PNG"


def test_relative_error_and_the_problem():
    assert a1.relative_error(np.ones(3), np.ones(3)) == 0.0
    assert a1.relative_error(np.zeros(3), np.zeros(3)) == 0.0
    assert abs(a1.relative_error([1.0, 0.0], [0.0, 1.0]) - np.sqrt(2)) < 1e-15
    p = a1.check_problem(0)
    before = {k: v.copy() for k, v in p.inputs().items()}
    a1.finite_differences(p, eps=1e-3)                      # nudges and restores every number
    assert all(np.array_equal(before[k], v) for k, v in p.inputs().items())
    assert p.loss() == p.loss_at(p.inputs())


def test_exercise_3_without_the_carry_the_check_fails():
    """Exercise 3: drop δC_{t+1} ⊙ f_{t+1} from (B3) and the gradients are off by order 1."""
    line = a1.EQUATIONS["B3"][1]
    source = textwrap.dedent(inspect.getsource(numpy_lstm.backward))
    namespace = dict(vars(numpy_lstm))
    exec(source.replace(line, line.replace(" + dC_carry", "")), namespace)
    for seed in (0, *SEEDS):
        p = a1.check_problem(seed)
        _, (h_T, _), cache = numpy_lstm.forward(p.x, p.params, p.state)
        wrong = namespace["backward"](p.G, cache, dstate=(0 * h_T, p.G_C))
        numeric = a1.finite_differences(p)
        assert a1.relative_error(wrong["W"], numeric["W"]) > 0.1
        assert a1.relative_error(p.bptt()["W"], numeric["W"]) < 1e-7
