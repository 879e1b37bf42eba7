"""lstmlib.tasks.timing: the timing tasks put their spikes and waves where their docstrings say, and
their scores count what they claim to count."""
import functools
import math

import pytest
import torch

from lstmlib import tasks
from lstmlib.tasks import timing


def gen(seed=0):
    return torch.Generator().manual_seed(seed)


@pytest.mark.parametrize("shape", timing.SHAPES)
def test_a_wave_starts_at_the_start_spike_and_repeats_with_its_period(shape):
    T, B, period = 60, 16, 10
    x, y = timing.periodic(T, B, period, shape=shape, generator=gen())
    assert x.shape == y.shape == (T, B, 1) and x.dtype == y.dtype == torch.float32
    for b in range(B):
        spikes = x[:, b, 0].nonzero().flatten().tolist()
        assert len(spikes) == 1 and 0 <= spikes[0] < 10             # one start spike in START
        s = spikes[0]
        assert (y[:s, b] == 0).all()                                # nothing before the start
        wave = y[s:, b, 0]
        torch.testing.assert_close(wave[period:], wave[:-period])   # periodic from the start on
        assert wave.max() <= 1 and wave.min() >= -1


def test_the_three_shapes_follow_their_formulas():
    x, y = timing.periodic(30, 1, 10, shape="square", start=(0, 1), generator=gen())
    assert y[:10, 0, 0].tolist() == [1.0] * 5 + [-1.0] * 5          # flips every 5 steps
    _, y = timing.periodic(30, 1, 10, shape="cosine", start=(0, 1), generator=gen())
    expected = [math.cos(2 * math.pi * k / 10) for k in range(10)]
    torch.testing.assert_close(y[:10, 0, 0], torch.tensor(expected))
    _, y = timing.periodic(30, 1, 10, shape="triangle", start=(0, 1), generator=gen())
    torch.testing.assert_close(y[:10, 0, 0], torch.tensor([-1, -0.6, -0.2, 0.2, 0.6, 1, 0.6, 0.2, -0.2, -0.6]))


def test_timed_spikes_come_every_interval_after_the_start():
    x, y = timing.timed_spikes(50, 32, interval=7, generator=gen(1))
    for b in range(32):
        s = x[:, b, 0].nonzero().item()
        assert y[:, b, 0].nonzero().flatten().tolist() == list(range(s + 7, 50, 7))


def test_spike_delay_repeats_the_gap_once():
    x, y = timing.spike_delay(60, 64, delays=(5, 15), generator=gen(2))
    gaps = set()
    for b in range(64):
        t1, t2 = x[:, b, 0].nonzero().flatten().tolist()
        (t3,) = y[:, b, 0].nonzero().flatten().tolist()
        assert t3 - t2 == t2 - t1 and 5 <= t2 - t1 <= 15 and t3 < 60
        gaps.add(t2 - t1)
    assert len(gaps) > 5                                            # the delays do vary


def test_a_generator_fixes_the_data_and_batches_work_with_partial():
    a = timing.periodic(40, 8, 10, generator=gen(3))
    b = timing.periodic(40, 8, 10, generator=gen(3))
    assert all(torch.equal(u, v) for u, v in zip(a, b))
    make_batch = tasks.batches_of(functools.partial(timing.periodic, period=10, shape="cosine"), 40, 8, gen(4))
    x1, _ = make_batch()
    x2, _ = make_batch()
    assert x1.shape == (40, 8, 1) and not torch.equal(x1, x2)       # a fresh batch each call


def test_within_and_spikes_exact_count_whole_sequences():
    _, y = timing.periodic(20, 4, 10, start=(0, 1), generator=gen())
    y_hat = y.clone()
    assert timing.within(y_hat, y) == 1.0
    y_hat[7, 1] += 0.3                                              # one step of one sequence off
    assert timing.within(y_hat, y) == 0.75
    assert timing.within(y_hat, y, tolerance=0.5) == 1.0
    torch.testing.assert_close(timing.worst_error(y_hat, y), torch.tensor([0.0, 0.3, 0.0, 0.0]))

    _, s = timing.timed_spikes(30, 3, interval=5, start=(0, 1), generator=gen())
    logits = torch.where(s > 0.5, 4.0, -4.0)
    assert timing.spikes_exact(logits, s) == 1.0
    late = logits.clone()
    late[5, 0], late[6, 0] = -4.0, 4.0                              # sequence 0: one spike late
    extra = logits.clone()
    extra[2, 2] = 4.0                                               # sequence 2: a spike too many
    assert timing.spikes_exact(late, s) == pytest.approx(2 / 3)
    assert timing.spikes_exact(extra, s) == pytest.approx(2 / 3)


@pytest.mark.parametrize("call,error,words", [
    (lambda: timing.periodic(40, 8, 10, shape="sine"), ValueError, "unknown shape 'sine': expected one of"),
    (lambda: timing.periodic(40, 8, 1), ValueError, "expected period >= 2 steps, got 1"),
    (lambda: timing.periodic(40, 8, 2.5), TypeError, "expected period to be a positive int"),
    (lambda: timing.periodic(40, 0, 10), ValueError, "expected B to be a positive int, got 0"),
    (lambda: timing.periodic(5, 8, 10, start=(0, 10)), ValueError, "expected 0 <= start[0] < start[1] <= T = 5"),
    (lambda: timing.periodic(40, 8, 10, start=[0, 10]), TypeError, "expected start to be a tuple"),
    (lambda: timing.timed_spikes(40, 8, interval=0), ValueError, "expected interval to be a positive int"),
    (lambda: timing.spike_delay(20, 8, delays=(5, 15)), ValueError, "expected T >= 31, got 20"),
    (lambda: timing.spike_delay(60, 8, delays=(9, 5)), ValueError, "expected 1 <= delays[0] <= delays[1]"),
    (lambda: timing.spike_delay(60, 8, delays=5), TypeError, "expected delays to be a tuple"),
    (lambda: timing.within(torch.zeros(5, 2, 1), torch.zeros(5, 3, 1)), ValueError, "of the same shape (T, B, 1)"),
    (lambda: timing.within(torch.zeros(5, 2, 1), torch.zeros(5, 2, 1), tolerance=0), ValueError,
     "expected a positive tolerance"),
    (lambda: timing.spikes_exact([0.0], torch.zeros(5, 2, 1)), TypeError, "expected y_hat to be a torch.Tensor"),
])
def test_bad_arguments_get_a_clear_error(call, error, words):
    with pytest.raises(error) as info:
        call()
    assert words in str(info.value)
