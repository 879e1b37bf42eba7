"""lstmlib.analysis.probes: the fit is logistic regression (checked against an independent Newton solver),
balancing and the split are as documented, and a probe reads only what is there."""
import numpy as np
import pytest
import torch

from lstmlib.analysis import probes


def data(n=400, H=6, seed=0, noise=0.5):
    g = torch.Generator().manual_seed(seed)
    X = torch.randn(n, H, generator=g, dtype=torch.float64) * torch.linspace(0.5, 3, H, dtype=torch.float64)
    y = (X[:, 0] - 0.5 * X[:, 1] + noise * torch.randn(n, generator=g, dtype=torch.float64) > 0.3).long()
    return X, y


def newton_logistic(Z, t, l2, iterations=50):
    """Binary logistic regression by Newton's method in NumPy: minimise
    mean log-loss + l2/2 · ‖w‖² (bias not penalised). An independent check of probes.fit."""
    N, H = Z.shape
    A = np.hstack([Z, np.ones((N, 1))])
    theta = np.zeros(H + 1)
    penalty = np.diag(np.r_[np.full(H, l2), 0.0])
    for _ in range(iterations):
        p = 1 / (1 + np.exp(-A @ theta))
        grad = A.T @ (p - t) / N + penalty @ theta
        hess = (A.T * (p * (1 - p))) @ A / N + penalty
        theta -= np.linalg.solve(hess, grad)
    return theta


@pytest.mark.parametrize("l2", [1e-3, 0.1])
def test_fit_is_l2_logistic_regression_on_standardised_features(l2):
    X, y = data()
    fitted = probes.fit(X, y, l2=l2)
    Z = ((X - X.mean(0)) / X.std(0)).numpy()
    # Two classes: the softmax over (W_0, W_1) is a sigmoid of w = W_1 − W_0, and at the optimum
    # W_0 = −W_1 = −w/2, so the penalty l2/2 · (‖W_0‖² + ‖W_1‖²) is (l2/2)/2 · ‖w‖².
    theta = newton_logistic(Z, y.numpy().astype(float), l2 / 2)
    w = (fitted.W[1] - fitted.W[0]).numpy()
    b = (fitted.b[1] - fitted.b[0]).item()
    np.testing.assert_allclose(w, theta[:-1], atol=1e-5, rtol=1e-5)
    assert b == pytest.approx(theta[-1], abs=1e-5)
    scores = fitted.scores(X)
    np.testing.assert_allclose((scores[:, 1] - scores[:, 0]).numpy(), np.hstack([Z, np.ones((len(Z), 1))]) @ theta,
                               atol=1e-5)


def test_a_probe_reads_a_linear_label_and_not_shuffled_ones():
    X, y = data(n=2000, noise=0.0)
    g = torch.Generator().manual_seed(1)
    result = probes.probe(X, y, generator=g)
    assert result.accuracy > 0.97 and result.chance == 0.5
    shuffled = y[torch.randperm(len(y), generator=g)]
    control = probes.probe(X, shuffled, generator=g)
    assert abs(control.accuracy - 0.5) < 0.06                           # nothing to read: chance
    assert control.train_accuracy < 0.6


def test_a_probe_balances_the_classes_and_holds_out_the_same_share_of_each():
    X, y = data(n=1000)
    assert (y == 1).float().mean() < 0.4                                 # unbalanced to begin with
    result = probes.probe(X, y, generator=torch.Generator().manual_seed(0), test=0.25)
    per_class = int((y == 1).sum())
    assert result.n_test == 2 * round(0.25 * per_class)
    assert result.n_train + result.n_test == 2 * per_class
    limited = probes.probe(X, y, generator=torch.Generator().manual_seed(0), n=100)
    assert limited.n_train + limited.n_test == 100 and limited.n_test == 50


def test_three_classes_and_labels_that_are_not_0_to_K():
    g = torch.Generator().manual_seed(2)
    centres = torch.tensor([[0.0, 4.0], [4.0, 0.0], [-4.0, -4.0]], dtype=torch.float64)
    labels = torch.tensor([3, 7, 9])
    k = torch.randint(0, 3, (600,), generator=g)
    X = centres[k] + torch.randn(600, 2, generator=g, dtype=torch.float64)
    y = labels[k]
    result = probes.probe(X, y, generator=g)
    assert result.chance == pytest.approx(1 / 3) and result.accuracy > 0.95
    assert set(result.probe.predict(X).tolist()) <= {3, 7, 9}


def test_collect_takes_the_chosen_steps_of_states():
    states = torch.arange(2 * 3 * 4, dtype=torch.float32).view(2, 3, 4)  # (T, B, H)
    labels = torch.tensor([[0, 1, 0], [1, 1, 0]])
    where = torch.tensor([[True, False, False], [False, True, True]])
    X, y = probes.collect(states, labels, where)
    assert X.dtype == torch.float64 and X.shape == (3, 4)
    assert torch.equal(X[1], states[1, 1].double()) and y.tolist() == [0, 1, 0]


def test_a_constant_feature_does_not_break_the_fit():
    X, y = data()
    X = torch.cat([X, torch.ones(len(X), 1, dtype=torch.float64)], dim=1)
    assert probes.fit(X, y).accuracy(X, y) > 0.8


@pytest.mark.parametrize("call,error,words", [
    (lambda: probes.collect(torch.zeros(2, 3), torch.zeros(2, 3).long(), torch.ones(2, 3).bool()),
     ValueError, r"expected states of shape \(T, B, H\), got \(2, 3\)"),
    (lambda: probes.collect(torch.zeros(2, 3, 4), torch.zeros(3, 2).long(), torch.ones(2, 3).bool()),
     ValueError, r"expected labels of shape \(T, B\) = \(2, 3\), like states, got \(3, 2\)"),
    (lambda: probes.collect(torch.zeros(2, 3, 4), torch.zeros(2, 3).long(), torch.ones(2, 3)),
     TypeError, "expected where to be a bool tensor"),
    (lambda: probes.collect(torch.zeros(2, 3, 4), torch.zeros(2, 3), torch.ones(2, 3).bool()),
     TypeError, "expected labels to be integer classes"),
    (lambda: probes.fit(torch.zeros(5, 2), torch.zeros(5).long()),
     ValueError, r"at least two classes to tell apart, got only \[0\]"),
    (lambda: probes.fit(torch.zeros(5, 2), torch.zeros(4).long()),
     ValueError, r"expected y of shape \(N,\) = \(5,\)"),
    (lambda: probes.fit(torch.zeros(5, 2), torch.tensor([0, 1, 0, 1, 0]), l2=-1),
     ValueError, "expected l2 to be a number >= 0"),
    (lambda: probes.probe(torch.zeros(3, 2), torch.tensor([0, 1, 1])),
     ValueError, "expected enough rows to split 50% off, got 1 per class"),
    (lambda: probes.probe(*data(), test=1.5), ValueError, "expected test to be a share between 0 and 1"),
    (lambda: probes.probe(*data(), n=3), ValueError, "expected n to be an int of at least 4"),
    (lambda: probes.fit(*data()).scores(torch.zeros(3, 5)), ValueError, r"expected X of shape \(N, 6\)"),
])
def test_bad_input_gets_a_clear_error(call, error, words):
    with pytest.raises(error, match=words):
        call()
