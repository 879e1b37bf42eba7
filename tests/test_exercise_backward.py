"""lstmlib.exercises.backward: the checker accepts a right backward step and names what is wrong.

The wrong implementations below are written as a reader would write them (not taken from the
checker's own list of mistakes), and each must get its specific message.
"""
import numpy as np
import pytest
import torch
from exercise_checks import assert_says, printed

from lstmlib.exercises.backward import backward_step as q
from lstmlib.scratch import numpy_lstm


def right(dh_t, dC_carry, f_t, i_t, C_tilde, o_t, C_prev, C_t):
    th = np.tanh(C_t)
    dC = dC_carry + dh_t * o_t * (1 - th * th)
    return (dC, dC * C_prev * f_t * (1 - f_t), dC * C_tilde * i_t * (1 - i_t),
            dC * i_t * (1 - C_tilde * C_tilde), dh_t * th * o_t * (1 - o_t))


def variant(**change):
    """The right step with one thing done the way a reader might get it wrong."""
    def fn(dh_t, dC_carry, f_t, i_t, C_tilde, o_t, C_prev, C_t):
        th = np.tanh(C_t)
        d_tanh = change.get("d_tanh", lambda: 1 - th ** 2)()
        dC = dh_t * o_t * d_tanh + (0 if change.get("no_carry") else dC_carry)
        if change.get("times_f"):
            dC = dC * f_t
        df = dC * (C_t if change.get("new_C") else C_prev)
        di, dg = (dC * i_t, dC * C_tilde) if change.get("swap") else (dC * C_tilde, dC * i_t)
        ds = change.get("ds", lambda s: s * (1 - s))
        dtanh = change.get("dtanh", lambda g: 1 - g ** 2)
        do = dh_t * (C_t if change.get("o_reads_C") else th)
        return dC, df * ds(f_t), di * ds(i_t), dg * dtanh(C_tilde), do * ds(o_t)
    return fn


def test_the_reference_and_a_readers_right_answer_are_correct():
    assert q.diagnose(q.reference).correct
    verdict = q.diagnose(right)
    assert verdict.correct and verdict.message.startswith("Correct.")
    assert q.args == ("dh_t", "dC_carry", "f_t", "i_t", "C_tilde", "o_t", "C_prev", "C_t")


def test_the_reference_is_numpy_lstm_backward():
    """One step of numpy_lstm.backward, given the same step, computes the same δC_t and δa_t."""
    params = numpy_lstm.init_params(2, 4, seed=0)
    params["b"] = np.random.default_rng(0).normal(size=16)
    x = np.random.default_rng(1).normal(size=(1, 3, 2))
    state = tuple(np.random.default_rng(k).normal(size=(3, 4)) for k in (2, 3))
    dhs = np.random.default_rng(4).normal(size=(1, 3, 4))
    dC_carry = np.random.default_rng(5).normal(size=(3, 4))
    hs, (h, C_t), cache = numpy_lstm.forward(x, params, state)
    step = cache["steps"][0]
    dC_t, *da = q.reference(dhs[0], dC_carry, step.f_t, step.i_t, step.C_tilde, step.o_t,
                            step.C_prev, C_t)
    grads = numpy_lstm.backward(dhs, cache, dstate=(np.zeros((3, 4)), dC_carry))
    np.testing.assert_allclose(grads["b"], np.concatenate(da, axis=1).sum(0), atol=1e-14)
    _, _, (_, dC_0) = numpy_lstm.backward(dhs, cache, dstate=(np.zeros((3, 4)), dC_carry),
                                          with_inputs=True)
    np.testing.assert_allclose(dC_0, dC_t * step.f_t, atol=1e-14)      # the carry (B16)


@pytest.mark.parametrize("change, mistake, words", [
    (dict(no_carry=True), "no carry", "dC_carry"),
    (dict(d_tanh=lambda: 1.0), "no tanh'", "derivative of tanh"),
    (dict(times_f=True), "carry times f", "(B16)"),
    (dict(new_C=True), "f reads C_t", "C_{t-1}"),
    (dict(swap=True), "i and C swapped", "swapped"),
    (dict(ds=lambda s: s), "sigma' as sigma", "s ⊙ (1 − s)"),
    (dict(ds=lambda s: 1 - s * s), "sigma' as tanh'", "tanh's derivative"),
    (dict(dtanh=lambda g: g * (1 - g)), "tanh' as sigma'", "(B9)"),
    (dict(o_reads_C=True), "o reads C", "(B2)"),
    (dict(ds=lambda s: 1, dtanh=lambda g: 1), "no activation", "pre-activations"),
])
def test_a_readers_mistake_gets_its_message(change, mistake, words):
    assert_says(q, variant(**change), words, mistake)


def test_tanh_prime_of_C_instead_of_tanh_C():
    def wrong(dh_t, dC_carry, f_t, i_t, C_tilde, o_t, C_prev, C_t):
        dC = dh_t * o_t * (1 - C_t ** 2) + dC_carry
        do = dh_t * np.tanh(C_t)
        return (dC, dC * C_prev * f_t * (1 - f_t), dC * C_tilde * i_t * (1 - i_t),
                dC * i_t * (1 - C_tilde ** 2), do * o_t * (1 - o_t))
    assert q.diagnose(wrong).mistake == "tanh' of C"


def test_one_wrong_output_is_named():
    def wrong(*args):
        out = list(right(*args))
        out[3] = out[3] * 2
        return tuple(out)
    verdict = q.diagnose(wrong)
    assert not verdict.correct and verdict.mistake is None
    assert "da_C is wrong" in verdict.message and "da_f" not in verdict.message


def message(fn):
    return q.diagnose(fn).message.replace("\n", " ")


def test_the_form_of_the_answer():
    def stub(*args):
        raise NotImplementedError
    assert "not written yet" in message(stub)
    assert "returned None" in message(lambda *a: None)
    assert "of 5 NumPy arrays, got a tuple of 4" in message(lambda *a: right(*a)[:4])
    assert "of 5 NumPy arrays, got ndarray" in message(lambda *a: right(*a)[0])
    as_torch = message(lambda *a: tuple(torch.from_numpy(v) for v in right(*a)))
    assert "got a torch.Tensor: use np, not torch" in as_torch
    as_list = message(lambda *a: tuple(v.tolist() for v in right(*a)))
    assert "expected dC_t to be a NumPy array of shape (3, 4), got list" in as_list
    transposed = message(lambda *a: tuple(v.T for v in right(*a)))
    assert "expected dC_t of shape (B, H) = (3, 4), got (4, 3)" in transposed
    assert "use *, not @" in message(lambda dh_t, *rest: (dh_t @ rest[0],) * 5)
    assert "expected a function" in message("not a function")


def test_check_hint_and_solution_print():
    assert printed(q.check, right).startswith("Correct.")
    assert printed(q.hint).startswith("Hint 1 of 3")
    solution = printed(q.solution)
    assert solution.startswith("def backward_step(dh_t, dC_carry,")
    assert all(len(line) <= 79 for line in solution.splitlines())
    assert "dC_t = dh_t * o_t * (1 - tanh_C_t ** 2) + dC_carry" in solution
