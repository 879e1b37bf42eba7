"""lstmlib.forecasting.data: the two real series as statsmodels ships them, and Mackey–Glass
checked against an independent integration of the delay equation."""
import numpy as np
import pytest

from lstmlib.forecasting import data


def test_co2_is_the_monthly_mean_of_the_weekly_record_from_1965():
    from statsmodels.datasets import co2 as dataset
    weekly = dataset.load().data["co2"]
    assert len(weekly) == 2284 and int(weekly.isna().sum()) == 59          # facts.md
    s = data.co2()
    assert len(s) == 444 and s.period == 12 and s.unit == "ppm"
    assert s.time[0] == 1965.0 and abs(s.time[-1] - (2001 + 11 / 12)) < 1e-9
    assert np.isfinite(s.values).all() and 315 < s.values.min() < s.values.max() < 375
    # March 1990, computed independently from the weekly values
    march = weekly[(weekly.index.year == 1990) & (weekly.index.month == 3)].dropna()
    k = int(np.argmin(np.abs(s.time - (1990 + 2 / 12))))
    assert abs(s.values[k] - march.mean()) < 1e-9


def test_sunspots_are_the_309_yearly_values_forecast_as_roots():
    s = data.sunspots()
    assert len(s) == 309 and s.time[0] == 1700 and s.time[-1] == 2008
    assert s.period is None and s.transform == "sqrt" and (s.values >= 0).all()


def test_the_other_real_series_as_statsmodels_ships_them():
    from statsmodels.datasets import elec_equip, elnino, macrodata
    e = data.elnino()
    table = elnino.load().data
    assert len(e) == 732 == 12 * len(table) and e.period == 12 and e.unit == "°C"
    assert e.values[13] == table.loc[1, "FEB"] and e.time[13] == 1951 + 1 / 12
    q = data.elec_equip()
    assert len(q) == 257 and q.period == 12 and q.values[0] == elec_equip.load().data.iloc[0, 0]
    assert q.time[0] == 1995 and abs(q.time[-1] - (2016 + 4 / 12)) < 1e-9
    u = data.unemployment()
    assert len(u) == 203 and u.period is None and u.unit == "%"
    assert np.array_equal(u.values, macrodata.load().data["unemp"].to_numpy())
    assert u.time[1] == 1959.25
    assert set(data.REAL) == {"co2", "elnino", "elec_equip", "unemployment", "sunspots"}
    assert all(np.isfinite(data.load(n).values).all() for n in data.REAL)


def test_a_series_owns_a_copy_of_its_values():
    s = data.mackey_glass(50)
    s.values[:] = np.nan                       # a caller may poison its copy ...
    assert np.isfinite(data.mackey_glass(50).values).all()      # ... never the cached path


def euler_mackey_glass(t_end, dt=0.001, beta=0.2, gamma=0.1, n=10, tau=17, x0=1.2):
    """The same equation by the explicit Euler method on a 100 times finer grid."""
    delay = round(tau / dt)
    x = np.full(delay + round(t_end / dt) + 1, x0)
    for k in range(delay, len(x) - 1):
        x_tau = x[k - delay]
        x[k + 1] = x[k] + dt * (beta * x_tau / (1 + x_tau ** n) - gamma * x[k])
    return x[delay:]                            # x(0), x(dt), ...


def test_mackey_glass_agrees_with_an_independent_euler_integration():
    s = data.mackey_glass(N=31, discard=0, every=6)             # t = 0, 6, ..., 180
    reference = euler_mackey_glass(180.0)[::6000]
    assert np.abs(s.values - reference).max() < 2e-3
    assert s.values[0] == 1.2 and s.time[-1] == 180


def test_mackey_glass_is_chaotic_but_bounded_and_deterministic():
    s = data.mackey_glass()
    assert len(s) == 1000 and s.period is None
    assert 0.2 < s.values.min() < 0.5 and 1.2 < s.values.max() < 1.45
    assert np.array_equal(s.values, data.mackey_glass().values)
    # sensitive dependence: a history 1e-6 higher ends up far away
    b = data.mackey_glass(x0=1.2 + 1e-6)
    assert abs(s.values[5] - b.values[5]) < 1e-4 and np.abs(s.values[-100:] - b.values[-100:]).max() > 0.1


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match="expected tau to be a positive whole multiple of dt"):
        data.mackey_glass(10, tau=17.05)
    with pytest.raises(ValueError, match="unknown series 'co3'"):
        data.load("co3")
    with pytest.raises(TypeError, match="expected N to be a positive int"):
        data.mackey_glass(10.0)
    with pytest.raises(ValueError, match="expected values and time of the same shape"):
        data.Series("x", "x", np.zeros(3), np.zeros(4), "", "", None, "")
