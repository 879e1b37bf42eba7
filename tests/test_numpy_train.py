"""lstmlib.scratch.numpy_train: the readout's gradients, clipping and the optimisers equal torch's."""
import math

import numpy as np
import pytest
import torch

from lstmlib.models import LastStep
from lstmlib.scratch import numpy_lstm, numpy_train as nt
from lstmlib.training.loop import Diverged

D, H, T, B, OUT = 3, 4, 5, 6, 2


def problem(seed=0):
    rng = np.random.default_rng(seed)
    params = nt.init_with_readout(D, H, out=OUT, seed=seed)
    params["b"] = rng.normal(size=4 * H)
    params["b_y"] = rng.normal(size=OUT)
    return params, rng.normal(size=(T, B, D)), rng.normal(size=(B, OUT))


def test_init_with_readout():
    p = nt.init_with_readout(D, H, out=OUT, seed=3)
    assert set(p) == {"W", "b", "W_y", "b_y"}
    assert p["W_y"].shape == (OUT, H) and p["b_y"].shape == (OUT,) and not p["b_y"].any()
    assert np.abs(p["W_y"]).max() <= 1 / np.sqrt(H)
    lstm = numpy_lstm.init_params(D, H, seed=3)           # the LSTM part is numpy_lstm's
    np.testing.assert_array_equal(p["W"], lstm["W"])
    np.testing.assert_array_equal(p["b"], lstm["b"])
    with pytest.raises(ValueError, match="expected out to be a positive int, got 0"):
        nt.init_with_readout(D, H, out=0)


def test_last_step_mse_matches_finite_differences():
    params, x, y = problem(1)
    loss, grads = nt.last_step_mse(params, x, y)
    assert set(grads) == set(params)
    eps = 1e-6
    for name, v in params.items():
        num = np.zeros_like(v)
        for idx in np.ndindex(v.shape):
            old = v[idx]
            v[idx] = old + eps
            plus = nt.last_step_mse(params, x, y)[0]
            v[idx] = old - eps
            minus = nt.last_step_mse(params, x, y)[0]
            v[idx] = old
            num[idx] = (plus - minus) / (2 * eps)
        np.testing.assert_allclose(grads[name], num, rtol=1e-6, atol=1e-9)


def test_last_step_mse_matches_autograd_on_laststep():
    params, x, y = problem(2)
    model = LastStep("LSTM", D, H, OUT).double()
    with torch.no_grad():
        for name, t in (("W", model.rnn.W), ("b", model.rnn.b), ("W_y", model.readout.weight),
                        ("b_y", model.readout.bias)):
            t.copy_(torch.from_numpy(params[name]))
    value = torch.nn.functional.mse_loss(model(torch.from_numpy(x)), torch.from_numpy(y))
    value.backward()
    loss, grads = nt.last_step_mse(params, x, y)
    assert abs(loss - value.item()) < 1e-14
    np.testing.assert_allclose(nt.predict(params, x), model(torch.from_numpy(x)).detach().numpy(),
                               atol=1e-14)
    for name, t in (("W", model.rnn.W), ("b", model.rnn.b), ("W_y", model.readout.weight),
                    ("b_y", model.readout.bias)):
        np.testing.assert_allclose(grads[name], t.grad.numpy(), atol=1e-13)


def test_clip_by_norm_is_torchs_and_keeps_the_direction():
    rng = np.random.default_rng(0)
    grads = {"a": rng.normal(size=(3, 4)), "b": 5 * rng.normal(size=7)}
    norm = math.sqrt(sum(float((g ** 2).sum()) for g in grads.values()))
    assert nt.global_norm(grads) == pytest.approx(norm, rel=1e-14)
    clipped, before = nt.clip_by_norm(grads, 1.0)
    assert before == pytest.approx(norm, rel=1e-14)
    assert nt.global_norm(clipped) == pytest.approx(1.0, abs=1e-5)
    for k in grads:
        np.testing.assert_allclose(clipped[k] * norm, grads[k] * nt.global_norm(clipped), rtol=1e-12)
    tensors = [torch.tensor(g, requires_grad=True) for g in grads.values()]
    for t, g in zip(tensors, grads.values()):
        t.grad = torch.from_numpy(g.copy())
    torch.nn.utils.clip_grad_norm_(tensors, 1.0)
    for t, k in zip(tensors, grads):
        np.testing.assert_allclose(clipped[k], t.grad.numpy(), rtol=1e-14)
    small, _ = nt.clip_by_norm(grads, 10 * norm)                # below the threshold: unchanged
    assert all(np.array_equal(small[k], grads[k]) for k in grads)
    assert clipped["a"] is not grads["a"] and before == nt.global_norm(grads)


@pytest.mark.parametrize("bad", [0, -1.0, None, True, "1"])
def test_clip_by_norm_refuses_a_bad_threshold(bad):
    with pytest.raises(ValueError, match="expected max_norm to be a positive number"):
        nt.clip_by_norm({"a": np.ones(2)}, bad)


def test_adam_and_sgd_are_torchs():
    rng = np.random.default_rng(4)
    params = {"W": rng.normal(size=(3, 5)), "b": rng.normal(size=3)}
    for name, ours_cls, torch_cls, kwargs in (("adam", nt.Adam, torch.optim.Adam, {"lr": 0.01}),
                                              ("sgd", nt.SGD, torch.optim.SGD, {"lr": 0.1})):
        ours = {k: v.copy() for k, v in params.items()}
        theirs = [torch.tensor(v, requires_grad=True) for v in params.values()]
        opt, ref = ours_cls(ours, **kwargs), torch_cls(theirs, **kwargs)
        for step in range(5):
            grads = {k: rng.normal(size=v.shape) for k, v in params.items()}
            opt.step(grads)
            for t, g in zip(theirs, grads.values()):
                t.grad = torch.from_numpy(g.copy())
            ref.step()
        for t, k in zip(theirs, ours):
            np.testing.assert_allclose(ours[k], t.detach().numpy(), rtol=1e-13, atol=1e-15,
                                       err_msg=name)


@pytest.mark.parametrize("bad", [0, -0.1, None, "0.1"])
def test_optimisers_refuse_a_bad_learning_rate(bad):
    for cls in (nt.SGD, nt.Adam):
        with pytest.raises(ValueError, match="expected lr to be a positive number"):
            cls({"W": np.zeros(2)}, lr=bad)


def test_train_lowers_the_loss_and_records_every_step():
    params, x, y = problem(5)

    def batches():
        while True:
            yield x, y
    start = nt.last_step_mse(params, x, y)[0]
    history = nt.fit(params, batches(), 50, nt.Adam(params, lr=0.05), clip=1.0)
    assert len(history.loss) == len(history.grad_norm) == 50
    assert history.loss[0] == start and history.loss[-1] < 0.5 * start


def test_train_stops_when_the_loss_is_not_finite():
    params, x, y = problem(6)

    def nan_loss(p, x, y):
        return float("nan"), {k: np.zeros_like(v) for k, v in p.items()}
    with pytest.raises(Diverged, match="the loss is nan at step 1") as err:
        nt.fit(params, iter([(x, y)]), 3, nt.SGD(params, lr=0.1), loss=nan_loss)
    assert err.value.step == 1


def test_bad_input_gets_a_clear_error():
    params, x, y = problem(7)
    with pytest.raises(ValueError, match=r"expected steps to be a positive int, got 0"):
        nt.fit(params, iter([]), 0, nt.SGD(params, lr=0.1))
    with pytest.raises(TypeError, match="expected an optimizer with a step"):
        nt.fit(params, iter([]), 1, "adam")
    with pytest.raises(TypeError, match="expected params with keys 'W', 'b', 'W_y', 'b_y'"):
        nt.last_step_mse({"W": params["W"], "b": params["b"]}, x, y)
    with pytest.raises(ValueError, match=r"expected y to be a numpy array of shape \(B, 2\)"):
        nt.last_step_mse(params, x, y[:, :1])
    with pytest.raises(ValueError, match=r"expected x of shape \(T, 6, D\)"):
        nt.last_step_mse(params, x[:, :2], y)
