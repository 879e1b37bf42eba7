"""The three steps of the LSTM as exercises with checkers (chapters 3, 4 and 5).

Each step is a function the reader writes from the book's equations, given one time step's
input x_t (B, D), the previous state and the layer's stacked weights W (4H, H + D) and biases
b (4H,), whose row blocks are f, i, C, o in that order (as in :class:`lstmlib.LSTM`):

    forget_step(x_t, h_prev, C_prev, W, b)       -> (f_t, C_kept)        step 1, chapter 3
    store_step(x_t, h_prev, C_prev, f_t, W, b)   -> (i_t, C_tilde, C_t)  step 2, chapter 4
    output_step(x_t, h_prev, C_t, W, b)          -> (o_t, h_t)           step 3, chapter 5

where C_kept = f_t ⊙ C_{t-1} is what survives step 1. The test inputs have B = 3, H = 4 and
D = 5, so a transposed or misplaced block shows up as a wrong shape.
"""
from __future__ import annotations

import torch

from .checker import Exercise, Mistake

B, H, D = 3, 4, 5
BLOCK = {"f": 0, "i": 1, "C": 2, "o": 3}
GATE_NAME = {"f": "the forget gate f_t", "i": "the input gate i_t", "C": "the candidate C̃_t",
             "o": "the output gate o_t"}


def step_inputs(generator: torch.Generator) -> dict:
    """One test case: x_t (B, D), h_prev and C_prev (B, H), W (4H, H + D), b (4H,), f_t (B, H)."""
    def randn(*shape, scale=1.0):
        return scale * torch.randn(*shape, generator=generator, dtype=torch.float64)
    return dict(x_t=randn(B, D), h_prev=torch.tanh(randn(B, H)), C_prev=randn(B, H, scale=1.5),
                W=randn(4 * H, H + D, scale=0.7), b=randn(4 * H, scale=0.5),
                f_t=torch.sigmoid(randn(B, H)), C_t=randn(B, H, scale=1.5))


def block_pre(x_t, h_prev, W, b, k, order="hx", bias=True):
    """W_k·[h_{t-1}, x_t] + b_k for the k-th block of H rows of W: a gate's pre-activation, as
    the wrong implementations of every exercise compute it (``order="xh"`` concatenates the
    wrong way round, ``bias=False`` leaves out b)."""
    H = h_prev.shape[1]
    v = torch.cat([h_prev, x_t] if order == "hx" else [x_t, h_prev], dim=1)   # (B, H + D)
    a = v @ W[k * H:(k + 1) * H].T                                           # (B, H)
    return a + b[k * H:(k + 1) * H] if bias else a


def _pre(x_t, h_prev, W, b, gate, order="hx", bias=True):
    """W_gate·[h_{t-1}, x_t] + b_gate for one of the LSTM's gates (f, i, C, o)."""
    return block_pre(x_t, h_prev, W, b, BLOCK[gate], order, bias)


def _rows(gate):
    """Where a gate's block sits in W: "rows 0:H" for f, "rows H:2H" for i, and so on."""
    k = BLOCK[gate]
    lo = {0: "0", 1: "H"}.get(k, f"{k}H")
    hi = "H" if k == 0 else f"{k + 1}H"
    return f"rows {lo}:{hi}"


def _wrong_gate(used, wanted):
    return (f"You used the rows of W that belong to {GATE_NAME[used]} ({_rows(used)}, "
            f"lstm.gate({used!r})); {GATE_NAME[wanted]} has {_rows(wanted)} of W and b "
            f"(lstm.gate({wanted!r})).")


# ---------------------------------------------------------------------------------------------
# Step 1: f_t = σ(W_f·[h_{t-1}, x_t] + b_f), and what of C_{t-1} survives: f_t ⊙ C_{t-1}
# ---------------------------------------------------------------------------------------------
def forget_reference(x_t, h_prev, C_prev, W, b):
    H = h_prev.shape[1]
    W_f, b_f = W[:H], b[:H]                  # the forget gate's rows
    v = torch.cat([h_prev, x_t], dim=1)      # [h_{t-1}, x_t], (B, H + D)
    f_t = torch.sigmoid(v @ W_f.T + b_f)     # (B, H)
    C_kept = f_t * C_prev                    # f_t ⊙ C_{t-1}
    return f_t, C_kept


def _forget(gate="f", act=torch.sigmoid, sign=1.0, order="hx", bias=True, keep=lambda f, C: f * C):
    def fn(x_t, h_prev, C_prev, W, b):
        f_t = act(sign * _pre(x_t, h_prev, W, b, gate, order, bias))
        return f_t, keep(f_t, C_prev)
    return fn


forget_step = Exercise(
    title="Step 1, the forget gate",
    signature="forget_step(x_t, h_prev, C_prev, W, b)",
    outputs=("f_t", "C_kept"),
    reference=forget_reference,
    inputs=step_inputs,
    mistakes=[
        *[Mistake(f"gate {g}", _forget(gate=g), _wrong_gate(g, "f")) for g in ("i", "C", "o")],
        Mistake("sign", _forget(sign=-1.0),
                "f_t is σ(−(W_f·[h_{t-1}, x_t] + b_f)) = 1 − f_t: a sign is flipped. f_t close to 1 "
                "means keep, so it is σ(+pre-activation)."),
        Mistake("tanh", _forget(act=torch.tanh),
                "f_t uses tanh where the sigmoid σ belongs: a gate must lie between 0 (forget) and 1 "
                "(keep), and tanh gives values in (−1, 1)."),
        Mistake("bias", _forget(bias=False), "f_t leaves out the bias b_f (the first H entries of b)."),
        Mistake("order", _forget(order="xh"),
                "You concatenated [x_t, h_prev]; the book's order is [h_{t-1}, x_t]: the first H "
                "columns of W multiply h_{t-1}, the last D columns multiply x_t."),
        Mistake("no multiply", _forget(keep=lambda f, C: C),
                "C_kept is C_{t-1} unchanged: the forget gate acts by multiplying, C_kept = f_t ⊙ C_{t-1}."),
        Mistake("add", _forget(keep=lambda f, C: f + C),
                "C_kept adds f_t to C_{t-1}; the gate multiplies it: C_kept = f_t ⊙ C_{t-1}."),
        Mistake("complement", _forget(keep=lambda f, C: (1 - f) * C),
                "C_kept is (1 − f_t) ⊙ C_{t-1}: f_t is the fraction kept, not the fraction forgotten."),
    ],
    hints=["W stacks the four gates' rows in the order f, i, C, o, H rows each: the forget gate's "
           "weights are W[:H] and its bias b[:H], where H = h_prev.shape[1].",
           "[h_{t-1}, x_t] is torch.cat([h_prev, x_t], dim=1), shape (B, H + D); the pre-activation "
           "is that times W_f.T, plus b_f.",
           "f_t = torch.sigmoid(pre-activation), and what survives is f_t * C_prev."],
)


# ---------------------------------------------------------------------------------------------
# Step 2: i_t = σ(W_i·[h_{t-1}, x_t] + b_i), C̃_t = tanh(W_C·[...] + b_C), C_t = f_t ⊙ C_{t-1} + i_t ⊙ C̃_t
# ---------------------------------------------------------------------------------------------
def store_reference(x_t, h_prev, C_prev, f_t, W, b):
    H = h_prev.shape[1]
    W_i, b_i = W[H:2 * H], b[H:2 * H]        # the input gate's rows
    W_C, b_C = W[2 * H:3 * H], b[2 * H:3 * H]  # the candidate's rows
    v = torch.cat([h_prev, x_t], dim=1)      # [h_{t-1}, x_t], (B, H + D)
    i_t = torch.sigmoid(v @ W_i.T + b_i)     # (B, H)
    C_tilde = torch.tanh(v @ W_C.T + b_C)    # (B, H)
    C_t = f_t * C_prev + i_t * C_tilde
    return i_t, C_tilde, C_t


def _store(i_gate="i", c_gate="C", i_act=torch.sigmoid, c_act=torch.tanh,
           update=lambda f, C, i, g: f * C + i * g, order="hx", i_bias=True, c_bias=True):
    def fn(x_t, h_prev, C_prev, f_t, W, b):
        i_t = i_act(_pre(x_t, h_prev, W, b, i_gate, order, i_bias))
        C_tilde = c_act(_pre(x_t, h_prev, W, b, c_gate, order, c_bias))
        return i_t, C_tilde, update(f_t, C_prev, i_t, C_tilde)
    return fn


store_step = Exercise(
    title="Step 2, the input gate, the candidate and the cell update",
    signature="store_step(x_t, h_prev, C_prev, f_t, W, b)",
    outputs=("i_t", "C_tilde", "C_t"),
    reference=store_reference,
    inputs=step_inputs,
    mistakes=[
        Mistake("swapped", _store(i_gate="C", c_gate="i"),
                "i_t and C̃_t use each other's rows of W: the input gate is the second block, rows "
                "H:2H (lstm.gate('i')), the candidate the third, rows 2H:3H (lstm.gate('C'))."),
        *[Mistake(f"gate {g}", _store(i_gate=g), _wrong_gate(g, "i")) for g in ("f", "o")],
        *[Mistake(f"candidate {g}", _store(c_gate=g), _wrong_gate(g, "C")) for g in ("f", "o")],
        Mistake("candidate sigmoid", _store(c_act=torch.sigmoid),
                "C̃_t uses the sigmoid σ where tanh belongs: candidate values lie in (−1, 1), so "
                "that a write can lower the cell state as well as raise it."),
        Mistake("gate tanh", _store(i_act=torch.tanh),
                "i_t uses tanh where the sigmoid σ belongs: the input gate is a gate, between 0 "
                "(write nothing) and 1 (write all of C̃_t)."),
        Mistake("both swapped", _store(i_act=torch.tanh, c_act=torch.sigmoid),
                "i_t uses tanh and C̃_t uses σ: the other way round. The gate i_t is σ, the "
                "candidate C̃_t is tanh."),
        Mistake("no gate", _store(update=lambda f, C, i, g: f * C + g),
                "C_t adds C̃_t without the input gate: the write is i_t ⊙ C̃_t."),
        Mistake("no old", _store(update=lambda f, C, i, g: i * g),
                "C_t is only i_t ⊙ C̃_t: the old state, scaled by the forget gate, is kept too: "
                "C_t = f_t ⊙ C_{t-1} + i_t ⊙ C̃_t."),
        Mistake("no forget", _store(update=lambda f, C, i, g: C + i * g),
                "C_t keeps all of C_{t-1}: step 1's forget gate scales it, f_t ⊙ C_{t-1}."),
        Mistake("minus", _store(update=lambda f, C, i, g: f * C - i * g),
                "C_t subtracts the write: a sign is flipped. C_t = f_t ⊙ C_{t-1} + i_t ⊙ C̃_t."),
        Mistake("coupled", _store(update=lambda f, C, i, g: f * C + (1 - f) * g),
                "C_t writes (1 − f_t) ⊙ C̃_t: that is the coupled LSTM (chapter 7). The standard "
                "LSTM has an input gate of its own: C_t = f_t ⊙ C_{t-1} + i_t ⊙ C̃_t."),
        Mistake("bias", _store(i_bias=False, c_bias=False),
                "i_t and C̃_t leave out their biases: b_i is b[H:2H] and b_C is b[2H:3H]."),
        Mistake("gate bias", _store(i_bias=False), "i_t leaves out the bias b_i (b[H:2H])."),
        Mistake("candidate bias", _store(c_bias=False), "C̃_t leaves out the bias b_C (b[2H:3H])."),
        Mistake("order", _store(order="xh"),
                "You concatenated [x_t, h_prev]; the book's order is [h_{t-1}, x_t]: the first H "
                "columns of W multiply h_{t-1}, the last D columns multiply x_t."),
    ],
    hints=["The input gate's rows of W are W[H:2H] (lstm.gate('i')), the candidate's W[2H:3H] "
           "(lstm.gate('C')); both read v = torch.cat([h_prev, x_t], dim=1).",
           "i_t is a gate, so σ; C̃_t is a proposal that may be negative, so tanh.",
           "C_t = f_t * C_prev + i_t * C_tilde."],
)


# ---------------------------------------------------------------------------------------------
# Step 3: o_t = σ(W_o·[h_{t-1}, x_t] + b_o), h_t = o_t ⊙ tanh(C_t)
# ---------------------------------------------------------------------------------------------
def output_reference(x_t, h_prev, C_t, W, b):
    H = h_prev.shape[1]
    W_o, b_o = W[3 * H:], b[3 * H:]          # the output gate's rows
    v = torch.cat([h_prev, x_t], dim=1)      # [h_{t-1}, x_t], (B, H + D)
    o_t = torch.sigmoid(v @ W_o.T + b_o)     # (B, H)
    h_t = o_t * torch.tanh(C_t)              # a filtered view of C_t
    return o_t, h_t


def _output(gate="o", act=torch.sigmoid, out=lambda o, C: o * torch.tanh(C), order="hx", bias=True,
            swap=False):
    def fn(x_t, h_prev, C_t, W, b):
        o_t = act(_pre(x_t, h_prev, W, b, gate, order, bias))
        h_t = out(o_t, C_t)
        return (h_t, o_t) if swap else (o_t, h_t)
    return fn


output_step = Exercise(
    title="Step 3, the output gate",
    signature="output_step(x_t, h_prev, C_t, W, b)",
    outputs=("o_t", "h_t"),
    reference=output_reference,
    inputs=step_inputs,
    mistakes=[
        *[Mistake(f"gate {g}", _output(gate=g), _wrong_gate(g, "o")) for g in ("f", "i", "C")],
        Mistake("gate tanh", _output(act=torch.tanh),
                "o_t uses tanh where the sigmoid σ belongs: the output gate is a gate, between 0 "
                "(show nothing) and 1 (show all of tanh(C_t))."),
        Mistake("no squash", _output(out=lambda o, C: o * C),
                "h_t = o_t ⊙ C_t leaves out the tanh: h_t = o_t ⊙ tanh(C_t), so h_t stays in "
                "(−1, 1) however large the cell state grows."),
        Mistake("squash outside", _output(out=lambda o, C: torch.tanh(o * C)),
                "h_t = tanh(o_t ⊙ C_t) gates before squashing; the book's order is the other way "
                "round: h_t = o_t ⊙ tanh(C_t)."),
        Mistake("sigmoid of C", _output(out=lambda o, C: o * torch.sigmoid(C)),
                "h_t uses σ(C_t) where tanh belongs: tanh keeps the sign of the cell state."),
        Mistake("complement", _output(out=lambda o, C: (1 - o) * torch.tanh(C)),
                "h_t uses 1 − o_t: o_t is the fraction shown, h_t = o_t ⊙ tanh(C_t)."),
        Mistake("sign", _output(act=lambda a: torch.sigmoid(-a)),
                "o_t is σ(−(W_o·[h_{t-1}, x_t] + b_o)): a sign is flipped."),
        Mistake("bias", _output(bias=False), "o_t leaves out the bias b_o (the last H entries of b, b[3H:])."),
        Mistake("order", _output(order="xh"),
                "You concatenated [x_t, h_prev]; the book's order is [h_{t-1}, x_t]: the first H "
                "columns of W multiply h_{t-1}, the last D columns multiply x_t."),
        Mistake("swapped", _output(swap=True),
                "You returned (h_t, o_t): the values are right but in the wrong order; return o_t, h_t."),
        Mistake("o for h", _output(out=lambda o, C: o),
                "h_t is o_t itself: the gate only says how much to let through; what it lets "
                "through is tanh(C_t), so h_t = o_t ⊙ tanh(C_t)."),
        Mistake("tanh only", _output(out=lambda o, C: torch.tanh(C)),
                "h_t = tanh(C_t) leaves out the output gate (the NOG variant of chapter 9): the "
                "step's filter is the product h_t = o_t ⊙ tanh(C_t)."),
    ],
    hints=["The output gate's rows are the last block: W[3H:] and b[3H:] (lstm.gate('o')).",
           "o_t = torch.sigmoid(torch.cat([h_prev, x_t], dim=1) @ W_o.T + b_o).",
           "h_t = o_t * torch.tanh(C_t)."],
)
