import pytest
import torch


@pytest.fixture(autouse=True)
def _seed():
    torch.manual_seed(0)


def tol(dtype):
    """Absolute tolerance for comparing two implementations in a given dtype."""
    return {torch.float32: 2e-5, torch.float64: 1e-10}[dtype]
