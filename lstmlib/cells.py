"""One time step of each recurrent cell, written as the book's equations.

Symbols follow the notes and Colah (2015): ``x_t``, ``h_prev`` = h_{t-1}, ``C_prev`` = C_{t-1},
``f_t``, ``i_t``, ``C_tilde`` = C̃_t, ``o_t``, ``C_t``, ``h_t``; for the GRU ``z_t``, ``r_t``, ``n_t``.

Every gate reads the concatenation [h_{t-1}, x_t] through one weight matrix per gate. The
gates' matrices are stacked in one ``W`` of shape (n_gates * H, H + D), so one matrix product
computes all pre-activations at once:

    W·[h_{t-1}, x_t] + b  =  [W_f; W_i; W_C; W_o]·[h_{t-1}, x_t] + [b_f; b_i; b_C; b_o]

Each cell comes in two halves. ``*_cell`` takes (x_t, h_{t-1}, ...) and does the whole step;
``*_step`` takes the pre-activation already computed. The sequence layers in
``lstmlib.layers`` precompute the x_t part for all time steps at once and call ``*_step``;
tests check that this equals calling ``*_cell`` step by step.
"""
from __future__ import annotations

import torch

LSTM_GATES = ("f", "i", "C", "o")   # row blocks of the LSTM's W, in the notes' order
GRU_GATES = ("z", "r", "n")         # row blocks of the GRU's W


def concat(h_prev: torch.Tensor, x_t: torch.Tensor) -> torch.Tensor:
    """[h_{t-1}, x_t]: the vector every gate reads.  (B, H) and (B, D) -> (B, H + D)."""
    return torch.cat([h_prev, x_t], dim=1)


# --------------------------------------------------------------------------------------------
# Plain RNN (chapter 1):  h_t = tanh(W·[h_{t-1}, x_t] + b)
# --------------------------------------------------------------------------------------------
def rnn_cell(x_t, h_prev, W, b):
    """One step of a tanh RNN (the notes' figure 1; :eq:`eq-rnn`).  Returns h_t of shape (B, H)."""
    return rnn_step(concat(h_prev, x_t) @ W.T + b)        # (B, H) + (H,): b broadcasts over the batch


def rnn_step(a_t):
    """h_t = tanh(a_t) with a_t = W·[h_{t-1}, x_t] + b already computed."""
    return torch.tanh(a_t)


# --------------------------------------------------------------------------------------------
# LSTM family (chapters 2-7)
# --------------------------------------------------------------------------------------------
def lstm_cell(x_t, h_prev, C_prev, W, b, **variant):
    """One LSTM step (Hochreiter & Schmidhuber 1997, with the forget gate of Gers et al. 2000).

        f_t = σ(W_f·[h_{t-1}, x_t] + b_f)             step 1, forget     (chapter 3)
        i_t = σ(W_i·[h_{t-1}, x_t] + b_i)             step 2, store      (chapter 4)
        C̃_t = tanh(W_C·[h_{t-1}, x_t] + b_C)
        C_t = f_t ⊙ C_{t-1} + i_t ⊙ C̃_t
        o_t = σ(W_o·[h_{t-1}, x_t] + b_o)             step 3, output     (chapter 5)
        h_t = o_t ⊙ tanh(C_t)

    On the site: the forget gate :eq:`eq-forget-gate`, the input gate and candidate
    :eq:`eq-input-gate`, the cell state :eq:`eq-cell-state`, the output gate :eq:`eq-output-gate`;
    the variants' peepholes :eq:`eq-peepholes` and coupled gates :eq:`eq-coupled`.

    ``W``: (n_gates * H, H + D), ``b``: (n_gates * H,). ``variant`` is passed to
    :func:`lstm_step` (peepholes, coupling, ablations). Returns ``(h_t, C_t, gates)``.
    """
    return lstm_step(concat(h_prev, x_t) @ W.T + b, C_prev, **variant)   # (B, nH) + (nH,)


def lstm_step(a_t, C_prev, gates=LSTM_GATES, p_f=None, p_i=None, p_o=None, coupled=False,
              input_activation=True, output_activation=True, fixed=None):
    """The LSTM equations given the stacked pre-activations ``a_t = W·[h_{t-1}, x_t] + b``.

    a_t: (B, len(gates) * H), one block per name in ``gates`` (a subset of f, i, C, o).
    A gate whose block is absent is fixed at 1 (Greff et al. 2017's NFG/NIG/NOG variants),
    except that with ``coupled=True`` the input gate is i_t = 1 − f_t.

    Peepholes (Gers & Schmidhuber 2000) are diagonal: ``p_f``, ``p_i``, ``p_o`` of shape (H,).
    The forget and input gates look at C_{t-1}; the output gate looks at the new C_t.

    ``fixed`` (an intervention, chapters 3-5; see :mod:`lstmlib.layers.clamps`) maps a gate
    name, "f", "i", "C_tilde" (C̃_t) or "o", to ``(mask, values)``, each (B, H): where mask is True
    the gate takes the given value instead of the computed one, before anything uses it.

    Returns ``(h_t, C_t, g)`` where g holds f_t, i_t, C̃_t, o_t, each (B, H).
    """
    a = dict(zip(gates, a_t.chunk(len(gates), dim=1)))   # name -> (B, H)
    one = torch.ones_like(C_prev)
    fix = _fixer(fixed)

    f_t = fix("f", torch.sigmoid(a["f"] + peep(p_f, C_prev)) if "f" in a else one)   # (B, H)
    if coupled:
        i_t = 1 - f_t                                      # coupled gates (chapter 7)
    else:
        i_t = fix("i", torch.sigmoid(a["i"] + peep(p_i, C_prev)) if "i" in a else one)
    C_tilde = fix("C_tilde", torch.tanh(a["C"]) if input_activation else a["C"])
    C_t = f_t * C_prev + i_t * C_tilde
    o_t = fix("o", torch.sigmoid(a["o"] + peep(p_o, C_t)) if "o" in a else one)
    h_t = o_t * (torch.tanh(C_t) if output_activation else C_t)
    return h_t, C_t, (f_t, i_t, C_tilde, o_t)


def _fixer(fixed):
    """``fix(name, value)``: the value with an intervention's fixed entries put in."""
    if not fixed:
        return lambda name, value: value

    def fix(name, value):
        if name not in fixed:
            return value
        mask, values = fixed[name]                         # (B, H), (B, H)
        return torch.where(mask, values, value)
    return fix


def peep(p, C):
    """The peephole term p ⊙ C (zero when the gate has no peephole)."""
    return 0 if p is None else p * C                       # (H,) ⊙ (B, H): p broadcasts over the batch


# --------------------------------------------------------------------------------------------
# GRU (chapter 8), PyTorch's convention
# --------------------------------------------------------------------------------------------
def gru_cell(x_t, h_prev, W, b, b_hn):
    """One GRU step (Cho et al. 2014) in ``torch.nn.GRU``'s convention.

        z_t = σ(W_z·[h_{t-1}, x_t] + b_z)                                 update gate
        r_t = σ(W_r·[h_{t-1}, x_t] + b_r)                                 reset gate
        n_t = tanh(W_nx·x_t + b_n + r_t ⊙ (W_nh·h_{t-1} + b_hn))          candidate h̃_t
        h_t = (1 − z_t) ⊙ n_t + z_t ⊙ h_{t-1}

    Here z_t weights the *old* state; the notes' figure 11 (and Colah) write
    h_t = (1 − z_t) ⊙ h_{t-1} + z_t ⊙ h̃_t, the same cell with z_t replaced by 1 − z_t.
    The reset gate multiplies W_nh·h_{t-1} + b_hn, not h_{t-1} itself.

    On the site: :eq:`eq-gru`. ``W``: (3H, H + D) in the order z, r, n; ``b``: (3H,); ``b_hn``: (H,).
    Returns ``(h_t, gates)`` with gates (z_t, r_t, n_t).
    """
    H = h_prev.shape[1]
    W_h, W_x = W[:, :H], W[:, H:]                          # (3H, H), (3H, D)
    return gru_step(x_t @ W_x.T + b, h_prev @ W_h.T, h_prev, b_hn)   # (B, 3H) + (3H,), (B, 3H)


def gru_step(ax_t, ah_t, h_prev, b_hn):
    """The GRU equations given ax_t = W_x·x_t + b and ah_t = W_h·h_{t-1} (each (B, 3H))."""
    ax_z, ax_r, ax_n = ax_t.chunk(3, dim=1)               # (B, H) each
    ah_z, ah_r, ah_n = ah_t.chunk(3, dim=1)               # (B, H) each
    z_t = torch.sigmoid(ax_z + ah_z)                      # (B, H)
    r_t = torch.sigmoid(ax_r + ah_r)                      # (B, H)
    n_t = torch.tanh(ax_n + r_t * (ah_n + b_hn))          # (B, H) + (H,): b_hn broadcasts over the batch
    h_t = (1 - z_t) * n_t + z_t * h_prev                  # (B, H)
    return h_t, (z_t, r_t, n_t)
