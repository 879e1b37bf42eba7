"""How far back the error signal reaches: Jacobians of a recurrent layer against the distance T − t.

Chapter 1 measures the vanishing gradient (Hochreiter 1991; Bengio et al. 1994): the size of
∂h_T/∂h_t falls exponentially with the distance T − t in a tanh RNN. Chapter 2 measures the
constant error carousel (Hochreiter & Schmidhuber 1997, section 3): along the cell state's
own line, C_t = f_t ⊙ C_{t-1} + i_t ⊙ C̃_t gives

    ∂C_T/∂C_t = ∏_{s=t+1}^{T} diag(f_s)                                      (the direct path)

so the signal survives as long as the forget gates stay near 1.

    J = jacobians(layer, x)                   # x: (T, S, D) -> J: (T + 1, S, H, H), J[d] = ∂h_T/∂h_{T-d}
    frobenius_by_distance(J)                  # (T + 1,) mean ‖∂h_T/∂h_{T-d}‖_F over the S sequences
    forget_product(gates["f"])                # (T + 1, B, H): ∏ f along the cell state, by distance

Everything is indexed by the distance d = T − t, from d = 0 (the last step) to d = T (the
initial state). The layer itself is run one step at a time, so the Jacobians are those of
the real layer, computed by autograd, whichever path (readable or fused) the layer takes.
"""
from __future__ import annotations

import torch

from ..layers import LSTM, Recurrent

STATES = ("h", "C")


def states(layer: Recurrent, x: torch.Tensor):
    """Every state of ``layer`` on ``x``: h_0 … h_T and, for an LSTM, C_0 … C_T (values, no graph).

    x: (T, B, D) (or (B, T, D) if ``layer.batch_first``). Returns ``(hs, Cs)``, lists of
    T + 1 tensors (B, H); ``Cs`` is None for layers without a cell state.
    """
    _check_layer(layer)
    time_axis = 1 if layer.batch_first else 0
    with torch.no_grad():
        output, _, gates = layer(x, return_gates=True)
    initial = layer.initial_state(x.shape[1 - time_axis])
    if isinstance(layer, LSTM):
        return ([initial[0], *output.movedim(time_axis, 0)],
                [initial[1], *gates["C_t"].movedim(time_axis, 0)])
    return [initial, *output.movedim(time_axis, 0)], None


def jacobians(layer: Recurrent, x: torch.Tensor, of: str = "h", wrt: str = "h", detach_h: bool = False):
    """Every Jacobian ∂(of)_T/∂(wrt)_t of a layer on the sequences x, indexed by distance.

    Args:
        layer: an lstmlib recurrent layer.
        x: (T, S, D) time-major (or (S, T, D) if ``layer.batch_first``): S sequences.
        of, wrt: "h" (hidden state) or "C" (cell state, LSTM only).
        detach_h: (LSTM only) cut h_{t-1} out of every step, which leaves the cell-state line
            as the only path from C_t to C_T: then ∂C_T/∂C_t is exactly diag(∏ f).

    Returns:
        J: (T + 1, S, H, H) with J[d, s, k, j] = ∂(of)_T[k] / ∂(wrt)_{T-d}[j] for sequence s.

    The derivatives are taken in the state space: the state at time t is the pair (h_t, C_t),
    and ∂/∂C_t holds h_t fixed (and the other way round). That is the chain rule of
    backpropagation through time, step by step:
    (g_h, g_C)_{t-1} = (g_h, g_C)_t · ∂(h_t, C_t)/∂(h_{t-1}, C_{t-1}). The layer runs one step
    at a time on fresh leaves, and each step's vector–Jacobian product comes from autograd.
    All H rows come from one sweep: each sequence is repeated H times in the batch and copy k
    starts from the k-th unit alone (copies do not interact).
    """
    _check_layer(layer)
    for name, value in (("of", of), ("wrt", wrt)):
        if value not in STATES:
            raise ValueError(f"expected {name} to be one of {STATES}, got {value!r}")
    is_lstm = isinstance(layer, LSTM)
    if "C" in (of, wrt) and not is_lstm:
        raise ValueError(f"a {type(layer).__name__} has no cell state C; use of='h', wrt='h'")
    if detach_h and not is_lstm:
        raise ValueError(f"detach_h=True needs a cell state (an LSTM), got {type(layer).__name__}")
    H = layer.hidden_size
    time_axis = 1 if layer.batch_first else 0
    S, T = x.shape[1 - time_axis], x.shape[time_axis]
    x_rep = x.repeat_interleave(H, dim=1 - time_axis)         # copy k of sequence s at batch index s*H + k
    as_tuple = (lambda s: s) if is_lstm else (lambda s: (s,))

    # forward, one step at a time, each from fresh leaves
    leaves, outs = [], []
    state = as_tuple(layer.initial_state(S * H))
    for t in range(T):
        leaf = tuple(s.detach().requires_grad_() for s in state)
        feed = (leaf[0].detach(), leaf[1]) if detach_h else leaf
        _, new = layer(x_rep.narrow(time_axis, t, 1), feed if is_lstm else feed[0])
        leaves.append(leaf)
        outs.append(as_tuple(new))
        state = outs[-1]

    # backward: the seed picks unit k of (of)_T in copy k
    k = STATES.index(of)
    seed = torch.eye(H, dtype=x.dtype).repeat(S, 1)           # (S*H, H)
    g = tuple(seed if i == k else torch.zeros_like(seed) for i in range(len(state)))
    w = STATES.index(wrt)
    J = [g[w]]
    for t in reversed(range(T)):
        grads = torch.autograd.grad(outs[t], leaves[t], grad_outputs=g, allow_unused=True)
        g = tuple(torch.zeros_like(s) if d is None else d for d, s in zip(grads, leaves[t]))
        J.append(g[w])
    return torch.stack(J).reshape(T + 1, S, H, H)             # by distance d = T − t


def _check_layer(layer):
    if not isinstance(layer, Recurrent):
        raise TypeError(f"expected an lstmlib recurrent layer, got {type(layer).__name__}")


def frobenius_by_distance(J: torch.Tensor) -> torch.Tensor:
    """Mean over sequences of the Frobenius norm ‖J[d]‖_F.  J: (T + 1, S, H, H) -> (T + 1,)."""
    if J.dim() != 4 or J.shape[2] != J.shape[3]:
        raise ValueError(f"expected Jacobians of shape (T + 1, S, H, H), got {tuple(J.shape)}")
    return torch.linalg.matrix_norm(J).mean(dim=1)            # (T + 1,)


def forget_product(f: torch.Tensor) -> torch.Tensor:
    """∂C_T/∂C_{T-d} along the direct path: ∏_{s=T-d+1}^{T} f_s, for d = 0 … T.

    f: (T, B, H), the recorded forget gates f_1 … f_T (``gates["f"]`` from
    ``lstm(x, return_gates=True)``). Returns (T + 1, B, H); entry d = 0 is 1 (C_T itself).
    """
    if f.dim() != 3:
        raise ValueError(f"expected forget gates of shape (T, B, H), got {tuple(f.shape)}")
    ones = torch.ones_like(f[:1])                             # (1, B, H)
    return torch.cat([ones, f.flip(0).cumprod(dim=0)])        # (T + 1, B, H)
