"""Chapter 10's experiment functions (``lstmlib.experiments.ch10`` and ``ch10_results``), its
exercise solutions and its precomputed sweep.

The notebook ``book/10_time_series.ipynb`` states its claims in check cells (their one
definition); ``tests/test_other_runs.py`` and ``benchmarks/robustness.py`` rerun it with other
seeds and numeric environments. Here: fast tests of the functions (the setting chosen on
validation, MASE per window, ranks and tests, bad input), the quantitative sentences of the
exercise solutions (the dropdowns cannot check themselves), and the sweep: current,
complete, hashed on every module it runs, and a sample of its rows re-run.
"""
import functools
import importlib.util

import numpy as np
import pytest

from lstmlib.experiments import ch10, ch10_results
from lstmlib.forecasting import evaluation, fit, models
from lstmlib.training import sweeps
from lstmlib.training.seed import seed_everything


def test_the_seeds_of_a_run_never_reuse_another_runs_networks():
    assert ch10.seeds(0) == (0, 1) and ch10.seeds(1) == (2, 3)
    assert len({s for seed in range(20) for s in ch10.seeds(seed)}) == 40


def test_every_series_has_three_folds_whose_test_blocks_tile_its_end():
    for name in ch10.SERIES:
        ps = ch10.problems(name)
        assert len(ps) == 3
        assert [p.split.val_end for p in ps[1:]] == [p.split.test_end for p in ps[:-1]]
        assert ps[-1].split.test_end == len(ps[-1].series)
    with pytest.raises(ValueError, match="unknown series 'co3'"):
        ch10.problems("co3")


def test_the_setting_is_chosen_by_mean_validation_error_never_by_test_error():
    rows = [dict(series="co2", fold=0, kind="LSTM", lr=lr, budget="1x", seed=s, val=v,
                 origin_ae=[t])
            for lr, vals, t in ((0.01, (1.0, 3.0), 0.1), (0.03, (1.5, 1.6), 9.0))
            for s, v in enumerate(vals)]
    assert ch10.chosen(rows) == {("co2", 0, "LSTM"): (0.03, "1x")}   # mean 1.55 < 2.0
    assert [r["lr"] for r in ch10_results.final(rows)["co2", 0, "LSTM"]] == [0.03, 0.03]


def _fake_rows():
    """Every window of the sweep with made-up errors: each model's per-origin error is the
    seasonal naive forecast's times a factor (DLinear 0.5 ... PatchTST 0.9)."""
    factors = dict(DLinear=0.5, MLP=0.6, LSTM=0.7, GRU=0.8, PatchTST=0.9, ETS=0.55,
                   ARIMA=0.65)
    rows = []
    for name in ch10.SERIES:
        for fold, p in enumerate(ch10.problems(name)):
            base = evaluation.origin_errors(ch10.reference(p, "seasonal naive"),
                                            p.truth("test"))
            for kind, f in factors.items():
                row = dict(series=name, fold=fold, kind=kind, origin_ae=list(f * base))
                if kind in ch10.CLASSICAL:
                    row["form"] = kind
                else:
                    row.update(lr=0.01, budget="1x", seed=0, val=1.0, shuffled_mae=2 * f)
                rows.append(row)
    return rows


def test_window_scores_ranks_and_tests_over_the_sweeps_windows():
    rows = _fake_rows()
    scores = ch10_results.window_scores(rows)
    assert len(scores) == 18
    for k, window in scores.items():
        assert window["LSTM"] == pytest.approx(0.7 * window["seasonal naive"])
    assert ch10_results.skill(scores, "DLinear") == pytest.approx(0.5)
    rank = ch10_results.mean_ranks(scores)
    assert rank["DLinear"].tolist() == [1] * 18 and rank["ETS"].mean() == 2
    c = ch10_results.compare(scores, "PatchTST", "LSTM")
    assert c["wins"] == 0 and c["windows"] == 18 and c["ratio"] == pytest.approx(0.9 / 0.7)
    assert c["p"] < 0.001
    text = ch10_results.ranking_text(scores)
    assert text.splitlines()[2].startswith("DLinear")
    assert max(len(line) for line in text.splitlines()) <= 79
    stat, p = ch10_results.diebold_mariano(rows, "co2", "DLinear", "LSTM")
    assert stat < 0 and p < 0.05
    assert ch10_results.shuffle_ratios(rows)["co2", "LSTM"] > 0


@functools.lru_cache(maxsize=None)
def _exercise_1(seed):
    """The exercise's code on CO₂'s last fold, anchored and not: (highest forecast, test
    MASE, validation MSE of the kept weights)."""
    p = ch10.problems("co2")[-1]
    out = {}
    for anchored in (False, True):
        seed_everything(seed)
        model = models.build("LSTM", p.lookback, p.horizon, ch10.size("co2", "LSTM"),
                             anchored=anchored)
        model, run = fit.fit(model, p, seed=seed, lr=0.01)
        test = fit.forecast(model, p, "test")
        out[anchored] = (test.max(), evaluation.mase(test, p.truth("test"), p.mase_scale()),
                         min(run.val_mse))
    return out


EX1_SEEDS = (0, 1, 2, 3)


@pytest.mark.slow
def test_exercise_1_without_anchoring_the_lstm_cannot_follow_co2_out_of_its_range():
    """The solution: unanchored, the forecasts flatten out more than 5 ppm below the test
    block's highest value (374 ppm), the MASE is above 5 and more than 20 times the anchored
    one's (0.25 to 0.35), and the validation error warns: more than 20 times the anchored
    one's."""
    top = ch10.problems("co2")[-1].values("test").max()
    for seed in EX1_SEEDS:
        (plain_max, plain, plain_val), (_, anchored, anchored_val) = (
            _exercise_1(seed)[False], _exercise_1(seed)[True])
        assert plain_max < top - 5 and 373 < top < 375, seed
        assert plain > 5 and plain > 20 * anchored and 0.25 < anchored < 0.35, seed
        assert plain_val > 20 * anchored_val, seed


def test_exercise_2_the_naive_forecasts_error_at_a_lead_of_a_year():
    """CO₂ rose by about 1.3 ppm a year over the last test block (1998-2001); the naive
    forecast's MAE peaks 5 to 7 months ahead and at lead 12 is within 0.3 ppm of the yearly
    rise; the seasonal naive forecast's MAE varies by less than a factor of 1.5 over the
    leads."""
    p = ch10.problems("co2")[-1]
    test = p.values("test")
    rise = (test[-12:].mean() - test[:12].mean()) / ((len(test) - 12) / 12)
    assert 1.2 < rise < 1.4
    err = np.abs(ch10.reference(p, "naive") - p.truth("test")).mean(axis=0)    # (K,)
    assert 5 <= int(np.argmax(err)) + 1 <= 7 and abs(err[-1] - rise) < 0.3
    seasonal = np.abs(ch10.reference(p, "seasonal naive") - p.truth("test")).mean(axis=0)
    assert seasonal.max() < 1.5 * seasonal.min()


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
    assert ch10.size("co2", "LSTM", "1x") == 12


def _sweep_script():
    spec = importlib.util.spec_from_file_location("forecast_sweep", sweeps.ROOT / "benchmarks/forecast_sweep.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_precomputed_sweep_is_current_complete_and_hashes_every_module_it_runs():
    """sweeps.load raises StaleResults if the script or any lstmlib module it ran changed."""
    script = _sweep_script()
    assert (script.PATH, script.LOOKBACK_PATH) == (ch10_results.SWEEP, ch10_results.LOOKBACK)
    sweep, lookback = sweeps.load(ch10_results.SWEEP), sweeps.load(ch10_results.LOOKBACK)
    assert sweep.complete and lookback.complete
    assert len(sweep.records) == len(script.planned()) == 1980
    assert lookback.header["planned"] == len(script.planned_lookback(sweep.rows)) == 108
    for results in (sweep, lookback):
        assert results.header["sources"] == sorted(sweeps.source_files(script.sources()))
    for module in ("lstmlib/layers/lstm.py", "lstmlib/layers/gru.py", "lstmlib/training/seed.py",
                   "lstmlib/forecasting/models.py", "lstmlib/forecasting/fit.py",
                   "lstmlib/forecasting/baselines.py", "lstmlib/experiments/ch10.py"):
        assert module in sweep.header["sources"]


# Rows re-run in full: (series, fold, model, seed), each at the setting the sweep chose.
SAMPLE = [("co2", 2, "LSTM", 1), ("mackey_glass", 2, "PatchTST", 0), ("sunspots", 0, "GRU", 2)]


@pytest.mark.slow
@pytest.mark.parametrize("series, fold, kind, seed", SAMPLE)
def test_a_sample_of_the_sweeps_rows_re_run_within_the_spread_of_its_seeds(series, fold, kind,
                                                                          seed):
    """Re-run one row of the sweep on this machine: its test MAE lies within the range of
    that model's three seeds in the file, widened by a factor of 1.5 either way (another CPU
    trains another network), and it has the file's parameter count."""
    rows = sweeps.load(ch10_results.SWEEP).rows
    lr, budget = ch10.chosen(rows)[series, fold, kind]
    mine = [r for r in ch10_results.final(rows)[series, fold, kind]]
    again = ch10.one_run(series, fold, kind, seed, lr, budget)
    mae = np.array([np.mean(r["origin_ae"]) for r in mine])
    assert mae.min() / 1.5 < np.mean(again["origin_ae"]) < 1.5 * mae.max()
    assert again["params"] == mine[0]["params"]
