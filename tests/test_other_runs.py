"""Every chapter again, with another seed and as another CPU: the runs the page did not show.

nbval runs each notebook as the page shows it (``SEED = 0``, this machine's arithmetic). Here
each chapter runs top to bottom once more with another seed, under one of the numeric
environments of :mod:`lstmlib.machines` (the chapters take them in turn), so that every test
run exercises runs nobody chose: the seed comes from the commit being tested (or from
``LSTMLIB_OTHER_SEED``), and a reader's laptop is just such a run. The claims themselves are
written once, in the notebooks (``lstmlib.claims``); a claim that fails here fails with the
message a reader would see. ``benchmarks/robustness.py`` does the same over many runs.
"""
import hashlib
import os
import subprocess
from pathlib import Path

import pytest

from lstmlib import machines

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = sorted(p for p in (ROOT / "book").glob("*.ipynb"))
OTHER_ENVS = [name for name in machines.ENVIRONMENTS if name != "native"]


def other_seed() -> int:
    """A seed no page uses: ``LSTMLIB_OTHER_SEED``, else one drawn from the commit's hash."""
    if os.environ.get("LSTMLIB_OTHER_SEED"):
        return int(os.environ["LSTMLIB_OTHER_SEED"])
    try:
        head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True,
                              text=True, timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        head = ""
    return 1 + int(hashlib.sha256(head.encode()).hexdigest(), 16) % 9_999 if head else 101


@pytest.mark.slow
@pytest.mark.parametrize("index, notebook", list(enumerate(CHAPTERS)), ids=[p.stem for p in CHAPTERS])
def test_the_chapter_holds_for_another_seed_on_another_cpu(index, notebook):
    seed, env = other_seed() + index, OTHER_ENVS[index % len(OTHER_ENVS)]
    result = machines.run_notebook(notebook, seed, env)
    assert result["ok"], (f"{notebook.name} with SEED = {seed} as {env} "
                          f"(python -m lstmlib.machines run book/{notebook.name} --seed {seed} "
                          f"--as {env}):\n{result['claim'] or result['error']}")
