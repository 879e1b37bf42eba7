"""lstmlib.exercises.gru: one GRU step (chapter 8) accepts a right answer, agrees with the layer
it describes, and names what is wrong with a wrong one.

The wrong implementations below are written as a reader would write them (not taken from the
checker's own list of mistakes), and each must get its specific message.
"""
import pytest
import torch
from exercise_checks import assert_says, printed

import lstmlib
from lstmlib import exercises
from lstmlib.cells import gru_cell
from lstmlib.exercises import gru

q = gru.gru_step


def right(x_t, h_prev, W, b, b_hn):
    """A reader's right answer, with [h_{t-1}, x_t] concatenated and the blocks by chunk."""
    H = h_prev.shape[1]
    a = torch.cat([h_prev, x_t], dim=1) @ W.T + b          # (B, 3H); n's block unused
    a_z, a_r, _ = a.chunk(3, dim=1)
    z = torch.sigmoid(a_z)
    r = torch.sigmoid(a_r)
    W_n = W[2 * H:]
    n = torch.tanh(x_t @ W_n[:, H:].T + b[2 * H:] + r * (h_prev @ W_n[:, :H].T + b_hn))
    return z, r, n, (1 - z) * n + z * h_prev


def gates_and_candidate(x_t, h_prev, W, b, b_hn, reset_first=False):
    H = h_prev.shape[1]
    v = torch.cat([h_prev, x_t], dim=1)
    z = torch.sigmoid(v @ W[:H].T + b[:H])
    r = torch.sigmoid(v @ W[H:2 * H].T + b[H:2 * H])
    W_nh, W_nx = W[2 * H:, :H], W[2 * H:, H:]
    if reset_first:
        n = torch.tanh(x_t @ W_nx.T + b[2 * H:] + (r * h_prev) @ W_nh.T + b_hn)
    else:
        n = torch.tanh(x_t @ W_nx.T + b[2 * H:] + r * (h_prev @ W_nh.T + b_hn))
    return z, r, n


def colahs_update(x_t, h_prev, W, b, b_hn):
    z, r, n = gates_and_candidate(x_t, h_prev, W, b, b_hn)
    return z, r, n, (1 - z) * h_prev + z * n              # the notes' figure 11


def colah_with_flipped_z(x_t, h_prev, W, b, b_hn):
    z, r, n = gates_and_candidate(x_t, h_prev, W, b, b_hn)
    z = 1 - z                                              # "Colah's z"
    return z, r, n, (1 - z) * h_prev + z * n


def reset_before_the_weights(x_t, h_prev, W, b, b_hn):
    z, r, n = gates_and_candidate(x_t, h_prev, W, b, b_hn, reset_first=True)
    return z, r, n, (1 - z) * n + z * h_prev


def figure_11_candidate(x_t, h_prev, W, b, b_hn):
    H = h_prev.shape[1]
    z, r, _ = gates_and_candidate(x_t, h_prev, W, b, b_hn)
    n = torch.tanh(torch.cat([r * h_prev, x_t], dim=1) @ W[2 * H:].T + b[2 * H:])
    return z, r, n, (1 - z) * n + z * h_prev


def bias_after_the_gate(x_t, h_prev, W, b, b_hn):
    H = h_prev.shape[1]
    z, r, _ = gates_and_candidate(x_t, h_prev, W, b, b_hn)
    n = torch.tanh(x_t @ W[2 * H:, H:].T + b[2 * H:] + r * (h_prev @ W[2 * H:, :H].T) + b_hn)
    return z, r, n, (1 - z) * n + z * h_prev


def swapped_activations(x_t, h_prev, W, b, b_hn):
    H = h_prev.shape[1]
    v = torch.cat([h_prev, x_t], dim=1)
    z = torch.tanh(v @ W[:H].T + b[:H])
    r = torch.tanh(v @ W[H:2 * H].T + b[H:2 * H])
    n = torch.sigmoid(x_t @ W[2 * H:, H:].T + b[2 * H:] + r * (h_prev @ W[2 * H:, :H].T + b_hn))
    return z, r, n, (1 - z) * n + z * h_prev


def tanh_candidate_gates(x_t, h_prev, W, b, b_hn):
    H = h_prev.shape[1]
    v = torch.cat([h_prev, x_t], dim=1)
    z = torch.tanh(v @ W[:H].T + b[:H])
    r = torch.tanh(v @ W[H:2 * H].T + b[H:2 * H])
    n = torch.tanh(x_t @ W[2 * H:, H:].T + b[2 * H:] + r * (h_prev @ W[2 * H:, :H].T + b_hn))
    return z, r, n, (1 - z) * n + z * h_prev


def torchs_order(x_t, h_prev, W, b, b_hn):
    H = h_prev.shape[1]
    v = torch.cat([h_prev, x_t], dim=1)
    r = torch.sigmoid(v @ W[:H].T + b[:H])                 # torch.nn.GRU: r first, then z
    z = torch.sigmoid(v @ W[H:2 * H].T + b[H:2 * H])
    n = torch.tanh(x_t @ W[2 * H:, H:].T + b[2 * H:] + r * (h_prev @ W[2 * H:, :H].T + b_hn))
    return z, r, n, (1 - z) * n + z * h_prev


def z_from_the_candidate_rows(x_t, h_prev, W, b, b_hn):
    H = h_prev.shape[1]
    _, r, n = gates_and_candidate(x_t, h_prev, W, b, b_hn)
    z = torch.sigmoid(torch.cat([h_prev, x_t], dim=1) @ W[2 * H:].T + b[2 * H:])
    return z, r, n, (1 - z) * n + z * h_prev


def ignores_the_reset_gate(x_t, h_prev, W, b, b_hn):
    H = h_prev.shape[1]
    z, r, _ = gates_and_candidate(x_t, h_prev, W, b, b_hn)
    n = torch.tanh(torch.cat([h_prev, x_t], dim=1) @ W[2 * H:].T + b[2 * H:] + b_hn)
    return z, r, n, (1 - z) * n + z * h_prev


def only_h(x_t, h_prev, W, b, b_hn):
    return right(x_t, h_prev, W, b, b_hn)[3]


def not_written(x_t, h_prev, W, b, b_hn):
    raise NotImplementedError


CASES = [
    (colahs_update, ["z_t is on the wrong side", "figure 11", "(1 − z_t) ⊙ n_t + z_t ⊙ h_{t-1}"]),
    (colah_with_flipped_z, ["h_t is right, but the z_t you return is 1 − z_t"]),
    (reset_before_the_weights, ["multiplies h_{t-1} before W_nh", "r_t ⊙ (W_nh·h_{t-1} + b_hn)",
                                "a different cell"]),
    (figure_11_candidate, ["multiplies h_{t-1} before W_nh", "b_hn is left out as well"]),
    (bias_after_the_gate, ["b_hn is added outside the reset gate's product"]),
    (swapped_activations, ["sigmoid and tanh are swapped"]),
    (tanh_candidate_gates, ["z_t and r_t use tanh where the sigmoid σ belongs"]),
    (torchs_order, ["torch.nn.GRU's block order (r, z, n)", "rows 0:H"]),
    (z_from_the_candidate_rows, ["the update gate z_t uses the rows", "the candidate n_t (rows 2H:3H"]),
    (ignores_the_reset_gate, ["n_t ignores the reset gate"]),
    (only_h, ["expected a tuple (z_t, r_t, n_t, h_t) of 4 tensors, got a tensor"]),
    (not_written, ["not_written() is not written yet"]),
]


@pytest.mark.parametrize("wrong,words", CASES, ids=[fn.__name__ for fn, _ in CASES])
def test_a_wrong_implementation_gets_its_specific_message(wrong, words):
    assert_says(q, wrong, words)


def test_a_readers_right_answer_is_correct():
    """(That the reference passes and each known mistake is told apart: tests/test_exercises.py,
    for every exercise.)"""
    assert q.diagnose(right).correct


def test_the_reference_is_what_the_library_computes():
    """Independent of the checker: lstmlib.cells.gru_cell, the GRU layer and torch.nn.GRU."""
    case = gru.gru_inputs(torch.Generator().manual_seed(0))
    z, r, n, h = q.reference(*(case[k] for k in q.args))
    h_lib, (z_lib, r_lib, n_lib) = gru_cell(case["x_t"], case["h_prev"], case["W"], case["b"], case["b_hn"])
    for a, e in ((z, z_lib), (r, r_lib), (n, n_lib), (h, h_lib)):
        torch.testing.assert_close(a, e)
    layer = lstmlib.GRU(gru.D, gru.H, dtype=torch.float64)
    assert layer.blocks == tuple(gru.BLOCK)
    with torch.no_grad():
        layer.W.copy_(case["W"])
        layer.b.copy_(case["b"])
        layer.b_hn.copy_(case["b_hn"])
    _, h_layer = layer(case["x_t"][None], state=case["h_prev"])
    torch.testing.assert_close(h_layer, h)
    m = layer.to_torch()
    _, h_torch = m(case["x_t"][None], case["h_prev"][None])
    torch.testing.assert_close(h_torch[0], h)


def test_the_printed_solution_hints_and_messages_fit_the_column():
    solution = printed(q.solution)
    assert solution.startswith(f"def {q.signature}:")
    text = (solution + printed(q.check, colahs_update) + printed(q.check, reset_before_the_weights)
            + "".join(printed(q.hint) for _ in range(4)))
    assert all(len(line) <= 79 for line in text.splitlines())



def test_the_test_inputs_have_three_blocks_and_tell_shapes_apart():
    case = gru.gru_inputs(torch.Generator().manual_seed(1))
    H, D, B = gru.H, gru.D, gru.B
    assert case["W"].shape == (3 * H, H + D) and case["b"].shape == (3 * H,)
    assert case["b_hn"].shape == (H,) and case["x_t"].shape == (B, D)
    assert len({B, H, D}) == 3


def test_it_is_exported_with_the_other_checkers():
    assert exercises.gru_step is q
    assert "gru_step" in exercises.__all__
