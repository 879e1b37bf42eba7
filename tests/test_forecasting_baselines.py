"""lstmlib.forecasting.baselines: naive and seasonal naive forecasts against direct indexing,
and the classical models' vectorised forecasts against statsmodels' own predictions."""
import numpy as np
import pytest

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


def test_auto_ets_and_auto_arima_take_the_lowest_aicc_form():
    """The form with the lowest AICc among those offered wins; a seasonal series gets a
    seasonal difference and an MA term over the season, a non-seasonal one a constant when
    nothing is differenced."""
    p = Problem.rolling(data.unemployment(), 16, 8)[0]
    ets = baselines.auto_ets(p)
    forms = [baselines.Classical.fit(p, "ETS", trend=t, damped_trend=d)
             for t, d in ((False, False), (True, False), (True, True))]
    assert ets.aicc == pytest.approx(min(f.aicc for f in forms))
    arima = baselines.auto_arima(p)
    d, D = baselines.differences(p)
    assert D == 0 and arima.spec["order"][1] == d
    assert arima.spec["trend"] == ("c" if d == 0 else "n")
    assert arima.name() == "ARIMA({},{},{})".format(*arima.spec["order"])
    seasonal = Problem.rolling(data.elec_equip(), 36, 12)[0]
    assert baselines.differences(seasonal)[1] == 1


def test_bad_arguments_are_named(co2):
    with pytest.raises(ValueError, match="unknown classical model 'Prophet'"):
        baselines.Classical.fit(co2, "Prophet")
    with pytest.raises(TypeError, match="expected a forecasting Problem"):
        baselines.naive(data.co2(), "test")
    linear_trend = baselines.Classical.fit(co2, "ARIMA", order=(1, 0, 0), trend="ct")
    with pytest.raises(NotImplementedError, match="time-varying"):
        linear_trend.forecast("test")
