"""Install PyTorch's CPU build on Linux before requirements.txt, falling back at once.

Run by ``scripts/setup.sh`` with the virtual environment's Python, before
``pip install -r requirements.txt``. On Linux, PyPI's torch wheel is a CUDA build of about
2.5 GB; the course needs only the CPU build (about 200 MB), which PyTorch publishes on its own
index. So, on Linux:

1. If the torch that requirements.txt pins is installed already, there is nothing to do.
2. Otherwise ask PyTorch's CPU index once, with a short timeout, whether it answers. If it
   does, install the pinned torch from it with no retries (``--retries 0``) and a short
   ``--timeout``; requirements.txt's install then finds torch satisfied.
3. If the index cannot be reached, or that install fails, say so and leave torch to
   requirements.txt's install, i.e. to the default index: no long retry loop (pip's default
   is 5 retries of up to ``PIP_DEFAULT_TIMEOUT`` seconds for every package it looks up).

It always prints one line saying which index torch comes from.

Environment:
    LSTMLIB_TORCH_INDEX=default   keep pip's default index (on Linux: the CUDA build)
    LSTMLIB_TORCH_INDEX=URL       another index, e.g. https://download.pytorch.org/whl/cu126
    LSTMLIB_TORCH_PROBE_TIMEOUT   seconds to wait for the index's answer (default 5)

On macOS (and Windows) PyPI's wheel is the CPU build already: nothing to do.
"""
from __future__ import annotations

import importlib.metadata
import os
import re
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

CPU_INDEX = "https://download.pytorch.org/whl/cpu"
ROOT = Path(__file__).resolve().parents[1]


def pinned_torch(requirements: Path = ROOT / "requirements.txt") -> str:
    """The torch requirement of requirements.txt, e.g. ``torch==2.13.0``."""
    for line in requirements.read_text().splitlines():
        line = line.split("#")[0].strip()
        if re.match(r"torch\b(?![-_\w])", line):
            return line.replace(" ", "")
    raise SystemExit("requirements.txt names no torch")


def installed_torch() -> str | None:
    try:
        return importlib.metadata.version("torch")
    except importlib.metadata.PackageNotFoundError:
        return None


def satisfies(version: str, requirement: str) -> bool:
    """``2.13.0+cpu`` satisfies ``torch==2.13.0`` (a local label matches a plain pin)."""
    pin = requirement.partition("==")[2]
    return bool(pin) and version.split("+")[0] == pin


def chosen_index(env=os.environ, platform: str = sys.platform) -> str | None:
    """The index to take torch from first, or None for the default index."""
    choice = env.get("LSTMLIB_TORCH_INDEX", "").strip()
    if choice == "default":
        return None
    if choice:
        return choice
    return CPU_INDEX if platform.startswith("linux") else None


def probe(index: str, timeout: float) -> str | None:
    """None if ``index`` answers within ``timeout`` seconds, else why it does not."""
    url = index.rstrip("/") + "/torch/"
    try:
        with urllib.request.urlopen(urllib.request.Request(url, method="GET"), timeout=timeout) as r:
            r.read(1)
        return None
    except urllib.error.HTTPError as e:
        return f"HTTP {e.code}"
    except (urllib.error.URLError, OSError, ValueError) as e:
        reason = getattr(e, "reason", e)
        return f"{type(reason).__name__ if not isinstance(reason, str) else 'error'}: {reason}"


def main() -> int:
    requirement = pinned_torch()
    index = chosen_index()
    have = installed_torch()
    if have and satisfies(have, requirement):
        print(f"torch: {have} is installed already ({requirement} in requirements.txt)")
        return 0
    if index is None:
        why = ("LSTMLIB_TORCH_INDEX=default" if os.environ.get("LSTMLIB_TORCH_INDEX") == "default"
               else f"PyPI's wheel is the CPU build on {sys.platform}")
        print(f"torch: from the default index ({why})")
        return 0
    timeout = float(os.environ.get("LSTMLIB_TORCH_PROBE_TIMEOUT", "5"))
    start = time.monotonic()
    problem = probe(index, timeout)
    if problem:
        print(f"torch: {index} cannot be reached ({problem}, after {time.monotonic() - start:.1f} s); "
              "taking torch from the default index instead (on Linux PyPI's wheel is the CUDA "
              "build, about 2.5 GB)", flush=True)
        return 0
    print(f"torch: installing {requirement} from {index} (the CPU build)", flush=True)
    pip = [sys.executable, "-m", "pip", "install", "--quiet", "--retries", "0", "--timeout", "20",
           "--index-url", index, requirement]
    if subprocess.run(pip).returncode != 0:
        print(f"torch: the install from {index} failed; taking torch from the default index instead",
              flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
