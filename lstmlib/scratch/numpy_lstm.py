"""An LSTM from scratch in NumPy, with backpropagation through time written by hand (appendix A1).

The parameters have the same layout as :class:`lstmlib.LSTM`: ``W`` of shape (4H, H + D) whose
row blocks are the gates f, i, C, o acting on [h_{t-1}, x_t], and ``b`` of shape (4H,). So
``{"W": lstm.W.detach().numpy(), "b": lstm.b.detach().numpy()}`` runs the same network here.

    params = init_params(D, H, seed=0)
    hs, (h, c), cache = forward(x, params)         # x: (T, B, D), hs: (T, B, H)
    grads = backward(dhs, cache)                   # dhs = ∂loss/∂hs: (T, B, H)
    grads["W"].shape == params["W"].shape

Both loops are written one line per equation, with the book's symbols: a line tagged
``# (F3)`` in :func:`forward` or ``# (B3)`` in :func:`backward` computes the appendix's
equation (F3) or (B3), and the appendix prints these lines from here. A name ``dv`` is
δv = ∂L/∂v, the derivative of the loss with respect to ``v``, of the same shape as ``v``.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .. import validate

GATES = ("f", "i", "C", "o")


class Step(NamedTuple):
    """What :func:`forward` keeps of one time step for :func:`backward`, each (B, ·)."""
    hx: np.ndarray          # [h_{t-1}, x_t]  (B, H + D)
    f_t: np.ndarray         # forget gate     (B, H)
    i_t: np.ndarray         # input gate      (B, H)
    C_tilde: np.ndarray     # candidate C̃_t   (B, H)
    o_t: np.ndarray         # output gate     (B, H)
    C_prev: np.ndarray      # C_{t-1}         (B, H)
    tanh_C_t: np.ndarray    # tanh(C_t)       (B, H)


def sigmoid(x):
    """σ(x) = 1 / (1 + e^{-x}), computed without overflow for any x.

    exp is only ever taken of ``−|x| ≤ 0``, so it lies in [0, 1] and
    cannot overflow; at ``|x| = 1000`` it underflows to 0, which is the
    right answer, so that is not reported either.
    """
    with np.errstate(under="ignore"):
        e = np.exp(-np.abs(x))                      # in [0, 1]
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e))


def init_params(input_size, hidden_size, seed=0, forget_bias=1.0):
    """W ~ U(-1/√H, 1/√H), biases 0 except the forget gate's (``forget_bias``), as lstmlib.LSTM."""
    validate.positive_int("input_size", input_size)
    validate.positive_int("hidden_size", hidden_size)
    rng = np.random.default_rng(seed)
    H, D = hidden_size, input_size
    k = 1 / np.sqrt(H)
    W = rng.uniform(-k, k, size=(4 * H, H + D))
    b = np.zeros(4 * H)
    b[:H] = forget_bias                              # block 0 is f
    return {"W": W, "b": b}


def _check(x, params, state):
    if not isinstance(params, dict) or set(params) != {"W", "b"}:
        raise TypeError(f"expected params to be a dict with keys 'W' and 'b', got "
                        f"{sorted(params) if isinstance(params, dict) else type(params).__name__}")
    W, b = params["W"], params["b"]
    if W.ndim != 2 or W.shape[0] % 4 or W.shape[1] <= W.shape[0] // 4:
        raise ValueError(f"expected W of shape (4H, H + D), got {W.shape}")
    H = W.shape[0] // 4
    D = W.shape[1] - H
    if b.shape != (4 * H,):
        raise ValueError(f"expected b of shape ({4 * H},), got {b.shape}")
    if not isinstance(x, np.ndarray):
        raise TypeError(f"expected x to be a numpy array of shape (T, B, {D}), got {type(x).__name__}")
    if x.ndim != 3 or x.shape[2] != D:
        raise ValueError(f"expected x of shape (T, B, {D}), got {x.shape}")
    B = x.shape[1]
    if state is not None:
        if not isinstance(state, (tuple, list)) or len(state) != 2:
            raise TypeError(f"expected state to be a tuple (h, c), got {type(state).__name__}")
        for name, s in zip("hc", state):
            if np.shape(s) != (B, H):
                raise ValueError(f"expected {name} of shape ({B}, {H}), got {np.shape(s)}")
    return H


def forward(x, params, state=None):
    """Run the LSTM over x (T, B, D). Returns ``(hs, (h, c), cache)``; hs: (T, B, H).

    Each step is the book's equations (F1)-(F7); ``cache`` keeps, per step, the
    :class:`Step` that :func:`backward` needs.
    """
    H = _check(x, params, state)
    W, b = params["W"], params["b"]
    T, B, _ = x.shape
    h_prev, C_prev = (np.zeros((B, H)), np.zeros((B, H))) if state is None else state
    hs = np.empty((T, B, H))
    steps = []
    for t in range(T):
        hx = np.concatenate([h_prev, x[t]], axis=1)        # [h_{t-1}, x_t]  (B, H + D)
        a_t = hx @ W.T + b                                 # (F1) a_t = W·[h_{t-1}, x_t] + b
        a_f, a_i, a_C, a_o = np.split(a_t, 4, axis=1)      # its four blocks, each (B, H)
        f_t = sigmoid(a_f)                                 # (F2) f_t = σ(a_f)
        i_t = sigmoid(a_i)                                 # (F3) i_t = σ(a_i)
        C_tilde = np.tanh(a_C)                             # (F4) C̃_t = tanh(a_C)
        o_t = sigmoid(a_o)                                 # (F5) o_t = σ(a_o)
        C_t = f_t * C_prev + i_t * C_tilde                 # (F6) C_t = f_t ⊙ C_{t-1} + i_t ⊙ C̃_t
        tanh_C_t = np.tanh(C_t)
        h_t = o_t * tanh_C_t                               # (F7) h_t = o_t ⊙ tanh(C_t)
        hs[t] = h_t
        steps.append(Step(hx, f_t, i_t, C_tilde, o_t, C_prev, tanh_C_t))
        h_prev, C_prev = h_t, C_t
    cache = {"steps": steps, "W": W, "H": H}
    return hs, (h_prev, C_prev), cache


def backward(dhs, cache, dstate=None, with_inputs=False):
    """Backpropagation through time, equations (B1)-(B16). ``dhs`` = ∂L/∂h_t from the loss at
    each step t (not through later steps): (T, B, H).

    ``dstate`` = (∂L/∂h_T, ∂L/∂C_T) from beyond the sequence (default zeros).
    Returns ``grads`` keyed like params; with ``with_inputs=True``, returns
    ``(grads, dx, (dh0, dc0))`` as well.

    Going backwards, two gradients flow from step t+1 into step t, and each step computes them
    for step t−1 at its end: ``dh_carry`` = W_h^T δa_{t+1}, through h_t's use in the next
    step's gates (B15), and ``dC_carry`` = δC_{t+1} ⊙ f_{t+1}, along the cell state (B16, the
    constant error carousel of chapter 2: ∂C_{t+1}/∂C_t = f_{t+1} on that path).
    """
    steps, W, H = cache["steps"], cache["W"], cache["H"]
    T, B = len(steps), steps[0].hx.shape[0]
    if np.shape(dhs) != (T, B, H):
        raise ValueError(f"expected dhs of shape ({T}, {B}, {H}), got {np.shape(dhs)}")
    # The columns of W that multiply h_{t-1} and x_t, as contiguous copies (a product with a
    # strided view of W takes NumPy's slower path).
    W_h, W_x = np.ascontiguousarray(W[:, :H]), np.ascontiguousarray(W[:, H:])
    dW, db = np.zeros_like(W), np.zeros(W.shape[0])
    dx = np.empty((T, B, W.shape[1] - H))
    zeros = (np.zeros((B, H)), np.zeros((B, H)))
    dh_carry, dC_carry = zeros if dstate is None else dstate
    for t in reversed(range(T)):
        hx, f_t, i_t, C_tilde, o_t, C_prev, tanh_C_t = steps[t]
        dh_t = dhs[t] + dh_carry                             # (B1) δh_t
        do_t = dh_t * tanh_C_t                               # (B2) δo_t
        dC_t = dh_t * o_t * (1 - tanh_C_t ** 2) + dC_carry   # (B3) δC_t
        df_t = dC_t * C_prev                                 # (B4) δf_t
        di_t = dC_t * C_tilde                                # (B5) δi_t
        dC_tilde = dC_t * i_t                                # (B6) δC̃_t
        da_f = df_t * f_t * (1 - f_t)                        # (B7) δa_f, σ' = σ(1 − σ)
        da_i = di_t * i_t * (1 - i_t)                        # (B8) δa_i
        da_C = dC_tilde * (1 - C_tilde ** 2)                 # (B9) δa_C, tanh' = 1 − tanh²
        da_o = do_t * o_t * (1 - o_t)                        # (B10) δa_o
        da_t = np.concatenate([da_f, da_i, da_C, da_o], 1)   # (B11) δa_t  (B, 4H)
        dW += da_t.T @ hx                                    # (B12) δW += δa_t [h_{t-1}, x_t]^T
        db += da_t.sum(axis=0)                               # (B13) δb += δa_t
        dx[t] = da_t @ W_x                                   # (B14) δx_t = W_x^T δa_t
        dh_carry = da_t @ W_h                                # (B15) to δh_{t-1}: W_h^T δa_t
        dC_carry = dC_t * f_t                                # (B16) to δC_{t-1}: δC_t ⊙ f_t
    grads = {"W": dW, "b": db}
    return (grads, dx, (dh_carry, dC_carry)) if with_inputs else grads
