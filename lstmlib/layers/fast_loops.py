"""The loops over time of lstmlib's fast path (:mod:`lstmlib.layers.fused`), on NumPy arrays.

:func:`forward_loop` is the book's LSTM step (chapters 3-7) written in place.
:func:`backward_loop` is backpropagation through time, the recursion of
:func:`lstmlib.scratch.numpy_lstm.backward` (appendix A1), with everything that does not depend on the
recursion computed beforehand for all steps at once by :func:`backward_factors`. Arrays are
feature-major, (H, B) per step instead of (B, H), so that each gate's block of
a_t = W·[h_{t-1}, x_t] + b is one contiguous array; ``v`` is a :class:`lstmlib.layers.readable.Variant`.
Names of the backward pass: ``dh_dC`` = ∂h_t/∂C_t, ``dh_da_o`` = ∂h_t/∂a_o, ``dC_dCa`` =
∂C_t/∂[C_{t-1}, a_f, a_i, a_C], ``dL_dCa`` = ∂L/∂[C_{t-1}, a_t] (a_g: the pre-activation of gate g).
A step costs about ten NumPy calls forward and six backward, each a fraction of a microsecond at
the course's sizes: that, not arithmetic, sets the speed of a long sequence.
"""
from __future__ import annotations

import itertools

import numpy as np


def forward_loop(gates, W_h, hs, Cs, tanh_C, order, v, peep):
    """The book's equations, step by step, in place, on feature-major arrays.

    gates (T, nH, B) holds W_x·x_t + b on entry (the sigmoid gates' rows halved, rows in ``order``)
    and the gates f_t, i_t, o_t, C̃_t on exit; hs[t + 1], Cs[t + 1] and tanh_C[t] (each (H, B))
    receive h_t, C_t and tanh(C_t).
    """
    T, nH, B = gates.shape
    H = hs.shape[1]
    k = {g: j for j, g in enumerate(order)}
    gate_blocks = gates.reshape(T, len(order), H, B)                 # (T, n, H, B): one block per gate
    none = itertools.repeat(None)
    block = {g: (gate_blocks[:, k[g]] if g in k else none) for g in ("f", "i", "C", "o")}   # (T, H, B)
    n_early = k["C"]                                   # gates computed before C_t
    n_tanh = n_early + 1 if v.input_activation else n_early
    n_fi = sum(g in k for g in ("f", "i"))             # f and i lead `order`
    p_fi = None
    if "f" in peep or "i" in peep:                     # (n_fi, H, 1): f, i peepholes read C_{t-1}
        p_fi = np.stack([peep.get(g, np.zeros((H, 1), gates.dtype)) for g in ("f", "i") if g in k])
    ah = np.empty((nH, B), gates.dtype)                # W_h·h_{t-1}
    tmp = np.empty((H, B), gates.dtype)
    half = np.array(0.5, gates.dtype)                  # 0-d arrays: cheaper than Python floats
    mul, tanh, matmul = np.multiply, np.tanh, np.matmul
    coupled, late_o = v.coupled, v.late_o
    # One view per array and step, made by zip in C (cheaper than indexing): a_t (nH, B), its rows
    # that take a tanh (n_tanh·H, B) and the sigmoid gates' (n_early·H, B), its gate blocks (n, H, B)
    # for the f, i peepholes, then f_t, i_t, C̃_t, o_t, C_t, tanh(C_t), h_t, each (H, B).
    steps = zip(gates, none if n_tanh == len(order) else gates[:, :n_tanh * H], gates[:, :n_early * H],
                none if p_fi is None else gate_blocks, block["f"], block["i"], block["C"], block["o"],
                Cs[1:], none if tanh_C is None else tanh_C, hs[1:])
    h_prev, C_prev = hs[0], Cs[0]                  # (H, B) each; then h_t, C_t carried over as these
    for a_t, tanh_rows, sigma_rows, a_blocks, f_t, i_t, C_tilde, o_t, C_t, tanh_C_t, h_t in steps:
        tanh_rows = a_t if tanh_rows is None else tanh_rows
        matmul(W_h, h_prev, ah)
        a_t += ah                                                  # a_t = W·[h_{t-1}, x_t] + b
        if p_fi is not None:
            a_blocks[:n_fi] += p_fi * C_prev                       # + p ⊙ C_{t-1}: (n_fi, H, 1) ⊙ (H, B)
        tanh(tanh_rows, tanh_rows)                                 # C̃_t = tanh(a_C), and for the gates
        if n_early:
            mul(sigma_rows, half, sigma_rows)
            sigma_rows += half                                     # σ(a) = (1 + tanh(a/2)) / 2
        if coupled:                                                # C_t = C̃_t + f_t ⊙ (C_{t-1} − C̃_t)
            np.subtract(C_prev, C_tilde, C_t)
            C_t *= f_t
            C_t += C_tilde
        else:                                                      # C_t = f_t ⊙ C_{t-1} + i_t ⊙ C̃_t
            if i_t is not None:
                mul(i_t, C_tilde, tmp)
            if f_t is not None:
                mul(f_t, C_prev, C_t)
            else:
                np.copyto(C_t, C_prev)                             # no forget gate: f_t = 1
            C_t += tmp if i_t is not None else C_tilde
        if late_o:                                                 # o_t = σ(a_o + p_o ⊙ C_t)
            mul(peep["o"], C_t, tmp)                               # (H, 1) ⊙ (H, B)
            o_t += tmp
            tanh(o_t, o_t)
            mul(o_t, half, o_t)
            o_t += half
        s = C_t                                                    # NOAF: h_t = o_t ⊙ C_t
        if tanh_C_t is not None:
            s = tanh(C_t, tanh_C_t)
        if o_t is not None:
            mul(o_t, s, h_t)                                       # h_t = o_t ⊙ tanh(C_t)
        else:
            np.copyto(h_t, s)                                      # no output gate: o_t = 1
        h_prev, C_prev = h_t, C_t


def backward_factors(gate_blocks, order, Cs, tanh_C, v, p):
    """Everything in the backward recursion that does not depend on it, for all t at once.

    With dh = ∂L/∂h_t and dC = ∂L/∂C_t (all paths), one step of BPTT is
        dC          = ∂L/∂C_t from step t+1  +  dh ⊙ dh_dC   (through h_t = o_t ⊙ tanh(C_t))
        ∂L/∂a_o     = dh ⊙ dh_da_o
        ∂L/∂a_g     = dC ⊙ P_g  for g = f, i, C      (through C_t = f_t ⊙ C_{t-1} + i_t ⊙ C̃_t)
        ∂L/∂C_{t-1} = dC ⊙ R                         (the constant error carousel: R = f_t)
    gate_blocks (T, n, H, B) holds the gates in ``order``, Cs is (T + 1, H, B), a peephole p is (H, 1).
    Returns dh_dC (T, H, B), dC_dCa = [R, P_f, P_i, P_C] stacked in W's row order (T, k + 1, H, B),
    and dh_da_o (T, H, B), or None when there is no output gate.
    """
    C_prev, C_t = Cs[:-1], Cs[1:]
    gate = {g: gate_blocks[:, k] for k, g in enumerate(order)}     # each (T, H, B)
    C_tilde, f, o = gate["C"], gate.get("f"), gate.get("o")        # None: ablated, fixed at 1
    i = 1 - f if v.coupled else gate.get("i")
    s = C_t if tanh_C is None else tanh_C                          # tanh(C_t), or C_t (NOAF)

    def dsigma(g, out):                                            # σ'(a_g) = σ(1 − σ), into out
        np.subtract(1, gate[g], out=out)
        out *= gate[g]
        return out

    # In place, into preallocated arrays: on (T, H, B) arrays, temporaries cost more than the arithmetic.
    dh_dC = np.empty_like(C_t)
    if tanh_C is None:
        dh_dC.fill(1)
    else:
        np.multiply(s, s, out=dh_dC)
        np.subtract(1, dh_dC, out=dh_dC)                           # ∂tanh(C_t)/∂C_t = 1 − tanh²
    dh_da_o = None
    if o is not None:
        dh_da_o = dsigma("o", np.empty_like(C_t))
        dh_da_o *= s                                               # ∂h_t/∂a_o = tanh(C_t) σ'(a_o)
        dh_dC *= o
        if "o" in p:
            dh_dC += dh_da_o * p["o"]                              # o_t reads C_t through p_o
    dC_dCa = np.empty((C_t.shape[0], 2 + (f is not None) + ("i" in gate)) + C_t.shape[1:], C_t.dtype)
    R = dC_dCa[:, 0]
    R[...] = 1 if f is None else f
    j = 1
    for g, times in (("f", C_prev - C_tilde if v.coupled else C_prev), ("i", C_tilde)):
        if g in gate:                                              # ∂C_t/∂a_f, ∂C_t/∂a_i
            P = dsigma(g, dC_dCa[:, j])
            P *= times                                             # coupled: i_t = 1 − f_t
            if g in p:
                R += P * p[g]                                      # f_t, i_t read C_{t-1}
            j += 1
    P = dC_dCa[:, j]                                               # ∂C_t/∂a_C
    if v.input_activation:
        np.multiply(C_tilde, C_tilde, out=P)
        np.subtract(1, P, out=P)
    else:
        P.fill(1)
    if i is not None:
        P *= i
    return dh_dC, dC_dCa, dh_da_o


def backward_loop(d_out, dh, dC_next, W_hT, dh_dC, dC_dCa, dh_da_o, dL_dCa):
    """Backpropagation through time from t = T−1 down to 0 (compare numpy_lstm.backward).

    Feature-major: d_out (T, H, B) is ∂L/∂output; dh is ∂L/∂h_{T−1} in total and dC_next is
    ∂L/∂C_{T−1} from beyond the sequence, each (H, B). Fills dL_dCa[t] = [∂L/∂C_{t−1}; ∂L/∂a_t]
    and returns ∂L/∂h_0.
    """
    T, H, B = d_out.shape
    k1 = dC_dCa.shape[1]                           # R and the blocks that scale with dC
    dL_blocks = dL_dCa.reshape(T, -1, H, B)        # (T, n + 1, H, B): ∂L/∂C_{t−1}, ∂L/∂a_g
    dC = np.empty((H, B), dL_dCa.dtype)
    dC_b = dC[None]                                # (1, H, B), broadcasts over dC_dCa's blocks
    spare = np.empty((H, B), dL_dCa.dtype)         # receives ∂L/∂h_{t−1} while dh is read
    none = itertools.repeat(None)
    d_out_prev = itertools.chain(d_out[-2::-1], [None])  # ∂L/∂h_{t−1} from the output
    no_o = dh_da_o is None
    # Per step, from the last: the factors (H, B), (k1, H, B), (H, B); where ∂L/∂[C_{t−1}, a_f,
    # a_i, a_C] (k1, H, B), ∂L/∂a_o (H, B), ∂L/∂a_t (nH, B) and ∂L/∂C_{t−1} (H, B) go; d_out_prev.
    steps = zip(dh_dC[::-1], dC_dCa[::-1], none if no_o else dh_da_o[::-1], dL_blocks[::-1, :k1],
                none if no_o else dL_blocks[::-1, k1], dL_dCa[::-1, H:], dL_blocks[::-1, 0], d_out_prev)
    mul, matmul = np.multiply, np.matmul
    for dh_dC_t, dC_dCa_t, dh_da_o_t, dC_blocks, da_o, da, dC_prev, d_out_t in steps:
        mul(dh, dh_dC_t, dC)
        dC += dC_next                              # ∂L/∂C_t
        mul(dC_dCa_t, dC_b, dC_blocks)             # ∂L/∂C_{t−1}; ∂L/∂a_f, a_i, a_C
        if dh_da_o_t is not None:
            mul(dh, dh_da_o_t, da_o)               # ∂L/∂a_o
        matmul(W_hT, da, spare)                    # ∂L/∂h_{t−1} through a_t = W·[h_{t−1}, x_t] + b
        if d_out_t is not None:
            spare += d_out_t                       # and through the output h_{t−1}
        dh, spare, dC_next = spare, dh, dC_prev
    return dh
