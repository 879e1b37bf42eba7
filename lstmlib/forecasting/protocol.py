"""The forecasting protocol of chapter 10: splits in time, a normaliser fitted on the training
part only, sliding windows, and the errors by lead time.

    problem = Problem(series, lookback=36, horizon=12)       # 60 % train, 20 % val, 20 % test
    folds = Problem.rolling(series, 36, 12)  # three test blocks at the end: rolling origin
    X, Y = problem.windows("train")          # (B, L), (B, K) tensors, normalised
    truth = problem.truth("test")            # (B, K) in the series' unit
    scores = errors_by_lead(forecast, truth) # Errors: mse and mae by lead, (K,) each
    problem.mase_scale()                     # MASE's denominator, from the training part

A forecast is made at an *origin* t: the model sees the last L = ``lookback`` values
y[t − L] … y[t − 1] and predicts the next K = ``horizon`` values y[t] … y[t + K − 1]. A window
belongs to the part of the series where its *targets* lie; its inputs may reach back into
the part before (they are the past, known at the time of the forecast). Everything that
is fitted (the normaliser, every model) sees only ``problem.fit_values``, the training and
validation parts: the test part is read only to make and score the test forecasts, and
nothing after the test part is read at all.

Rolling-origin evaluation (Hyndman & Athanasopoulos, *Forecasting: Principles and Practice*,
section 5.10) repeats this at several points in time: fold j's test block is the j-th of
``folds`` blocks at the end of the series, its validation block the values just before it,
and its training part everything earlier, so each fold trains on more history than the last.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch

from .. import validate
from .data import Series

PARTS = ("train", "val", "test")


@dataclass(frozen=True)
class Split:
    """Train [0, train_end), validation [train_end, val_end), test [val_end, test_end): in
    time order; values from ``test_end`` on (up to N) are the future of this split, unread."""
    N: int
    train_end: int
    val_end: int
    test_end: int | None = None            # None: N

    def __post_init__(self):
        if self.test_end is None:
            object.__setattr__(self, "test_end", self.N)
        if not 0 < self.train_end < self.val_end < self.test_end <= self.N:
            raise ValueError(f"expected 0 < train_end < val_end < test_end <= N, got "
                             f"{self.train_end}, {self.val_end}, {self.test_end}, {self.N}")

    def bounds(self, part: str) -> tuple[int, int]:
        """The index range [start, stop) of one part."""
        if part not in PARTS:
            raise ValueError(f"unknown part {part!r}: expected one of {PARTS}")
        return {"train": (0, self.train_end), "val": (self.train_end, self.val_end),
                "test": (self.val_end, self.test_end)}[part]


def chronological_split(N: int, train: float = 0.6, val: float = 0.2) -> Split:
    """The first ``train`` of the series for training, the next ``val`` for validation, the
    rest for testing. Never shuffled: the test part is the future of everything else."""
    N = validate.positive_int("N", N)
    if not (0 < train < 1 and 0 < val < 1 and train + val < 1):
        raise ValueError(f"expected fractions 0 < train, 0 < val, train + val < 1, got {train}, {val}")
    train_end, val_end = round(train * N), round((train + val) * N)
    if not 0 < train_end < val_end < N:
        raise ValueError(f"a series of {N} values is too short for the split {train}/{val}")
    return Split(N, train_end, val_end)


FOLDS = dict(folds=3, test=0.1, val=0.15)


def rolling_splits(N: int, folds: int = FOLDS["folds"], test: float = FOLDS["test"],
                   val: float = FOLDS["val"]) -> list[Split]:
    """Rolling origin: ``folds`` test blocks of ``test`` · N values each at the end of the
    series, one after the other; each fold validates on the ``val`` · N values just before
    its test block and trains on everything earlier."""
    N, folds = validate.positive_int("N", N), validate.positive_int("folds", folds)
    if not (0 < test and 0 < val and folds * test + val < 1):
        raise ValueError(f"expected fractions 0 < test, 0 < val, folds · test + val < 1, got "
                         f"{folds} · {test} + {val}")
    block, hold = round(test * N), round(val * N)
    splits = []
    for j in range(folds):
        test_end = N - (folds - 1 - j) * block
        splits.append(Split(N, test_end - block - hold, test_end - block, test_end))
    return splits


@dataclass(frozen=True)
class Normaliser:
    """z = (y − mean) / std, with mean and std of the training part only."""
    mean: float
    std: float

    @classmethod
    def fit(cls, values) -> "Normaliser":
        values = np.asarray(values, dtype=float)
        if values.ndim != 1 or len(values) < 2:
            raise ValueError(f"expected at least two values (N,), got shape {values.shape}")
        if not np.isfinite(values).all():
            raise ValueError("expected finite values to fit the normaliser on, got NaN or inf")
        std = float(values.std())
        if std == 0:
            raise ValueError("expected values that vary, got a constant series")
        return cls(float(values.mean()), std)

    def transform(self, y):
        return (np.asarray(y, dtype=float) - self.mean) / self.std

    def inverse(self, z):
        return np.asarray(z, dtype=float) * self.std + self.mean


def origins(split: Split, part: str, lookback: int, horizon: int) -> np.ndarray:
    """The forecast origins t of one part: every t whose targets y[t] … y[t + K − 1] lie in
    the part and whose inputs y[t − L] … y[t − 1] exist."""
    start, stop = split.bounds(part)
    t = np.arange(max(start, lookback), stop - horizon + 1)
    if len(t) == 0:
        raise ValueError(f"the {part} part [{start}, {stop}) holds no window of lookback "
                         f"{lookback} and horizon {horizon}")
    return t


@dataclass
class Problem:
    """One series, split in time, with a lookback and a horizon: what every model is fitted to.

    Attributes:
        series: the :class:`~lstmlib.forecasting.data.Series`.
        split: the chronological :class:`Split`.
        normaliser: fitted on the training part only.
        fit_values: the training and validation parts (N_fit,), all that fitting may read.
    """
    series: Series
    lookback: int
    horizon: int
    train: float = 0.6
    val: float = 0.2
    split: Split | None = None              # None: the chronological split train / val
    normaliser: Normaliser = field(init=False)

    def __post_init__(self):
        if not isinstance(self.series, Series):
            raise TypeError(f"expected series to be a Series, got {type(self.series).__name__}")
        self.lookback = validate.positive_int("lookback", self.lookback)
        self.horizon = validate.positive_int("horizon", self.horizon)
        if self.split is None:
            self.split = chronological_split(len(self.series), self.train, self.val)
        elif not isinstance(self.split, Split) or self.split.N != len(self.series):
            raise ValueError(f"expected a Split of N = {len(self.series)}, got {self.split!r}")
        self.normaliser = Normaliser.fit(self.series.forward(self.values("train")))
        for part in PARTS:
            origins(self.split, part, self.lookback, self.horizon)     # each part has a window

    @classmethod
    def rolling(cls, series: Series, lookback: int, horizon: int, **folds) -> list["Problem"]:
        """One problem per fold of :func:`rolling_splits` (keyword arguments: its own)."""
        return [cls(series, lookback, horizon, split=s)
                for s in rolling_splits(len(series), **folds)]

    def mase_scale(self) -> float:
        """MASE's denominator (Hyndman & Koehler 2006): the mean |y_t − y_{t−m}| over the
        training part, m the season (1 without one), in the series' unit."""
        m, y = self.series.period or 1, self.values("train")
        return float(np.abs(y[m:] - y[:-m]).mean())

    @property
    def fit_values(self) -> np.ndarray:
        """Training and validation values, a copy: nothing of the test part."""
        return self.series.values[:self.split.val_end].copy()

    def values(self, part: str) -> np.ndarray:
        """The values of one part, in the series' unit."""
        start, stop = self.split.bounds(part)
        return self.series.values[start:stop].copy()

    def origins(self, part: str) -> np.ndarray:
        return origins(self.split, part, self.lookback, self.horizon)

    def known(self, part: str) -> np.ndarray:
        """The values a forecast for ``part`` may read, (N_known,) in the series' unit: up to
        the end of the validation part (training and validation), or of the test part."""
        if part not in PARTS:
            raise ValueError(f"unknown part {part!r}: expected one of {PARTS}")
        if part == "test":
            return self.series.values[:self.split.test_end].copy()
        return self.fit_values

    def inputs(self, part: str) -> np.ndarray:
        """The input windows of one part in the series' unit, (B, L): row b ends at origin b."""
        y, t = self.known(part), self.origins(part)
        return np.stack([y[o - self.lookback:o] for o in t])                  # (B, L)

    def truth(self, part: str) -> np.ndarray:
        """The values to forecast from each origin of one part, (B, K), in the series' unit."""
        y, t = self.known(part), self.origins(part)
        return np.stack([y[o:o + self.horizon] for o in t])                   # (B, K)

    def windows(self, part: str):
        """Normalised input and target windows as float32 tensors, (B, L) and (B, K): on the
        series' fitted scale (:meth:`Series.forward`), then standardised."""
        as_tensor = lambda a: torch.tensor(self.normaliser.transform(self.series.forward(a)),
                                           dtype=torch.float32)
        return as_tensor(self.inputs(part)), as_tensor(self.truth(part))

    def to_unit(self, z) -> np.ndarray:
        """Normalised forecasts back in the series' unit: the inverse of :meth:`windows`."""
        return self.series.inverse(self.normaliser.inverse(z))


@dataclass(frozen=True)
class Errors:
    """Mean squared and mean absolute error by lead time h = 1 … K, over the origins."""
    mse: np.ndarray        # (K,), in the series' unit squared
    mae: np.ndarray        # (K,), in the series' unit

    def one_step(self) -> tuple[float, float]:
        """(MSE, MAE) of the forecast one step ahead."""
        return float(self.mse[0]), float(self.mae[0])

    def multi_step(self) -> tuple[float, float]:
        """(MSE, MAE) averaged over the leads 1 … K."""
        return float(self.mse.mean()), float(self.mae.mean())


def errors_by_lead(forecast, truth) -> Errors:
    """Errors of ``forecast`` against ``truth``, both (B, K), by lead (column)."""
    forecast, truth = np.asarray(forecast, dtype=float), np.asarray(truth, dtype=float)
    if forecast.shape != truth.shape or forecast.ndim != 2:
        raise ValueError(f"expected forecast and truth of the same shape (B, K), got "
                         f"{forecast.shape} and {truth.shape}")
    e = forecast - truth
    return Errors((e ** 2).mean(axis=0), np.abs(e).mean(axis=0))
