"""scripts/setup.sh and scripts/install_torch.py: the CPU build of PyTorch without a manual step,
a fast fallback when PyTorch's index cannot be reached, and no reinstall when nothing changed.

The setup runs in a copy of the scripts with a stand-in ``.venv/bin/python`` that records its
pip calls instead of installing: what is tested is the logic, not pip. Its Python runs without
site-packages (``-S``), like a new environment that has no torch yet.
"""
from __future__ import annotations

import contextlib
import os
import shutil
import socket
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
import install_torch  # noqa: E402

FALLBACK_LIMIT_S = 30          # generous: the probe waits 5 s at most, then pip is never asked


def closed_port() -> int:
    """A port on 127.0.0.1 that nothing listens on (connections are refused at once)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def silent_server():
    """A port on 127.0.0.1 that accepts connections and never answers (a hanging index)."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen(16)
    try:
        yield s.getsockname()[1]
    finally:
        s.close()


def fake_repo(tmp_path: Path) -> Path:
    """The scripts, requirements.txt and pyproject.toml, and a .venv whose python logs pip calls."""
    repo = tmp_path / "repo"
    (repo / "scripts").mkdir(parents=True)
    for name in ("setup.sh", "install_torch.py"):
        shutil.copy(ROOT / "scripts" / name, repo / "scripts" / name)
    for name in ("requirements.txt", "pyproject.toml"):
        shutil.copy(ROOT / name, repo / name)
    python = repo / ".venv" / "bin" / "python"
    python.parent.mkdir(parents=True)
    python.write_text(
        "#!/usr/bin/env bash\n"
        'if [ "$1" = "-m" ] && [ "$2" = "pip" ]; then echo "$*" >> "$PIP_LOG"; exit 0; fi\n'
        f'exec "{sys.executable}" -S "$@"\n')
    python.chmod(python.stat().st_mode | stat.S_IEXEC)
    return repo


def setup(repo: Path, index: str, log: Path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("LSTMLIB_TORCH")}
    env.update(LSTMLIB_TORCH_INDEX=index, PIP_LOG=str(log))
    start = time.monotonic()
    run = subprocess.run(["bash", "scripts/setup.sh"], cwd=repo, env=env, capture_output=True,
                         text=True, timeout=120)
    return run, time.monotonic() - start


@pytest.mark.parametrize("kind", ["refused", "hanging"])
def test_an_unreachable_cpu_index_falls_back_to_the_default_within_seconds(tmp_path, kind):
    repo, log = fake_repo(tmp_path), tmp_path / "pip.log"
    with contextlib.ExitStack() as stack:
        port = stack.enter_context(silent_server()) if kind == "hanging" else closed_port()
        index = f"http://127.0.0.1:{port}/whl/cpu"
        run, seconds = setup(repo, index, log)
    assert run.returncode == 0, run.stdout + run.stderr
    print(f"\n{kind}: setup fell back in {seconds:.1f} s")
    assert f"torch: {index} cannot be reached" in run.stdout, run.stdout
    assert "from the default index instead" in run.stdout
    assert seconds < FALLBACK_LIMIT_S, f"the fallback took {seconds:.1f} s"
    pip_calls = log.read_text().splitlines()
    assert not any(index in call for call in pip_calls), "pip was sent to the unreachable index"
    assert any("-r requirements.txt" in call for call in pip_calls), pip_calls   # the default index


def test_a_rerun_with_nothing_changed_installs_nothing(tmp_path):
    repo, log = fake_repo(tmp_path), tmp_path / "pip.log"
    index = f"http://127.0.0.1:{closed_port()}/whl/cpu"
    first, _ = setup(repo, index, log)
    assert first.returncode == 0 and "setup: done" in first.stdout, first.stdout + first.stderr
    calls = len(log.read_text().splitlines())
    assert calls >= 2                                             # pip itself, requirements.txt

    again, _ = setup(repo, index, log)
    assert again.returncode == 0, again.stderr
    assert again.stdout.strip().splitlines() == [
        "setup: .venv is up to date (requirements.txt and pyproject.toml unchanged since its last install)"]
    assert again.stderr == ""
    assert len(log.read_text().splitlines()) == calls, "a rerun with nothing changed ran pip"

    with open(repo / "requirements.txt", "a") as f:                # a new dependency
        f.write("statsmodels>=0.14,<0.15\n")
    changed, _ = setup(repo, index, log)
    assert changed.returncode == 0 and "setup: done" in changed.stdout
    assert len(log.read_text().splitlines()) > calls, "requirements.txt changed, yet nothing was installed"


def test_the_index_torch_comes_from():
    assert install_torch.chosen_index({}, "linux") == install_torch.CPU_INDEX
    assert install_torch.chosen_index({}, "darwin") is None               # PyPI's wheel is CPU-only
    assert install_torch.chosen_index({"LSTMLIB_TORCH_INDEX": "default"}, "linux") is None   # CUDA
    url = "https://download.pytorch.org/whl/cu126"
    assert install_torch.chosen_index({"LSTMLIB_TORCH_INDEX": url}, "linux") == url


def test_the_pin_and_what_satisfies_it():
    pin = install_torch.pinned_torch()
    assert pin.startswith("torch==")
    version = pin.partition("==")[2]
    assert install_torch.satisfies(version + "+cpu", pin) and install_torch.satisfies(version, pin)
    assert not install_torch.satisfies("2.0.0", pin)


def test_the_readers_run_two_commands_and_export_nothing():
    for page in ("README.md", "book/run_locally.md"):
        text = (ROOT / page).read_text(encoding="utf8")
        assert "export PIP_EXTRA_INDEX_URL" not in text, f"{page} still asks for an export before setup"
    readme = (ROOT / "README.md").read_text(encoding="utf8")
    section = readme.split("## Two commands", 1)[1].split("\n## ", 1)[0]
    assert "bash scripts/site.sh" in section and "bash scripts/test.sh" in section
