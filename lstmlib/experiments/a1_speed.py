"""Appendix A1's optional page on speed (``book/a1_speed.ipynb``): the NumPy LSTM against torch
on the CPU, and where its time goes.

Times one forward and backward pass of the same network (float64, the benchmark's sizes
D = 16, H = 64) in three implementations: :mod:`lstmlib.scratch.numpy_lstm`, ``torch.nn.LSTM`` and
:class:`lstmlib.LSTM` (whose fast path, :mod:`lstmlib.layers.fast_loops`, runs the same recursion).
Then takes the NumPy LSTM's step apart: the NumPy calls it makes (counted exactly, by running
it on arrays that count every call), what one call and the step's matrix products cost on
this machine, and the memory backpropagation through time keeps. Timings are printed; the page
checks only what holds on any machine (exact counts, ratios with a wide margin), and quotes
the repository's benchmark as measured elsewhere, with its date and machine
(``tests/test_experiments_a1.py`` checks the quoted numbers against that file).

    SPEED, timing, print_timing, benchmark, print_benchmark, call_cost, matmul_cost,
    cache_bytes, cache_formula, step_flops, where_time_goes, print_parts, gflops

The NumPy calls a step makes are counted by :mod:`lstmlib.experiments.a1_calls`.
"""
from __future__ import annotations

import collections
import json
import pathlib
import statistics
import time

import numpy as np
import torch

from ..layers import LSTM
from ..scratch import numpy_lstm
from .a1_calls import count_calls

# The benchmark's sizes (benchmarks/layer_bench.py): D = 16, H = 64, two shapes (B, T).
SPEED = dict(D=16, H=64, sizes=((32, 100), (1, 1000)), rounds=3)
IMPLEMENTATIONS = ("NumPy LSTM", "torch.nn.LSTM", "lstmlib.LSTM")


def _network(B, T, D, H, seed=0):
    torch.manual_seed(seed)
    ref = torch.nn.LSTM(D, H, dtype=torch.float64)
    ours = LSTM.from_torch(ref)
    params = {"W": ours.W.detach().numpy().copy(), "b": ours.b.detach().numpy().copy()}
    x = torch.randn(T, B, D, dtype=torch.float64)
    return ref, ours, params, x


def _fwd_bwd_torch(layer, x):
    def run():
        for p in layer.parameters():
            p.grad = None
        layer(x)[0].sum().backward()
    return run


def _fwd_bwd_numpy(params, x):
    def run():
        hs, _, cache = numpy_lstm.forward(x, params)
        numpy_lstm.backward(np.ones_like(hs), cache)
    return run


def timing(B: int, T: int, rounds: int = SPEED["rounds"], D: int = SPEED["D"],
           H: int = SPEED["H"], seed: int = 0) -> dict:
    """Median milliseconds of one forward + backward pass (loss: the sum of all h_t), float64,
    interleaved over ``rounds``: ``{implementation: ms}``. The three compute the same numbers
    (checked first). ``seed`` draws the weights and the input."""
    ref, ours, params, x = _network(B, T, D, H, seed)
    hs, _, _ = numpy_lstm.forward(x.numpy(), params)
    with torch.no_grad():
        np.testing.assert_allclose(hs, ref(x)[0].numpy(), atol=1e-10)
    runs = {"NumPy LSTM": _fwd_bwd_numpy(params, x.numpy()),
            "torch.nn.LSTM": _fwd_bwd_torch(ref, x), "lstmlib.LSTM": _fwd_bwd_torch(ours, x)}
    for run in runs.values():                          # warm up
        run()
    seconds = collections.defaultdict(list)
    for _ in range(rounds):
        for name, run in runs.items():
            start = time.perf_counter()
            run()
            seconds[name].append(time.perf_counter() - start)
    return {name: 1e3 * statistics.median(s) for name, s in seconds.items()}


def print_timing(rows: dict) -> None:
    """Print ``{(B, T): timing(B, T)}`` as a table of milliseconds."""
    print("one forward + backward pass, float64, D = 16, H = 64, in ms")
    print(f"{'B':>4} {'T':>5}" + "".join(f"{name:>16}" for name in IMPLEMENTATIONS))
    for (B, T), ms in rows.items():
        print(f"{B:4d} {T:5d}" + "".join(f"{ms[name]:16.1f}" for name in IMPLEMENTATIONS))


# The benchmark's results, when this is the repository's checkout (benchmarks/ is not installed).
BENCHMARK = pathlib.Path(__file__).resolve().parents[2] / "benchmarks" / "results" / "latest.json"


def benchmark(path=BENCHMARK):
    """The NumPy LSTM rows of the repository's benchmark (``benchmarks/results/latest.json``,
    written by ``python benchmarks/run.py``): ``{"date", "machine", "rows"}``, or None when
    the file is not there (outside the repository's checkout)."""
    path = pathlib.Path(path)
    if not path.is_file():
        return None
    data = json.loads(path.read_text())
    return {"date": data["numpy"]["date"], "machine": data["machine"], "rows": data["numpy"]["rows"]}


def print_benchmark(path=BENCHMARK) -> None:
    """Print the benchmark's NumPy LSTM rows: ms and the ratio to torch.nn.LSTM."""
    found = benchmark(path)
    if found is None:
        print(f"no benchmark results at {path} (outside the repository's checkout)")
        return
    m = found["machine"]
    print("measured elsewhere: benchmarks/results/latest.json (layer_bench.py)")
    print(f"{found['date']}, {m['cpu']}, {m['logical_cores']} logical cores, "
          f"torch {m['torch']}, numpy {m['numpy']}")
    print("forward + backward, float64, D = 16, H = 64, median of "
          f"{found['rows'][0].get('rounds', '?')} interleaved rounds")
    print(f"{'threads':>7} {'B':>3} {'T':>5} {'NumPy':>8} {'torch.nn':>9} {'ratio':>6} "
          f"{'lstmlib':>8}  (ms)")
    for r in found["rows"]:
        print(f"{r['threads']:7d} {r['B']:3d} {r['T']:5d} {r['numpy_ms']:8.1f} "
              f"{r['torch_ms']:9.1f} {r['ratio']:6.2f} {r['lstmlib_ms']:8.1f}")


# ---------------------------------------------------------------------------------------------
# What the parts cost
# ---------------------------------------------------------------------------------------------
def _per_call(fn, calls):
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        for _ in range(calls):
            fn()
        best = min(best, (time.perf_counter() - start) / calls)
    return best


def call_cost(B: int, H: int = SPEED["H"], calls: int = 2000) -> float:
    """Microseconds of one element-wise NumPy call on (B, H) arrays (a multiplication)."""
    a, b = np.random.rand(B, H), np.random.rand(B, H)
    return 1e6 * _per_call(lambda: a * b, calls)


def matmul_cost(B: int, D: int = SPEED["D"], H: int = SPEED["H"], calls: int = 300) -> dict:
    """Microseconds of each of one step's four matrix products, with the shapes and memory
    layouts of numpy_lstm: ``{"F1": a_t = [h_{t-1}, x_t] W^T, "B12": δa_t^T [h_{t-1}, x_t]
    (accumulated into δW), "B14": δa_t W_x, "B15": δa_t W_h}``."""
    rng = np.random.default_rng(0)
    hx, W = rng.normal(size=(B, H + D)), rng.normal(size=(4 * H, H + D))
    da, dW = rng.normal(size=(B, 4 * H)), np.zeros((4 * H, H + D))
    W_h, W_x = np.ascontiguousarray(W[:, :H]), np.ascontiguousarray(W[:, H:])

    def accumulate():
        nonlocal dW
        dW += da.T @ hx
    products = {"F1": lambda: hx @ W.T, "B12": accumulate, "B14": lambda: da @ W_x,
                "B15": lambda: da @ W_h}
    return {tag: 1e6 * _per_call(fn, calls) for tag, fn in products.items()}


def cache_bytes(cache: dict) -> int:
    """Bytes of the arrays :func:`lstmlib.scratch.numpy_lstm.forward` keeps for the backward pass."""
    return sum(a.nbytes for step in cache["steps"] for a in step)


def cache_formula(T: int, B: int, D: int, H: int, itemsize: int = 8) -> int:
    """T · B · (H + D + 6H) numbers: per step [h_{t-1}, x_t] and six (B, H) arrays."""
    return T * B * (H + D + 6 * H) * itemsize


def step_flops(B: int, D: int = SPEED["D"], H: int = SPEED["H"]) -> int:
    """Floating-point operations of one step's four matrix products: 3 · 2 · B · 4H · (H + D)."""
    return 3 * 2 * B * 4 * H * (H + D)


def where_time_goes(B: int, T: int, D: int = SPEED["D"], H: int = SPEED["H"],
                    rounds: int = SPEED["rounds"], seed: int = 0) -> dict:
    """Per time step, in µs: the NumPy LSTM's forward + backward (the best of ``rounds``), and
    parts of it replayed alone with the same shapes: the four matrix products, the three
    sigmoids, the split of a_t into its blocks, and the cheapest element-wise call; also the
    number of NumPy calls per step and the share of the step spent in the products."""
    _, _, params, x = _network(B, T, D, H, seed)
    run = _fwd_bwd_numpy(params, x.numpy())
    run()
    step = 1e6 * min(_timed(run) for _ in range(rounds)) / T
    calls = count_calls()
    n = int(round(sum(calls["forward"].values()) + sum(calls["backward"].values())))
    products = matmul_cost(B, D, H)
    matmul = sum(products.values())
    a = np.random.default_rng(0).normal(size=(B, 4 * H))
    a_f = a[:, :H]                                     # a block of a_t: a strided view
    sigmoids = 3e6 * _per_call(lambda: numpy_lstm.sigmoid(a_f), 300)
    split = 1e6 * _per_call(lambda: np.split(a, 4, axis=1), 300)
    return {"B": B, "T": T, "step_us": step, "matmul_us": matmul, "products_us": products,
            "sigmoids_us": sigmoids, "split_us": split, "call_us": call_cost(B, H), "calls": n,
            "matmul_share": matmul / step}


def print_parts(parts: list) -> None:
    """Print :func:`where_time_goes` for several sizes, one column each, in µs per step."""
    print(f"{'per time step, µs':34s}" + "".join(f"{f'B={p[chr(66)]}, T={p[chr(84)]}':>14}"
                                               for p in parts))

    def rest(p):
        return p["step_us"] - p["matmul_us"] - p["sigmoids_us"] - p["split_us"]
    lines = [("forward + backward, measured", lambda p: p["step_us"]),
             ("(F1)  a_t = [h, x] W^T", lambda p: p["products_us"]["F1"]),
             ("(B12) dW += da^T [h, x]", lambda p: p["products_us"]["B12"]),
             ("(B14) dx = da W_x", lambda p: p["products_us"]["B14"]),
             ("(B15) dh = da W_h", lambda p: p["products_us"]["B15"]),
             ("the four products together", lambda p: p["matmul_us"]),
             ("the three sigmoids (F2, F3, F5)", lambda p: p["sigmoids_us"]),
             ("np.split of a_t into four blocks", lambda p: p["split_us"]),
             ("everything else (the difference)", rest),
             (f"{parts[0]['calls']} calls x one multiplication", lambda p: p["calls"] * p["call_us"])]
    for label, value in lines:
        print(f"{label:34s}" + "".join(f"{value(p):14.1f}" for p in parts))
    print(f"{'share of the four products':34s}" + "".join(f"{p['matmul_share']:14.0%}"
                                                         for p in parts))


def gflops(n: int = 512, calls: int = 5) -> float:
    """What one large product achieves here: GFLOP/s of an (n, n) × (n, n) float64 matmul."""
    a, b = np.random.rand(n, n), np.random.rand(n, n)
    return 2 * n ** 3 / _per_call(lambda: a @ b, calls) / 1e9


def _timed(fn):
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start
