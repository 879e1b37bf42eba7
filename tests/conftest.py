import os
import sys
from pathlib import Path

# The same environment for every run, whatever the caller's shell set (before torch is
# imported, and inherited by every kernel and build the tests start): no MPLBACKEND (kernels
# draw inline), one BLAS/OpenMP thread, no progress bars. The site's build does the same
# (book/_ext/course_site.py: kernel_environment).
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "book" / "_ext"))
import course_site  # noqa: E402

course_site.kernel_environment(os.environ)

import pytest  # noqa: E402
import torch  # noqa: E402

# Tests that build the website or read it in the browser: slow (deselect with -m "not slow").
SITE_FIXTURES = {"site", "base_url", "browser", "context", "dark_context"}


def pytest_collection_modifyitems(config, items):
    """Mark as slow what builds or reads the site, and every notebook nbval runs.

    The seed re-checks of the chapters' claims carry ``@pytest.mark.slow`` themselves.
    """
    slow = pytest.mark.slow
    for item in items:
        fixtures = set(getattr(item, "fixturenames", ()))
        if fixtures & SITE_FIXTURES or str(item.fspath).endswith(".ipynb"):
            item.add_marker(slow)


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
