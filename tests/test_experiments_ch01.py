"""Chapter 1's claims (book/01_rnn_to_lstm.ipynb), re-checked with five seeds the page does not use.

Each test repeats an ``assert`` of the notebook with the same ``lstmlib.ch01.ch01`` calls and
the same thresholds as the text, so a claim that holds only for the page's seed (0) fails here.
"""
import functools
import math

import pytest
import torch

import lstmlib
from lstmlib import tasks
from lstmlib.experiments import ch01

SEEDS = (1, 2, 3, 4, 5)


@functools.lru_cache(maxsize=None)
def chapter(seed):
    """The chapter's experiments in the chapter's order, for one seed."""
    models = ch01.adding_models(seed)
    x = ch01.probe(seed)
    at_init = ch01.gradient_norms(models, x)
    histories = ch01.train_adding(models, seed)
    trained = ch01.gradient_norms(models, x)
    return dict(models=models, at_init=at_init, histories=histories, trained=trained,
                lstm_test=ch01.held_out_mse(models["LSTM"], seed))


def test_the_lstm_has_four_times_the_rnns_parameters():
    models = ch01.adding_models(0)
    assert sum(p.numel() for p in models["RNN"].rnn.parameters()) == 1_120
    assert sum(p.numel() for p in models["LSTM"].rnn.parameters()) == 4_480


@pytest.mark.slow
@pytest.mark.parametrize("seed", SEEDS)
def test_at_initialisation_the_rnns_gradient_vanishes_and_the_lstms_does_not(seed):
    at_init = chapter(seed)["at_init"]
    assert at_init["RNN"][50] < 1e-6
    assert at_init["LSTM"][50] > 1e-2
    assert at_init["RNN"][99] < 1e-6


@pytest.mark.slow
@pytest.mark.parametrize("seed", SEEDS)
def test_scaled_up_weights_explode_and_clipping_keeps_training_finite(seed):
    boom = ch01.exploding(seed)
    assert boom.norms[99] > 1e6
    assert boom.diverged_at is not None               # overflowed within its 100 SGD steps
    assert len(boom.clipped.loss) == 100 and all(math.isfinite(v) for v in boom.clipped.loss)
    assert max(boom.clipped.grad_norm) > 1e6
    assert sum(boom.clipped.loss[-10:]) / 10 > tasks.ADDING_BASELINE


@pytest.mark.slow
@pytest.mark.parametrize("seed", SEEDS)
def test_on_the_adding_problem_the_rnn_stays_at_the_baseline_and_the_lstm_learns(seed):
    c = chapter(seed)
    assert ch01.min_smoothed(c["histories"]["RNN"].loss) > 0.9 * tasks.ADDING_BASELINE
    assert ch01.min_smoothed(c["histories"]["LSTM"].loss[:100]) > 0.9 * tasks.ADDING_BASELINE
    assert c["lstm_test"] < 0.01


@pytest.mark.slow
@pytest.mark.parametrize("seed", SEEDS)
def test_the_trained_lstm_still_passes_a_gradient_back_50_steps(seed):
    assert chapter(seed)["trained"]["LSTM"][50] > 1e-4


def test_the_sample_sequence_has_its_markers_in_the_two_halves():
    for seed in (0, *SEEDS):
        x, y = tasks.adding_problem(T=100, B=1, generator=torch.Generator().manual_seed(seed))
        marked = x[:, 0, 1].nonzero().flatten().tolist()
        assert len(marked) == 2 and marked[0] < 50 <= marked[1]
        assert abs(x[marked, 0, 0].sum().item() - y.item()) < 1e-6


def test_the_settings_the_text_states():
    """The prose quotes these settings; this fails if someone changes them without the text."""
    assert ch01.ADDING == dict(T=100, hidden_size=32, batch=128, lr=3e-2, clip=1.0, steps=700,
                                      forget_bias=2.0)
    assert ch01.EXPLODING == dict(scale=6.0, lr=0.05, steps=100)
    assert abs(torch.sigmoid(torch.tensor(2.0)).item() - 0.88) < 0.005
    assert isinstance(ch01.adding_models(0)["LSTM"].rnn, lstmlib.LSTM)
