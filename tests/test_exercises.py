"""lstmlib.exercises: each checker accepts a right answer and names what is wrong with a wrong one.

The checks every exercise must pass run here over all of them (the steps of chapters 3-5, the
peephole, coupled and GRU steps, the backward step); the other test_exercise*.py files test one
exercise each.

The wrong implementations below are written as a reader would write them (not taken from the
checkers' own list of mistakes), and each must get its specific message.
"""
import numpy as np
import pytest
import torch
from exercise_checks import ALL, assert_says, printed

from lstmlib import exercises
from lstmlib.exercises import steps


def cat(h_prev, x_t):
    return torch.cat([h_prev, x_t], dim=1)


# ---------------------------------------------------------------------------------------------
# Step 1
# ---------------------------------------------------------------------------------------------
def forget_right(x_t, h_prev, C_prev, W, b):
    H = h_prev.shape[1]
    f = torch.sigmoid(cat(h_prev, x_t) @ W[:H].T + b[:H])
    return f, f * C_prev


def forget_input_rows(x_t, h_prev, C_prev, W, b):
    H = h_prev.shape[1]
    f = torch.sigmoid(cat(h_prev, x_t) @ W[H:2 * H].T + b[H:2 * H])
    return f, f * C_prev


def forget_negated(x_t, h_prev, C_prev, W, b):
    H = h_prev.shape[1]
    f = 1 - torch.sigmoid(cat(h_prev, x_t) @ W[:H].T + b[:H])
    return f, f * C_prev


def forget_tanh(x_t, h_prev, C_prev, W, b):
    H = h_prev.shape[1]
    f = torch.tanh(cat(h_prev, x_t) @ W[:H].T + b[:H])
    return f, f * C_prev


def forget_no_bias(x_t, h_prev, C_prev, W, b):
    H = h_prev.shape[1]
    f = torch.sigmoid(cat(h_prev, x_t) @ W[:H].T)
    return f, f * C_prev


def forget_x_first(x_t, h_prev, C_prev, W, b):
    H = h_prev.shape[1]
    f = torch.sigmoid(torch.cat([x_t, h_prev], dim=1) @ W[:H].T + b[:H])
    return f, f * C_prev


def forget_unmultiplied(x_t, h_prev, C_prev, W, b):
    H = h_prev.shape[1]
    return torch.sigmoid(cat(h_prev, x_t) @ W[:H].T + b[:H]), C_prev


def forget_transposed(x_t, h_prev, C_prev, W, b):
    f, kept = forget_right(x_t, h_prev, C_prev, W, b)
    return f.T, kept


def forget_not_transposing_W(x_t, h_prev, C_prev, W, b):
    H = h_prev.shape[1]
    f = torch.sigmoid(cat(h_prev, x_t) @ W[:H] + b[:H])
    return f, f * C_prev


def forget_only_f(x_t, h_prev, C_prev, W, b):
    return forget_right(x_t, h_prev, C_prev, W, b)[0]


def forget_no_return(x_t, h_prev, C_prev, W, b):
    forget_right(x_t, h_prev, C_prev, W, b)


def forget_unwritten(x_t, h_prev, C_prev, W, b):
    raise NotImplementedError


def forget_slightly_off(x_t, h_prev, C_prev, W, b):
    f, kept = forget_right(x_t, h_prev, C_prev, W, b)
    return f, kept + 0.01


# ---------------------------------------------------------------------------------------------
# Step 2
# ---------------------------------------------------------------------------------------------
def store(i_act=torch.sigmoid, c_act=torch.tanh, i_rows=1, c_rows=2, update=None, x_first=False,
          i_bias=True, c_bias=True):
    def fn(x_t, h_prev, C_prev, f_t, W, b):
        H = h_prev.shape[1]
        v = torch.cat([x_t, h_prev], dim=1) if x_first else cat(h_prev, x_t)
        i = i_act(v @ W[i_rows * H:(i_rows + 1) * H].T + i_bias * b[i_rows * H:(i_rows + 1) * H])
        g = c_act(v @ W[c_rows * H:(c_rows + 1) * H].T + c_bias * b[c_rows * H:(c_rows + 1) * H])
        C = update(f_t, C_prev, i, g) if update else f_t * C_prev + i * g
        return i, g, C
    return fn


def store_unwritten(x_t, h_prev, C_prev, f_t, W, b):
    raise NotImplementedError


def store_without_C_t(x_t, h_prev, C_prev, f_t, W, b):
    return store()(x_t, h_prev, C_prev, f_t, W, b)[:2]


# ---------------------------------------------------------------------------------------------
# Step 3
# ---------------------------------------------------------------------------------------------
def output(act=torch.sigmoid, rows=3, out=None, x_first=False, bias=True):
    def fn(x_t, h_prev, C_t, W, b):
        H = h_prev.shape[1]
        v = torch.cat([x_t, h_prev], dim=1) if x_first else cat(h_prev, x_t)
        o = act(v @ W[rows * H:(rows + 1) * H].T + bias * b[rows * H:(rows + 1) * H])
        return o, out(o, C_t) if out else o * torch.tanh(C_t)
    return fn


def output_backwards(x_t, h_prev, C_t, W, b):
    o_t, h_t = output()(x_t, h_prev, C_t, W, b)
    return h_t, o_t


def output_unwritten(x_t, h_prev, C_t, W, b):
    raise NotImplementedError


def output_only_h(x_t, h_prev, C_t, W, b):
    return output()(x_t, h_prev, C_t, W, b)[1]


CASES = [
    # (exercise, wrong implementation, words its message must contain)
    (exercises.forget_step, forget_input_rows, ["rows of W that belong to the input gate", "rows 0:H"]),
    (exercises.forget_step, forget_negated, ["sign is flipped"]),
    (exercises.forget_step, forget_tanh, ["tanh where the sigmoid σ belongs"]),
    (exercises.forget_step, forget_no_bias, ["leaves out the bias b_f"]),
    (exercises.forget_step, forget_x_first, ["[x_t, h_prev]", "[h_{t-1}, x_t]"]),
    (exercises.forget_step, forget_unmultiplied, ["C_kept is C_{t-1} unchanged"]),
    (exercises.forget_step, forget_transposed, ["expected f_t of shape (B, H) = (3, 4), got (4, 3)", "transpose"]),
    (exercises.forget_step, forget_not_transposing_W, ["raised RuntimeError", "v @ W_gate.T"]),
    (exercises.forget_step, forget_only_f, ["expected a tuple (f_t, C_kept) of 2 tensors, got a tensor"]),
    (exercises.forget_step, forget_no_return, ["returned None", "return f_t, C_kept"]),
    (exercises.forget_step, forget_unwritten, ["is not written yet"]),
    (exercises.forget_step, forget_slightly_off, ["C_kept is wrong", "largest difference", "0.01"]),
    (exercises.store_step, store(i_rows=2, c_rows=1), ["use each other's rows of W"]),
    (exercises.store_step, store(i_rows=0), ["rows of W that belong to the forget gate", "rows H:2H"]),
    (exercises.store_step, store(c_act=torch.sigmoid), ["C̃_t uses the sigmoid σ where tanh belongs"]),
    (exercises.store_step, store(i_act=torch.tanh), ["i_t uses tanh where the sigmoid σ belongs"]),
    (exercises.store_step, store(update=lambda f, C, i, g: f * C + g), ["without the input gate"]),
    (exercises.store_step, store(update=lambda f, C, i, g: i * g), ["the old state"]),
    (exercises.store_step, store(update=lambda f, C, i, g: C + i * g), ["keeps all of C_{t-1}"]),
    (exercises.store_step, store(update=lambda f, C, i, g: f * C - i * g), ["sign is flipped"]),
    (exercises.store_step, store(update=lambda f, C, i, g: f * C + (1 - f) * g), ["(1 − f_t) ⊙ C̃_t", "coupled"]),
    (exercises.store_step, store(i_bias=False, c_bias=False), ["leave out their biases", "b[H:2H]", "b[2H:3H]"]),
    (exercises.store_step, store(i_bias=False), ["i_t leaves out the bias b_i"]),
    (exercises.store_step, store(c_bias=False), ["C̃_t leaves out the bias b_C"]),
    (exercises.store_step, store(x_first=True), ["[x_t, h_prev]", "[h_{t-1}, x_t]"]),
    (exercises.store_step, store_unwritten, ["store_unwritten() is not written yet"]),
    (exercises.store_step, store_without_C_t, ["expected a tuple (i_t, C_tilde, C_t) of 3 tensors, got a tuple of 2"]),
    (exercises.output_step, output(rows=1), ["rows of W that belong to the input gate", "rows 3H:4H"]),
    (exercises.output_step, output(act=torch.tanh), ["o_t uses tanh where the sigmoid σ belongs"]),
    (exercises.output_step, output(out=lambda o, C: o * C), ["leaves out the tanh"]),
    (exercises.output_step, output(out=lambda o, C: torch.tanh(o * C)), ["gates before squashing"]),
    (exercises.output_step, output(out=lambda o, C: o * torch.sigmoid(C)), ["σ(C_t) where tanh belongs"]),
    (exercises.output_step, output(out=lambda o, C: (1 - o) * torch.tanh(C)), ["uses 1 − o_t"]),
    (exercises.output_step, output(bias=False), ["o_t leaves out the bias b_o", "b[3H:]"]),
    (exercises.output_step, output(x_first=True), ["[x_t, h_prev]", "[h_{t-1}, x_t]"]),
    (exercises.output_step, output_backwards, ["You returned (h_t, o_t)", "return o_t, h_t"]),
    (exercises.output_step, output(out=lambda o, C: o), ["h_t is o_t itself"]),
    (exercises.output_step, output(out=lambda o, C: torch.tanh(C)), ["leaves out the output gate"]),
    (exercises.output_step, output_unwritten, ["output_unwritten() is not written yet"]),
    (exercises.output_step, output_only_h, ["expected a tuple (o_t, h_t) of 2 tensors, got a tensor"]),
]


@pytest.mark.parametrize("exercise,wrong,words", CASES, ids=[f"{e.signature.split('(')[0]}-{i}"
                                                             for i, (e, _, _) in enumerate(CASES)])
def test_a_wrong_implementation_gets_its_specific_message(exercise, wrong, words):
    assert_says(exercise, wrong, words)


@pytest.mark.parametrize("exercise", ALL, ids=[q.signature.split("(")[0] for q in ALL])
def test_the_right_answer_is_correct_and_every_known_mistake_is_told_apart(exercise):
    """For every exercise of the course: its reference passes, and each mistake it knows is
    diagnosed as that mistake and no other."""
    assert exercise.diagnose(exercise.reference).correct
    for mistake in exercise.mistakes:
        verdict = exercise.diagnose(mistake.fn)
        assert not verdict.correct and verdict.mistake == mistake.name, (mistake.name, verdict)


def test_a_readers_right_answer_with_other_argument_names_is_correct():
    verdict = exercises.forget_step.diagnose(forget_right)
    assert verdict.correct and "Correct." in verdict.message
    renamed = lambda x, h, c, weights, bias: forget_right(x, h, c, weights, bias)   # noqa: E731
    assert exercises.forget_step.diagnose(renamed).correct
    assert exercises.store_step.diagnose(store()).correct
    assert exercises.output_step.diagnose(output()).correct


def test_an_answer_that_edits_its_inputs_in_place_does_not_spoil_the_reference():
    def in_place(x_t, h_prev, C_prev, W, b):
        f, kept = forget_right(x_t, h_prev, C_prev, W, b)
        W.zero_()
        return f, kept
    assert exercises.forget_step.diagnose(in_place).correct


def test_check_hint_and_solution_print_lines_that_fit_the_column():
    q = exercises.Exercise(**{k: getattr(exercises.forget_step, k) for k in
                              ("title", "signature", "outputs", "reference", "inputs", "mistakes", "hints")})
    text = printed(q.check, forget_tanh) + printed(q.check, forget_right)
    for _ in range(len(q.hints) + 1):
        text += printed(q.hint)
    assert "Hint 1 of 3" in text and text.count("Hint 3 of 3") == 2
    solution = printed(q.solution)
    assert solution.startswith("def forget_step(x_t, h_prev, C_prev, W, b):")
    assert all(len(line) <= 79 for line in (text + solution).splitlines())
    namespace = {"torch": torch}
    exec(solution, namespace)                                 # the printed solution is right
    assert q.diagnose(namespace["forget_step"]).correct
    assert "expected a function forget_step(x_t, h_prev, C_prev, W, b), got int 3" in printed(q.check, 3)


@pytest.mark.parametrize("exercise", ALL, ids=[q.signature.split("(")[0] for q in ALL])
def test_every_printed_solution_is_right_and_fits_the_column(exercise):
    solution = printed(exercise.solution)
    name = exercise.signature.split("(")[0]
    assert solution.startswith(f"def {exercise.signature}:")
    assert all(len(line) <= 79 for line in solution.splitlines())
    namespace = {"torch": torch, "np": np}
    exec(solution, namespace)
    assert exercise.diagnose(namespace[name]).correct


@pytest.mark.parametrize("exercise", ALL, ids=[q.signature.split("(")[0] for q in ALL])
def test_every_mistakes_message_fits_the_column(exercise):
    for mistake in exercise.mistakes:
        lines = printed(exercise.check, mistake.fn).splitlines()
        assert all(len(line) <= 79 for line in lines), mistake.name


def test_the_test_inputs_tell_shapes_apart():
    case = steps.step_inputs(torch.Generator().manual_seed(0))
    assert len({case["x_t"].shape[1], case["h_prev"].shape[1], case["x_t"].shape[0]}) == 3
