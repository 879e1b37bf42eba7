"""The series of chapter 10: two real ones that ship with statsmodels, and Mackey–Glass.

Nothing is downloaded: ``co2`` and ``sunspots`` are data files inside the statsmodels
package, and the Mackey–Glass series is integrated here.

    s = co2()               # Mauna Loa CO₂, monthly means 1965-2001, in ppm
    s = sunspots()          # yearly sunspot numbers 1700-2008
    s = mackey_glass()      # the chaotic delay equation, tau = 17, sampled every 6 time units
    s.values                # (N,) float64, in s.unit
    s.time                  # (N,) the time of each value, in s.time_unit (for plots)
    s.period                # the season in steps (seasonal naive), or None
"""
from __future__ import annotations

import functools
from dataclasses import dataclass, field

import numpy as np

from .. import validate


@dataclass(frozen=True)
class Series:
    """One univariate time series and what a plot or a table needs to describe it."""
    name: str                       # short key: "co2", "sunspots", "mackey_glass"
    title: str                      # for a figure or a table
    values: np.ndarray = field(repr=False)      # (N,) float64
    time: np.ndarray = field(repr=False)        # (N,) time of each value, in time_unit
    unit: str                       # of the values, e.g. "ppm"
    time_unit: str                  # of time, e.g. "year"
    period: int | None              # length of the season in steps (None: no season)
    source: str                     # where the numbers come from, and their licence

    def __post_init__(self):
        values = np.array(self.values, dtype=float)           # a copy: a Series owns its data
        time = np.array(self.time, dtype=float)
        if values.ndim != 1 or time.shape != values.shape:
            raise ValueError(f"expected values and time of the same shape (N,), got "
                             f"{values.shape} and {time.shape}")
        object.__setattr__(self, "values", values)
        object.__setattr__(self, "time", time)

    def __len__(self):
        return len(self.values)


CO2_START = "1965-01"       # the weekly record has months without any measurement up to 1964


@functools.lru_cache(maxsize=None)
def _co2_values():
    from statsmodels.datasets import co2 as dataset
    weekly = dataset.load().data["co2"]                         # 2,284 weeks, 59 of them NaN
    monthly = weekly.resample("MS").mean().loc[CO2_START:]      # mean of the measured weeks
    if monthly.isna().any():
        raise RuntimeError("a month from 1965 on has no measurement: the data file changed")
    time = monthly.index.year + (monthly.index.month - 1) / 12
    return monthly.to_numpy(dtype=float), np.asarray(time, dtype=float)


def co2() -> Series:
    """Atmospheric CO₂ at Mauna Loa, monthly means of the weekly flask samples, 1965-2001.

    ``statsmodels.datasets.co2`` (Keeling & Whorf 2004; public domain) holds 2,284 weekly
    values from March 1958 to December 2001, 59 of them missing. A month's value is the mean
    of its measured weeks. Before 1965 some months have no measurement at all, so the series
    starts in January 1965: 444 months, none missing. Rising trend, 12-month season.
    """
    values, time = _co2_values()
    return Series("co2", "Mauna Loa CO₂ (monthly mean)", values, time, "ppm",
                  "year", 12, "statsmodels.datasets.co2, Keeling & Whorf (2004), public domain")


def sunspots() -> Series:
    """Yearly mean sunspot numbers 1700-2008, 309 values (``statsmodels.datasets.sunspots``).

    Public domain (NOAA). The solar cycle lasts about 11 years but not exactly, so a seasonal
    naive forecast with period 11 is only an approximation of a season.
    """
    from statsmodels.datasets import sunspots as dataset
    data = dataset.load().data
    return Series("sunspots", "Sunspot number (yearly mean)", data["SUNACTIVITY"].to_numpy(float),
                  data["YEAR"].to_numpy(float), "sunspot number", "year", 11,
                  "statsmodels.datasets.sunspots, NOAA, public domain")


MACKEY_GLASS = dict(beta=0.2, gamma=0.1, n=10, tau=17, dt=0.1, every=6, x0=1.2, discard=600)


def mackey_glass(N: int = 1000, *, beta: float = MACKEY_GLASS["beta"],
                 gamma: float = MACKEY_GLASS["gamma"], n: float = MACKEY_GLASS["n"],
                 tau: float = MACKEY_GLASS["tau"], dt: float = MACKEY_GLASS["dt"],
                 every: float = MACKEY_GLASS["every"], x0: float = MACKEY_GLASS["x0"],
                 discard: float = MACKEY_GLASS["discard"]) -> Series:
    """``N`` samples of the Mackey–Glass delay equation (Mackey & Glass 1977),

        dx/dt = beta · x(t − tau) / (1 + x(t − tau)^n) − gamma · x(t),

    chaotic for tau = 17. Fourth-order Runge–Kutta with step ``dt`` (tau/dt whole), the
    history x(t) = x0 for t ≤ 0, the first ``discard`` time units dropped (the transient),
    then one sample every ``every`` time units. Deterministic: no noise, no seed.
    """
    N = validate.positive_int("N", N)
    x = _mackey_glass_path(N, beta, gamma, n, tau, dt, every, x0, discard)
    time = discard + every * np.arange(N)
    return Series("mackey_glass", f"Mackey–Glass (τ = {tau:g})", x, time, "x (no unit)",
                  "time unit", None, "generated by lstmlib.forecasting.data.mackey_glass")


def _whole(name, value, dt, zero=False):
    steps = value / dt
    if steps < (0 if zero else 1e-12) or abs(steps - round(steps)) > 1e-9:
        kind = "a non-negative" if zero else "a positive"
        raise ValueError(f"expected {name} to be {kind} whole multiple of dt = {dt}, got {value}")
    return int(round(steps))


@functools.lru_cache(maxsize=8)
def _mackey_glass_path(N, beta, gamma, n, tau, dt, every, x0, discard):
    delay, stride, skip = _whole("tau", tau, dt), _whole("every", every, dt), _whole("discard", discard, dt, zero=True)
    steps = skip + stride * (N - 1)

    def rhs(x, x_tau):
        return beta * x_tau / (1.0 + x_tau ** n) - gamma * x

    path = [x0] * (delay + 1) + [0.0] * steps       # path[k + delay] = x(k · dt), k ≥ −delay
    for k in range(steps):                          # RK4; x(t − tau) at the half step: the mean
        i = k + delay                               # of its two neighbours on the grid
        x, past, past_next = path[i], path[i - delay], path[i - delay + 1]
        past_half = 0.5 * (past + past_next)
        k1 = rhs(x, past)
        k2 = rhs(x + 0.5 * dt * k1, past_half)
        k3 = rhs(x + 0.5 * dt * k2, past_half)
        k4 = rhs(x + dt * k3, past_next)
        path[i + 1] = x + dt / 6.0 * (k1 + 2 * k2 + 2 * k3 + k4)
    out = np.array(path[delay + skip::stride], dtype=float)
    out.setflags(write=False)
    return out


def load(name: str) -> Series:
    """One of the chapter's series by name: ``"co2"``, ``"sunspots"`` or ``"mackey_glass"``."""
    loaders = {"co2": co2, "sunspots": sunspots, "mackey_glass": mackey_glass}
    if name not in loaders:
        raise ValueError(f"unknown series {name!r}: expected one of {tuple(loaders)}")
    return loaders[name]()
