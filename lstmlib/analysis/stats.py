"""Summaries several chapters share: the geometric mean, the Pearson correlation."""
from __future__ import annotations

import torch


def geometric_mean(t: torch.Tensor, dim: int) -> torch.Tensor:
    """The geometric mean along ``dim``; zeros (an underflowed product) count as 1e-38."""
    return t.clamp_min(1e-38).log().mean(dim=dim).exp()
