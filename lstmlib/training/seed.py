"""Seeding: one call for every random number generator, and independent streams for data.

Every experiment draws its data from ``data_stream(seed, stream)``, a generator of its own,
so the training data, the probe sequences and the held-out test sequences of one seed never
overlap, and a chapter that draws something extra does not shift the others.
"""
from __future__ import annotations

import random

import numpy as np
import torch


def seed_everything(seed: int) -> torch.Generator:
    """Seed Python's ``random``, NumPy's global generator and torch's, all with ``seed``.

    Returns a fresh ``torch.Generator`` seeded with ``seed`` too, for code (such as the task
    generators) that should draw from its own stream rather than the global one.
    """
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise TypeError(f"expected seed to be an int, got {type(seed).__name__} {seed!r}")
    if seed < 0:
        raise ValueError(f"expected a non-negative seed, got {seed}")
    seed = int(seed)
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)
    return torch.Generator().manual_seed(seed)


# The streams the chapters use. A chapter may add its own numbers above these.
TRAIN, PROBE, TEST = 1, 2, 3


def data_stream(seed: int, stream: int) -> torch.Generator:
    """An independent random stream for data: ``stream`` tells training data from probes apart."""
    return torch.Generator().manual_seed(1000 * seed + stream)
