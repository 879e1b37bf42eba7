"""Chapter 10's experiment functions (``lstmlib.experiments.ch10``), its exercise solutions and
its precomputed sweep.

The notebook ``book/10_time_series.ipynb`` states its claims in check cells (their one
definition); ``tests/test_other_runs.py`` and ``benchmarks/robustness.py`` rerun it with other
seeds and numeric environments. Here: fast tests of the functions (MASE, the ratios the text
bounds, bad input), the quantitative sentences of the exercise solutions (the dropdowns
cannot check themselves; the one that trains is slow and runs several seeds), and the sweep:
current, complete, and a sample of its rows re-run.
"""
import functools
import importlib.util

import numpy as np
import pytest

from lstmlib import sweeps
from lstmlib.experiments import ch10
from lstmlib.forecasting import fit, models
from lstmlib.forecasting.protocol import errors
from lstmlib.seed import seed_everything


def test_the_seeds_of_a_run_never_reuse_another_runs_networks():
    assert ch10.seeds(0) == (0, 1, 2) and ch10.seeds(1) == (3, 4, 5)
    assert len({s for seed in range(20) for s in ch10.seeds(seed)}) == 60


def test_mase_is_the_mae_over_the_in_sample_seasonal_naive_error():
    p = ch10.problem("co2")
    train = p.values("train")
    assert ch10.mase_scale("co2") == pytest.approx(np.abs(train[12:] - train[:-12]).mean())
    mg = ch10.problem("mackey_glass").values("train")          # no season: the naive forecast
    assert ch10.mase_scale("mackey_glass") == pytest.approx(np.abs(np.diff(mg)).mean())
    c = ch10.Comparison(p, ch10.baselines("co2"))
    for horizon in ch10.HORIZONS:
        mae, mase = c.scores("naive", horizon, "mae"), c.scores("naive", horizon, "mase")
        assert mase == pytest.approx(mae / ch10.mase_scale("co2"))
    # the seasonal naive forecast out of sample, against its own in-sample error: near 1
    assert 0.5 < c.scores("seasonal naive", "multi", "mase")[0] < 2
    with pytest.raises(ValueError, match="metric"):
        c.scores("naive", "multi", "rmse")
    with pytest.raises(ValueError, match="horizon"):
        c.scores("naive", "two", "mse")


def _fake(name):
    """A comparison whose 'trained' entries are copies of the untrained forecasts: every
    network's three seeds are the seasonal naive forecast (or the naive one), scaled."""
    c = ch10.Comparison(ch10.problem(name), ch10.baselines(name))
    base = c.entries.get("seasonal naive", c.entries["naive"]).forecasts[0]
    truth = c.truth
    for k, kind in enumerate(ch10.TRAINED):
        # the error grows with k: the Transformer (last) is the worst
        fs = [truth + (1 + 0.1 * k + 0.01 * s) * (base - truth) for s in range(3)]
        c.entries[kind] = ch10.Entry(kind, 100, fs)
    return c


def test_the_ratios_the_text_bounds_are_the_ones_it_names():
    c = _fake("co2")
    r = ch10.co2_ratios(c)
    multi = {n: c.scores(n, "multi") for n in c.entries}
    assert r["naive / worst network seed, year"] == pytest.approx(
        multi["naive"][0] / multi["Transformer"].max())
    assert r["seasonal naive / worst DLinear seed"] == pytest.approx(
        multi["seasonal naive"][0] / multi["DLinear"].max())
    assert r["Transformer mean / next worst, year"] == pytest.approx(
        multi["Transformer"].mean() / multi["GRU"].mean())
    assert r["Transformer mean / next worst, year"] > 1
    m = ch10.mackey_glass_ratios(_fake("mackey_glass"))
    assert m["next best mean / MLP mean, one step"] < 1       # DLinear is best in the fake
    assert m["Transformer mean / MLP, LSTM, GRU means"] > 1
    assert m["LSTM / DLinear by lead, leads 1-12 (max)"] > 1
    assert max(len(k) for k in (*r, *m)) <= 44              # ch10.show's column


def test_exercise_2_the_naive_forecasts_error_at_a_lead_of_a_year():
    """CO₂ rose by about 1.7 ppm a year over the test years; squared, about 3 ppm², close to the
    naive forecast's MSE at lead 12; the seasonal naive forecast's line is flat."""
    p = ch10.problem("co2")
    test = p.values("test")
    rise = (test[-12:].mean() - test[:12].mean()) / ((len(test) - 12) / 12)
    assert abs(rise - 1.7) < 0.1 and 2.5 < rise ** 2 < 3.5
    entries = ch10.baselines("co2")
    naive = errors(entries["naive"].forecasts[0], p.truth("test")).mse
    seasonal = errors(entries["seasonal naive"].forecasts[0], p.truth("test")).mse
    assert 2.5 < naive[-1] < 4 and seasonal.max() < 1.1 * seasonal.min()


@pytest.mark.parametrize("L, K", [(36, 12), (24, 14), (22, 11), (5, 1)])
def test_exercise_4_the_lstms_parameter_count_is_4h2_plus_8h_plus_the_readout(L, K):
    """The solution: 4H(H + 1) + 4H for the layer (D = 1), KH + K for the readout; with K = 12,
    4H² + 20H + 12. Counted from the built model, for many H and windows."""
    for H in range(1, 25):
        assert models.parameter_count(models.build("LSTM", L, K, H)) == 4 * H * H + 8 * H + K * H + K
    if K == 12:
        assert [models.parameter_count(models.build("LSTM", L, K, H)) for H in (12, 13)] == [828, 948]


def test_exercise_4_the_budget_picks_h_12_for_co2_on_a_tie():
    """888 lies 60 from 828 (H = 12) and 60 from 948 (H = 13): the smaller size wins the tie."""
    assert ch10.budget("co2") == 2 * (36 * 12 + 12) == 888
    assert ch10.size("co2", "LSTM") == 12


EX1_SEEDS = (0, 1, 2, 3)


@functools.lru_cache(maxsize=None)
def _exercise_1(seed):
    """The exercise's code with one seed, anchored and not: (highest forecast, test MSE,
    validation MSE) of each."""
    p = ch10.problem("co2")
    out = {}
    for anchored in (False, True):
        seed_everything(seed)
        model = models.build("LSTM", p.lookback, p.horizon, ch10.size("co2", "LSTM"),
                             anchored=anchored)
        model, _ = fit.fit(model, p, seed=seed, lr=0.03)
        test, val = fit.forecast(model, p, "test"), fit.forecast(model, p, "val")
        out[anchored] = (test.max(), errors(test, p.truth("test")).multi_step()[0],
                         errors(val, p.truth("val")).multi_step()[0])
    return out


@pytest.mark.slow
def test_exercise_1_without_anchoring_the_lstm_cannot_follow_co2_out_of_its_range():
    """The solution: the unanchored forecasts flatten out more than 10 ppm below the test
    part's highest value; its multi-step test MSE is above 100 ppm², against 0.3-0.8 ppm²
    anchored; its validation MSE is above 10 ppm² (more than 20 times the anchored one's)
    and below its test MSE."""
    top = ch10.problem("co2").values("test").max()
    for seed in EX1_SEEDS:
        r = _exercise_1(seed)
        (plain_max, plain_test, plain_val), (_, anchored_test, anchored_val) = r[False], r[True]
        assert plain_max < top - 10, seed
        assert plain_test > 100 and 0.3 < anchored_test < 0.8, seed
        assert 10 < plain_val < plain_test and plain_val > 20 * anchored_val, seed


def _sweep_script():
    spec = importlib.util.spec_from_file_location("forecast_sweep", sweeps.ROOT / "benchmarks/forecast_sweep.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_precomputed_sweep_is_current_complete_and_hashes_every_module_it_runs():
    """sweeps.load raises StaleResults if the script or any lstmlib module it ran changed."""
    sweep = sweeps.load(ch10.SWEEP)
    assert sweep.complete
    script = _sweep_script()
    assert script.SERIES == ch10.SERIES and script.LR == ch10.LR
    assert script.PATH == ch10.SWEEP
    assert script.STEPS == 1000 > 3 * ch10.TRAINING["steps"]            # "more than three times"
    assert sorted({r["seed"] for r in sweep.rows}) == list(script.SEEDS) == [0, 1, 2, 3, 4]
    assert sweep.header["sources"] == sorted(sweeps.source_files(script.sources()))
    for module in ("lstmlib/layers/lstm.py", "lstmlib/layers/gru.py", "lstmlib/seed.py",
                   "lstmlib/forecasting/models.py", "lstmlib/forecasting/fit.py"):
        assert module in sweep.header["sources"]


# One run of each series, re-run in full: (series, model, seed).
SAMPLE = [("co2", "GRU", 1), ("sunspots", "DLinear", 2), ("mackey_glass", "LSTM", 0)]


@pytest.mark.slow
@pytest.mark.parametrize("series, kind, seed", SAMPLE)
def test_a_sample_of_the_sweeps_rows_re_run_within_the_spread_the_chapter_states(series, kind, seed):
    """Re-run one row of the sweep on this machine: its test MSE (mean over the leads) lies
    within the range of that model's seeds in the file, widened by a factor of 1.5 either way
    (another CPU trains another network), and keeps the order the chapter states for it."""
    script = _sweep_script()
    again = script.one_run(series, kind, "small", seed)
    rows = [r for r in sweeps.load(ch10.SWEEP).rows if r["series"] == series]
    mine = np.array([np.mean(r["mse"]) for r in rows if r["kind"] == kind])
    mse = float(np.mean(again["mse"]))
    assert mine.min() / 1.5 < mse < 1.5 * mine.max()
    assert again["params"] == rows[[r["kind"] for r in rows].index(kind)]["params"]
    table = ch10.sweep_table(rows, series)
    for other, claim in SWEEP_ORDER[series, kind]:
        value = table[other, "small"]["mse"]
        assert (mse < value.min()) if claim == "below" else (mse > value.max()), (other, claim)


# The chapter's statements about the sampled models (each "every seed of X beats every
# seed of Y"), as (other model, "below" or "above"): the re-run keeps them.
SWEEP_ORDER = {("co2", "GRU"): [("Transformer", "below")],
               ("sunspots", "DLinear"): [(k, "below") for k in ("MLP", "LSTM", "GRU", "Transformer")],
               ("mackey_glass", "LSTM"): [("MLP", "below"), ("DLinear", "below")]}
