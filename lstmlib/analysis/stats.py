"""Summaries several chapters share: the geometric mean, the Pearson correlation."""
from __future__ import annotations

import torch

EPS_MODES = ("floor", "add")


def geometric_mean(t: torch.Tensor, dim: int) -> torch.Tensor:
    """The geometric mean along ``dim``; zeros (an underflowed product) count as 1e-38."""
    return t.clamp_min(1e-38).log().mean(dim=dim).exp()


def pearson(x: torch.Tensor, y: torch.Tensor, eps: float = 1e-12, eps_mode: str = "floor") -> torch.Tensor:
    """The Pearson correlation of ``x`` with ``y`` over samples (dim 0).

    x: (N,) or (N, H), y: (N,), N >= 2 samples. Returns a 0-d tensor for an x of shape (N,),
    else (H,): the correlation of each column of x with y. Both are centred, then
    Σ x y / (‖x‖ ‖y‖), the denominator kept away from 0 by ``eps``: ``eps_mode="floor"``
    takes max(‖x‖ ‖y‖, eps), ``"add"`` adds eps to it (the two conventions the chapters
    were measured with; they differ only for a denominator near eps). A constant x or y
    has correlation 0.
    """
    x, y = torch.as_tensor(x), torch.as_tensor(y)
    if y.dim() != 1:
        raise ValueError(f"expected y of shape (N,), got {tuple(y.shape)}")
    if x.dim() not in (1, 2):
        raise ValueError(f"expected x of shape (N,) or (N, H), got {tuple(x.shape)}")
    if x.shape[0] != y.shape[0]:
        raise ValueError(f"expected x and y with the same number of samples N, got "
                         f"{x.shape[0]} and {y.shape[0]}")
    if y.shape[0] < 2:
        raise ValueError(f"expected at least 2 samples to correlate, got {y.shape[0]}")
    if not eps > 0:
        raise ValueError(f"expected eps > 0, got {eps!r}")
    if eps_mode not in EPS_MODES:
        raise ValueError(f"expected eps_mode to be one of {EPS_MODES}, got {eps_mode!r}")
    if x.dim() == 1:
        x, y = x - x.mean(), y - y.mean()
        num, den = (x * y).sum(), x.norm() * y.norm()
    else:
        x, y = x - x.mean(dim=0), y - y.mean()
        num, den = (x * y[:, None]).sum(dim=0), x.norm(dim=0) * y.norm()
    return num / (den.clamp_min(eps) if eps_mode == "floor" else den + eps)
