"""One step of the peephole LSTM as an exercise with a checker (chapter 6).

The reader writes one time step of the LSTM of Gers & Schmidhuber (2000), whose three gates
also read the cell state through diagonal weights p_f, p_i, p_o of shape (H,):

    f_t = σ(W_f·[h_{t-1}, x_t] + p_f ⊙ C_{t-1} + b_f)
    i_t = σ(W_i·[h_{t-1}, x_t] + p_i ⊙ C_{t-1} + b_i)
    C̃_t = tanh(W_C·[h_{t-1}, x_t] + b_C)
    C_t = f_t ⊙ C_{t-1} + i_t ⊙ C̃_t
    o_t = σ(W_o·[h_{t-1}, x_t] + p_o ⊙ C_t + b_o)        the new C_t, not C_{t-1}
    h_t = o_t ⊙ tanh(C_t)

    peephole_step(x_t, h_prev, C_prev, W, b, p_f, p_i, p_o) -> (f_t, i_t, C_t, o_t, h_t)

W (4H, H + D) and b (4H,) hold the row blocks f, i, C, o, as in :class:`lstmlib.LSTM`. The
mistakes it knows are the ones the equations invite: the output gate peeking at C_{t-1}, a
peephole left out, the peephole added after the sigmoid, the gates reading tanh(C) instead of
C, p_f and p_i swapped.
"""
from __future__ import annotations

import torch

from .checker import Exercise, Mistake
from .steps import H, _pre, step_inputs


def peephole_inputs(generator: torch.Generator) -> dict:
    """One test case: the step's inputs (see :func:`lstmlib.exercises.steps.step_inputs`) and
    three peephole weight vectors p_f, p_i, p_o of shape (H,), large enough to matter."""
    case = step_inputs(generator)
    for g in "fio":
        case[f"p_{g}"] = 1.5 * torch.randn(H, generator=generator, dtype=torch.float64)
    return case


def peephole_reference(x_t, h_prev, C_prev, W, b, p_f, p_i, p_o):
    v = torch.cat([h_prev, x_t], dim=1)           # [h_{t-1}, x_t], (B, H + D)
    a = v @ W.T + b                               # (B, 4H): blocks f, i, C, o
    a_f, a_i, a_C, a_o = a.chunk(4, dim=1)        # each (B, H)
    f_t = torch.sigmoid(a_f + p_f * C_prev)       # peeks at C_{t-1}
    i_t = torch.sigmoid(a_i + p_i * C_prev)       # peeks at C_{t-1}
    C_tilde = torch.tanh(a_C)
    C_t = f_t * C_prev + i_t * C_tilde
    o_t = torch.sigmoid(a_o + p_o * C_t)          # peeks at the new C_t
    h_t = o_t * torch.tanh(C_t)
    return f_t, i_t, C_t, o_t, h_t


def _peephole(read_o="new", skip=(), cell=lambda C: C, after=False, swap=False):
    """A wrong peephole step: ``read_o`` "old" makes o_t read C_{t-1}; ``skip`` leaves gates
    without their peephole; ``cell`` is what the gates read instead of C; ``after`` adds the
    peephole after the sigmoid; ``swap`` exchanges p_f and p_i."""
    def fn(x_t, h_prev, C_prev, W, b, p_f, p_i, p_o):
        p = {"f": p_i if swap else p_f, "i": p_f if swap else p_i, "o": p_o}

        def gate(name, C):
            a = _pre(x_t, h_prev, W, b, name)
            term = 0 if name in skip else p[name] * cell(C)
            return torch.sigmoid(a) + term if after else torch.sigmoid(a + term)

        f_t = gate("f", C_prev)
        i_t = gate("i", C_prev)
        C_t = f_t * C_prev + i_t * torch.tanh(_pre(x_t, h_prev, W, b, "C"))
        o_t = gate("o", C_prev if read_o == "old" else C_t)
        return f_t, i_t, C_t, o_t, o_t * torch.tanh(C_t)
    return fn


peephole_step = Exercise(
    title="One step of the peephole LSTM",
    signature="peephole_step(x_t, h_prev, C_prev, W, b, p_f, p_i, p_o)",
    outputs=("f_t", "i_t", "C_t", "o_t", "h_t"),
    reference=peephole_reference,
    inputs=peephole_inputs,
    mistakes=[
        Mistake("o reads C_prev", _peephole(read_o="old"),
                "o_t peeks at the old cell state C_{t-1}. The output gate comes after the cell "
                "update, so it looks at the new one: o_t = σ(W_o·[h_{t-1}, x_t] + p_o ⊙ C_t + "
                "b_o). Only f_t and i_t read C_{t-1}."),
        *[Mistake(f"no p_{g}", _peephole(skip=(g,)),
                  f"{g}_t has no peephole: add p_{g} ⊙ {'C_t' if g == 'o' else 'C_{t-1}'} inside "
                  f"its sigmoid. This exercise gives every gate one (the notes allow any subset; "
                  f"a gate without one has p_{g} = 0).") for g in "fio"],
        Mistake("no peepholes", _peephole(skip=("f", "i", "o")),
                "None of the gates reads the cell state: this is the plain LSTM. Add p_f ⊙ "
                "C_{t-1}, p_i ⊙ C_{t-1} and p_o ⊙ C_t inside the three sigmoids."),
        Mistake("after sigmoid", _peephole(after=True),
                "The peephole term is added after the sigmoid, so a gate can leave (0, 1). It "
                "belongs inside: f_t = σ(W_f·[h_{t-1}, x_t] + p_f ⊙ C_{t-1} + b_f)."),
        Mistake("tanh(C)", _peephole(cell=torch.tanh),
                "The gates read tanh(C), what the output shows of the cell; a peephole reads the "
                "cell state itself: p ⊙ C, without tanh."),
        Mistake("swapped", _peephole(swap=True),
                "p_f and p_i are swapped: the forget gate's peephole weight is p_f, the input "
                "gate's p_i."),
    ],
    hints=["Compute a = torch.cat([h_prev, x_t], dim=1) @ W.T + b once and split it into the "
           "four blocks f, i, C, o of H columns each: a.chunk(4, dim=1).",
           "A peephole adds p ⊙ C inside a gate's sigmoid: p_f * C_prev for the forget gate, "
           "p_i * C_prev for the input gate. Element by element: p has shape (H,).",
           "The output gate is computed after C_t = f_t * C_prev + i_t * C_tilde, and its "
           "peephole reads that new C_t: o_t = torch.sigmoid(a_o + p_o * C_t)."],
)
