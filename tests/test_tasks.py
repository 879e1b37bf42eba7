"""The long-time-lag tasks: what each sequence contains, the targets, the baseline, seeding."""
import pytest
import torch

import lstmlib
from lstmlib import tasks


def test_adding_problem_has_one_marker_in_each_half_and_sums_the_marked_values():
    g = torch.Generator().manual_seed(0)
    T, B = 100, 256
    x, y = tasks.adding_problem(T, B, generator=g)
    assert x.shape == (T, B, 2) and y.shape == (B, 1) and x.dtype == y.dtype == torch.float32
    value, marker = x[..., 0], x[..., 1]
    assert ((value >= 0) & (value <= 1)).all()
    assert set(marker.unique().tolist()) == {0.0, 1.0}
    assert (marker[:T // 2].sum(0) == 1).all() and (marker[T // 2:].sum(0) == 1).all()
    torch.testing.assert_close(y[:, 0], (value * marker).sum(0))


def test_adding_problem_baseline_is_the_variance_of_the_target():
    g = torch.Generator().manual_seed(1)
    _, y = tasks.adding_problem(10, 200_000, generator=g)
    mse_of_the_mean = ((y - 1.0) ** 2).mean().item()
    assert abs(mse_of_the_mean - tasks.ADDING_BASELINE) < 0.003
    assert abs(tasks.ADDING_BASELINE - 0.1667) < 1e-4


def test_temporal_order_sequences_follow_the_paper():
    g = torch.Generator().manual_seed(2)
    T, B = 100, 512
    x, y = tasks.temporal_order(T, B, generator=g)
    assert x.shape == (T, B, 8) and y.shape == (B,) and y.dtype == torch.int64
    assert (x.sum(2) == 1).all()                                   # one-hot
    symbol = x.argmax(2)                                           # (T, B)
    S = tasks.TEMPORAL_SYMBOLS
    assert (symbol[0] == S.index("B")).all() and (symbol[-1] == S.index("E")).all()
    relevant = (symbol == S.index("X")) | (symbol == S.index("Y"))
    assert (relevant.sum(0) == 2).all()
    t1 = relevant.float().argmax(0)                                # first relevant time
    t2 = T - 1 - relevant.flip(0).float().argmax(0)                # second relevant time
    assert ((t1 >= 10) & (t1 <= 20)).all() and ((t2 >= 50) & (t2 <= 60)).all()   # the paper's ranges
    cols = torch.arange(B)
    first_is_y = symbol[t1, cols] == S.index("Y")
    second_is_y = symbol[t2, cols] == S.index("Y")
    assert torch.equal(y, 2 * first_is_y.long() + second_is_y.long())
    counts = torch.bincount(y, minlength=4).float() / B
    assert (counts > 0.18).all() and (counts < 0.32).all()         # four balanced classes
    assert tasks.TEMPORAL_CLASSES[0] == "XX" and tasks.TEMPORAL_CLASSES[3] == "YY"


@pytest.mark.parametrize("task", [tasks.adding_problem, tasks.temporal_order])
def test_a_seed_fixes_the_data_and_successive_batches_differ(task):
    a = task(30, 8, generator=torch.Generator().manual_seed(5))
    b = task(30, 8, generator=torch.Generator().manual_seed(5))
    assert all(torch.equal(u, v) for u, v in zip(a, b))
    make_batch = tasks.batches_of(task, 30, 8, lstmlib.seed_everything(5))
    first, second = make_batch(), make_batch()
    assert not torch.equal(first[0], second[0])


def test_bad_arguments_name_what_was_expected():
    with pytest.raises(ValueError, match="expected T >= 2"):
        tasks.adding_problem(1, 4)
    with pytest.raises(ValueError, match="expected T >= 10"):
        tasks.temporal_order(9, 4)
    with pytest.raises(TypeError, match="expected B to be a positive int, got float"):
        tasks.adding_problem(10, 4.0)
    with pytest.raises(ValueError, match="expected T to be a positive int, got 0"):
        tasks.temporal_order(0, 4)
    with pytest.raises(TypeError, match="expected task to be a generator function"):
        tasks.batches_of("adding", 10, 4, torch.Generator())
