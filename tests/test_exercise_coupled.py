"""lstmlib.exercises.coupled: the coupled cell update (chapter 7) accepts a right answer, agrees
with the layer it describes, and names what is wrong with a wrong one.

The wrong implementations below are written as a reader would write them (not taken from the
checker's own list of mistakes), and each must get its specific message.
"""
import pytest
import torch
from exercise_checks import assert_says, printed

import lstmlib
from lstmlib.cells import lstm_step
from lstmlib.exercises import coupled

q = coupled.coupled_step


def blocks(h_prev, x_t, W, b):
    H = h_prev.shape[1]
    a = torch.cat([h_prev, x_t], dim=1) @ W.T + b
    return a[:, :H], a[:, H:2 * H], a[:, 2 * H:]          # f, C, o


def right(x_t, h_prev, C_prev, W, b):
    a_f, a_C, _ = blocks(h_prev, x_t, W, b)
    f = torch.sigmoid(a_f)
    g = torch.tanh(a_C)
    return f, g, f * C_prev + (1 - f) * g


def f_twice(x_t, h_prev, C_prev, W, b):
    a_f, a_C, _ = blocks(h_prev, x_t, W, b)
    f, g = torch.sigmoid(a_f), torch.tanh(a_C)
    return f, g, f * C_prev + f * g


def keep_the_complement(x_t, h_prev, C_prev, W, b):
    a_f, a_C, _ = blocks(h_prev, x_t, W, b)
    f, g = torch.sigmoid(a_f), torch.tanh(a_C)
    return f, g, (1 - f) * C_prev + f * g


def ungated_write(x_t, h_prev, C_prev, W, b):
    a_f, a_C, _ = blocks(h_prev, x_t, W, b)
    f, g = torch.sigmoid(a_f), torch.tanh(a_C)
    return f, g, f * C_prev + g


def lstm_rows(x_t, h_prev, C_prev, W, b):
    H = h_prev.shape[1]
    v = torch.cat([h_prev, x_t], dim=1)
    f = torch.sigmoid(v @ W[:H].T + b[:H])
    g = torch.tanh(v @ W[2 * H:3 * H].T + b[2 * H:3 * H])   # where the LSTM keeps C
    return f, g, f * C_prev + (1 - f) * g


def sigmoid_candidate(x_t, h_prev, C_prev, W, b):
    a_f, a_C, _ = blocks(h_prev, x_t, W, b)
    f, g = torch.sigmoid(a_f), torch.sigmoid(a_C)
    return f, g, f * C_prev + (1 - f) * g


def only_the_cell(x_t, h_prev, C_prev, W, b):
    return right(x_t, h_prev, C_prev, W, b)[2]


def not_written(x_t, h_prev, C_prev, W, b):
    raise NotImplementedError


CASES = [
    (f_twice, ["used f_t as the input gate", "i_t = 1 − f_t"]),
    (keep_the_complement, ["swapped places", "(1 − f_t) ⊙ C̃_t"]),
    (ungated_write, ["added without its gate"]),
    (lstm_rows, ["rows 2H:3H", "H:2H"]),
    (sigmoid_candidate, ["σ where tanh belongs"]),
    (only_the_cell, ["expected a tuple (f_t, C_tilde, C_t) of 3 tensors, got a tensor"]),
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
    """Independent of the checker: lstmlib.cells.lstm_step (coupled) and the CoupledLSTM layer."""
    case = coupled.coupled_inputs(torch.Generator().manual_seed(0))
    f_t, C_tilde, C_t = q.reference(*(case[k] for k in q.args))
    a = torch.cat([case["h_prev"], case["x_t"]], dim=1) @ case["W"].T + case["b"]
    _, C_lib, (f_lib, i_lib, g_lib, _) = lstm_step(a, case["C_prev"], gates=("f", "C", "o"), coupled=True)
    torch.testing.assert_close(C_t, C_lib)
    torch.testing.assert_close(f_t, f_lib)
    torch.testing.assert_close(1 - f_t, i_lib)
    torch.testing.assert_close(C_tilde, g_lib)
    layer = lstmlib.CoupledLSTM(coupled.D, coupled.H, dtype=torch.float64)
    assert layer.blocks == tuple(coupled.BLOCK)
    with torch.no_grad():
        layer.W.copy_(case["W"])
        layer.b.copy_(case["b"])
    _, (_, C_layer) = layer(case["x_t"][None], state=(case["h_prev"], case["C_prev"]))
    torch.testing.assert_close(C_layer, C_t)


def test_the_printed_solution_hints_and_a_message_fit_the_column():
    solution = printed(q.solution)
    assert solution.startswith(f"def {q.signature}:")
    text = solution + printed(q.check, f_twice) + "".join(printed(q.hint) for _ in range(4))
    assert all(len(line) <= 79 for line in text.splitlines())


def test_the_test_inputs_have_three_blocks_and_tell_shapes_apart():
    case = coupled.coupled_inputs(torch.Generator().manual_seed(1))
    H, D, B = coupled.H, coupled.D, coupled.B
    assert case["W"].shape == (3 * H, H + D) and case["b"].shape == (3 * H,)
    assert len({B, H, D}) == 3
