"""lstmlib.analysis.stats: the Pearson correlation against numpy.corrcoef, its input checks."""
import numpy as np
import pytest
import torch

from lstmlib.analysis.stats import geometric_mean, pearson


def test_pearson_matches_numpy_corrcoef_for_a_vector_and_for_each_column():
    g = torch.Generator().manual_seed(0)
    y = torch.randn(50, generator=g, dtype=torch.float64)
    x = torch.randn(50, 4, generator=g, dtype=torch.float64) + torch.linspace(-1, 2, 4) * y[:, None]
    expected = [np.corrcoef(x[:, k].numpy(), y.numpy())[0, 1] for k in range(4)]
    for mode in ("floor", "add"):
        assert pearson(x, y, eps_mode=mode).numpy() == pytest.approx(expected, abs=1e-12)
        assert pearson(x[:, 2], y, eps_mode=mode).item() == pytest.approx(expected[2], abs=1e-12)
    assert pearson(x, y).shape == (4,) and pearson(x[:, 0], y).shape == ()


def test_pearson_is_one_for_a_line_and_zero_for_a_constant():
    y = torch.arange(10.0)
    assert pearson(3 * y + 1, y).item() == pytest.approx(1.0)
    assert pearson(-y, y).item() == pytest.approx(-1.0)
    assert pearson(torch.ones(10), y).item() == 0.0                    # no spread: 0, not NaN
    assert pearson(torch.ones(10), y, eps_mode="add").item() == 0.0


def test_the_two_eps_conventions_differ_only_near_eps():
    x = torch.tensor([0.0, 1e-5, 0.0], dtype=torch.float64)           # ‖x‖² ≈ 6.7e-11
    assert pearson(x, x).item() == pytest.approx(1.0, abs=1e-12)
    assert pearson(x, x, eps_mode="add").item() == pytest.approx(6.67e-11 / (6.67e-11 + 1e-12), abs=1e-4)
    y = torch.tensor([0.2, 0.9, 0.4])
    assert pearson(y, y) == pearson(y, y, eps_mode="add")           # far from eps: the same


@pytest.mark.parametrize("x, y, message", [
    (torch.ones(5), torch.ones(5, 1), r"y of shape \(N,\)"),
    (torch.ones(5, 2, 2), torch.ones(5), r"x of shape \(N,\) or \(N, H\)"),
    (torch.ones(5, 2), torch.ones(4), "the same number of samples N, got 5 and 4"),
    (torch.ones(1), torch.ones(1), "at least 2 samples"),
])
def test_pearson_refuses_inputs_it_cannot_correlate(x, y, message):
    with pytest.raises(ValueError, match=message):
        pearson(x, y)


def test_pearson_refuses_a_bad_eps():
    with pytest.raises(ValueError, match="eps > 0"):
        pearson(torch.ones(3), torch.ones(3), eps=0.0)
    with pytest.raises(ValueError, match="eps_mode to be one of"):
        pearson(torch.ones(3), torch.ones(3), eps_mode="clamp")


def test_geometric_mean_counts_zeros_as_1e_38():
    t = torch.tensor([[4.0, 1.0], [0.25, 0.0]], dtype=torch.float64)
    assert geometric_mean(t, dim=0).tolist() == pytest.approx([1.0, (1e-38) ** 0.5])
