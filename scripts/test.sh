#!/usr/bin/env bash
# Set everything up and run the whole test suite: tests/ (lstmlib against PyTorch, the book's
# claims over several seeds, the book's structure), every notebook in book/ through nbval, and
# the website (tests/test_site.py: one build into _build, every page read in Chromium; it is
# skipped with a message when Chromium is missing, unless LSTMLIB_REQUIRE_BROWSER=1).
# Extra arguments go to pytest, e.g. `bash scripts/test.sh -k lstm`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export LSTMLIB_PROGRESS=0
.venv/bin/python -m pytest --nbval-lax -n 2 --dist loadfile "$@"
