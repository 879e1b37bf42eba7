"""The series of chapter 10: five real ones that ship with statsmodels, and Mackey–Glass.

Nothing is downloaded: the real series are data files inside the statsmodels package, and
the Mackey–Glass series is integrated here.

    s = co2()               # Mauna Loa CO₂, monthly means 1965-2001, in ppm
    s = elnino()            # sea surface temperature in the El Niño region, monthly 1950-2010
    s = elec_equip()        # euro-area electrical equipment orders, monthly 1995-2016
    s = unemployment()      # US unemployment rate, quarterly 1959-2009, seasonally adjusted
    s = sunspots()          # yearly sunspot numbers 1700-2008 (forecast as a square root)
    s = mackey_glass()      # the chaotic delay equation, tau = 17, sampled every 6 time units
    s.values                # (N,) float64, in s.unit
    s.time                  # (N,) the time of each value, in s.time_unit (for plots)
    s.period                # the season in steps (seasonal naive), or None
    s.transform             # "sqrt": models forecast the square root, errors are in s.unit
"""
from __future__ import annotations

import functools
from dataclasses import dataclass, field

import numpy as np

from .. import validate


TRANSFORMS = (None, "sqrt")


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
    transform: str | None = None    # "sqrt": fitted and forecast as √y (variance-stabilising)

    def __post_init__(self):
        values = np.array(self.values, dtype=float)           # a copy: a Series owns its data
        time = np.array(self.time, dtype=float)
        if values.ndim != 1 or time.shape != values.shape:
            raise ValueError(f"expected values and time of the same shape (N,), got "
                             f"{values.shape} and {time.shape}")
        if self.transform not in TRANSFORMS:
            raise ValueError(f"expected transform in {tuple(TRANSFORMS)}, got {self.transform!r}")
        if self.transform == "sqrt" and (values < 0).any():
            raise ValueError("expected non-negative values for the square-root transform")
        object.__setattr__(self, "values", values)
        object.__setattr__(self, "time", time)

    def forward(self, y):
        """Values on the scale the models are fitted on (√y for ``transform="sqrt"``)."""
        y = np.asarray(y, dtype=float)
        return np.sqrt(y) if self.transform == "sqrt" else y

    def inverse(self, z):
        """Back from the fitted scale to the series' unit (negative roots forecast as 0)."""
        z = np.asarray(z, dtype=float)
        return np.square(np.maximum(z, 0.0)) if self.transform == "sqrt" else z

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

    Public domain (NOAA). The solar cycle lasts 9 to 14 years, so it is no season: the series
    has no period. Its swings grow with its level (counts), so it is fitted and forecast as
    its square root, the usual variance-stabilising transform for counts; errors are
    measured in sunspot numbers.
    """
    from statsmodels.datasets import sunspots as dataset
    data = dataset.load().data
    return Series("sunspots", "Sunspot number (yearly mean)", data["SUNACTIVITY"].to_numpy(float),
                  data["YEAR"].to_numpy(float), "sunspot number", "year", None,
                  "statsmodels.datasets.sunspots, NOAA, public domain", transform="sqrt")


def elnino() -> Series:
    """Monthly sea surface temperature in the Niño 1+2 region, 1950-2010: 732 values in °C
    (``statsmodels.datasets.elnino``, NOAA's ERSST v3b via its Climate Prediction Center,
    public domain). A
    12-month season, and the irregular swings of El Niño and La Niña on top."""
    from statsmodels.datasets import elnino as dataset
    table = dataset.load().data                           # a row per year, a column per month
    values = table.drop(columns="YEAR").to_numpy(float).ravel()
    time = (table["YEAR"].to_numpy(float)[:, None] + np.arange(12) / 12).ravel()
    return Series("elnino", "El Niño sea surface temperature", values, time, "°C", "year", 12,
                  "statsmodels.datasets.elnino, NOAA ERSST v3b, public domain")


def elec_equip() -> Series:
    """New orders of electrical equipment in the euro area, monthly from January 1995 to May
    2016, an index (2005 = 100), not seasonally adjusted: 257 values
    (``statsmodels.datasets.elec_equip``, Eurostat; public domain, as statsmodels states).
    A 12-month season, and the crash of 2008-09 in the middle."""
    from statsmodels.datasets import elec_equip as dataset
    data = dataset.load().data.iloc[:, 0]
    time = data.index.year + (data.index.month - 1) / 12
    return Series("elec_equip", "Electrical equipment orders (euro area)", data.to_numpy(float),
                  np.asarray(time, dtype=float), "index, 2005 = 100", "year", 12,
                  "statsmodels.datasets.elec_equip, Eurostat, public domain")


def unemployment() -> Series:
    """The US unemployment rate, quarterly 1959-2009, seasonally adjusted: 203 values in %
    (the ``unemp`` column of ``statsmodels.datasets.macrodata``, US BLS, public domain). No
    season (it was removed), slow cycles with the economy."""
    from statsmodels.datasets import macrodata as dataset
    data = dataset.load().data
    time = data["year"].to_numpy(float) + (data["quarter"].to_numpy(float) - 1) / 4
    return Series("unemployment", "US unemployment rate (quarterly)", data["unemp"].to_numpy(float),
                  time, "%", "year", None, "statsmodels.datasets.macrodata, US BLS, public domain")


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


REAL = ("co2", "elnino", "elec_equip", "unemployment", "sunspots")


def load(name: str) -> Series:
    """One of the chapter's series by name: one of ``REAL``, or ``"mackey_glass"``."""
    loaders = {"co2": co2, "elnino": elnino, "elec_equip": elec_equip,
               "unemployment": unemployment, "sunspots": sunspots, "mackey_glass": mackey_glass}
    if name not in loaders:
        raise ValueError(f"unknown series {name!r}: expected one of {tuple(loaders)}")
    return loaders[name]()
