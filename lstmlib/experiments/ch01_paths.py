"""Chapter 1: which path carries the LSTM's gradient at initialisation, and why the curve bends.

Used by ``book/01_rnn_to_lstm.ipynb``. Chapter 2 credits the cell state's line,
∂C_T/∂C_t = ∏ diag(f_s), the constant error carousel (Hochreiter & Schmidhuber 1997). At the
start of training that product is about σ(b_f)^d, far too small to carry what chapter 1
measures: the rest travels round the loop C_{t-1} → h_{t-1} → gates → C_t. :func:`paths`
measures the whole derivative and the carousel's part of it; :func:`step_radius` measures
the spectral radius of one step's Jacobian ∂(h_t, C_t)/∂(h_{t-1}, C_{t-1}), whose product
over the steps is the whole derivative (Bengio et al. 1994; Pascanu et al. 2013).

    paths(lstm_layer, x)        # {"h": ‖∂h_T/∂h_t‖, "C": ‖∂C_T/∂C_t‖, "carousel": ∏ f}, by distance
    step_jacobians(layer, x)    # (T, S, n, n): ∂(h_t, C_t)/∂(h_{t-1}, C_{t-1}), written out
    step_radius(layer, x)       # (T,) spectral radius of each step's Jacobian, mean over sequences
    sigma(b)                    # where a forget gate with bias b starts
"""
from __future__ import annotations

import math

import numpy as np
import torch

from .. import validate
from ..analysis import gradients
from ..analysis.stats import geometric_mean
from ..layers import LSTM, RNN

# The variant step_jacobians writes out: lstmlib.LSTM(...).variant() with its defaults.
STANDARD = dict(gates=("f", "i", "C", "o"), coupled=False, input_activation=True,
                output_activation=True)


def paths(layer: LSTM, x: torch.Tensor) -> dict:
    """How far back the LSTM's error signal reaches, path by path (chapters 1 and 2).

    x: (T, S, D). Returns, by distance d = T − t (arrays (T,), for h_1 … h_T and C_1 … C_T):
    ``"h"``: ‖∂h_T/∂h_t‖, the quantity chapter 1 plots (every path; C_t held fixed);
    ``"C"``: ‖∂C_T/∂C_t‖ along every path (h_t held fixed), the Frobenius norm over units;
    ``"carousel"``: ∂C_T/∂C_t along the cell state's line alone, ∏_{s=t+1}^{T} f_s (chapter
    2's constant error carousel), the geometric mean over units and sequences.
    """
    if not isinstance(layer, LSTM):
        raise TypeError(f"expected an lstmlib.LSTM, got {type(layer).__name__}")
    with torch.no_grad():
        f = layer(x, return_gates=True)[2]["f"]             # (T, S, H)
    by = {"h": gradients.jacobians(layer, x), "C": gradients.jacobians(layer, x, of="C", wrt="C")}
    out = {k: gradients.frobenius_by_distance(J)[:-1].numpy() for k, J in by.items()}
    product = gradients.forget_product(f)                  # (T + 1, S, H)
    out["carousel"] = geometric_mean(product.flatten(1), dim=1)[:-1].numpy()
    return out


def step_jacobians(layer, x: torch.Tensor) -> torch.Tensor:
    """Each step's Jacobian on the sequences x (T, S, D), written out from the recorded states.

    For a tanh RNN (chapter 1), ∂h_t/∂h_{t-1} = diag(1 − h_t²) W_h: (T, S, H, H). For the
    LSTM, the 2H × 2H matrix ∂(h_t, C_t)/∂(h_{t-1}, C_{t-1}): (T, S, 2H, 2H), with

        ∂C_t/∂C_{t-1} = diag(f_t)
        ∂C_t/∂h_{t-1} = diag(C_{t-1} f_t (1 − f_t)) W_fh + diag(C̃_t i_t (1 − i_t)) W_ih
                        + diag(i_t (1 − C̃_t²)) W_Ch
        ∂h_t/∂C_{t-1} = diag(o_t (1 − tanh² C_t) f_t)
        ∂h_t/∂h_{t-1} = diag(tanh C_t o_t (1 − o_t)) W_oh + diag(o_t (1 − tanh² C_t)) ∂C_t/∂h_{t-1}

    where W_fh … W_oh are the columns of each gate's W that multiply h_{t-1}
    (``tests/test_experiments_ch01.py`` checks this against autograd).
    """
    if type(layer) not in (LSTM, RNN):
        raise TypeError(f"expected an lstmlib.LSTM or a tanh lstmlib.RNN, got {type(layer).__name__}")
    if layer.batch_first:
        raise ValueError("expected a time-major layer (batch_first=False), got batch_first=True")
    validate.sequence(x, layer.input_size, False, like=layer.W)
    H = layer.hidden_size
    with torch.no_grad():
        if isinstance(layer, RNN):
            h = layer(x)[0]                                 # (T, S, H): h_1 … h_T
            return (1 - h ** 2).unsqueeze(-1) * layer.W[:, :H]
        if layer.variant() != STANDARD:
            raise ValueError(f"expected the standard LSTM (forget, input and output gates, no "
                             f"peepholes), got the variant {layer.variant()}")
        g = layer(x, return_gates=True)[2]                  # each (T, S, H)
        f, i, C_tilde, o, C = g["f"], g["i"], g["C_tilde"], g["o"], g["C_t"]
        C_prev = torch.cat([layer.initial_state(x.shape[1])[1][None], C[:-1]])
        W_fh, W_ih, W_Ch, W_oh = (layer.W[k * H:(k + 1) * H, :H] for k in range(4))
        dC_dh = (_rows(C_prev * f * (1 - f), W_fh) + _rows(C_tilde * i * (1 - i), W_ih)
                 + _rows(i * (1 - C_tilde ** 2), W_Ch))    # (T, S, H, H)
        a = o * (1 - torch.tanh(C) ** 2)                    # ∂h_t/∂C_t, diagonal
        dh_dh = _rows(torch.tanh(C) * o * (1 - o), W_oh) + _rows(a, dC_dh)
        top = torch.cat([dh_dh, torch.diag_embed(a * f)], -1)            # (T, S, H, 2H)
        bottom = torch.cat([dC_dh, torch.diag_embed(f)], -1)
        return torch.cat([top, bottom], -2)                # (T, S, 2H, 2H)


def _rows(v: torch.Tensor, M: torch.Tensor) -> torch.Tensor:
    """diag(v) · M for every step and sequence: v (T, S, H), M (H, H) or (T, S, H, H)."""
    return v.unsqueeze(-1) * M


def step_radius(layer, x: torch.Tensor) -> np.ndarray:
    """The spectral radius of each step's Jacobian, mean over the sequences of x: (T,).

    Entry t − 1 is for the step from t − 1 to t (:func:`step_jacobians`): ∂(h_t, C_t)/∂(h_{t-1},
    C_{t-1}) for an LSTM, ∂h_t/∂h_{t-1} for a tanh RNN. The derivative over many steps is the
    product of these matrices, so where the radius is above 1 the gradient can grow as it goes
    back, and where it is below 1 it shrinks.
    """
    J = step_jacobians(layer, x)                            # (T, S, n, n)
    return torch.linalg.eigvals(J).abs().amax(-1).mean(1).numpy()


def sigma(b: float) -> float:
    """σ(b) = 1 / (1 + e^{−b}): where a forget gate with bias b starts."""
    return 1 / (1 + math.exp(-b))
