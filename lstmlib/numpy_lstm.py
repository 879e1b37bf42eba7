"""An LSTM from scratch in NumPy, with backpropagation through time written by hand (appendix A1).

The parameters have the same layout as :class:`lstmlib.LSTM`: ``W`` of shape (4H, H + D) whose
row blocks are the gates f, i, C, o acting on [h_{t-1}, x_t], and ``b`` of shape (4H,). So
``{"W": lstm.W.detach().numpy(), "b": lstm.b.detach().numpy()}`` runs the same network here.

    params = init_params(D, H, seed=0)
    hs, (h, c), cache = forward(x, params)         # x: (T, B, D), hs: (T, B, H)
    grads = backward(dhs, cache)                   # dhs = ∂loss/∂hs: (T, B, H)
    grads["W"].shape == params["W"].shape
"""
from __future__ import annotations

import numpy as np

GATES = ("f", "i", "C", "o")


def sigmoid(x):
    """σ(x) = 1 / (1 + e^{-x}), computed without overflow for any x.

    exp is only ever taken of ``−|x| ≤ 0``, so it lies in [0, 1] and cannot overflow; at
    ``|x| = 1000`` it underflows to 0, which is the right answer, so that is not reported either.
    """
    with np.errstate(under="ignore"):
        e = np.exp(-np.abs(x))                      # in [0, 1]
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e))


def init_params(input_size, hidden_size, seed=0, forget_bias=1.0):
    """W ~ U(-1/√H, 1/√H), biases 0 except the forget gate's (``forget_bias``), as lstmlib.LSTM."""
    for name, v in (("input_size", input_size), ("hidden_size", hidden_size)):
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v <= 0:
            raise ValueError(f"expected {name} to be a positive int, got {v!r}")
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

    Each step is the book's equations; ``cache`` keeps what :func:`backward` needs.
    """
    H = _check(x, params, state)
    W, b = params["W"], params["b"]
    T, B, _ = x.shape
    h, C = (np.zeros((B, H)), np.zeros((B, H))) if state is None else state
    hs = np.empty((T, B, H))
    steps = []
    for t in range(T):
        hx = np.concatenate([h, x[t]], axis=1)           # [h_{t-1}, x_t]      (B, H + D)
        a = hx @ W.T + b                                  # pre-activations     (B, 4H)
        a_f, a_i, a_C, a_o = np.split(a, 4, axis=1)
        f = sigmoid(a_f)                                  # forget gate f_t
        i = sigmoid(a_i)                                  # input gate i_t
        C_tilde = np.tanh(a_C)                            # candidate C̃_t
        o = sigmoid(a_o)                                  # output gate o_t
        C_prev = C
        C = f * C_prev + i * C_tilde                      # C_t = f_t ⊙ C_{t-1} + i_t ⊙ C̃_t
        tanh_C = np.tanh(C)
        h = o * tanh_C                                    # h_t = o_t ⊙ tanh(C_t)
        hs[t] = h
        steps.append((hx, f, i, C_tilde, o, C_prev, tanh_C))
    cache = {"steps": steps, "W": W, "H": H}
    return hs, (h, C), cache


def backward(dhs, cache, dstate=None, with_inputs=False):
    """Backpropagation through time. ``dhs`` = ∂loss/∂h_t for every t: (T, B, H).

    ``dstate`` = (∂loss/∂h_T, ∂loss/∂C_T) from beyond the sequence (default zeros).
    Returns ``grads`` keyed like params; with ``with_inputs=True``, returns
    ``(grads, dx, (dh0, dc0))`` as well.

    Going backwards, two gradients flow from step t+1 into step t: ``dh_next`` through
    h_{t-1}'s use in the gates, and ``dC_next`` along the cell state (the constant error
    carousel: ∂C_t/∂C_{t-1} = f_t on that path).
    """
    steps, W, H = cache["steps"], cache["W"], cache["H"]
    T, B = len(steps), steps[0][0].shape[0]
    if np.shape(dhs) != (T, B, H):
        raise ValueError(f"expected dhs of shape ({T}, {B}, {H}), got {np.shape(dhs)}")
    dW, db = np.zeros_like(W), np.zeros(W.shape[0])
    dx = np.empty((T, B, W.shape[1] - H))
    dh_next, dC_next = (np.zeros((B, H)), np.zeros((B, H))) if dstate is None else dstate
    for t in reversed(range(T)):
        hx, f, i, C_tilde, o, C_prev, tanh_C = steps[t]
        dh = dhs[t] + dh_next                             # h_t feeds the loss and step t+1
        do = dh * tanh_C                                  # h_t = o_t ⊙ tanh(C_t)
        dC = dC_next + dh * o * (1 - tanh_C ** 2)
        df = dC * C_prev                                  # C_t = f_t ⊙ C_{t-1} + i_t ⊙ C̃_t
        di = dC * C_tilde
        dC_tilde = dC * i
        da = np.concatenate([df * f * (1 - f),            # σ'(a) = σ(a)(1 − σ(a))
                             di * i * (1 - i),
                             dC_tilde * (1 - C_tilde ** 2),   # tanh'(a) = 1 − tanh(a)²
                             do * o * (1 - o)], axis=1)   # (B, 4H)
        dW += da.T @ hx                                   # a = W·[h_{t-1}, x_t] + b
        db += da.sum(axis=0)
        dhx = da @ W                                      # (B, H + D)
        dh_next, dx[t] = dhx[:, :H], dhx[:, H:]
        dC_next = dC * f                                  # along the cell state
    grads = {"W": dW, "b": db}
    return (grads, dx, (dh_next, dC_next)) if with_inputs else grads
