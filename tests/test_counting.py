"""lstmlib.tasks.counting: the marked-value tasks (chapter 7): their inputs, targets, baselines,
seeding and error messages."""
import functools

import pytest
import torch

import lstmlib
from lstmlib import tasks
from lstmlib.tasks import counting


def generator(seed=0):
    return torch.Generator().manual_seed(seed)


def test_each_sequence_has_between_lo_and_hi_distinct_marked_steps_and_uniform_values():
    T, B = 20, 4000
    x, marked = counting.marked_sequence(T, B, generator(), markers=(2, 6))
    assert x.shape == (T, B, 2) and marked.shape == (T, B) and marked.dtype == torch.bool
    M = marked.sum(0)
    assert M.min() == 2 and M.max() == 6
    counts = torch.bincount(M, minlength=7)[2:].float() / B
    assert (counts > 0.16).all() and (counts < 0.24).all()                  # M uniform on {2..6}
    torch.testing.assert_close(x[..., 1], marked.float())
    value = x[..., 0]
    assert ((value >= 0) & (value <= 1)).all() and abs(value.mean().item() - 0.5) < 0.01
    position = marked.float().mean(1)                                         # every step equally likely
    assert (position > 0.16).all() and (position < 0.24).all()


def test_the_three_targets():
    T, B = 12, 500
    for name, task in counting.TASKS.items():
        x, y = task(T, B, generator=generator(3), markers=(1, 5))
        assert x.shape == (T, B, 2) and y.shape == (B, 1) and y.dtype == x.dtype, name
    x, y_sum = counting.marked_sum(T, B, generator=generator(3), markers=(1, 5))
    _, y_count = counting.marker_count(T, B, generator=generator(3), markers=(1, 5))
    _, y_last = counting.last_marked(T, B, generator=generator(3), markers=(1, 5))
    value, marker = x[..., 0], x[..., 1]
    torch.testing.assert_close(y_sum[:, 0], (value * marker).sum(0))
    torch.testing.assert_close(y_count[:, 0], marker.sum(0))
    for b in range(B):                                                        # the last marked value, by hand
        steps = marker[:, b].nonzero().flatten().tolist()
        assert y_last[b, 0] == value[steps[-1], b]


def test_the_same_generator_state_gives_the_same_inputs_to_every_task():
    xs = [task(15, 8, generator=generator(7))[0] for task in counting.TASKS.values()]
    assert all(torch.equal(xs[0], x) for x in xs[1:])


@pytest.mark.parametrize("name,markers", [("sum", (2, 6)), ("count", (2, 6)), ("last", (2, 6)),
                                          ("sum", (1, 10)), ("count", (3, 3))])
def test_the_baseline_is_the_variance_of_the_target(name, markers):
    _, y = counting.TASKS[name](12, 200_000, generator=generator(1), markers=markers)
    variance = ((y - y.mean()) ** 2).mean().item()
    expected = counting.baseline(name, markers)
    assert abs(variance - expected) < 0.02 * max(expected, 0.05)
    assert counting.baseline(counting.TASKS[name], markers) == expected      # by function too


def test_the_baselines_by_formula():
    assert counting.baseline("sum") == pytest.approx(4 / 12 + 2 / 4)          # E[M]/12 + Var(M)/4, M on {2..6}
    assert counting.baseline("count") == pytest.approx(2.0)
    assert counting.baseline("last") == pytest.approx(1 / 12)
    assert counting.count_baseline() == pytest.approx(4 / 12)


def test_knowing_the_count_leaves_the_count_baseline():
    x, y = counting.marked_sum(12, 200_000, generator=generator(2))
    M = x[..., 1].sum(0, keepdim=True).T                                      # (B, 1)
    assert abs(((y - M / 2) ** 2).mean().item() - counting.count_baseline()) < 0.01


def test_a_seed_fixes_the_data_and_the_tasks_work_with_batches():
    a = counting.marked_sum(20, 8, generator=generator(5))
    b = counting.marked_sum(20, 8, generator=generator(5))
    assert all(torch.equal(u, v) for u, v in zip(a, b))
    make_batch = tasks.batches_of(functools.partial(counting.last_marked, markers=(1, 3)), 20, 8,
                               lstmlib.seed_everything(5))
    first, second = make_batch(), make_batch()
    assert not torch.equal(first[0], second[0])
    assert first[0][..., 1].sum(0).max() <= 3


@pytest.mark.parametrize("markers,error,words", [
    ((0, 3), ValueError, "1 <= lo <= hi"),
    ((4, 2), ValueError, "1 <= lo <= hi"),
    ((2, 30), ValueError, "at most T = 20 markers"),
    (5, TypeError, "a pair (lo, hi) of ints"),
    ((2.0, 4), TypeError, "a pair (lo, hi) of ints"),
    ((True, 4), TypeError, "a pair (lo, hi) of ints"),
    ("24", TypeError, "a pair (lo, hi) of ints"),
])
def test_a_bad_marker_range_is_refused_with_what_was_expected(markers, error, words):
    with pytest.raises(error, match=words.replace("(", r"\(").replace(")", r"\)")):
        counting.marked_sum(20, 4, generator=generator(), markers=markers)


def test_bad_sizes_and_unknown_tasks_are_refused():
    with pytest.raises(ValueError, match="expected T to be a positive int, got 0"):
        counting.marked_sum(0, 4)
    with pytest.raises(TypeError, match="expected B to be a positive int"):
        counting.last_marked(10, 2.5)
    with pytest.raises(ValueError, match="unknown task 'mean'"):
        counting.baseline("mean")
    with pytest.raises(ValueError, match="1 <= lo <= hi"):
        counting.baseline("sum", (0, 2))
