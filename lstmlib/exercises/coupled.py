"""The coupled cell update as an exercise with a checker (chapter 7).

The reader writes the cell-state update of an LSTM with coupled forget and input gates (Greff
et al. 2017's CIFG, :class:`lstmlib.CoupledLSTM`), where one gate both forgets and writes:

    f_t = σ(W_f·[h_{t-1}, x_t] + b_f)
    C̃_t = tanh(W_C·[h_{t-1}, x_t] + b_C)
    C_t = f_t ⊙ C_{t-1} + (1 − f_t) ⊙ C̃_t            i_t = 1 − f_t: no input gate of its own

    coupled_step(x_t, h_prev, C_prev, W, b) -> (f_t, C_tilde, C_t)

W (3H, H + D) and b (3H,) hold the coupled layer's three row blocks f, C, o (there is no i
block), so the candidate's rows are H:2H, not 2H:3H as in the LSTM. The mistakes it knows are
the ones the equation invites: f_t used as the input gate too, the roles of f_t and 1 − f_t
swapped, the LSTM's block layout, the candidate written without its gate.
"""
from __future__ import annotations

import torch

from .checker import Exercise, Mistake
from .steps import block_pre

B, H, D = 3, 4, 5
BLOCK = {"f": 0, "C": 1, "o": 2}          # the row blocks of a CoupledLSTM's W


def coupled_inputs(generator: torch.Generator) -> dict:
    """One test case: x_t (B, D), h_prev and C_prev (B, H), W (3H, H + D), b (3H,)."""
    def randn(*shape, scale=1.0):
        return scale * torch.randn(*shape, generator=generator, dtype=torch.float64)
    return dict(x_t=randn(B, D), h_prev=torch.tanh(randn(B, H)), C_prev=randn(B, H, scale=1.5),
                W=randn(3 * H, H + D, scale=0.7), b=randn(3 * H, scale=0.5))


def coupled_reference(x_t, h_prev, C_prev, W, b):
    H = h_prev.shape[1]
    W_f, b_f = W[:H], b[:H]                  # the forget gate's rows
    W_C, b_C = W[H:2 * H], b[H:2 * H]        # the candidate (no i block)
    v = torch.cat([h_prev, x_t], dim=1)      # [h_{t-1}, x_t], (B, H + D)
    f_t = torch.sigmoid(v @ W_f.T + b_f)     # (B, H)
    C_tilde = torch.tanh(v @ W_C.T + b_C)    # (B, H)
    C_t = f_t * C_prev + (1 - f_t) * C_tilde   # i_t = 1 - f_t
    return f_t, C_tilde, C_t


def _coupled(f_block=BLOCK["f"], c_block=BLOCK["C"], c_act=torch.tanh, f_act=torch.sigmoid,
             update=lambda f, C, g: f * C + (1 - f) * g):
    """A wrong coupled update: f_t or C̃_t read from another block of rows (given by its index),
    the wrong activation, or another update rule."""
    def fn(x_t, h_prev, C_prev, W, b):
        f_t = f_act(block_pre(x_t, h_prev, W, b, f_block))
        C_tilde = c_act(block_pre(x_t, h_prev, W, b, c_block))
        return f_t, C_tilde, update(f_t, C_prev, C_tilde)
    return fn


coupled_step = Exercise(
    title="The coupled cell update",
    signature="coupled_step(x_t, h_prev, C_prev, W, b)",
    outputs=("f_t", "C_tilde", "C_t"),
    reference=coupled_reference,
    inputs=coupled_inputs,
    mistakes=[
        Mistake("f as i", _coupled(update=lambda f, C, g: f * C + f * g),
                "You used f_t as the input gate as well: C_t = f_t ⊙ C_{t-1} + f_t ⊙ C̃_t. In the "
                "coupled LSTM the input gate is what the forget gate frees: i_t = 1 − f_t."),
        Mistake("roles swapped", _coupled(update=lambda f, C, g: (1 - f) * C + f * g),
                "f_t and 1 − f_t have swapped places: f_t is the share of C_{t-1} that is kept, "
                "so C_t = f_t ⊙ C_{t-1} + (1 − f_t) ⊙ C̃_t."),
        Mistake("no gate on the candidate", _coupled(update=lambda f, C, g: f * C + g),
                "C̃_t is added without its gate: the write is (1 − f_t) ⊙ C̃_t, the room the forget "
                "gate has made."),
        Mistake("LSTM layout", _coupled(c_block=2),       # rows 2H:3H
                "The candidate uses rows 2H:3H, where the LSTM keeps it; the coupled layer has no "
                "input-gate block, so its W has three blocks f, C, o and the candidate's rows are "
                "H:2H (cifg.gate('C'))."),
        Mistake("f from the candidate rows", _coupled(f_block=BLOCK["C"]),
                "f_t uses rows H:2H, which belong to the candidate C̃_t; the forget gate is the first "
                "block, rows 0:H (cifg.gate('f'))."),
        Mistake("candidate sigmoid", _coupled(c_act=torch.sigmoid),
                "C̃_t uses the sigmoid σ where tanh belongs: candidate values lie in (−1, 1)."),
        Mistake("gate tanh", _coupled(f_act=torch.tanh),
                "f_t uses tanh where the sigmoid σ belongs: a gate lies between 0 and 1, and so "
                "does 1 − f_t."),
        Mistake("average", _coupled(update=lambda f, C, g: 0.5 * C + 0.5 * g),
                "C_t averages C_{t-1} and C̃_t with equal weights 1/2; the weights are the gate's, "
                "f_t and 1 − f_t."),
    ],
    hints=["A coupled layer's W has three blocks of H rows: f (rows 0:H), C (rows H:2H) and o "
           "(rows 2H:3H). The output gate is not needed here.",
           "f_t = σ(v @ W_f.T + b_f) and C̃_t = tanh(v @ W_C.T + b_C) with v = torch.cat([h_prev, "
           "x_t], dim=1).",
           "There is no input gate to compute: C_t = f_t * C_prev + (1 - f_t) * C_tilde."],
)
