"""One step of backpropagation through time, in NumPy, as an exercise with a checker (appendix A1).

The reader writes equations (B2)-(B10) of the appendix for one time step t of the LSTM,
given δh_t = ∂L/∂h_t (all paths), the carry along the cell state from step t+1,
``dC_carry`` = δC_{t+1} ⊙ f_{t+1}, and what the forward pass kept of step t:

    backward_step(dh_t, dC_carry, f_t, i_t, C_tilde, o_t, C_prev, C_t)
        -> (dC_t, da_f, da_i, da_C, da_o)

where dC_t = δC_t and da_g = ∂L/∂a_g, the gradient of the pre-activation of gate g
(a_g = W_g·[h_{t-1}, x_t] + b_g). Every argument is a NumPy array of shape (B, H). The
mistakes it knows are the ones the derivation invites: the carry left out, tanh' forgotten
or taken of C_t instead of tanh(C_t), δf_t taken with C_t instead of C_{t-1}, δi_t and δC̃_t
swapped, σ' written as σ or as tanh', the gates' gradients returned before the activation.

    from lstmlib.exercises.backward import backward_step
    backward_step.check(my_backward_step)
"""
from __future__ import annotations

import numpy as np
import torch

from .checker import Exercise, Mistake

B, H = 3, 4
OUTPUTS = ("dC_t", "da_f", "da_i", "da_C", "da_o")


class NumpyExercise(Exercise):
    """An :class:`~lstmlib.exercises.checker.Exercise` whose functions take and return NumPy
    arrays: test inputs are handed over as float64 arrays, answers compared as tensors."""

    def _case(self, k):
        return [a.numpy().copy() if isinstance(a, torch.Tensor) else a for a in super()._case(k)]

    answer_kind = "NumPy arrays"

    def _as_tuple(self, got):
        return tuple(torch.from_numpy(np.asarray(a, dtype=np.float64)) if isinstance(a, np.ndarray)
                     else a for a in self._outputs(got))

    def _kind_of(self, got):
        return type(got).__name__

    def _output_form(self, name, a, e):
        """The problem with one NumPy output ``a`` given the reference's ``e``, or None."""
        if isinstance(a, torch.Tensor):
            return f"expected {name} to be a NumPy array, got a torch.Tensor: use np, not torch"
        if not isinstance(a, np.ndarray):
            return f"expected {name} to be a NumPy array of shape {e.shape}, got {type(a).__name__}"
        if a.shape != e.shape:
            return f"expected {name} of shape (B, H) = {e.shape}, got {a.shape}"
        if not np.isfinite(a).all():
            return f"{name} holds NaN or infinite values"
        return None

    def _raised_hint(self, err):
        text = str(err)
        if "could not be broadcast" in text or "matmul" in text:
            return "Every array here is (B, H) and every equation is element-wise: use *, not @."
        return None


def backward_inputs(generator: torch.Generator) -> dict:
    """One test case, each (B, H), float64: gates from the sigmoid and tanh of random numbers,
    and C_t computed from them by (F6), so that the case is a real forward step."""
    def randn(scale=1.0):
        return scale * torch.randn(B, H, generator=generator, dtype=torch.float64)
    f_t, i_t, C_tilde, o_t = torch.sigmoid(randn()), torch.sigmoid(randn()), torch.tanh(randn()), \
        torch.sigmoid(randn())
    C_prev = randn(1.5)
    return dict(dh_t=randn(), dC_carry=randn(), f_t=f_t, i_t=i_t, C_tilde=C_tilde, o_t=o_t,
                C_prev=C_prev, C_t=f_t * C_prev + i_t * C_tilde)


def backward_reference(dh_t, dC_carry, f_t, i_t, C_tilde, o_t, C_prev, C_t):
    tanh_C_t = np.tanh(C_t)
    do_t = dh_t * tanh_C_t                                 # (B2)
    dC_t = dh_t * o_t * (1 - tanh_C_t ** 2) + dC_carry     # (B3)
    df_t = dC_t * C_prev                                   # (B4)
    di_t = dC_t * C_tilde                                  # (B5)
    dC_tilde = dC_t * i_t                                  # (B6)
    da_f = df_t * f_t * (1 - f_t)                          # (B7)
    da_i = di_t * i_t * (1 - i_t)                          # (B8)
    da_C = dC_tilde * (1 - C_tilde ** 2)                   # (B9)
    da_o = do_t * o_t * (1 - o_t)                          # (B10)
    return dC_t, da_f, da_i, da_C, da_o


def _sigma_prime(s):
    return s * (1 - s)


def _tanh_prime(t):
    return 1 - t ** 2


def _step(carry=True, dtanh=lambda C: _tanh_prime(np.tanh(C)), o_reads=np.tanh, f_reads="prev",
          swap_i_C=False, gate_prime=_sigma_prime, cand_prime=_tanh_prime, extra_f=False):
    def fn(dh_t, dC_carry, f_t, i_t, C_tilde, o_t, C_prev, C_t):
        do_t = dh_t * o_reads(C_t)
        dC_t = dh_t * o_t * dtanh(C_t) + (dC_carry if carry else 0)
        if extra_f:
            dC_t = dC_t * f_t
        df_t = dC_t * (C_prev if f_reads == "prev" else C_t)
        di_t, dC_tilde = (dC_t * i_t, dC_t * C_tilde) if swap_i_C else (dC_t * C_tilde, dC_t * i_t)
        return (dC_t, df_t * gate_prime(f_t), di_t * gate_prime(i_t),
                dC_tilde * cand_prime(C_tilde), do_t * gate_prime(o_t))
    return fn


backward_step = NumpyExercise(
    title="One step of backpropagation through time",
    signature="backward_step(dh_t, dC_carry, f_t, i_t, C_tilde, o_t, C_prev, C_t)",
    outputs=OUTPUTS,
    reference=backward_reference,
    inputs=backward_inputs,
    mistakes=[
        Mistake("no carry", _step(carry=False),
                "δC_t leaves out what reaches C_t from step t+1: add dC_carry = δC_{t+1} ⊙ f_{t+1} "
                "(C_t is used twice, by h_t and by C_{t+1}), equation (B3)."),
        Mistake("no tanh'", _step(dtanh=lambda C: 1.0),
                "δC_t leaves out the derivative of tanh: h_t = o_t ⊙ tanh(C_t), so the path through "
                "h_t carries δh_t ⊙ o_t ⊙ (1 − tanh²(C_t))."),
        Mistake("tanh' of C", _step(dtanh=lambda C: 1 - C ** 2),
                "δC_t uses 1 − C_t²: the derivative of tanh at C_t is 1 − tanh²(C_t), so square "
                "np.tanh(C_t), not C_t."),
        Mistake("carry times f", _step(extra_f=True),
                "δC_t is multiplied by f_t: that factor belongs to the carry into step t−1, "
                "δC_{t-1} ← δC_t ⊙ f_t (B16), not to δC_t itself."),
        Mistake("o reads C", _step(o_reads=lambda C: C),
                "δa_o uses C_t where tanh(C_t) belongs: h_t = o_t ⊙ tanh(C_t), so "
                "δo_t = δh_t ⊙ tanh(C_t) (B2)."),
        Mistake("f reads C_t", _step(f_reads="new"),
                "δa_f uses the new cell state C_t; the forget gate multiplies the old one, "
                "C_t = f_t ⊙ C_{t-1} + …, so δf_t = δC_t ⊙ C_{t-1} (B4)."),
        Mistake("i and C swapped", _step(swap_i_C=True),
                "δa_i and δa_C are swapped at the product i_t ⊙ C̃_t: δi_t = δC_t ⊙ C̃_t and "
                "δC̃_t = δC_t ⊙ i_t, each factor's gradient is the other factor (B5, B6)."),
        Mistake("sigma' as sigma", _step(gate_prime=lambda s: s),
                "the gates' derivative is σ'(a) = σ(a)(1 − σ(a)), written in the gate's value s as "
                "s ⊙ (1 − s); you multiplied by s alone."),
        Mistake("sigma' as tanh'", _step(gate_prime=_tanh_prime),
                "the gates use tanh's derivative 1 − s²; a sigmoid gate s has σ' = s ⊙ (1 − s)."),
        Mistake("tanh' as sigma'", _step(cand_prime=_sigma_prime),
                "δa_C uses the sigmoid's derivative; the candidate is a tanh, C̃_t = tanh(a_C), "
                "so δa_C = δC̃_t ⊙ (1 − C̃_t²) (B9)."),
        Mistake("no activation", _step(gate_prime=lambda s: 1.0, cand_prime=lambda t: 1.0),
                "these are the gradients of the gates' values (δf_t, δi_t, δC̃_t, δo_t), not of "
                "their pre-activations: multiply each by its activation's derivative (B7-B10)."),
    ],
    hints=["Start at h_t = o_t ⊙ tanh(C_t): δo_t = δh_t ⊙ tanh(C_t), and C_t receives "
           "δh_t ⊙ o_t ⊙ (1 − tanh²(C_t)) through h_t, plus dC_carry from step t+1.",
           "C_t = f_t ⊙ C_{t-1} + i_t ⊙ C̃_t: each factor's gradient is δC_t times the other "
           "factor, e.g. δf_t = δC_t ⊙ C_{t-1}.",
           "Last, through the activations: δa_f = δf_t ⊙ f_t ⊙ (1 − f_t) for the three sigmoid "
           "gates, δa_C = δC̃_t ⊙ (1 − C̃_t²) for the tanh."],
)
