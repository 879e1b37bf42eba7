"""lstmlib.exercises.peephole: one step of the peephole LSTM (chapter 6) accepts a right answer,
agrees with the layer it describes, and names what is wrong with a wrong one.

The wrong implementations below are written as a reader would write them (not taken from the
checker's own list of mistakes), and each must get its specific message.
"""
import pytest
import torch
from exercise_checks import assert_says, printed

import lstmlib
from lstmlib.cells import lstm_cell
from lstmlib.exercises import peephole

q = peephole.peephole_step


def pre(x_t, h_prev, W, b):
    H = h_prev.shape[1]
    a = torch.cat([h_prev, x_t], dim=1) @ W.T + b
    return a[:, :H], a[:, H:2 * H], a[:, 2 * H:3 * H], a[:, 3 * H:]        # f, i, C, o


def step(x_t, h_prev, C_prev, W, b, p_f, p_i, p_o, o_reads="C_t", cell=lambda C: C, outside=False,
         drop=""):
    a_f, a_i, a_C, a_o = pre(x_t, h_prev, W, b)
    s = (lambda a, p, C: torch.sigmoid(a) + p * cell(C)) if outside else (
        lambda a, p, C: torch.sigmoid(a + p * cell(C)))
    zero = torch.zeros_like(p_f)
    f = s(a_f, zero if "f" in drop else p_f, C_prev)
    i = s(a_i, zero if "i" in drop else p_i, C_prev)
    C = f * C_prev + i * torch.tanh(a_C)
    o = s(a_o, zero if "o" in drop else p_o, C if o_reads == "C_t" else C_prev)
    return f, i, C, o, o * torch.tanh(C)


def right(x_t, h_prev, C_prev, W, b, p_f, p_i, p_o):
    return step(x_t, h_prev, C_prev, W, b, p_f, p_i, p_o)


def output_gate_reads_the_old_cell(x_t, h_prev, C_prev, W, b, p_f, p_i, p_o):
    return step(x_t, h_prev, C_prev, W, b, p_f, p_i, p_o, o_reads="C_prev")


def forgot_the_output_peephole(x_t, h_prev, C_prev, W, b, p_f, p_i, p_o):
    return step(x_t, h_prev, C_prev, W, b, p_f, p_i, p_o, drop="o")


def forgot_the_forget_peephole(x_t, h_prev, C_prev, W, b, p_f, p_i, p_o):
    return step(x_t, h_prev, C_prev, W, b, p_f, p_i, p_o, drop="f")


def plain_lstm(x_t, h_prev, C_prev, W, b, p_f, p_i, p_o):
    return step(x_t, h_prev, C_prev, W, b, p_f, p_i, p_o, drop="fio")


def peephole_outside_the_sigmoid(x_t, h_prev, C_prev, W, b, p_f, p_i, p_o):
    return step(x_t, h_prev, C_prev, W, b, p_f, p_i, p_o, outside=True)


def reads_tanh_of_the_cell(x_t, h_prev, C_prev, W, b, p_f, p_i, p_o):
    return step(x_t, h_prev, C_prev, W, b, p_f, p_i, p_o, cell=torch.tanh)


def swapped_weights(x_t, h_prev, C_prev, W, b, p_f, p_i, p_o):
    return step(x_t, h_prev, C_prev, W, b, p_i, p_f, p_o)


def as_a_matrix(x_t, h_prev, C_prev, W, b, p_f, p_i, p_o):
    a_f, _, _, _ = pre(x_t, h_prev, W, b)
    f = torch.sigmoid(a_f + C_prev @ p_f)            # (B,): a matrix product where ⊙ belongs
    return f, f, f, f, f


def unwritten(x_t, h_prev, C_prev, W, b, p_f, p_i, p_o):
    raise NotImplementedError


CASES = [
    (output_gate_reads_the_old_cell, "o reads C_prev", ["o_t peeks at the old cell state C_{t-1}",
                                                         "p_o ⊙ C_t"]),
    (forgot_the_output_peephole, "no p_o", ["o_t has no peephole", "p_o ⊙ C_t"]),
    (forgot_the_forget_peephole, "no p_f", ["f_t has no peephole", "p_f ⊙ C_{t-1}"]),
    (plain_lstm, "no peepholes", ["this is the plain LSTM"]),
    (peephole_outside_the_sigmoid, "after sigmoid", ["added after the sigmoid", "leave (0, 1)"]),
    (reads_tanh_of_the_cell, "tanh(C)", ["without tanh"]),
    (swapped_weights, "swapped", ["p_f and p_i are swapped"]),
]


@pytest.mark.parametrize("wrong,mistake,words", CASES, ids=[c[1] for c in CASES])
def test_a_readers_wrong_step_gets_its_specific_message(wrong, mistake, words):
    assert_says(q, wrong, words, mistake)


def test_a_matrix_product_where_the_product_is_elementwise_is_a_clear_error():
    verdict = q.diagnose(as_a_matrix)
    assert not verdict.correct and "raised RuntimeError" in verdict.message.replace("\n", " ")


def test_a_right_answer_is_correct_and_an_unwritten_one_is_told_so():
    """(That the reference passes and each known mistake is told apart: tests/test_exercises.py,
    for every exercise.)"""
    assert q.diagnose(right).correct
    assert "is not written yet" in q.diagnose(unwritten).message


def test_the_reference_is_what_the_peephole_layer_computes():
    """The exercise's step is lstmlib.cells.lstm_cell with the three peepholes, and one step of
    lstmlib.PeepholeLSTM."""
    case = peephole.peephole_inputs(torch.Generator().manual_seed(7))
    args = [case[n] for n in q.args]
    f, i, C, o, h = q.reference(*args)
    h_t, C_t, (f_t, i_t, _, o_t) = lstm_cell(case["x_t"], case["h_prev"], case["C_prev"], case["W"], case["b"],
                                             p_f=case["p_f"], p_i=case["p_i"], p_o=case["p_o"])
    for mine, theirs in ((f, f_t), (i, i_t), (C, C_t), (o, o_t), (h, h_t)):
        torch.testing.assert_close(mine, theirs, atol=1e-12, rtol=0)
    layer = lstmlib.PeepholeLSTM(case["x_t"].shape[1], case["h_prev"].shape[1], dtype=torch.float64)
    with torch.no_grad():
        layer.W.copy_(case["W"])
        layer.b.copy_(case["b"])
        for g in "fio":
            getattr(layer, f"p_{g}").copy_(case[f"p_{g}"])
    out, (h_T, c_T) = layer(case["x_t"].unsqueeze(0), state=(case["h_prev"], case["C_prev"]))
    torch.testing.assert_close(h_T, h, atol=1e-12, rtol=0)
    torch.testing.assert_close(c_T, C, atol=1e-12, rtol=0)


def test_hints_and_the_solution_print_within_the_column():
    text = "".join(printed(q.hint) for _ in range(len(q.hints) + 1))
    assert "Hint 1 of 3" in text and text.count("Hint 3 of 3") == 2
    solution = printed(q.solution)
    assert solution.startswith("def peephole_step(x_t, h_prev, C_prev, W, b, p_f, p_i, p_o):")
    assert all(len(line) <= 79 for line in (text + solution).splitlines())
