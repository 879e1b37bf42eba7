"""lstmlib.exercises.practice: chapter 11's five exercises (the last valid state, reversing
within each length, a bidirectional layer from two layers, the summary in h_n, the forget-gate
bias in torch's two vectors) accept right answers, name what is wrong with wrong ones, agree
with lstmlib.layers and torch.nn, and the book's solutions pass their checkers.

The practice exercises are not in ``lstmlib.exercises.__all__``, so the checks that
tests/test_exercises.py runs over every exported exercise are made here for these five: the
reference passes, each known mistake is diagnosed as itself, the printed solution is right and
fits 79 columns. The wrong implementations below are written as a reader would write them (not
taken from the checker's own list of mistakes), and each must get its specific message.
"""
import functools
import json
import re
from pathlib import Path

import pytest
import torch
from exercise_checks import assert_says, printed
from torch import nn

import lstmlib
from lstmlib.exercises import practice
from lstmlib.layers.packing import last_valid, reverse_padded as library_reverse
from lstmlib.layers.stacks import Bidirectional

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "book" / "11_in_practice.ipynb"
EXERCISES = {"last_valid_state": practice.last_valid_state, "reverse_padded": practice.reverse_padded,
             "bidirectional": practice.bidirectional, "summary": practice.summary,
             "forget_bias": practice.forget_bias}
ALL = list(EXERCISES.values())
IDS = list(EXERCISES)
F64 = torch.float64


# ---------------------------------------------------------------------------------------------
# What every exercise's checker must do
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("exercise", ALL, ids=IDS)
def test_the_reference_is_correct_and_every_known_mistake_is_told_apart(exercise):
    assert exercise.diagnose(exercise.reference).correct
    for mistake in exercise.mistakes:
        verdict = exercise.diagnose(mistake.fn)
        assert not verdict.correct and verdict.mistake == mistake.name, (mistake.name, verdict)
        assert verdict.message.replace("\n", " ") == "Not yet. " + mistake.message


def test_summarys_h_n_minus_1_mistake_is_named():
    verdict = practice.summary.diagnose(practice.summary.mistakes[0].fn)
    assert verdict.mistake == "h_n[-1]", verdict


@pytest.mark.parametrize("exercise", ALL, ids=IDS)
def test_every_printed_solution_is_right(exercise):
    solution = printed(exercise.solution)
    name = exercise.signature.split("(")[0]
    assert solution.startswith(f"def {exercise.signature}:")
    namespace = {"torch": torch}
    exec(solution, namespace)
    assert exercise.diagnose(namespace[name]).correct


@pytest.mark.parametrize("exercise", ALL, ids=IDS)
def test_every_printed_solution_fits_the_column(exercise):
    too_long = [line for line in printed(exercise.solution).splitlines() if len(line) > 79]
    assert not too_long, too_long


@pytest.mark.parametrize("exercise", ALL, ids=IDS)
def test_every_message_and_hint_fits_the_column(exercise):
    text = "".join(printed(exercise.check, m.fn) for m in exercise.mistakes)
    text += "".join(printed(exercise.hint) for _ in range(len(exercise.hints) + 1))
    text += printed(exercise.check, exercise.reference)
    assert all(len(line) <= 79 for line in text.splitlines())
    assert len(exercise.hints) >= 2 and "Hint 2 of" in text


@pytest.mark.parametrize("exercise", ALL, ids=IDS)
def test_an_unwritten_function_and_one_that_returns_nothing_are_told(exercise):
    name = exercise.signature.split("(")[0]

    def not_written(*args):
        raise NotImplementedError

    def returns_nothing(*args):
        exercise.reference(*args)
    not_written.__name__ = returns_nothing.__name__ = name
    assert_says(exercise, not_written, f"{name}() is not written yet")
    assert_says(exercise, returns_nothing, f"{name}() returned None: did you forget `return "
                f"{', '.join(exercise.outputs)}`?")


# ---------------------------------------------------------------------------------------------
# 1. The last valid state
# ---------------------------------------------------------------------------------------------
q1 = practice.last_valid_state


def last_state_by_loop(output, lengths):
    return torch.stack([output[L - 1, b] for b, L in enumerate(lengths.tolist())])


def last_state_by_gather(output, lengths):
    T, B, H = output.shape
    index = (lengths - 1).view(1, B, 1).expand(1, B, H)
    return output.gather(0, index).squeeze(0)


def padded_end(output, lengths):
    return output[output.shape[0] - 1]


def index_by_length(output, lengths):
    return output[lengths, torch.arange(output.shape[1])]


def steps_only(output, lengths):
    return output[lengths - 1]


def one_column_per_sequence(output, lengths):
    return output[lengths - 1, torch.arange(output.shape[1])].T


def one_step_early(output, lengths):
    return output[(lengths - 2).clamp(min=0), torch.arange(output.shape[1])]


def test_a_readers_right_last_state_is_correct():
    assert q1.diagnose(last_state_by_loop).correct
    assert q1.diagnose(last_state_by_gather).correct


@pytest.mark.parametrize("wrong, words, mistake", [
    (padded_end, ["output[-1] is every sequence's output at step T − 1", "in its padding"], "output[-1]"),
    (index_by_length, ["index_by_length() raised IndexError", "out of bounds"], None),
    (steps_only, [r"expected h_last of shape (B, H) = (4, 3), got (4, 4, 3)"], None),
    (one_column_per_sequence, ["got (3, 4) (the transpose: keep one row per sequence)"], None),
    (one_step_early, ["h_last is wrong: the largest difference from the expected values"], None),
], ids=lambda v: getattr(v, "__name__", ""))
def test_a_wrong_last_state_gets_its_specific_message(wrong, words, mistake):
    assert_says(q1, wrong, words, mistake)


def test_the_last_valid_reference_is_lstmlibs_last_valid():
    for k in range(3):
        output, lengths = q1._case(k)
        assert torch.equal(q1.reference(output, lengths), last_valid(output, lengths))


def test_the_test_cases_have_a_full_length_and_a_short_sequence():
    for exercise in (q1, practice.reverse_padded):
        for k in range(exercise.cases):
            x, lengths = exercise._case(k)
            T = x.shape[0]
            assert lengths[0] == T and lengths[1] < T - 1 and lengths.min() >= 1
            assert (x[~(torch.arange(T).unsqueeze(1) < lengths)] == 0).all()      # zeros on the padding


# ---------------------------------------------------------------------------------------------
# 2. Reverse within each length
# ---------------------------------------------------------------------------------------------
q2 = practice.reverse_padded


def reverse_by_loop(x, lengths):
    x_rev = x.clone()
    for b, L in enumerate(lengths.tolist()):
        x_rev[:L, b] = x[:L, b].flip(0)
    return x_rev


def reverse_by_cat(x, lengths):
    return torch.stack([torch.cat([x[:L, b].flip(0), x[L:, b]]) for b, L in enumerate(lengths.tolist())], dim=1)


def reverse_in_place(x, lengths):
    for b, L in enumerate(lengths.tolist()):
        x[:L, b] = x[:L, b].flip(0).clone()
    return x


def flip_everything(x, lengths):
    return torch.flip(x, dims=(0,))


def reverse_the_batch(x, lengths):
    return x[:, torch.arange(x.shape[1] - 1, -1, -1)]


def clamped_index(x, lengths):
    t = torch.arange(x.shape[0]).unsqueeze(1)
    source = (lengths - 1 - t).clamp(min=0)                          # the padding reads step 0
    return x.gather(0, source.unsqueeze(2).expand_as(x))


def off_by_one(x, lengths):
    t = torch.arange(x.shape[0]).unsqueeze(1)
    source = torch.where(t < lengths, lengths - t, t)
    return x.gather(0, source.unsqueeze(2).expand_as(x))


def index_without_the_feature_axis(x, lengths):
    t = torch.arange(x.shape[0]).unsqueeze(1)
    return x.gather(0, torch.where(t < lengths, lengths - 1 - t, t))


def test_a_readers_right_reversal_is_correct():
    for right in (reverse_by_loop, reverse_by_cat, reverse_in_place):
        assert q2.diagnose(right).correct, right.__name__


@pytest.mark.parametrize("wrong, words, mistake", [
    (flip_everything, ["x.flip(0) reverses the padding too", "Reverse only steps 0 … L_b − 1"], "flip"),
    (reverse_the_batch, ["reverses the order of the sequences in the batch (axis 1), not time"], "flip batch"),
    (clamped_index, ["x_rev is wrong: the largest difference from the expected values"], None),
    (off_by_one, ["off_by_one() raised RuntimeError", "out of bounds"], None),
    (index_without_the_feature_axis, ["index_without_the_feature_axis() raised RuntimeError"], None),
], ids=lambda v: getattr(v, "__name__", ""))
def test_a_wrong_reversal_gets_its_specific_message(wrong, words, mistake):
    assert_says(q2, wrong, words, mistake)


def test_the_reverse_reference_is_lstmlibs_reverse_padded():
    for k in range(3):
        x, lengths = q2._case(k)
        assert torch.equal(q2.reference(x, lengths), library_reverse(x, lengths))


# ---------------------------------------------------------------------------------------------
# 3. Both directions from two layers
# ---------------------------------------------------------------------------------------------
q3 = practice.bidirectional


def with_lstmlibs_pair(x, forward_layer, backward_layer):
    return Bidirectional(forward_layer, backward_layer)(x)[0]


def with_an_index(x, forward_layer, backward_layer):
    back = torch.arange(x.shape[0] - 1, -1, -1)
    out_b = backward_layer(x[back])[0][back]
    return torch.cat((forward_layer(x)[0], out_b), -1)


def with_torch(x, forward_layer, backward_layer):
    """Both layers copied into one nn.LSTM(bidirectional=True)."""
    m = nn.LSTM(forward_layer.input_size, forward_layer.hidden_size, bidirectional=True, dtype=x.dtype)
    with torch.no_grad():
        for layer, suffix in ((forward_layer, "_l0"), (backward_layer, "_l0_reverse")):
            single = layer.to_torch()
            for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
                getattr(m, name + suffix).copy_(getattr(single, name + "_l0"))
    return m(x)[0]


def backward_left_reversed(x, forward_layer, backward_layer):
    return torch.cat((forward_layer(x)[0], backward_layer(torch.flip(x, [0]))[0]), -1)


def backward_on_x(x, forward_layer, backward_layer):
    out_f, _ = forward_layer(x)
    out_b, _ = backward_layer(x)
    return torch.cat([out_f, out_b], dim=2)


def backward_on_x_flipped_after(x, forward_layer, backward_layer):
    out_f, _ = forward_layer(x)
    out_b, _ = backward_layer(x)
    return torch.cat([out_f, out_b.flip(0)], dim=2)


def backward_first(x, forward_layer, backward_layer):
    out_b = backward_layer(x.flip(0))[0].flip(0)
    return torch.cat([out_b, forward_layer(x)[0]], dim=-1)


def forward_layer_twice(x, forward_layer, backward_layer):
    return torch.cat([forward_layer(x)[0], forward_layer(x.flip(0))[0].flip(0)], dim=2)


def stacked_on_time(x, forward_layer, backward_layer):
    return torch.cat([forward_layer(x)[0], backward_layer(x.flip(0))[0].flip(0)])


def summed(x, forward_layer, backward_layer):
    return forward_layer(x)[0] + backward_layer(x.flip(0))[0].flip(0)


def with_the_states(x, forward_layer, backward_layer):
    out_f, state = forward_layer(x)
    return torch.cat([out_f, backward_layer(x.flip(0))[0].flip(0)], dim=2), state


def test_a_readers_right_bidirectional_layer_is_correct():
    for right in (with_lstmlibs_pair, with_an_index, with_torch):
        assert q3.diagnose(right).correct, right.__name__


@pytest.mark.parametrize("wrong, words, mistake", [
    (backward_left_reversed, ["in the backward layer's own order", "Flip it back with .flip(0)"],
     "not flipped back"),
    (backward_on_x, ["The backward layer read x forwards: give it x.flip(0)"], "not reversed"),
    (backward_first, ["The two halves are swapped", "output_t = [h→_t, h←_t]"], "halves swapped"),
    (forward_layer_twice, ["Both halves come from forward_layer", "backward_layer"], "one layer twice"),
    (backward_on_x_flipped_after, ["output is wrong: the largest difference"], None),
    (stacked_on_time, ["expected output of shape (T, B, 2H) = (6, 4, 6), got (12, 4, 3)"], None),
    (summed, ["expected output of shape (T, B, 2H) = (6, 4, 6), got (6, 4, 3)"], None),
    (with_the_states, ["expected output to be a torch.Tensor of shape (6, 4, 6), got tuple"], None),
], ids=lambda v: getattr(v, "__name__", ""))
def test_a_wrong_bidirectional_layer_gets_its_specific_message(wrong, words, mistake):
    assert_says(q3, wrong, words, mistake)


def test_the_bidirectional_inputs_are_two_different_lstmlib_layers_and_repeat():
    x, f, b = q3._case(0)
    assert isinstance(f, lstmlib.LSTM) and isinstance(b, lstmlib.LSTM) and x.dtype == f.W.dtype == F64
    assert (f.W - b.W).abs().max() > 0
    x_2, f_2, _ = q3._case(0)
    assert torch.equal(x, x_2) and torch.equal(f.W, f_2.W)


# ---------------------------------------------------------------------------------------------
# 4. The summary in h_n
# ---------------------------------------------------------------------------------------------
q4 = practice.summary


def summary_by_view(h_n, num_layers, bidirectional):
    directions = 2 if bidirectional else 1
    top = h_n.view(num_layers, directions, *h_n.shape[1:])[-1]        # (directions, B, H)
    return torch.cat(list(top), dim=1)


def summary_by_reshape(h_n, num_layers, bidirectional):
    if not bidirectional:
        return h_n[num_layers - 1]
    return h_n[-2:].transpose(0, 1).reshape(h_n.shape[1], -1)


def backward_then_forward(h_n, num_layers, bidirectional):
    return torch.cat([h_n[-1], h_n[-2]], -1) if bidirectional else h_n[-1]


def bottom_layer(h_n, num_layers, bidirectional):
    directions = 2 if bidirectional else 1
    return torch.cat(list(h_n[:directions]), dim=1)


def direction_major(h_n, num_layers, bidirectional):
    directions = 2 if bidirectional else 1
    top = h_n.view(directions, num_layers, *h_n.shape[1:])[:, -1]     # torch's layout misread
    return torch.cat(list(top), dim=1)


def layer_index(h_n, num_layers, bidirectional):
    return h_n[num_layers - 1]


def last_entry(h_n, num_layers, bidirectional):
    return h_n[-1]


def test_a_readers_right_summary_is_correct():
    assert q4.diagnose(summary_by_view).correct
    assert q4.diagnose(summary_by_reshape).correct


@pytest.mark.parametrize("wrong, words, mistake", [
    (backward_then_forward, ["The two directions are in the wrong order: forward first"], "directions swapped"),
    (bottom_layer, ["That is the first layer's state", "the top layer's, the last entries of h_n"],
     "first layer"),
    (direction_major, ["h_summary is wrong: the largest difference from the expected values"], None),
    (layer_index, ["expected h_summary of shape (B, H) or (B, 2H) = (4, 6), got (4, 3)"], None),
], ids=lambda v: getattr(v, "__name__", ""))
def test_a_wrong_summary_gets_its_specific_message(wrong, words, mistake):
    assert_says(q4, wrong, words, mistake)


def test_a_readers_h_n_minus_1_gets_the_mistakes_message():
    assert_says(q4, last_entry, ["h_n[-1] is only the top layer's backward direction"], "h_n[-1]")


def test_the_summary_cases_cover_one_direction_and_both_with_several_layers():
    cases = [q4._case(k) for k in range(q4.cases)]
    assert {bi for _, _, bi in cases} == {False, True}
    assert any(bi and L > 1 for _, L, bi in cases) and any(not bi and L > 1 for _, L, bi in cases)
    for h_n, L, bi in cases:
        assert h_n.shape[0] == L * (2 if bi else 1)


@pytest.mark.parametrize("num_layers", [1, 2, 3])
@pytest.mark.parametrize("bidirectional", [False, True])
def test_the_summary_reference_is_torchs_top_layer(num_layers, bidirectional):
    """Independent of h_n's layout: the top layer's forward last state is output[-1]'s first
    half, its backward last state output[0]'s second half."""
    H = 3
    m = nn.LSTM(2, H, num_layers=num_layers, bidirectional=bidirectional, dtype=F64)
    output, (h_n, _) = m(torch.randn(5, 4, 2, dtype=F64))
    expected = (torch.cat([output[-1, :, :H], output[0, :, H:]], dim=1) if bidirectional else output[-1])
    assert (q4.reference(h_n, num_layers, bidirectional) - expected).abs().max() < 1e-12


# ---------------------------------------------------------------------------------------------
# 5. The forget-gate bias
# ---------------------------------------------------------------------------------------------
q5 = practice.forget_bias


def split(share):
    """A reader's answer that puts ``share`` of the value in bias_ih and the rest in bias_hh."""
    def forget_bias(bias_ih, bias_hh, value):
        H = len(bias_ih) // 4
        new_ih, new_hh = bias_ih.detach().clone(), bias_hh.detach().clone()
        new_ih[H:2 * H] = share * value
        new_hh[H:2 * H] = (1 - share) * value
        return new_ih, new_hh
    return forget_bias


def keep_bias_hh(bias_ih, bias_hh, value):
    H = len(bias_ih) // 4
    new_ih = bias_ih.clone()
    new_ih[H:2 * H] = value - bias_hh[H:2 * H]
    return new_ih, bias_hh.clone()


def in_place(bias_ih, bias_hh, value):
    H = bias_ih.numel() // 4
    bias_ih[H:2 * H] = value
    bias_hh[H:2 * H] = 0
    return bias_ih, bias_hh


def only_bias_ih(bias_ih, bias_hh, value):
    H = bias_ih.numel() // 4
    bias_ih = bias_ih.clone()
    bias_ih[H:2 * H] = value
    return bias_ih, bias_hh


def value_in_both(bias_ih, bias_hh, value):
    H = bias_ih.numel() // 4
    bias_ih, bias_hh = bias_ih.clone(), bias_hh.clone()
    for bias in (bias_ih, bias_hh):
        bias[H:2 * H] = value
    return bias_ih, bias_hh


def block(k):
    """A reader's answer that sets rows k·H:(k+1)·H, the right way but in the wrong block."""
    def forget_bias(bias_ih, bias_hh, value):
        H = bias_ih.numel() // 4
        bias_ih, bias_hh = bias_ih.clone(), bias_hh.clone()
        bias_ih[k * H:(k + 1) * H] = value
        bias_hh[k * H:(k + 1) * H] = 0.0
        return bias_ih, bias_hh
    forget_bias.__name__ = f"block_{k}"
    return forget_bias


def every_other_bias_zeroed(bias_ih, bias_hh, value):
    H = bias_ih.numel() // 4
    bias_ih = bias_ih.clone()
    bias_ih[H:2 * H] = value
    return bias_ih, torch.zeros_like(bias_hh)


def whole_vector(bias_ih, bias_hh, value):
    return torch.full_like(bias_ih, value), torch.zeros_like(bias_hh)


def only_one_vector(bias_ih, bias_hh, value):
    return in_place(bias_ih, bias_hh, value)[0]


@pytest.mark.parametrize("share", [1.0, 0.0, 0.5, 0.25, -1.0, 3.0])
def test_any_split_of_the_value_between_the_two_vectors_is_correct(share):
    verdict = q5.diagnose(split(share))
    assert verdict.correct, verdict
    if share != 1.0:
        assert "splits the bias differently from the reference" in verdict.message.replace("\n", " ")


def test_a_readers_right_forget_bias_is_correct():
    for right in (keep_bias_hh, in_place):
        assert q5.diagnose(right).correct, right.__name__


@pytest.mark.parametrize("wrong, words, mistake", [
    (only_bias_ih, ["bias_hh's keeps its random start", "Set bias_hh's block to 0"], "bias_hh left"),
    (value_in_both, ["the gate sees twice the value"], "both set"),
    (block(0), ["Rows 0:H are the input gate in torch's order i, f, g, o", "rows are H:2H"], "book order"),
    (block(2), ["Rows 2H:3H are the candidate g", "rows are H:2H"], "candidate block"),
    (block(3), ["bias_ih is wrong", "bias_hh is wrong"], None),
    (every_other_bias_zeroed, ["all of bias_hh is 0", "Set only bias_hh[H:2H] to 0"], "bias_hh all zero"),
    (whole_vector, ["bias_ih is wrong"], None),
    (only_one_vector, ["expected a tuple (bias_ih, bias_hh) of 2 tensors, got a tensor of shape (12,)"], None),
], ids=lambda v: getattr(v, "__name__", ""))
def test_a_wrong_forget_bias_gets_its_specific_message(wrong, words, mistake):
    assert_says(q5, wrong, words, mistake)


def test_the_forget_bias_reference_gives_a_torch_lstm_that_bias_and_keeps_the_others():
    m = nn.LSTM(2, 3, dtype=F64)
    before = lstmlib.LSTM.from_torch(m)
    with torch.no_grad():
        new_ih, new_hh = q5.reference(m.bias_ih_l0, m.bias_hh_l0, 1.5)
        m.bias_ih_l0.copy_(new_ih)
        m.bias_hh_l0.copy_(new_hh)
    after = lstmlib.LSTM.from_torch(m)
    assert torch.equal(after.gate("f")[1], torch.full((3,), 1.5, dtype=F64))
    for gate in ("i", "C", "o"):
        assert (after.gate(gate)[1] - before.gate(gate)[1]).abs().max() < 1e-15


def test_the_verdict_for_another_split_fits_the_column():
    assert all(len(line) <= 79 for line in printed(q5.check, split(0.5)).splitlines())


def test_a_forget_bias_that_raises_an_error_mentioning_wrong_gets_a_verdict():
    def raises(bias_ih, bias_hh, value):
        raise ValueError("wrong block")
    assert_says(q5, raises, ["raises() raised ValueError: wrong block"])


def test_a_right_split_given_as_a_partial_is_correct():
    def forget_bias(bias_ih, bias_hh, value, share):
        return split(share)(bias_ih, bias_hh, value)
    assert q5.diagnose(functools.partial(forget_bias, share=0.5)).correct


# ---------------------------------------------------------------------------------------------
# The book's solutions (markdown, so the notebook cannot run them itself)
# ---------------------------------------------------------------------------------------------
def _solutions():
    """The code of each ````{solution} ch11-ex-N block of the chapter, by N."""
    cells = json.loads(NOTEBOOK.read_text())["cells"]
    text = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")
    blocks = re.findall(r"````\{solution\} ch11-ex-(\d+)\n(.*?)\n````", text, flags=re.S)
    return {int(n): re.search(r"```python\n(.*?)\n```", body, flags=re.S).group(1) for n, body in blocks}


@pytest.mark.parametrize("n, name", list(enumerate(EXERCISES, start=1)))
def test_the_books_solution_passes_its_checker(n, name):
    code = _solutions()[n]
    assert f"def {name}(" in code
    assert all(len(line) <= 79 for line in code.splitlines())
    lstm = nn.LSTM(2, 3)
    before = lstmlib.LSTM.from_torch(lstm)
    namespace = {"torch": torch, "nn": nn, "lstm": lstm}
    exec(code, namespace)
    verdict = EXERCISES[name].diagnose(namespace[name])
    assert verdict.correct, verdict.message
    if name == "forget_bias":                        # the solution also sets lstm's biases
        after = lstmlib.LSTM.from_torch(lstm)
        assert torch.equal(after.gate("f")[1], torch.ones(3))
        assert lstm.bias_hh_l0[3:6].abs().max() == 0
        assert all(torch.allclose(after.gate(g)[1], before.gate(g)[1]) for g in ("i", "C", "o"))


def test_the_chapter_has_a_solution_for_each_checked_exercise():
    solutions = _solutions()
    assert set(solutions) >= {1, 2, 3, 4, 5}
    source = NOTEBOOK.read_text()
    for name in EXERCISES:
        assert f"practice.{name}.check({name})" in source
