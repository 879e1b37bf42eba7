#!/usr/bin/env bash
# Set everything up and run the whole test suite: tests/ (lstmlib against PyTorch, the book's
# claims over several seeds, the book's structure), every notebook in book/ through nbval, and
# the website (tests/test_site.py: one build into _build, every page read in Chromium; it is
# skipped with a message when Chromium is missing, unless LSTMLIB_REQUIRE_BROWSER=1).
# Extra arguments go to pytest, e.g. `bash scripts/test.sh -k lstm`; the quick subset for the
# edit-test loop leaves out what is marked slow (the claims' seed re-checks, the notebooks, the
# website): `bash scripts/test.sh -m "not slow"`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export LSTMLIB_PROGRESS=0
# Two pytest workers share two cores: one thread each. With torch's default (a thread per core
# in every worker) the small models of the course ran 30-80 times slower under load.
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1
.venv/bin/python -m pytest --nbval-lax -n 2 --dist loadfile "$@"
