"""lstmlib.forecasting.baselines: naive and seasonal naive forecasts against direct indexing,
and the classical models' vectorised forecasts against statsmodels' own predictions."""
import numpy as np
import pytest

from lstmlib.experiments import ch10
from lstmlib.forecasting import baselines, data
from lstmlib.forecasting.protocol import Problem


@pytest.fixture(scope="module")
def co2():
    return Problem(data.co2(), lookback=36, horizon=12)


def test_naive_repeats_the_last_value(co2):
    f = baselines.naive(co2, "test")
    y, t = co2.series.values, co2.origins("test")
    assert f.shape == (len(t), 12) and np.array_equal(f, np.repeat(y[t - 1][:, None], 12, axis=1))


def test_seasonal_naive_takes_the_value_whole_seasons_earlier():
    p = Problem(data.co2(), lookback=36, horizon=30)          # leads beyond two seasons
    f = baselines.seasonal_naive(p, "val", period=12)
    y, t = p.series.values, p.origins("val")
    for b in (0, len(t) // 2, len(t) - 1):
        for h in range(30):
            k = h // 12 + 1                                    # fewest seasons back before t
            assert f[b, h] == y[t[b] + h - 12 * k] and t[b] + h - 12 * k < t[b]
    with pytest.raises(ValueError, match="expected a period of at most the lookback 36"):
        baselines.seasonal_naive(p, "val", period=40)


@pytest.mark.parametrize("kind,spec", [("ETS", dict(trend=True, seasonal=12)),
                                       ("ARIMA", dict(order=(2, 1, 1)))])
def test_classical_forecasts_match_statsmodels_predictions(co2, kind, spec):
    model = baselines.Classical.fit(co2, kind, **spec)
    assert model.converged and model.n_params == len(model.result.params)
    f = model.forecast("test")
    run = model.result.apply(co2.series.values)
    for b in (0, 17, len(f) - 1):
        o = co2.origins("test")[b]
        expected = run.get_prediction(start=o, end=o + 11, dynamic=0).predicted_mean
        assert np.allclose(f[b], expected, atol=1e-8)


def test_the_chapters_classical_models_converge_and_are_named():
    names = {}
    for name, (kind, spec) in ch10.CLASSICAL.items():
        model = baselines.Classical.fit(ch10.problem(name), kind, **spec)
        assert model.converged, name
        names[name] = model.name()
    assert names == {"co2": "ETS(A,A,A)", "sunspots": "ARIMA(8,0,0)", "mackey_glass": "ARIMA(12,0,0)"}


def test_bad_arguments_are_named(co2):
    with pytest.raises(ValueError, match="unknown classical model 'Prophet'"):
        baselines.Classical.fit(co2, "Prophet")
    with pytest.raises(TypeError, match="expected a forecasting Problem"):
        baselines.naive(data.co2(), "test")
    linear_trend = baselines.Classical.fit(co2, "ARIMA", order=(1, 0, 0), trend="ct")
    with pytest.raises(NotImplementedError, match="time-varying"):
        linear_trend.forecast("test")
