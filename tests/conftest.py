import pytest
import torch


@pytest.fixture(autouse=True, scope="session")
def _one_thread():
    """As in the notebooks: the course's small networks run fastest on one thread, and stay fast
    beside the other pytest worker."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(autouse=True)
def _seed():
    torch.manual_seed(0)


def tol(dtype):
    """Absolute tolerance for comparing two implementations in a given dtype."""
    return {torch.float32: 2e-5, torch.float64: 1e-10}[dtype]
