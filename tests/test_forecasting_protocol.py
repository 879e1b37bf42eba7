"""lstmlib.forecasting.protocol: a chronological split, windows whose targets stay in their
part, a normaliser fitted on the training part, and no test value anywhere in the fitting."""
import dataclasses

import numpy as np
import pytest
import torch

from lstmlib.forecasting import baselines, data, fit, models
from lstmlib.forecasting.protocol import (Normaliser, Problem, chronological_split, errors_by_lead, origins,
                                          rolling_splits)
from lstmlib.training.seed import seed_everything


def ramp(N=100):
    """A series whose value is its index: every window says where it came from."""
    return data.Series("ramp", "ramp", np.arange(N, dtype=float), np.arange(N), "", "step",
                       None, "test")


def test_the_split_is_chronological_60_20_20():
    s = chronological_split(100)
    assert (s.train_end, s.val_end) == (60, 80)
    assert s.bounds("train") == (0, 60) and s.bounds("val") == (60, 80) and s.bounds("test") == (80, 100)
    with pytest.raises(ValueError, match="expected fractions"):
        chronological_split(100, 0.8, 0.3)
    with pytest.raises(ValueError, match="unknown part 'dev'"):
        s.bounds("dev")


def test_windows_end_at_their_origin_and_targets_stay_in_their_part():
    p = Problem(ramp(), lookback=10, horizon=5)
    for part in ("train", "val", "test"):
        start, stop = p.split.bounds(part)
        t = p.origins(part)
        X, Y = p.inputs(part), p.truth(part)
        assert np.array_equal(X[:, -1], t - 1) and np.array_equal(Y[:, 0], t)
        assert Y.min() >= start and Y.max() < stop                 # targets inside the part
        assert X.shape == (len(t), 10) and Y.shape == (len(t), 5)
    assert p.origins("train")[0] == 10 and p.origins("train")[-1] == 60 - 5
    assert p.origins("val")[0] == 60 and p.origins("test")[-1] == 95
    with pytest.raises(ValueError, match="holds no window"):
        origins(p.split, "val", lookback=10, horizon=25)


def test_the_normaliser_uses_the_training_part_and_inverts():
    p = Problem(ramp(), lookback=10, horizon=5)
    assert p.normaliser.mean == pytest.approx(29.5) and p.normaliser.std == pytest.approx(np.arange(60).std())
    X, Y = p.windows("train")
    assert X.dtype == torch.float32
    assert np.allclose(p.normaliser.inverse(X.double().numpy()), p.inputs("train"), atol=1e-4)
    with pytest.raises(ValueError, match="expected finite values"):
        Normaliser.fit([1.0, np.nan, 2.0])
    with pytest.raises(ValueError, match="constant series"):
        Normaliser.fit([1.0, 1.0])


def test_errors_by_lead():
    e = errors_by_lead([[1.0, 2.0], [3.0, 4.0]], [[0.0, 0.0], [1.0, 0.0]])
    assert np.allclose(e.mse, [(1 + 4) / 2, (4 + 16) / 2]) and np.allclose(e.mae, [1.5, 3.0])
    assert e.one_step() == (2.5, 1.5) and e.multi_step() == (6.25, 2.25)
    with pytest.raises(ValueError, match="expected forecast and truth of the same shape"):
        errors_by_lead(np.zeros((3, 2)), np.zeros((3, 1)))


def poisoned(series, value):
    """The same series with every value of its test part replaced by ``value``."""
    split = chronological_split(len(series))
    v = series.values.copy()
    v[split.val_end:] = value
    return dataclasses.replace(series, values=v)


@pytest.mark.parametrize("poison", [np.nan, 1e9])
def test_no_test_value_reaches_the_fitting(poison):
    """Poison the test period: the normaliser, the trained networks and the classical model
    come out exactly as on the clean series; only the test forecasts change."""
    clean, dirty = data.co2(), poisoned(data.co2(), poison)
    problems = [Problem(s, lookback=36, horizon=12) for s in (clean, dirty)]
    assert problems[0].normaliser == problems[1].normaliser
    for part in ("train", "val"):
        assert all(torch.equal(a, b) for a, b in zip(*(p.windows(part) for p in problems)))
    for kind, size in (("DLinear", 25), ("LSTM", 4), ("PatchTST", 4)):
        weights = []
        for p in problems:
            seed_everything(0)
            model, run = fit.fit(models.build(kind, 36, 12, size), p, seed=0, steps=30,
                                 check_every=10)
            weights.append([w.detach().clone() for w in model.parameters()])
        assert all(torch.equal(a, b) for a, b in zip(*weights)), kind
    arima = [baselines.Classical.fit(p, "ARIMA", order=(2, 1, 0)) for p in problems]
    assert np.array_equal(arima[0].params, arima[1].params)
    assert np.array_equal(arima[0].forecast("val"), arima[1].forecast("val"))
    assert not np.allclose(arima[0].forecast("test"), arima[1].forecast("test"), equal_nan=False)


def test_rolling_origin_moves_three_test_blocks_to_the_end():
    """Fold j: test block j of three at the end (10 % each), validation the 15 % before it,
    training everything earlier; nothing after a fold's test block is read."""
    splits = rolling_splits(200)
    assert [(s.train_end, s.val_end, s.test_end) for s in splits] == [
        (110, 140, 160), (130, 160, 180), (150, 180, 200)]
    with pytest.raises(ValueError, match="folds · test \\+ val < 1"):
        rolling_splits(100, folds=5, test=0.2)
    series = ramp(200)
    first, _, last = Problem.rolling(series, lookback=10, horizon=5)
    assert first.truth("test").max() == 159 and last.truth("test").max() == 199
    assert first.known("test").max() == 159 and first.fit_values.max() == 139
    v = series.values.copy()
    v[160:] = np.nan                                   # the future of the first fold
    again = Problem.rolling(dataclasses.replace(series, values=v), 10, 5)[0]
    assert np.array_equal(again.truth("test"), first.truth("test"))
    assert again.normaliser == first.normaliser


def test_mase_scale_is_the_in_sample_seasonal_naive_error():
    p = Problem.rolling(data.co2(), 36, 12)[0]
    train = p.values("train")
    assert p.mase_scale() == pytest.approx(np.abs(train[12:] - train[:-12]).mean())
    u = Problem.rolling(data.unemployment(), 16, 8)[0]         # no season: the naive one
    assert u.mase_scale() == pytest.approx(np.abs(np.diff(u.values("train"))).mean())


def test_a_square_root_series_is_fitted_on_roots_and_forecast_in_its_unit():
    p = Problem.rolling(data.sunspots(), 22, 11)[-1]
    X, Y = p.windows("test")
    roots = np.sqrt(p.truth("test"))
    assert np.allclose(p.normaliser.inverse(Y.double().numpy()), roots, atol=1e-5)
    assert np.allclose(p.to_unit(Y.double().numpy()), p.truth("test"), rtol=1e-4, atol=1e-3)
    assert p.series.inverse(np.array([-1.0, 2.0])).tolist() == [0.0, 4.0]
    with pytest.raises(ValueError, match="non-negative values for the square-root"):
        data.Series("x", "x", np.array([-1.0, 1.0]), np.arange(2), "", "", None, "",
                    transform="sqrt")
