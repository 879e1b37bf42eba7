#!/usr/bin/env bash
# Set everything up and build the website into _build/html, executing every notebook.
# Warnings are errors (-W), and so is a notebook that fails (nb_execution_raise_on_error).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/jupyter-book build . -W -n --keep-going
echo
echo "The website is in _build/html. To read it, run"
echo "    python3 -m http.server --bind 127.0.0.1 --directory _build/html 8000"
echo "and open http://127.0.0.1:8000 in a browser."
