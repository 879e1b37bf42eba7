"""One step of the GRU as an exercise with a checker (chapter 8).

The reader writes one step of :class:`lstmlib.GRU`, in ``torch.nn.GRU``'s convention
(:func:`lstmlib.cells.gru_cell`, Cho et al. 2014):

    z_t = σ(W_z·[h_{t-1}, x_t] + b_z)                                 update gate
    r_t = σ(W_r·[h_{t-1}, x_t] + b_r)                                 reset gate
    n_t = tanh(W_nx·x_t + b_n + r_t ⊙ (W_nh·h_{t-1} + b_hn))          candidate h̃_t
    h_t = (1 − z_t) ⊙ n_t + z_t ⊙ h_{t-1}

    gru_step(x_t, h_prev, W, b, b_hn) -> (z_t, r_t, n_t, h_t)

W (3H, H + D) holds the row blocks z, r, n (torch.nn.GRU stores them as r, z, n); its first H
columns multiply h_{t-1}, the last D multiply x_t. The mistakes it knows are the ones this cell
invites: the notes' figure-11 convention for z_t mixed into PyTorch's, the reset gate applied
to h_{t-1} instead of to W_nh·h_{t-1} + b_hn, b_hn outside the product or left out, sigmoid and
tanh swapped, torch's block order or another wrong block of W.
"""
from __future__ import annotations

import torch

from .checker import Exercise, Mistake

B, H, D = 3, 4, 5
BLOCK = {"z": 0, "r": 1, "n": 2}          # the row blocks of a GRU's W
ROWS = {"z": "rows 0:H", "r": "rows H:2H", "n": "rows 2H:3H"}
NAME = {"z": "the update gate z_t", "r": "the reset gate r_t", "n": "the candidate n_t"}


def gru_inputs(generator: torch.Generator) -> dict:
    """One test case: x_t (B, D), h_prev (B, H), W (3H, H + D), b (3H,), b_hn (H,)."""
    def randn(*shape, scale=1.0):
        return scale * torch.randn(*shape, generator=generator, dtype=torch.float64)
    return dict(x_t=randn(B, D), h_prev=torch.tanh(randn(B, H)), W=randn(3 * H, H + D, scale=0.7),
                b=randn(3 * H, scale=0.5), b_hn=randn(H, scale=0.5))


def gru_reference(x_t, h_prev, W, b, b_hn):
    H = h_prev.shape[1]
    W_h, W_x = W[:, :H], W[:, H:]            # columns: h_{t-1}, then x_t
    a_x = x_t @ W_x.T + b                    # (B, 3H): the input's part
    a_h = h_prev @ W_h.T                     # (B, 3H): the recurrent part
    z_t = torch.sigmoid(a_x[:, :H] + a_h[:, :H])                # update
    r_t = torch.sigmoid(a_x[:, H:2 * H] + a_h[:, H:2 * H])      # reset
    n_t = torch.tanh(a_x[:, 2 * H:] + r_t * (a_h[:, 2 * H:] + b_hn))
    h_t = (1 - z_t) * n_t + z_t * h_prev     # z_t keeps the old state
    return z_t, r_t, n_t, h_t


def _parts(x_t, h_prev, W, b, gate, order="hx"):
    """(W_gx·x_t + b_g, W_gh·h_{t-1}) for one block of rows; order "xh" reads W's columns the
    wrong way round ([x_t, h_prev])."""
    k = BLOCK[gate]
    rows, bias = W[k * H:(k + 1) * H], b[k * H:(k + 1) * H]
    W_h, W_x = (rows[:, :H], rows[:, H:]) if order == "hx" else (rows[:, D:], rows[:, :D])
    return x_t @ W_x.T + bias, h_prev @ W_h.T


def _gru(z_gate="z", r_gate="r", n_gate="n", gate_act=torch.sigmoid, cand_act=torch.tanh,
         candidate="torch", update="torch", order="hx", z_out=None):
    """A GRU step with one thing changed; see the Mistakes below."""
    def fn(x_t, h_prev, W, b, b_hn):
        z_t = gate_act(sum(_parts(x_t, h_prev, W, b, z_gate, order)))
        r_t = gate_act(sum(_parts(x_t, h_prev, W, b, r_gate, order)))
        a_x, a_h = _parts(x_t, h_prev, W, b, n_gate, order)
        k = BLOCK[n_gate]
        W_nh = W[k * H:(k + 1) * H, :H] if order == "hx" else W[k * H:(k + 1) * H, D:]
        inner = {"torch": lambda: r_t * (a_h + b_hn),                    # r ⊙ (W_nh·h + b_hn)
                 "reset h": lambda: (r_t * h_prev) @ W_nh.T + b_hn,      # W_nh·(r ⊙ h) + b_hn
                 "reset h, no b_hn": lambda: (r_t * h_prev) @ W_nh.T,    # figure 11: W·[r ⊙ h, x]
                 "b_hn outside": lambda: r_t * a_h + b_hn,
                 "no b_hn": lambda: r_t * a_h,
                 "no reset": lambda: a_h + b_hn}[candidate]()
        n_t = cand_act(a_x + inner)
        h_t = {"torch": lambda: (1 - z_t) * n_t + z_t * h_prev,
               "figure 11": lambda: (1 - z_t) * h_prev + z_t * n_t,     # z on the other side
               "no 1 - z": lambda: n_t + z_t * h_prev,
               "average": lambda: 0.5 * n_t + 0.5 * h_prev,
               "n only": lambda: n_t}[update]()
        return (z_t if z_out is None else z_out(z_t)), r_t, n_t, h_t
    return fn


def _wrong_block(used, wanted):
    return (f"{NAME[wanted]} uses the rows of W and b that belong to {NAME[used]} ({ROWS[used]}, "
            f"gru.gate({used!r})); {NAME[wanted]} has {ROWS[wanted]} (gru.gate({wanted!r})).")


FIGURE_11 = ("z_t is on the wrong side: h_t = (1 − z_t) ⊙ h_{t-1} + z_t ⊙ n_t is the notes' "
             "figure 11 (and Colah's), where z_t weights the candidate. Here, as in torch.nn.GRU, "
             "z_t weights the old state: h_t = (1 − z_t) ⊙ n_t + z_t ⊙ h_{t-1}. The two are the same "
             "cell with z_t replaced by 1 − z_t; mixing them is not.")
RESET_H = ("The reset gate multiplies h_{t-1} before W_nh, as in the notes' figure 11 "
           "(h̃_t = tanh(W·[r_t ⊙ h_{t-1}, x_t])). In torch.nn.GRU's convention it multiplies what "
           "W_nh makes of h_{t-1}: n_t = tanh(W_nx·x_t + b_n + r_t ⊙ (W_nh·h_{t-1} + b_hn)). That "
           "is a different cell, not a relabelling.")

gru_step = Exercise(
    title="One GRU step",
    signature="gru_step(x_t, h_prev, W, b, b_hn)",
    outputs=("z_t", "r_t", "n_t", "h_t"),
    reference=gru_reference,
    inputs=gru_inputs,
    mistakes=[
        Mistake("figure 11", _gru(update="figure 11"), FIGURE_11),
        Mistake("figure 11, z complement", _gru(z_out=lambda z: 1 - z),
                "h_t is right, but the z_t you return is 1 − z_t: you wrote the notes' figure-11 "
                "convention (z_t weights the candidate) with z_t = 1 − σ(W_z·[h_{t-1}, x_t] + b_z). "
                "In torch.nn.GRU's convention z_t = σ(W_z·[h_{t-1}, x_t] + b_z) itself, and it "
                "weights h_{t-1}."),
        Mistake("reset h", _gru(candidate="reset h"), RESET_H),
        Mistake("reset h, no b_hn", _gru(candidate="reset h, no b_hn"),
                RESET_H + " (b_hn is left out as well.)"),
        Mistake("b_hn outside", _gru(candidate="b_hn outside"),
                "b_hn is added outside the reset gate's product: it belongs inside, "
                "r_t ⊙ (W_nh·h_{t-1} + b_hn), which is why the GRU keeps b_hn apart from b."),
        Mistake("no b_hn", _gru(candidate="no b_hn"),
                "n_t leaves out b_hn: n_t = tanh(W_nx·x_t + b_n + r_t ⊙ (W_nh·h_{t-1} + b_hn))."),
        Mistake("no reset", _gru(candidate="no reset"),
                "n_t ignores the reset gate: r_t multiplies the recurrent part of the candidate, "
                "r_t ⊙ (W_nh·h_{t-1} + b_hn)."),
        Mistake("both swapped", _gru(gate_act=torch.tanh, cand_act=torch.sigmoid),
                "sigmoid and tanh are swapped: the gates z_t and r_t are σ (between 0 and 1), the "
                "candidate n_t is tanh (between −1 and 1)."),
        Mistake("gate tanh", _gru(gate_act=torch.tanh),
                "z_t and r_t use tanh where the sigmoid σ belongs: a gate lies between 0 and 1."),
        Mistake("candidate sigmoid", _gru(cand_act=torch.sigmoid),
                "n_t uses the sigmoid σ where tanh belongs: the candidate lies in (−1, 1) and may "
                "be negative."),
        Mistake("torch order", _gru(z_gate="r", r_gate="z"),
                "z_t and r_t are swapped: you read W in torch.nn.GRU's block order (r, z, n). "
                "lstmlib's W has the blocks z, r, n: z_t is rows 0:H (gru.gate('z')), r_t rows "
                "H:2H (gru.gate('r'))."),
        *[Mistake(f"{wanted} from {used}", _gru(**{f"{wanted}_gate": used}), _wrong_block(used, wanted))
          for wanted, used in (("z", "n"), ("r", "n"), ("n", "z"), ("n", "r"))],
        Mistake("order", _gru(order="xh"),
                "You read W's columns as [x_t, h_prev]; the book's order is [h_{t-1}, x_t]: the "
                "first H columns of W multiply h_{t-1}, the last D columns multiply x_t."),
        Mistake("no 1 - z", _gru(update="no 1 - z"),
                "h_t adds n_t without its weight: h_t = (1 − z_t) ⊙ n_t + z_t ⊙ h_{t-1}, an "
                "interpolation whose two weights add up to 1."),
        Mistake("average", _gru(update="average"),
                "h_t averages n_t and h_{t-1} with equal weights 1/2; the weights are the update "
                "gate's, 1 − z_t and z_t."),
        Mistake("n only", _gru(update="n only"),
                "h_t = n_t drops the old state: the update gate interpolates, "
                "h_t = (1 − z_t) ⊙ n_t + z_t ⊙ h_{t-1}."),
    ],
    hints=["W has three blocks of H rows, z (0:H), r (H:2H) and n (2H:3H); in each block the first "
           "H columns multiply h_prev and the last D columns multiply x_t.",
           "z_t and r_t are σ of their block's W·[h_{t-1}, x_t] + b. For n_t keep the two parts "
           "apart: a_x = x_t @ W_nx.T + b_n and a_h = h_prev @ W_nh.T.",
           "n_t = tanh(a_x + r_t * (a_h + b_hn)) and h_t = (1 - z_t) * n_t + z_t * h_prev."],
)
