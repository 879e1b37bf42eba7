#!/usr/bin/env bash
# Create (or update) the course's virtual environment in .venv and install everything into it:
# PyTorch (on Linux the CPU build, from PyTorch's own index: scripts/install_torch.py), Jupyter
# Book 1, the test tools and lstmlib itself (editable).
# Used by scripts/site.sh and scripts/test.sh. Safe to run again: when requirements.txt and
# pyproject.toml are unchanged since the last successful install (a stamp in .venv), it
# installs nothing and says so in one line.
#
# Environment:
#   PYTHON=/path/to/python3.11    the Python that creates .venv (3.11 or newer)
#   LSTMLIB_TORCH_INDEX=default   keep pip's default index for torch (on Linux: the CUDA build)
#   LSTMLIB_TORCH_INDEX=URL       take torch from another index first
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -x .venv/bin/python ]; then
    PYTHON=${PYTHON:-$(command -v python3.11 || command -v python3)}
    "$PYTHON" - <<'PY'
import sys
if sys.version_info < (3, 11):
    sys.exit(f"the course needs Python 3.11 or newer, found {sys.version.split()[0]}; "
             "set PYTHON=/path/to/python3.11")
PY
    echo "setup: creating the virtual environment .venv with $PYTHON"
    "$PYTHON" -m venv .venv
fi

STAMP=.venv/.course-setup-stamp
# What the last successful install installed: the two files, the torch choice, the Python.
wanted=$(.venv/bin/python - "${LSTMLIB_TORCH_INDEX:-}" <<'PY'
import hashlib, platform, sys
h = hashlib.sha256()
for name in ("requirements.txt", "pyproject.toml"):
    with open(name, "rb") as f:
        h.update(f.read())
h.update(("\0" + sys.argv[1] + "\0" + platform.python_version()).encode())
print(h.hexdigest())
PY
)
if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$wanted" ]; then
    echo "setup: .venv is up to date (requirements.txt and pyproject.toml unchanged since its last install)"
    exit 0
fi

rm -f "$STAMP"
export PIP_DISABLE_PIP_VERSION_CHECK=1
.venv/bin/python -m pip install --quiet --upgrade "pip>=24"
.venv/bin/python scripts/install_torch.py
echo "setup: installing requirements.txt into .venv (the first time takes a minute or two)"
# setuptools warns on every editable install that a folder named like the package could
# shadow it: lstmlib/ is that package.
PYTHONWARNINGS="ignore:Editable installation" .venv/bin/python -m pip install --quiet -r requirements.txt
echo "$wanted" > "$STAMP"
echo "setup: done"
