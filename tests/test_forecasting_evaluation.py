"""lstmlib.forecasting.evaluation: MASE and skill, ranks, the Diebold–Mariano test against the
one-sample t test it reduces to one step ahead, the Wilcoxon test, shuffled windows."""
import numpy as np
import pytest
import torch
from scipy import stats

from lstmlib.forecasting import evaluation


def test_mase_is_the_mae_over_the_scale_and_skill_the_complement_of_a_ratio():
    truth = np.array([[1.0, 2.0], [3.0, 4.0]])
    forecast = truth + np.array([[1.0, -3.0], [0.0, 2.0]])
    assert evaluation.origin_errors(forecast, truth).tolist() == [2.0, 1.0]
    assert evaluation.mase(forecast, truth, scale=0.5) == pytest.approx(3.0)
    assert evaluation.skill(0.8, 1.0) == pytest.approx(0.2)
    assert np.allclose(evaluation.skill([0.5, 2.0], [1.0, 1.0]), [0.5, -1.0])
    with pytest.raises(ValueError, match="expected a positive finite scale, got 0"):
        evaluation.mase(forecast, truth, 0)
    with pytest.raises(ValueError, match=r"same shape \(B, K\), got \(2, 2\) and \(2, 1\)"):
        evaluation.mase(forecast, truth[:, :1], 1.0)


def test_ranks_per_window_share_ties():
    r = evaluation.ranks({"a": [1.0, 3.0, 2.0], "b": [2.0, 1.0, 2.0], "c": [3.0, 2.0, 5.0]})
    assert r["a"].tolist() == [1, 3, 1.5] and r["b"].tolist() == [2, 1, 1.5]
    assert r["c"].tolist() == [3, 2, 3]


def test_diebold_mariano_one_step_ahead_is_the_one_sample_t_test():
    """With h = 1 the long-run variance is the sample variance and the small-sample factor
    sqrt((n - 1) / n) turns the statistic into Student's t on the loss differences."""
    g = np.random.default_rng(0)
    a, b = g.gamma(2.0, size=40), g.gamma(2.2, size=40)
    stat, p = evaluation.diebold_mariano(a, b, horizon=1)
    t = stats.ttest_1samp(a - b, 0.0)
    assert stat == pytest.approx(t.statistic) and p == pytest.approx(t.pvalue)
    # overlapping multi-step errors: autocorrelated differences widen the variance
    d = np.convolve(g.normal(size=60), np.ones(4), mode="valid")     # MA(3)
    naive_t = abs(stats.ttest_1samp(d, 0.0).statistic)
    assert abs(evaluation.diebold_mariano(d, np.zeros_like(d), horizon=4)[0]) < naive_t
    with pytest.raises(ValueError, match="expected a horizon from 1 to 39"):
        evaluation.diebold_mariano(a, b, horizon=40)
    with pytest.raises(ValueError, match="3 or more origins"):
        evaluation.diebold_mariano(a[:2], b[:2], 1)


def test_paired_windows_is_wilcoxons_signed_rank_test():
    a = np.array([1.0, 2.0, 1.5, 3.0, 2.5, 1.2, 0.9, 2.2])
    b = a * 1.3 + 0.01
    assert evaluation.paired_windows(a, b) == pytest.approx(stats.wilcoxon(a, b).pvalue)
    assert evaluation.paired_windows(a, b) < 0.01
    with pytest.raises(ValueError, match="5 or more windows"):
        evaluation.paired_windows(a[:4], b[:4])


def test_shuffled_windows_permute_the_past_and_keep_the_last_value():
    X = torch.arange(20.0).reshape(2, 10)
    S = evaluation.shuffled(X, torch.Generator().manual_seed(0))
    assert torch.equal(S[:, -1], X[:, -1])
    for row, original in zip(S, X):
        assert sorted(row[:-1].tolist()) == original[:-1].tolist()
    assert not torch.equal(S, X)
    again = evaluation.shuffled(X, torch.Generator().manual_seed(0))
    assert torch.equal(S, again)
    with pytest.raises(ValueError, match=r"expected windows of shape \(B, L\) with L >= 2"):
        evaluation.shuffled(torch.zeros(3), torch.Generator())
