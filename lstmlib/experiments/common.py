"""What the chapters' experiments share: independent random streams, and summaries of a run.

Every experiment draws its data from ``data_stream(seed, stream)``, a generator of its own,
so the training data, the probe sequences and the held-out test sequences of one seed never
overlap, and a chapter that draws something extra does not shift the others.
"""
from __future__ import annotations

import torch

from ..train import smooth

# The streams the chapters use. A chapter may add its own numbers above these.
TRAIN, PROBE, TEST = 1, 2, 3


def data_stream(seed: int, stream: int) -> torch.Generator:
    """An independent random stream for data: ``stream`` tells training data from probes apart."""
    return torch.Generator().manual_seed(1000 * seed + stream)


def min_smoothed(values, window: int = 25) -> float:
    """The lowest moving average (over full windows of ``window`` steps) of a loss curve."""
    return float(smooth(values, window)[window - 1:].min())


def geometric_mean(t: torch.Tensor, dim: int) -> torch.Tensor:
    """The geometric mean along ``dim``; zeros (an underflowed product) count as 1e-38."""
    return t.clamp_min(1e-38).log().mean(dim=dim).exp()
