#!/usr/bin/env bash
# Create (or update) the course's virtual environment in .venv and install everything into it:
# PyTorch (CPU build), Jupyter Book 1, the test tools and lstmlib itself (editable).
# Used by scripts/site.sh and scripts/test.sh; safe to run again (it only installs what changed).
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-$(command -v python3.11 || command -v python3)}
"$PYTHON" - <<'PY'
import sys
if sys.version_info < (3, 11):
    sys.exit(f"the course needs Python 3.11 or newer, found {sys.version.split()[0]}; set PYTHON=/path/to/python3.11")
PY

if [ ! -x .venv/bin/python ]; then
    echo "creating the virtual environment .venv with $PYTHON"
    "$PYTHON" -m venv .venv
fi
export PIP_DISABLE_PIP_VERSION_CHECK=1
.venv/bin/python -m pip install --quiet --upgrade "pip>=24"
echo "installing requirements.txt into .venv (the first time takes a minute or two)"
.venv/bin/python -m pip install --quiet -r requirements.txt
