"""Measure the course's speed: lstmlib's layers against torch.nn, the NumPy LSTM, the book's budget.

    python benchmarks/run.py                   # everything (the book part builds the site twice)
    python benchmarks/run.py --only layers     # or numpy, or book; repeatable
    python benchmarks/run.py --only book --no-site

Prints the tables and writes benchmarks/results/latest.json and latest.md (``--out`` elsewhere),
and the figures of the README's Benchmarks section, from the same results.
A run of some sections keeps the other sections of the previous results. Targets are issue 6's;
nothing here is a test: the test suite checks that results are right, this measures how fast.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import timing  # noqa: E402
from report import markdown, update_readme  # noqa: E402

SECTIONS = ("layers", "numpy", "book")
RESULTS = Path(__file__).resolve().parent / "results"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=SECTIONS, action="append",
                        help="run only this section (repeatable); default: all")
    parser.add_argument("--rounds", type=int, default=21, help="interleaved rounds per comparison")
    parser.add_argument("--threads", type=int, nargs="+", default=[0, 1],
                        help="torch thread counts for the layer timings, 0 = torch's default "
                        "(default: 0 1, i.e. what a reader gets and what the chapters set)")
    parser.add_argument("--no-site", action="store_true", help="book section: skip the two site builds")
    parser.add_argument("--quick", action="store_true",
                        help="tiny sizes and 2 rounds: checks that the harness runs, numbers mean nothing")
    parser.add_argument("--out", type=Path, default=RESULTS, help="folder for latest.json and latest.md")
    args = parser.parse_args(argv)
    only = args.only or list(SECTIONS)

    import book_bench
    import layer_bench


    path = args.out / "latest.json"
    results = json.loads(path.read_text()) if path.exists() and not args.quick else {}
    results["machine"] = timing.machine()
    m = results["machine"]
    print(f"{m['cpu']}, {m['usable_cores']} usable cores, torch {m['torch']} ({m['torch_threads']} threads), "
          f"numpy {m['numpy']}; load {timing.load()}", flush=True)
    stamp = lambda: time.strftime("%Y-%m-%d %H:%M")
    sizes = [(4, 10), (1, 30)] if args.quick else layer_bench.SIZES
    rounds = 2 if args.quick else args.rounds

    if "layers" in only:
        print("lstmlib against torch.nn (forward + backward, float32):", flush=True)
        rows, floors = [], []
        for n in args.threads:
            rows += layer_bench.with_threads(n, layer_bench.layers, rounds, sizes)
            floors.append(layer_bench.with_threads(n, layer_bench.floor, *sizes[-1], rounds=rounds,
                                                   calls=500 if args.quick else 20000))
        results["layers"] = {"rows": rows, "floors": floors, "date": stamp(), "load": timing.load()}
    if "numpy" in only:
        print("Appendix A1's NumPy LSTM against torch.nn.LSTM (float64):", flush=True)
        rows = [row for n in args.threads
                for row in layer_bench.with_threads(n, layer_bench.numpy_vs_torch, rounds, sizes)]
        results["numpy"] = {"rows": rows, "date": stamp(), "load": timing.load()}
    if "book" in only:
        print("The book's budget (each notebook in a fresh kernel):", flush=True)
        section = {"run": book_bench.book(), "date": stamp()}
        if not args.no_site and not args.quick:
            section["site"] = book_bench.site()
        results["book"] = section

    args.out.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(results, indent=1) + "\n")
    (args.out / "latest.md").write_text(markdown(results) + "\n")
    print(f"wrote {path} and latest.md", flush=True)
    readme = RESULTS.parents[1] / "README.md"
    if args.out == RESULTS and not args.quick and readme.is_file():
        readme.write_text(update_readme(readme.read_text(encoding="utf8"), results), encoding="utf8")
        print("updated the README's figures (its Benchmarks section)", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
