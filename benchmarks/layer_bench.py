"""lstmlib's layers against torch.nn's, and the NumPy LSTM of appendix A1 against torch.

What is timed: one forward and backward pass, ``layer(x)[0].sum().backward()``, float32, gate
recording off, gradients cleared before each pass. lstmlib's layer is built with
``from_torch``, so both sides compute the same function, which is checked before timing.
"""
from __future__ import annotations

import numpy as np
import torch
from timing import interleaved, median, median_ratio, per_call, spread

import lstmlib
from lstmlib.layers import fused
from lstmlib.scratch import numpy_lstm

D, H = 16, 64
SIZES = [(32, 100), (1, 1000)]                      # (batch B, steps T)
KINDS = {"LSTM": (lstmlib.LSTM, torch.nn.LSTM), "GRU": (lstmlib.GRU, torch.nn.GRU),
         "RNN": (lstmlib.RNN, torch.nn.RNN)}
TARGET = 2.0                                        # issue 6: lstmlib ≤ 2× torch.nn


def fwd_bwd(layer, x):
    """A training step's worth of work: forward, sum loss, backward."""
    def step():
        for p in layer.parameters():
            p.grad = None
        layer(x)[0].sum().backward()
    return step


def with_threads(n, fn, *args, **kwargs):
    """Run fn with torch using n threads (None: torch's default), then restore the setting."""
    before = torch.get_num_threads()
    torch.set_num_threads(n or before)
    try:
        return fn(*args, **kwargs)
    finally:
        torch.set_num_threads(before)


def layers(rounds: int = 21, sizes=SIZES, dtype=torch.float32) -> list:
    """One row per (layer, size): medians in ms and the median of per-round ratios."""
    rows = []
    threads = torch.get_num_threads()
    for kind, (ours_cls, torch_cls) in KINDS.items():
        for B, T in sizes:
            torch.manual_seed(0)
            ref = torch_cls(D, H, dtype=dtype)
            ours = ours_cls.from_torch(ref)
            x = torch.randn(T, B, D, dtype=dtype)
            with torch.no_grad():
                torch.testing.assert_close(ours(x)[0], ref(x)[0], atol=1e-4, rtol=1e-4)
            contestants = {"lstmlib": fwd_bwd(ours, x), "torch": fwd_bwd(ref, x)}
            if kind == "LSTM":                      # the per-step autograd loop, for comparison
                slow = fwd_bwd(ours, x)
                contestants["readable"] = lambda: _readable(slow)
            t = interleaved(contestants, rounds)
            row = {"layer": kind, "B": B, "T": T, "D": D, "H": H, "rounds": rounds, "threads": threads,
                   "lstmlib_ms": 1e3 * median(t["lstmlib"]), "torch_ms": 1e3 * median(t["torch"]),
                   "ratio": median_ratio(t["lstmlib"], t["torch"]), "target": TARGET,
                   "noise": max(spread(t["lstmlib"]), spread(t["torch"]))}
            if "readable" in t:
                row["readable_ms"] = 1e3 * median(t["readable"])
                row["readable_ratio"] = median_ratio(t["readable"], t["torch"])
            rows.append(row)
            print(_line(row), flush=True)
    return rows


def _readable(step):
    with fused.disabled():
        step()


def _line(row):
    s = (f"  {row['threads']} thread(s) {row['layer']:4s} B={row['B']:<3d} T={row['T']:<5d} "
         f"lstmlib {row['lstmlib_ms']:8.2f} ms  "
         f"torch {row['torch_ms']:8.2f} ms  ratio {row['ratio']:5.2f}")
    if "readable_ms" in row:
        s += f"  (readable path {row['readable_ms']:.1f} ms, {row['readable_ratio']:.1f}×)"
    return s


def numpy_vs_torch(rounds: int = 15, sizes=SIZES) -> list:
    """Appendix A1's NumPy LSTM (forward + hand-written BPTT) against torch.nn.LSTM, float64 both."""
    rows = []
    for B, T in sizes:
        torch.manual_seed(0)
        ref = torch.nn.LSTM(D, H, dtype=torch.float64)
        ours = lstmlib.LSTM.from_torch(ref)
        params = {"W": ours.W.detach().numpy().copy(), "b": ours.b.detach().numpy().copy()}
        x = torch.randn(T, B, D, dtype=torch.float64)
        x_np = x.numpy()
        hs, _, _ = numpy_lstm.forward(x_np, params)
        np.testing.assert_allclose(hs, ref(x)[0].detach().numpy(), atol=1e-10)

        def numpy_step():
            hs, _, cache = numpy_lstm.forward(x_np, params)
            numpy_lstm.backward(np.ones_like(hs), cache)

        t = interleaved({"numpy": numpy_step, "torch": fwd_bwd(ref, x), "lstmlib": fwd_bwd(ours, x)}, rounds)
        row = {"B": B, "T": T, "D": D, "H": H, "dtype": "float64", "rounds": rounds,
               "threads": torch.get_num_threads(),
               "numpy_ms": 1e3 * median(t["numpy"]), "torch_ms": 1e3 * median(t["torch"]),
               "lstmlib_ms": 1e3 * median(t["lstmlib"]), "ratio": median_ratio(t["numpy"], t["torch"])}
        rows.append(row)
        print(f"  {row['threads']} thread(s) numpy LSTM B={B:<3d} T={T:<5d} {row['numpy_ms']:8.2f} ms  torch {row['torch_ms']:8.2f} ms  "
              f"ratio {row['ratio']:5.2f}  (lstmlib.LSTM float64 {row['lstmlib_ms']:.2f} ms)", flush=True)
    return rows


def floor(B: int = 1, T: int = 1000, rounds: int = 21, calls: int = 20000) -> dict:
    """Where the time goes for a long sequence, and the Python-overhead floor of any per-step loop.

    The fast path's loop makes 10 NumPy calls per forward step and 6 per backward step (plain
    LSTM); each costs ``numpy_call_us`` however small the array. A loop of torch calls pays
    ``torch_call_us`` per call, plus about as much again for each per-step view it slices.
    """
    torch.manual_seed(0)
    ref = torch.nn.LSTM(D, H)
    ours = lstmlib.LSTM.from_torch(ref)
    x = torch.randn(T, B, D)

    def forward_only(m):
        def run():
            with torch.no_grad():
                m(x)
        return run

    t = interleaved({"fast_fwd": forward_only(ours), "torch_fwd": forward_only(ref),
                     "fast": fwd_bwd(ours, x), "torch": fwd_bwd(ref, x)}, rounds)
    a, h_col = np.random.rand(H, B).astype(np.float32), np.random.rand(H, B).astype(np.float32)
    out = np.empty_like(a)
    W = np.random.rand(4 * H, H).astype(np.float32)
    a4 = np.empty((4 * H, B), np.float32)
    ta, tw = torch.rand(B, H), torch.rand(H, 4 * H)
    t_out, t4 = torch.empty(B, H), torch.rand(B, 4 * H)
    cost = {
        "numpy_call_us": lambda: np.multiply(a, h_col, out),
        "numpy_matmul_us": lambda: np.matmul(W, h_col, a4),
        "torch_call_us": lambda: torch.mul(ta, ta, out=t_out),
        "torch_addmm_us": lambda: t4.addmm_(ta, tw),
        "torch_view_us": lambda: t4[:, :H],
    }
    us = {k: 1e6 * per_call(fn, calls) for k, fn in cost.items()}
    fwd_floor = 9 * us["numpy_call_us"] + us["numpy_matmul_us"]
    bwd_floor = 5 * us["numpy_call_us"] + us["numpy_matmul_us"]
    row = {"B": B, "T": T, "D": D, "H": H, "rounds": rounds, "threads": torch.get_num_threads(),
           "fast_fwd_us_per_step": 1e6 * median(t["fast_fwd"]) / T,
           "torch_fwd_us_per_step": 1e6 * median(t["torch_fwd"]) / T,
           "fast_us_per_step": 1e6 * median(t["fast"]) / T,
           "torch_us_per_step": 1e6 * median(t["torch"]) / T,
           "numpy_floor_us_per_step": fwd_floor + bwd_floor, **us}
    print(f"  {row['threads']} thread(s), per step, B={B} T={T}: fast path {row['fast_us_per_step']:.1f} µs "
          f"(forward {row['fast_fwd_us_per_step']:.1f}), torch.nn {row['torch_us_per_step']:.1f} µs "
          f"(forward {row['torch_fwd_us_per_step']:.1f}); NumPy call floor {row['numpy_floor_us_per_step']:.1f} µs",
          flush=True)
    return row
