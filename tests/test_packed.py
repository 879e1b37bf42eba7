"""lstmlib.models.packed: a Pack of K models computes and learns exactly what the K models do alone."""
import copy
import functools

import pytest
import torch

from lstmlib import tasks
from lstmlib.models import EveryStep, LastStep
from lstmlib.models.packed import Pack
from lstmlib.tasks import timing
from lstmlib.training.loop import train

VARIANTS = [(), ("f",), ("i",), ("o",), ("f", "i", "o")]


def batches(seed, T=12, B=6, D=1):
    g = torch.Generator().manual_seed(seed)
    if D == 1:
        make = tasks.batches_of(functools.partial(timing.periodic, period=4, start=(0, 3)), T, B, g)
        return lambda: tuple(t.double() for t in make())
    return lambda: (torch.randn(T, B, D, generator=g, dtype=torch.float64),
                    torch.randn(B, 2, generator=g, dtype=torch.float64))


def every_step_models(h=3, **kwargs):
    torch.manual_seed(0)
    return [EveryStep("LSTM", 1, h, 1, peepholes=p, **kwargs).double() for p in VARIANTS]


def test_a_pack_computes_each_models_output():
    models = every_step_models()
    pack = Pack(models)
    x, _ = batches(1)()
    with torch.no_grad():
        y_hat = pack(x)                                                # (T, B, K, 1)
        assert y_hat.shape == (12, 6, len(VARIANTS), 1)
        for k, m in enumerate(models):
            torch.testing.assert_close(y_hat[:, :, k], m(x), atol=1e-13, rtol=0)


def test_training_a_pack_is_training_each_model_alone():
    models = every_step_models()
    alone = copy.deepcopy(models)
    pack = Pack(models)
    history = train(pack, batches(2), steps=25, loss=pack.loss("mse"), lr=3e-2, clip=None, progress=False)
    losses = []
    for m in alone:
        losses.append(train(m, batches(2), steps=25, loss="mse", lr=3e-2, clip=None, progress=False).loss)
    trained = pack.unpack()
    assert all(a is b for a, b in zip(trained, models))            # the same objects, trained
    for m, a in zip(trained, alone):
        for (name, p), q in zip(m.named_parameters(), a.parameters()):
            torch.testing.assert_close(p, q, atol=1e-10, rtol=0, msg=name)
        assert not torch.equal(m.rnn.W, every_step_models()[0].rnn.W)       # it did learn
    summed = [sum(step) for step in zip(*losses)]
    torch.testing.assert_close(torch.tensor(history.loss), torch.tensor(summed), atol=1e-10, rtol=0)


def test_the_weights_between_models_stay_zero():
    pack = Pack(every_step_models(h=2))
    train(pack, batches(3), steps=5, loss=pack.loss("mse"), clip=None, progress=False)
    K, h = pack.K, pack.h
    W_h = pack.rnn.W[:, :K * h].detach()                                 # the recurrent part
    for j in range(4):
        block = W_h[j * K * h:(j + 1) * K * h]                            # one gate, (Kh, Kh)
        off = block.clone()
        for k in range(K):
            off[k * h:(k + 1) * h, k * h:(k + 1) * h] = 0
        assert (off == 0).all() and (block != 0).any()
    assert (pack.rnn.p_f[:h] == 0).all()                                  # model 0 has no peepholes
    assert (pack.rnn.p_f[h:2 * h] != 0).all()                             # model 1 has p_f


def test_last_step_models_with_several_outputs_and_inputs():
    torch.manual_seed(1)
    models = [LastStep("LSTM", 3, 4, 2, peepholes=p).double() for p in ((), ("o",))]
    alone = copy.deepcopy(models)
    pack = Pack(models)
    x, _ = batches(4, D=3)()
    with torch.no_grad():
        assert pack(x).shape == (6, 2, 2)                                 # (B, K, out)
    train(pack, batches(4, D=3), steps=10, loss=pack.loss("mse"), clip=None, progress=False)
    for m in alone:
        train(m, batches(4, D=3), steps=10, loss="mse", clip=None, progress=False)
    for m, a in zip(pack.unpack(), alone):
        for p, q in zip(m.parameters(), a.parameters()):
            torch.testing.assert_close(p, q, atol=1e-10, rtol=0)


@pytest.mark.parametrize("models,error,words", [
    ([], TypeError, "expected a non-empty list of models"),
    ([EveryStep("GRU", 1, 3)], TypeError, "a layer of the LSTM family, got GRU"),
    ([EveryStep("LSTM", 1, 3), LastStep("LSTM", 1, 3)], TypeError, "all LastStep or all EveryStep"),
    ([EveryStep("LSTM", 1, 3), EveryStep("LSTM", 1, 4)], ValueError, "model 1 differs from model 0"),
    ([EveryStep("LSTM", 1, 3), EveryStep("LSTM", 1, 3, forget_gate=False)], ValueError, "ablation switches"),
])
def test_models_that_cannot_be_packed_are_refused(models, error, words):
    with pytest.raises(error, match=words):
        Pack(models)


def test_an_unknown_loss_is_refused():
    with pytest.raises(ValueError, match="unknown loss 'l1': expected one of \\('mse', 'bce'\\)"):
        Pack(every_step_models()).loss("l1")


@pytest.mark.parametrize("name,fn", [("mse", torch.nn.functional.mse_loss),
                                     ("bce", torch.nn.functional.binary_cross_entropy_with_logits)])
def test_the_packed_loss_is_the_sum_of_the_models_losses(name, fn):
    models = every_step_models()
    pack = Pack(models)
    x, y = batches(5)()
    y = (y > 0).double()
    with torch.no_grad():
        expected = sum(fn(m(x), y) for m in models)
        torch.testing.assert_close(pack.loss(name)(pack(x), y), expected, atol=1e-12, rtol=0)
        torch.testing.assert_close(pack.loss(fn)(pack(x), y), expected, atol=1e-12, rtol=0)
