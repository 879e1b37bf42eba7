"""The LSTM layer's fast path: a whole sequence as one autograd Function (appendix A1's BPTT).

The readable path (:func:`lstmlib.cells.lstm_step` under autograd) records about ten operations
per time step, each costing microseconds of Python and dispatcher overhead: on a 2-core CPU
that, not arithmetic, is what makes a 1000-step sequence slow. Here the loop records nothing.
The forward pass runs the book's equations over NumPy views of the layer's tensors (a NumPy
call on a small array costs a third of a torch call) and keeps the gates; the backward pass is
backpropagation through time written by hand, the recursion of
:func:`lstmlib.scratch.numpy_lstm.backward` (Hochreiter & Schmidhuber 1997; Graves 2012, ch. 4)
extended to every variant of :class:`lstmlib.LSTM`: peepholes (Gers & Schmidhuber 2000),
coupled gates and the ablations of Greff et al. (2017). The two loops are in
:mod:`lstmlib.layers.fast_loops`; this module prepares their arrays and computes, for all time steps
at once, what does not depend on the recursion (the input projection, the weight gradients).

``tests/test_fast_paths.py`` proves this path equal to the readable one (outputs, states and
all gradients, float64, 1e-10) for every variant. ``lstmlib.LSTM`` and its subclasses use it
unless gates are recorded (``return_gates=True``), the sequence is shorter than ``MIN_STEPS``,
the tensors are not float32/float64 on the CPU, a ``torch.func`` transform is running, or inside
``with lstmlib.layers.fused.disabled():``.
Second derivatives (``create_graph=True``) and vmap over the backward recompute the sequence
on the readable path, so they work too, at its speed.
"""
from __future__ import annotations

import contextlib

import numpy as np
import threadpoolctl
import torch

from .fast_loops import backward_factors, backward_loop, forward_loop
from .readable import Variant, readable_scan

MIN_STEPS = 4                                          # shorter sequences take the readable path
_ENABLED = [True]
_blas = None                                           # NumPy's BLAS, found on first use
_functorch = getattr(torch._C, "_functorch", None)


@contextlib.contextmanager
def disabled():
    """Inside this block, LSTM layers run the readable per-step autograd path."""
    _ENABLED.append(False)
    try:
        yield
    finally:
        _ENABLED.pop()


def supported(x: torch.Tensor, *tensors: torch.Tensor) -> bool:
    """Whether the fast path should run the sequence x (T, B, D) with these parameters and states.

    It can when every tensor is float32/float64 on the CPU and NumPy can view it; it pays when
    the sequence has at least ``MIN_STEPS`` steps (its fixed cost, about 0.1 ms, exceeds what it
    saves on shorter ones, such as a model run one step at a time).
    """
    if not _ENABLED[-1] or x.shape[0] < MIN_STEPS or (
            _functorch is not None and _functorch.peek_interpreter_stack() is not None):
        return False
    return all(t.device.type == "cpu" and t.dtype in (torch.float32, torch.float64) and _plain(t)
               for t in (x, *tensors))


def _plain(t):
    """Not wrapped by torch.func or vmap (NumPy cannot view a wrapped tensor)."""
    return _functorch is None or not (_functorch.is_functorch_wrapped_tensor(t)
                                      or _functorch.is_legacy_batchedtensor(t))


def lstm_scan(x, h0, C0, W, b, variant: Variant, p_f=None, p_i=None, p_o=None):
    """Run the LSTM over x (T, B, D) from (h0, C0), each (B, H). Returns ``(output, h_T, C_T)``.

    The function the layer's readable loop computes, differentiable in every tensor argument;
    output is (T, B, H).
    """
    return _LSTMScan.apply(variant, x, h0, C0, W, b, p_f, p_i, p_o)


# Inside, arrays are feature-major, (H, B) per step instead of (B, H): a_t = W·[h_{t-1}, x_t] + b
# in column form, so that each gate's block of a_t is one contiguous (H, B) array, which NumPy
# processes several times faster than a strided one.
class _LSTMScan(torch.autograd.Function):

    @staticmethod
    def forward(ctx, variant, x, h0, C0, W, b, p_f, p_i, p_o):
        T, B, D = x.shape
        H = h0.shape[1]
        W_, b_ = W.detach().numpy(), b.detach().numpy()
        order = variant.forward_order()
        rows = np.concatenate([np.arange(k * H, (k + 1) * H) for k in map(variant.blocks.index, order)])
        # σ(z) = (1 + tanh(z/2)) / 2: halve the gates' rows, and one tanh serves gates and C̃.
        half = np.repeat(np.array([1.0 if g == "C" else 0.5 for g in order], W_.dtype), H)
        W_ord = W_[rows] * half[:, None]                                 # (nH, H + D)
        # (T, nH, B): W_x·x_t + b, rows in `order`; forward_loop turns it into the gates f_t, i_t, o_t, C̃_t.
        gates = _columns(x.detach(), torch.from_numpy(W_ord[:, H:]), torch.from_numpy(b_[rows] * half))
        hs = np.empty((T + 1, H, B), W_.dtype)                           # h_0 .. h_T
        Cs = np.empty((T + 1, H, B), W_.dtype)                           # C_0 .. C_T
        hs[0], Cs[0] = h0.detach().numpy().T, C0.detach().numpy().T
        tanh_C = np.empty((T, H, B), W_.dtype) if variant.output_activation else None
        peep = {g: 0.5 * p.detach().numpy()[:, None] for g, p in (("f", p_f), ("i", p_i), ("o", p_o))
                if p is not None}                                          # (H, 1), halved like a_g
        with _one_blas_thread():
            forward_loop(gates, np.ascontiguousarray(W_ord[:, :H]), hs, Cs, tanh_C, order, variant, peep)
        ctx.variant, ctx.order, ctx.saved = variant, order, (gates, hs, Cs, tanh_C)
        ctx.save_for_backward(x, h0, C0, W, b, p_f, p_i, p_o)
        # Fresh (B, H)-major copies: the caller may edit them in place; hs and Cs stay intact.
        output = np.ascontiguousarray(hs[1:].transpose(0, 2, 1))        # (T, B, H)
        return torch.from_numpy(output), torch.from_numpy(hs[T].T.copy()), torch.from_numpy(Cs[T].T.copy())

    @staticmethod
    def backward(ctx, d_output, d_hT, d_CT):
        if torch.is_grad_enabled() or not all(map(_plain, (d_output, d_hT, d_CT))):
            return _recompute_backward(ctx, d_output, d_hT, d_CT)
        x, h0, C0, W, b, p_f, p_i, p_o = ctx.saved_tensors
        gates, hs, Cs, tanh_C = ctx.saved
        variant, order = ctx.variant, ctx.order
        T, B, H = d_output.shape
        n = len(variant.blocks)
        W_ = W.detach().numpy()
        p = {g: v.detach().numpy()[:, None] for g, v in (("f", p_f), ("i", p_i), ("o", p_o)) if v is not None}
        # ∂h_t/∂C_t (T, H, B); ∂C_t/∂[C_{t-1}, a_f, a_i, a_C] (T, k + 1, H, B); ∂h_t/∂a_o (T, H, B)
        dh_dC, dC_dCa, dh_da_o = backward_factors(gates.reshape(T, len(order), H, B), order, Cs, tanh_C,
                                                  variant, p)
        # dL_dCa[t] = [∂L/∂C_{t-1}; ∂L/∂a_t in W's row order], (n + 1)H rows; the first k + 1 blocks
        # are ∂L/∂C_t times dC_dCa[t], the output gate's block is ∂L/∂h_t times dh_da_o[t].
        dL_dCa = np.empty((T, (n + 1) * H, B), W_.dtype)
        d_out = np.ascontiguousarray(d_output.numpy().transpose(0, 2, 1))   # (T, H, B)
        with _one_blas_thread():
            dh0 = backward_loop(d_out, d_out[-1] + d_hT.numpy().T, np.ascontiguousarray(d_CT.numpy().T),
                                np.ascontiguousarray(W_[:, :H].T), dh_dC, dC_dCa, dh_da_o, dL_dCa)  # (H, B)
        da = torch.from_numpy(dL_dCa)[:, H:].permute(1, 0, 2).reshape(n * H, T * B)   # ∂L/∂a_t, all t
        need = ctx.needs_input_grad
        grads = dict.fromkeys(("x", "h0", "C0", "W", "b", "p_f", "p_i", "p_o"))
        if need[1]:                                                      # ∂L/∂x_t = W_xᵀ ∂L/∂a_t
            grads["x"] = (W.detach()[:, H:].T @ da).view(-1, T, B).permute(1, 2, 0)  # (T, B, D)
        if need[2]:
            grads["h0"] = dh0.T
        if need[3]:
            grads["C0"] = dL_dCa[0, :H].T.copy()
        if need[4] or need[5]:                           # Σ_t ∂L/∂a_t [h_{t-1}, x_t, 1]ᵀ: dW and db
            ones = torch.ones(T, B, 1, dtype=W.dtype)
            hx1 = torch.cat([torch.from_numpy(hs[:-1]).transpose(1, 2), x.detach(), ones], dim=2)
            dWb = da @ hx1.view(T * B, -1)                               # (nH, H + D + 1)
            grads["W"], grads["b"] = dWb[:, :-1], dWb[:, -1]
        for g, C in (("f", Cs[:-1]), ("i", Cs[:-1]), ("o", Cs[1:])):     # p_g ⊙ C enters a_g
            if g in p:
                k = variant.blocks.index(g) + 1
                grads["p_" + g] = (dL_dCa[:, k * H:(k + 1) * H] * C).sum((0, 2))
        return (None,) + tuple(torch.from_numpy(g) if isinstance(g, np.ndarray) else g
                               for g in grads.values())


def _recompute_backward(ctx, *grads):
    """Second derivatives (the backward itself differentiated) and vmap over the backward:
    rerun the sequence on the readable path and let autograd differentiate that."""
    inputs = ctx.saved_tensors                                     # x, h0, C0, W, b, p_f, p_i, p_o
    need = ctx.needs_input_grad[1:]
    create_graph = torch.is_grad_enabled()
    with torch.enable_grad():
        outputs = readable_scan(ctx.variant, *inputs)[:3]                 # output, h_T, C_T
        wrt = [t for t, wanted in zip(inputs, need) if wanted]
        found = iter(torch.autograd.grad(outputs, wrt, grads, create_graph=create_graph, allow_unused=True))
    return (None,) + tuple(next(found) if wanted else None for wanted in need)


def _columns(x, W_x, b):
    """W_x·x_t + b for every t at once, feature-major: a (T, nH, B) array from x (T, B, D)."""
    if x.shape[1] == 1:                                # (T, 1, nH) already has (T, nH, 1)'s layout
        return torch.addmm(b, x[:, 0], W_x.T).numpy()[:, :, None]
    return torch.matmul(W_x, x.transpose(1, 2)).add_(b[:, None]).numpy()


def _one_blas_thread():
    """Run NumPy's small per-step matrix products on one BLAS thread.

    OpenBLAS would split some of them over two threads, whose workers then spin between calls
    and, on a 2-core machine, slow down torch's own threads (measured: the next torch.nn pass
    took twice as long). One thread is as fast for these sizes.
    """
    global _blas
    if _blas is None:
        _blas = threadpoolctl.ThreadpoolController().select(user_api="blas")
    return _blas.limit(limits=1)
