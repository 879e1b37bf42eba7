"""One call that seeds every random number generator a chapter uses."""
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
