#!/usr/bin/env bash
# Set everything up and run the whole test suite: tests/ (lstmlib against PyTorch, the book's
# claims over several seeds, the book's structure) and every notebook in book/ through nbval.
# Extra arguments go to pytest, e.g. `bash scripts/test.sh -k lstm`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export LSTMLIB_PROGRESS=0
.venv/bin/python -m pytest --nbval-lax -n 2 --dist loadfile "$@"
