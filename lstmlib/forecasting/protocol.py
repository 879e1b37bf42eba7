"""The forecasting protocol of chapter 10: a chronological split, a normaliser fitted on the
training part only, sliding windows, and the errors by lead time.

    problem = Problem(series, lookback=36, horizon=12)       # 60 % train, 20 % val, 20 % test
    X, Y = problem.windows("train")          # (B, L), (B, K) tensors, normalised
    truth = problem.truth("test")            # (B, K) in the series' unit
    scores = errors(forecast, truth)         # Errors: mse and mae by lead, (K,) each

A forecast is made at an *origin* t: the model sees the last L = ``lookback`` values
y[t − L] … y[t − 1] and predicts the next K = ``horizon`` values y[t] … y[t + K − 1]. A window
belongs to the part of the series where its *targets* lie; its inputs may reach back into
the part before (they are the past, known at the time of the forecast). Everything that
is fitted (the normaliser, every model) sees only ``problem.fit_values``, the training and
validation parts: the test part is read only to make and score the test forecasts.
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
    """Train [0, train_end), validation [train_end, val_end), test [val_end, N): in time order."""
    N: int
    train_end: int
    val_end: int

    def bounds(self, part: str) -> tuple[int, int]:
        """The index range [start, stop) of one part."""
        if part not in PARTS:
            raise ValueError(f"unknown part {part!r}: expected one of {PARTS}")
        return {"train": (0, self.train_end), "val": (self.train_end, self.val_end),
                "test": (self.val_end, self.N)}[part]


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
    split: Split = field(init=False)
    normaliser: Normaliser = field(init=False)

    def __post_init__(self):
        if not isinstance(self.series, Series):
            raise TypeError(f"expected series to be a Series, got {type(self.series).__name__}")
        self.lookback = validate.positive_int("lookback", self.lookback)
        self.horizon = validate.positive_int("horizon", self.horizon)
        self.split = chronological_split(len(self.series), self.train, self.val)
        self.normaliser = Normaliser.fit(self.values("train"))
        for part in PARTS:
            origins(self.split, part, self.lookback, self.horizon)     # each part has a window

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

    def _source(self, part):
        return self.series.values if part == "test" else self.fit_values

    def inputs(self, part: str) -> np.ndarray:
        """The input windows of one part in the series' unit, (B, L): row b ends at origin b."""
        y, t = self._source(part), self.origins(part)
        return np.stack([y[o - self.lookback:o] for o in t])                  # (B, L)

    def truth(self, part: str) -> np.ndarray:
        """The values to forecast from each origin of one part, (B, K), in the series' unit."""
        y, t = self._source(part), self.origins(part)
        return np.stack([y[o:o + self.horizon] for o in t])                   # (B, K)

    def windows(self, part: str):
        """Normalised input and target windows as float32 tensors: (B, L) and (B, K)."""
        as_tensor = lambda a: torch.tensor(self.normaliser.transform(a), dtype=torch.float32)
        return as_tensor(self.inputs(part)), as_tensor(self.truth(part))


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


def errors(forecast, truth) -> Errors:
    """Errors of ``forecast`` against ``truth``, both (B, K), by lead (column)."""
    forecast, truth = np.asarray(forecast, dtype=float), np.asarray(truth, dtype=float)
    if forecast.shape != truth.shape or forecast.ndim != 2:
        raise ValueError(f"expected forecast and truth of the same shape (B, K), got "
                         f"{forecast.shape} and {truth.shape}")
    e = forecast - truth
    return Errors((e ** 2).mean(axis=0), np.abs(e).mean(axis=0))
