"""lstmlib.forecasting.models and .fit: each forecaster checked against an independent
computation (a moving average by convolution, the least-squares linear map, LastStep,
the sinusoid formula), anchoring, parameter counts, and training that keeps its best
validation checkpoint."""

import numpy as np
import pytest
import torch
from torch import nn

import lstmlib
from lstmlib.forecasting import data, fit, models
from lstmlib.forecasting.protocol import Problem
from lstmlib.models import LastStep
from lstmlib.training.seed import seed_everything


def test_dlinear_trend_is_a_centred_moving_average_with_repeated_ends():
    m = models.DLinear(lookback=10, horizon=3, kernel=5)
    x = torch.randn(4, 10, dtype=torch.float64)
    m.double()
    a = x.numpy()
    padded = np.concatenate([np.repeat(a[:, :1], 2, 1), a, np.repeat(a[:, -1:], 2, 1)], axis=1)
    expected = np.stack([np.convolve(row, np.ones(5) / 5, mode="valid") for row in padded])
    assert np.allclose(m.moving_average(x).numpy(), expected)
    with torch.no_grad():
        y = m(x)
        assert torch.allclose(y, m.trend(m.moving_average(x)) + m.rest(x - m.moving_average(x)))
    assert models.parameter_count(m) == 2 * (10 * 3 + 3)
    with pytest.raises(ValueError, match="expected an odd kernel"):
        models.DLinear(10, 3, kernel=4)


def test_trained_dlinear_reaches_the_least_squares_fit():
    """DLinear is a linear map of the window: Adam should get close to the best one."""
    p = Problem(data.mackey_glass(400), lookback=12, horizon=3)
    X, Y = p.windows("train")
    A = torch.cat([X, torch.ones(len(X), 1)], dim=1).double()
    coef = torch.linalg.lstsq(A, Y.double()).solution
    best = ((A @ coef - Y.double()) ** 2).mean().item()
    seed_everything(0)
    m = models.DLinear(12, 3, kernel=5)
    lstmlib.train(m, lambda: (X, Y), steps=1500, loss="mse", lr=1e-2, progress=False)
    with torch.no_grad():
        reached = nn.functional.mse_loss(m(X), Y).item()
    assert best <= reached < 1.05 * best


def test_recurrent_is_laststep_over_the_window_one_value_per_step():
    seed_everything(0)
    m = models.Recurrent("GRU", lookback=8, horizon=2, hidden_size=5)
    assert isinstance(m.net, LastStep) and isinstance(m.net.rnn, lstmlib.GRU)
    x = torch.randn(3, 8)
    assert torch.equal(m(x), m.net(x.T.reshape(8, 3, 1)))
    lstm = models.Recurrent("LSTM", 8, 2, 5, forget_bias=2.0)
    assert isinstance(lstm.net.rnn, lstmlib.LSTM) and (lstm.net.rnn.gate("f")[1] == 2.0).all()
    H, D, K = 5, 1, 2                   # hidden size, input size, horizon
    assert models.parameter_count(lstm) == 4 * H * (H + D) + 4 * H + H * K + K
    with pytest.raises(ValueError, match="expected layer 'LSTM' or 'GRU'"):
        models.Recurrent("RNN", 8, 2, 5)


def test_patchtst_cuts_overlapping_patches_with_the_end_padded_and_counts_its_parameters():
    """Nie et al. (2023): patches of P values every S steps over the window padded by S
    copies of its last value; N = (L - P) // S + 2 patches, a flatten head."""
    seed_everything(0)
    m = models.PatchTST(lookback=12, horizon=4, d_model=8, patch=4, stride=2, heads=2)
    assert m.patches == (12 - 4) // 2 + 2 == 6
    x = torch.arange(12.0).repeat(2, 1)                          # (B, L) = (2, 12)
    padded = torch.cat([x, x[:, -1:].expand(-1, 2)], dim=1)
    tokens = padded.unfold(1, 4, 2)                               # (B, N, P)
    assert tokens.shape == (2, 6, 4) and tokens[0, -1].tolist() == [10, 11, 11, 11]
    d, N = 8, 6
    attention = 3 * d * d + 3 * d + d * d + d
    feed_forward = d * 2 * d + 2 * d + 2 * d * d + d
    expected = (4 * d + d) + N * d + attention + feed_forward + 2 * 2 * d + (N * d * 4 + 4)
    assert models.parameter_count(m) == expected
    y = torch.randn(2, 12)
    swapped = y[:, [1, 0, *range(2, 12)]]
    with torch.no_grad():
        assert m(y).shape == (2, 4)
        assert not torch.allclose(m(y), m(swapped))          # the order of the steps matters
    with pytest.raises(ValueError, match="expected d_model divisible by heads"):
        models.PatchTST(12, 4, d_model=6, heads=4)
    with pytest.raises(ValueError, match="expected a patch of at most the lookback 12"):
        models.PatchTST(12, 4, patch=13)


@pytest.mark.parametrize("L, patch, stride", [(36, 8, 4), (24, 6, 3), (16, 4, 2), (6, 2, 1)])
def test_patching_takes_a_stride_of_an_eighth_and_patches_twice_as_long(L, patch, stride):
    assert models.patching(L) == dict(patch=patch, stride=stride)
    assert models.build("PatchTST", L, 3, 4).model.patches == (L - patch) // stride + 2


def test_warm_up_raises_the_learning_rate_linearly_then_holds_it():
    model = torch.nn.Linear(2, 1)
    optimizer = torch.optim.Adam(model.parameters(), lr=0.5)
    seen = []
    make = fit.warmed_up(lambda: seen.append(optimizer.param_groups[0]["lr"]), optimizer,
                         lr=0.1, warmup=4)
    for _ in range(6):
        make()
    assert seen == pytest.approx([0.025, 0.05, 0.075, 0.1, 0.1, 0.1])
    same = lambda: None
    assert fit.warmed_up(same, optimizer, 0.1, 0) is same
    p = Problem(data.mackey_glass(300), lookback=12, horizon=3)
    with pytest.raises(ValueError, match="expected warmup to be an int from 0 to steps = 10"):
        fit.fit(models.build("DLinear", 12, 3, 5), p, seed=0, steps=10, warmup=11)


@pytest.mark.parametrize("kind,size", [("DLinear", 5), ("LSTM", 4), ("GRU", 4), ("PatchTST", 4)])
def test_anchored_forecasts_shift_with_the_window(kind, size):
    """y_hat(x + c) = y_hat(x) + c: the model sees only changes from the last value."""
    seed_everything(0)
    m = models.build(kind, lookback=12, horizon=3, size=size)
    x = torch.randn(4, 12)
    with torch.no_grad():
        assert torch.allclose(m(x + 5.0), m(x) + 5.0, atol=1e-5)
    plain = models.build(kind, 12, 3, size, anchored=False)
    assert not isinstance(plain, models.Anchored)


def test_windows_of_the_wrong_shape_are_refused():
    m = models.build("LSTM", lookback=12, horizon=3, size=4)
    with pytest.raises(ValueError, match=r"expected a window of shape \(B, 12\), got \(4, 11\)"):
        m(torch.zeros(4, 11))
    with pytest.raises(TypeError, match="expected a torch.Tensor window"):
        m(np.zeros((4, 12)))
    with pytest.raises(ValueError, match="unknown model 'CNN'"):
        models.build("CNN", 12, 3)
    with pytest.raises(ValueError, match="expected a hidden size for GRU"):
        models.build("GRU", 12, 3)


def test_size_for_budget_picks_the_closest_count():
    budget = models.parameter_count(models.build("DLinear", 36, 12))      # 888
    assert budget == 888
    for kind in ("LSTM", "GRU", "PatchTST"):
        size = models.size_for_budget(kind, 36, 12, budget)
        count = lambda s: models.parameter_count(models.build(kind, 36, 12, s))
        step = 2 if kind == "PatchTST" else 1
        assert abs(count(size) - budget) <= min(abs(count(s) - budget) for s in (size - step, size + step))
    with pytest.raises(ValueError, match="DLinear's parameter count is fixed"):
        models.size_for_budget("DLinear", 36, 12, 888)


def test_fit_keeps_the_best_validation_checkpoint_and_is_seeded():
    p = Problem(data.mackey_glass(300), lookback=12, horizon=3)
    runs = []
    for _ in range(2):
        seed_everything(3)
        model, run = fit.fit(models.build("LSTM", 12, 3, 4), p, seed=3, steps=60, check_every=20)
        runs.append((model, run))
    (model, run), (again, _) = runs
    assert run.checks == [0, 20, 40, 60] and len(run.history.loss) == 60
    assert fit.val_mse(model, p) == pytest.approx(min(run.val_mse), rel=1e-6)
    assert run.best_step == run.checks[int(np.argmin(run.val_mse))]
    assert all(torch.equal(a, b) for a, b in zip(model.parameters(), again.parameters()))
    f = fit.forecast(model, p, "test")
    assert f.shape == p.truth("test").shape
    assert abs(f.mean() - p.truth("test").mean()) < 0.5          # the series' unit, not z
    with pytest.raises(TypeError, match="expected a forecasting Problem"):
        fit.fit(model, "co2", seed=0)


def test_the_mlp_is_a_time_window_network():
    seed_everything(0)
    m = models.MLP(lookback=12, horizon=3, hidden=7)
    x = torch.randn(5, 12)
    first, _, second = m.net
    assert torch.allclose(m(x), second(torch.tanh(first(x))))
    assert models.parameter_count(m) == (12 + 1) * 7 + (7 + 1) * 3
