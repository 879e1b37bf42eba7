"""Judging forecasts as forecasters do: scaled errors, ranks across series, and tests of a
difference (chapter 10).

    origin_errors(forecast, truth)       # (B,): each origin's absolute error, mean over leads
    mase(forecast, truth, scale)         # the MAE over all origins and leads, over the scale
    skill(mase_model, mase_reference)    # 1 − the ratio: 0.2 = a fifth less error
    ranks({"LSTM": [...], ...})          # rank of each model in each window (1 = best)
    diebold_mariano(loss_a, loss_b, h)   # is a's error different from b's, over the origins?
    paired_windows(a, b)                 # the same question over windows: a Wilcoxon test
    shuffled(X, generator)               # windows with their past in random order

MASE divides the mean absolute error by the in-sample error of the seasonal naive forecast
(Hyndman & Koehler 2006; :meth:`lstmlib.forecasting.protocol.Problem.mase_scale`), so errors
of series in different units can be compared and averaged: below 1, the forecast beats a
seasonal naive forecast made one step ahead in the training part.
"""
from __future__ import annotations

import math

import numpy as np
import torch


def _pair(forecast, truth):
    forecast, truth = np.asarray(forecast, dtype=float), np.asarray(truth, dtype=float)
    if forecast.shape != truth.shape or forecast.ndim != 2:
        raise ValueError(f"expected forecast and truth of the same shape (B, K), got "
                         f"{forecast.shape} and {truth.shape}")
    return forecast, truth


def origin_errors(forecast, truth) -> np.ndarray:
    """Each origin's mean absolute error over the leads 1 … K: (B,), in the series' unit."""
    forecast, truth = _pair(forecast, truth)
    return np.abs(forecast - truth).mean(axis=1)


def mase(forecast, truth, scale: float) -> float:
    """Mean absolute scaled error: the MAE over every origin and lead, divided by ``scale``."""
    if not (isinstance(scale, (int, float)) and math.isfinite(scale) and scale > 0):
        raise ValueError(f"expected a positive finite scale, got {scale!r}")
    return float(origin_errors(forecast, truth).mean() / scale)


def skill(mase_model, mase_reference):
    """Forecast skill against a reference: 1 − model / reference (0: no better, 1: perfect,
    below 0: worse). Elementwise on arrays."""
    return 1.0 - np.asarray(mase_model, dtype=float) / np.asarray(mase_reference, dtype=float)


def ranks(scores: dict) -> dict:
    """``{model: (W,) scores in W windows}`` -> ``{model: (W,) ranks}``, 1 the lowest score in
    a window, ties sharing the mean of their ranks."""
    from scipy.stats import rankdata
    names = list(scores)
    table = np.array([np.asarray(scores[n], dtype=float) for n in names])      # (M, W)
    if table.ndim != 2:
        raise ValueError(f"expected one score per window for every model, got shapes "
                         f"{[np.shape(scores[n]) for n in names]}")
    r = rankdata(table, axis=0)                                                # (M, W)
    return {n: r[i] for i, n in enumerate(names)}


def diebold_mariano(loss_a, loss_b, horizon: int) -> tuple[float, float]:
    """The Diebold–Mariano test (1995) of equal accuracy, with the small-sample correction of
    Harvey, Leybourne & Newbold (1997): d_t = loss_a − loss_b over the origins, its variance
    with autocovariances up to lag h − 1 (forecasts h steps ahead overlap), the statistic
    compared with Student's t on n − 1 degrees of freedom. Returns ``(statistic,
    two-sided p)``; a negative statistic: a's loss is the smaller."""
    from scipy.stats import t as student
    d = np.asarray(loss_a, dtype=float) - np.asarray(loss_b, dtype=float)
    if d.ndim != 1 or len(d) < 3:
        raise ValueError(f"expected two equal-length loss series of 3 or more origins, got "
                         f"{np.shape(loss_a)} and {np.shape(loss_b)}")
    n, h = len(d), int(horizon)
    if not 1 <= h < n:
        raise ValueError(f"expected a horizon from 1 to {n - 1}, got {horizon!r}")
    e = d - d.mean()
    gamma = [float(e[k:] @ e[:n - k]) / n for k in range(h)]
    variance = (gamma[0] + 2 * sum(gamma[1:])) / n
    if variance <= 0:
        variance = gamma[0] / n                     # the long-run estimate can go negative
    if variance == 0:
        return 0.0, 1.0
    correction = math.sqrt((n + 1 - 2 * h + h * (h - 1) / n) / n)
    statistic = correction * d.mean() / math.sqrt(variance)
    return float(statistic), float(2 * student.sf(abs(statistic), df=n - 1))


def paired_windows(a, b) -> float:
    """The two-sided p-value of Wilcoxon's signed-rank test on paired scores ``a`` and ``b``,
    one pair per window (series and fold): is one model's error systematically lower?"""
    from scipy.stats import wilcoxon
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if a.shape != b.shape or a.ndim != 1 or len(a) < 5:
        raise ValueError(f"expected paired scores of 5 or more windows, got {a.shape} and {b.shape}")
    return float(wilcoxon(a, b).pvalue)


def shuffled(X: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """Each window (row of X, (B, L)) with its first L − 1 values in a random order of its own
    and its last value in place: the probe of Zeng et al. (2023, section 5.3) for whether a
    model uses the order of the past. Keeping the last value keeps every model's anchor."""
    if not isinstance(X, torch.Tensor) or X.dim() != 2 or X.shape[1] < 2:
        raise ValueError(f"expected windows of shape (B, L) with L >= 2, got "
                         f"{tuple(X.shape) if isinstance(X, torch.Tensor) else type(X).__name__}")
    B, L = X.shape
    order = torch.argsort(torch.rand(B, L - 1, generator=generator), dim=1)   # (B, L − 1)
    past = torch.gather(X[:, :-1], 1, order)
    return torch.cat([past, X[:, -1:]], dim=1)
