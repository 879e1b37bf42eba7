"""lstmlib.tasks.recall: the delayed-recall task keeps its promises, and its loss and errors are right."""
import pytest
import torch

from lstmlib.models import EveryStep
from lstmlib.tasks import recall
from lstmlib.training.loop import train

T, B = 30, 200


def batch(seed=0, **kwargs):
    return recall.delayed_recall(T, B, generator=torch.Generator().manual_seed(seed), **kwargs)


def test_one_value_one_store_flag_one_cue_per_sequence():
    b = batch()
    assert b.x.shape == (T, B, 3) and b.y.shape == (T, B, 1)
    value, store, cue = b.x.unbind(2)                                     # (T, B) each
    assert (store.sum(0) == 1).all() and (cue.sum(0) == 1).all()
    assert (store.argmax(0) == b.store_at).all() and (cue.argmax(0) == b.cue_at).all()
    assert ((value != 0).sum(0) <= 1).all()                               # the value only at t_v
    assert torch.equal(value[b.store_at, torch.arange(B)], b.value)
    assert (b.value.abs() <= 1).all() and b.value.min() < -0.9 and b.value.max() > 0.9


def test_store_and_cue_fall_in_their_ranges_and_the_target_is_the_value_at_the_cue_alone():
    b = batch()
    lo, hi = recall.STORE
    assert lo <= b.store_at.min() and b.store_at.max() <= hi
    lo, hi = recall.CUE
    assert lo <= b.cue_at.min() and b.cue_at.max() <= hi
    assert len(b.cue_at.unique()) == hi - lo + 1                            # every cue step occurs
    target = b.y[..., 0]
    assert torch.equal(target[b.cue_at, torch.arange(B)], b.value)
    assert (target[~b.at_cue] == 0).all()


def test_the_masks_split_time_at_the_cue_and_holding_starts_at_the_store_step():
    b = batch()
    assert torch.equal(b.before_cue | b.at_cue | b.after_cue, torch.ones(T, B, dtype=torch.bool))
    assert not (b.before_cue & b.at_cue).any() and not (b.at_cue & b.after_cue).any()
    assert (b.at_cue.sum(0) == 1).all()
    assert torch.equal(b.holding.sum(0), b.cue_at - b.store_at)
    assert b.holding[b.store_at, torch.arange(B)].all()
    assert not b.holding[b.cue_at, torch.arange(B)].any()


def test_a_seed_fixes_the_data_and_other_ranges_are_honoured():
    assert torch.equal(batch(3).x, batch(3).x) and not torch.equal(batch(3).x, batch(4).x)
    b = batch(store=(0, 0), cue=(29, 29))
    assert (b.store_at == 0).all() and (b.cue_at == 29).all() and (b.holding.sum(0) == 29).all()


def test_loss_weights_the_cue_and_the_other_steps_equally_and_errors_split_by_place():
    b = batch()
    y_hat = torch.zeros(T, B, 1)                                          # a network that never answers
    err = recall.errors_by_place(y_hat, b)
    assert err["before"] == 0 and err["after"] == 0
    assert err["at"] == pytest.approx((b.value ** 2).mean().item())
    assert recall.loss(y_hat, b).item() == pytest.approx(err["at"])
    assert abs(err["at"] - recall.SILENT_BASELINE) < 0.07                 # E[v²] = 1/3
    y_hat = b.y + 0.1                                                     # right, plus 0.1 everywhere
    err = recall.errors_by_place(y_hat, b)
    assert all(v == pytest.approx(0.01) for v in err.values())
    assert recall.loss(y_hat, b).item() == pytest.approx(0.02)
    y_hat = b.y.clone()
    y_hat[b.store_at, torch.arange(B)] = 1.0                              # answers early, at t_v
    err = recall.errors_by_place(y_hat, b)
    expected = B / b.before_cue.sum().item()                              # one wrong step per sequence
    assert err["before"] == pytest.approx(expected) and err["at"] == 0 and err["after"] == 0


def test_tokens_label_the_store_and_the_cue():
    b = batch()
    labels = recall.tokens(b, 5)
    assert len(labels) == T and labels.count("cue") == 1 and labels.index("cue") == b.cue_at[5]
    assert labels[b.store_at[5]] == f"{b.value[5].item():+.2f}"
    assert set(labels) - {labels[b.store_at[5]], "cue"} == {"·"}


def test_an_lstm_learns_to_recall():
    torch.manual_seed(0)
    model = EveryStep("LSTM", 3, 16, 1)
    train(model, recall.cued_batches(T, 64, torch.Generator().manual_seed(1)), steps=300, loss=recall.loss, lr=1e-2)
    b = batch(7)
    with torch.no_grad():
        err = recall.errors_by_place(model(b.x), b)
    assert err["at"] < 0.1 * recall.SILENT_BASELINE and err["before"] < 0.01


@pytest.mark.parametrize("kwargs,error,words", [
    (dict(T=0, B=2), ValueError, "expected T to be a positive int, got 0"),
    (dict(T=30, B=2.0), TypeError, "expected B to be a positive int"),
    (dict(T=30, B=2, store=(6, 16)), ValueError, "every store step before every cue step"),
    (dict(T=20, B=2), ValueError, "last cue step 25 inside the sequence of T = 20 steps"),
    (dict(T=30, B=2, store=(3, 1)), ValueError, "0 <= first <= last"),
    (dict(T=30, B=2, cue=17), TypeError, "expected cue to be a pair of ints"),
])
def test_bad_arguments_get_clear_errors(kwargs, error, words):
    with pytest.raises(error, match=words.replace("(", r"\(").replace(")", r"\)")):
        recall.delayed_recall(**kwargs)


def test_loss_and_errors_refuse_the_wrong_shape_or_batch():
    b = batch()
    with pytest.raises(ValueError, match=r"expected y_hat of shape \(T, B, 1\) = \(30, 200, 1\), got \(30, 200\)"):
        recall.loss(torch.zeros(T, B), b)
    with pytest.raises(TypeError, match="expected batch to be an lstmlib.tasks.recall.Recall, got Tensor"):
        recall.errors_by_place(torch.zeros(T, B, 1), b.y)
    with pytest.raises(ValueError, match="expected sequence to be an int in 0 … 199, got 200"):
        recall.tokens(b, 200)
