"""Speed on a CPU (chapter 11): threads, batch size and sequence length against time per step.

    python benchmarks/practice_speed.py            # the full grid, under a minute on 2 quiet cores
    python benchmarks/practice_speed.py --quick    # a tiny grid in seconds (numbers mean nothing)

Times torch.nn.LSTM and lstmlib.LSTM (built from it with ``from_torch``, so both compute the
same function, which is checked first) for torch thread counts 1 and 2, batch sizes 1, 16 and
128 and sequence lengths 20 and 100, input D = 8, hidden H = 64, float32. Two passes each: a
training step (forward, loss = output.sum(), backward, gradients cleared before it) and a
forward pass alone under ``torch.no_grad()``. The four contestants of one setting run
interleaved (``timing.interleaved``), so a burst of load on the shared machine falls on all of
them; we report medians in µs per sequence step (seconds / T), and for lstmlib/torch the median
of the per-round ratios. Then one LSTMP row: torch.nn.LSTM(8, 64, proj_size=16) against
proj_size=0 at B = 16, T = 100 on one thread, with both parameter counts.

"Threads" is ``torch.set_num_threads``: it sets torch's pool (all of torch.nn.LSTM's work, and
lstmlib's whole-sequence products); lstmlib's per-step loop runs NumPy on one BLAS thread
whatever the setting (``lstmlib.layers.fused``).

Writes ``benchmarks/results/practice_speed.json`` (machine, date, torch version, thread
counts, every measurement with its rounds) and ``practice_speed.md``, the table chapter 11
prints (:mod:`lstmlib.experiments.ch11_speed` formats both). Nothing here is a test.
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import torch  # noqa: E402
from layer_bench import fwd_bwd, with_threads  # noqa: E402
from timing import interleaved, load, machine, median, median_ratio, spread  # noqa: E402

import lstmlib  # noqa: E402
from lstmlib.experiments import ch11_speed  # noqa: E402

D, H = 8, 64
GRID = dict(threads=(1, 2), B=(1, 16, 128), T=(20, 100), rounds=31)
PROJ = dict(proj_size=16, B=16, T=100, threads=1)
QUICK = dict(threads=(1, 2), B=(1, 4), T=(6,), rounds=3)            # checks the harness only
QUICK_PROJ = dict(proj_size=4, B=2, T=6, threads=1)
RESULTS = Path(__file__).resolve().parent / "results"


def forward_only(layer, x):
    """A forward pass without the graph: what inference costs."""
    def run():
        with torch.no_grad():
            layer(x)
    return run


def _us(seconds: list, T: int) -> float:
    return 1e6 * median(seconds) / T


def _rounds(times: dict) -> dict:
    return {name: [round(s, 7) for s in seconds] for name, seconds in times.items()}


def setting(B: int, T: int, rounds: int) -> dict:
    """One (threads, B, T) setting, on torch's current thread count: µs per step of both layers'
    training step and forward pass, the lstmlib/torch ratios, and every round's seconds."""
    torch.manual_seed(0)
    ref = torch.nn.LSTM(D, H)
    ours = lstmlib.LSTM.from_torch(ref)
    x = torch.randn(T, B, D)                                                   # (T, B, D)
    with torch.no_grad():
        torch.testing.assert_close(ours(x)[0], ref(x)[0], atol=1e-4, rtol=1e-4)   # (T, B, H) both
    t = interleaved({"torch_train": fwd_bwd(ref, x), "lstmlib_train": fwd_bwd(ours, x),
                     "torch_fwd": forward_only(ref, x), "lstmlib_fwd": forward_only(ours, x)}, rounds)
    row = {"threads": torch.get_num_threads(), "B": B, "T": T, "rounds": rounds}
    for kind in ("train", "fwd"):
        row[f"torch_{kind}_us"] = _us(t[f"torch_{kind}"], T)
        row[f"lstmlib_{kind}_us"] = _us(t[f"lstmlib_{kind}"], T)
        row[f"{kind}_ratio"] = median_ratio(t[f"lstmlib_{kind}"], t[f"torch_{kind}"])
    row["noise"] = max(spread(s) for s in t.values())     # the noisiest series' IQR / median
    row["seconds"] = _rounds(t)
    return row


def projection(proj_size: int, B: int, T: int, rounds: int) -> dict:
    """torch.nn.LSTM with ``proj_size`` (LSTMP: h_t = W_hr (o_t ⊙ tanh C_t), of size proj_size)
    against the same layer without it: parameter counts, µs per step and the ratios."""
    torch.manual_seed(0)
    layers = {0: torch.nn.LSTM(D, H), proj_size: torch.nn.LSTM(D, H, proj_size=proj_size)}
    x = torch.randn(T, B, D)                                                   # (T, B, D)
    runs = {}
    for size, layer in layers.items():
        runs[f"{size}_train"], runs[f"{size}_fwd"] = fwd_bwd(layer, x), forward_only(layer, x)
    with warnings.catch_warnings(record=True) as caught:   # torch: no oneDNN kernel for proj_size
        warnings.simplefilter("always")
        t = interleaved(runs, rounds)
    rows = [{"proj_size": size, "output_size": size or H,
             "parameters": sum(p.numel() for p in layer.parameters()),
             "train_us": _us(t[f"{size}_train"], T), "fwd_us": _us(t[f"{size}_fwd"], T)}
            for size, layer in layers.items()]
    return {"threads": torch.get_num_threads(), "B": B, "T": T, "D": D, "H": H, "rounds": rounds,
            "rows": rows, "train_ratio": median_ratio(t[f"{proj_size}_train"], t["0_train"]),
            "fwd_ratio": median_ratio(t[f"{proj_size}_fwd"], t["0_fwd"]), "seconds": _rounds(t),
            "torch_warnings": sorted({str(w.message) for w in caught})}


def measure(grid: dict = GRID, proj: dict = PROJ, quick: bool = False) -> dict:
    """Every setting of ``grid`` (threads × B × T) and the LSTMP comparison, with the machine."""
    results = {"benchmark": "practice_speed", "quick": quick, "date": time.strftime("%Y-%m-%d %H:%M %Z"),
               "machine": machine(), "torch": torch.__version__, "threads": list(grid["threads"]),
               "settings": {"D": D, "H": H, "dtype": "float32", "B": list(grid["B"]), "T": list(grid["T"]),
                            "rounds": grid["rounds"], "unit": "µs per sequence step (seconds / T)",
                            "train": "forward, loss = output.sum(), backward",
                            "fwd": "forward under torch.no_grad()"},
               "load_before": load(), "rows": []}
    start = time.perf_counter()
    for n in grid["threads"]:
        for B in grid["B"]:
            for T in grid["T"]:
                r = with_threads(n, setting, B, T, grid["rounds"])
                results["rows"].append(r)
                print(f"  {n} thread(s) B={B:<3d} T={T:<3d} training step: torch {r['torch_train_us']:7.1f} "
                      f"lstmlib {r['lstmlib_train_us']:7.1f} µs ({r['train_ratio']:.2f}); forward: torch "
                      f"{r['torch_fwd_us']:6.1f} lstmlib {r['lstmlib_fwd_us']:6.1f} µs "
                      f"({r['fwd_ratio']:.2f})", flush=True)
    results["proj"] = with_threads(proj["threads"], projection, proj["proj_size"], proj["B"], proj["T"],
                                   grid["rounds"])
    results["load_after"], results["seconds_total"] = load(), round(time.perf_counter() - start, 1)
    return results


def write(results: dict, out: Path) -> tuple:
    """Write practice_speed.json and practice_speed.md into ``out``; returns both paths."""
    out.mkdir(parents=True, exist_ok=True)
    json_path, md_path = out / "practice_speed.json", out / "practice_speed.md"
    json_path.write_text(json.dumps(results, indent=1, ensure_ascii=False) + "\n", encoding="utf8")
    md_path.write_text(ch11_speed.markdown(results) + "\n", encoding="utf8")
    return json_path, md_path


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="a tiny grid and 3 rounds, in seconds: checks the harness, numbers mean nothing")
    parser.add_argument("--rounds", type=int,
                        help=f"interleaved rounds per setting (default {GRID['rounds']})")
    parser.add_argument("--out", type=Path, help="folder for the results (default benchmarks/results; "
                        "with --quick a temporary folder, so the committed results stay)")
    args = parser.parse_args(argv)
    grid, proj = (QUICK, QUICK_PROJ) if args.quick else (GRID, PROJ)
    grid = dict(grid, rounds=args.rounds or grid["rounds"])
    out = args.out or (Path(tempfile.gettempdir()) / "practice_speed_quick" if args.quick else RESULTS)
    m = machine()
    print(f"{m['cpu']}, {m['usable_cores']} usable cores, torch {m['torch']}; load {load()}", flush=True)
    results = measure(grid, proj, quick=args.quick)
    paths = write(results, out)
    print(ch11_speed.markdown(results))
    print(f"wrote {paths[0]} and {paths[1].name} ({results['seconds_total']} s of timing)", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
