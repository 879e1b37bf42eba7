"""The NumPy LSTM: forward equals lstmlib.LSTM, backward equals finite differences and autograd,
and the code reads line by line as appendix A1's equations (the tagged lines)."""
import json
import pathlib
import warnings

import numpy as np
import pytest
import torch

import lstmlib
from lstmlib.experiments import a1
from lstmlib.scratch import numpy_lstm as nl

D, H, T, B = 3, 4, 6, 2


def setup(seed=0):
    rng = np.random.default_rng(seed)
    params = nl.init_params(D, H, seed=seed)
    params["b"] = rng.normal(size=params["b"].shape)        # exercise every bias
    x = rng.normal(size=(T, B, D))
    state = (rng.normal(size=(B, H)), rng.normal(size=(B, H)))
    dhs = rng.normal(size=(T, B, H))
    return params, x, state, dhs


def loss(params, x, state, dhs):
    hs, (h, c), _ = nl.forward(x, params, state)
    return float((hs * dhs).sum() + (c ** 2).sum())


def test_forward_equals_torch_layer():
    params, x, state, _ = setup()
    lstm = lstmlib.LSTM(D, H, dtype=torch.float64)
    with torch.no_grad():
        lstm.W.copy_(torch.from_numpy(params["W"]))
        lstm.b.copy_(torch.from_numpy(params["b"]))
    hs, (h, c), _ = nl.forward(x, params, state)
    out, (h_t, c_t) = lstm(torch.from_numpy(x), tuple(torch.from_numpy(s) for s in state))
    np.testing.assert_allclose(hs, out.detach().numpy(), atol=1e-12)
    np.testing.assert_allclose(c, c_t.detach().numpy(), atol=1e-12)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_backward_matches_finite_differences(seed):
    params, x, state, dhs = setup(seed)
    hs, (h, c), cache = nl.forward(x, params, state)
    grads, dx, (dh0, dc0) = nl.backward(dhs, cache, dstate=(np.zeros((B, H)), 2 * c), with_inputs=True)
    assert set(grads) == set(params)
    eps = 1e-6
    for name in params:
        assert grads[name].shape == params[name].shape
        num = np.zeros_like(params[name])
        for idx in np.ndindex(params[name].shape):
            plus = {k: v.copy() for k, v in params.items()}
            minus = {k: v.copy() for k, v in params.items()}
            plus[name][idx] += eps
            minus[name][idx] -= eps
            num[idx] = (loss(plus, x, state, dhs) - loss(minus, x, state, dhs)) / (2 * eps)
        np.testing.assert_allclose(grads[name], num, rtol=1e-6, atol=1e-8)
    num_x = np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        xp, xm = x.copy(), x.copy()
        xp[idx] += eps
        xm[idx] -= eps
        num_x[idx] = (loss(params, xp, state, dhs) - loss(params, xm, state, dhs)) / (2 * eps)
    np.testing.assert_allclose(dx, num_x, rtol=1e-6, atol=1e-8)


def test_backward_matches_autograd():
    params, x, state, dhs = setup(3)
    hs, (h, c), cache = nl.forward(x, params, state)
    grads, dx, (dh0, dc0) = nl.backward(dhs, cache, with_inputs=True)

    lstm = lstmlib.LSTM(D, H, dtype=torch.float64)
    with torch.no_grad():
        lstm.W.copy_(torch.from_numpy(params["W"]))
        lstm.b.copy_(torch.from_numpy(params["b"]))
    xt = torch.from_numpy(x).requires_grad_(True)
    h0, c0 = (torch.from_numpy(s).requires_grad_(True) for s in state)
    out, _ = lstm(xt, (h0, c0))
    (out * torch.from_numpy(dhs)).sum().backward()
    np.testing.assert_allclose(grads["W"], lstm.W.grad.numpy(), atol=1e-12)
    np.testing.assert_allclose(grads["b"], lstm.b.grad.numpy(), atol=1e-12)
    np.testing.assert_allclose(dx, xt.grad.numpy(), atol=1e-12)
    np.testing.assert_allclose(dh0, h0.grad.numpy(), atol=1e-12)
    np.testing.assert_allclose(dc0, c0.grad.numpy(), atol=1e-12)


def test_sigmoid_is_stable():
    x = np.array([-1000.0, -50.0, 0.0, 50.0, 1000.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(all="raise"):
            s = nl.sigmoid(x)
    assert s[0] == 0.0 and s[-1] == 1.0 and s[2] == 0.5
    np.testing.assert_allclose(s, torch.sigmoid(torch.from_numpy(x)).numpy(), atol=1e-15)


def test_init_params_layout_matches_lstm():
    p = nl.init_params(D, H, seed=7)
    assert p["W"].shape == (4 * H, H + D) and p["b"].shape == (4 * H,)
    assert np.all(p["b"][:H] == 1.0) and np.all(p["b"][H:] == 0.0)
    assert np.abs(p["W"]).max() <= 1 / np.sqrt(H)
    np.testing.assert_array_equal(p["W"], nl.init_params(D, H, seed=7)["W"])


def test_numpy_bad_input():
    p = nl.init_params(D, H)
    with pytest.raises(ValueError, match=r"expected x of shape \(T, B, 3\), got \(6, 2, 4\)"):
        nl.forward(np.zeros((T, B, 4)), p)
    with pytest.raises(TypeError, match="numpy array"):
        nl.forward([[0.0]], p)
    with pytest.raises(TypeError, match="keys 'W' and 'b'"):
        nl.forward(np.zeros((T, B, D)), {"W": p["W"]})
    hs, _, cache = nl.forward(np.zeros((T, B, D)), p)
    with pytest.raises(ValueError, match="expected dhs of shape"):
        nl.backward(np.zeros((T, B, H + 1)), cache)


def test_one_step_and_one_sequence():
    p = nl.init_params(D, H, seed=1)
    x = np.random.default_rng(1).normal(size=(1, 1, D))
    hs, (h, c), cache = nl.forward(x, p)
    assert hs.shape == (1, 1, H) and len(cache["steps"]) == 1
    np.testing.assert_array_equal(hs[-1], h)
    grads, dx, (dh0, dc0) = nl.backward(np.ones_like(hs), cache, with_inputs=True)
    assert dx.shape == x.shape and dh0.shape == dc0.shape == (1, H)
    assert nl.Step._fields == ("hx", "f_t", "i_t", "C_tilde", "o_t", "C_prev", "tanh_C_t")


def test_backward_does_not_change_its_inputs():
    params, x, state, dhs = setup(4)
    hs, _, cache = nl.forward(x, params, state)
    before = [a.copy() for step in cache["steps"] for a in step] + [dhs.copy(), params["W"].copy()]
    nl.backward(dhs, cache, dstate=(dhs[0].copy(), dhs[1].copy()))
    after = [a for step in cache["steps"] for a in step] + [dhs, params["W"]]
    assert all(np.array_equal(u, v) for u, v in zip(before, after))


# ---------------------------------------------------------------------------------------------
# The code reads as the equations (appendix A1)
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("function, equations", [(nl.forward, a1.FORWARD),
                                                 (nl.backward, a1.EQUATIONS)])
def test_every_equation_is_one_tagged_line_with_the_expected_code(function, equations):
    lines = a1.tagged_lines(function)
    assert list(lines) == list(equations), "the tags in the source, in order, are the equations'"
    for tag, (latex, code) in equations.items():
        line, found = lines[tag]
        assert found == code, f"({tag}) reads {found!r}, the appendix says {code!r}"
        source = pathlib.Path(nl.__file__).read_text().splitlines()[line - 1]
        assert f"# ({tag})" in source and source.strip().startswith(code)


def test_the_appendix_shows_every_equation_with_its_tag():
    path = pathlib.Path(__file__).resolve().parents[1] / "book" / "a1_numpy_lstm.ipynb"
    cells = json.loads(path.read_text())["cells"]
    text = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")
    for tag, (latex, code) in {**a1.FORWARD, **a1.EQUATIONS}.items():
        assert f"{latex} \\tag{{{tag}}}" in text, f"the appendix does not show ({tag}) as {latex}"


def test_tagged_lines_and_show_lines():
    lines = a1.tagged_lines()
    assert len(lines) == 16 and all(isinstance(n, int) for n, _ in lines.values())
    with pytest.raises(ValueError, match=r"expected tags of backward .*got \['B99'\]"):
        a1.show_lines("B99")

    def twice(x):
        y = x + 1  # (B1)
        return y * 2  # (B1)
    with pytest.raises(ValueError, match=r"tag \(B1\) appears twice in twice"):
        a1.tagged_lines(twice)
