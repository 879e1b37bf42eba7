"""Chapter 2's claims (book/02_cell_state.ipynb), re-checked with five seeds the page does not use.

Each test repeats an ``assert`` of the notebook with the same ``lstmlib.ch02.ch02`` calls and
the same thresholds as the text, so a claim that holds only for the page's seed (0) fails here.
"""
import functools

import pytest
import torch

from lstmlib import tasks
from lstmlib.experiments import ch02

SEEDS = (1, 2, 3, 4, 5)
BIASES = (0.0, 1.0, 3.0)


def sigma(b):
    return torch.sigmoid(torch.tensor(b)).item()


@functools.lru_cache(maxsize=None)
def chapter(seed):
    """The chapter's experiments in the chapter's order, for one seed."""
    fresh = {b: ch02.temporal_model(seed, forget_bias=b) for b in BIASES}
    reach = {b: ch02.memory_reach(fresh[b], seed) for b in BIASES}
    for b in BIASES:
        ch02.train_temporal(fresh[b], seed)
    return dict(reach=reach,
                accuracy={b: ch02.held_out_accuracy(fresh[b], seed) for b in BIASES},
                carousel=ch02.carousel(fresh[3.0], seed),
                memory={b: ch02.unit_memory(fresh[b], seed) for b in BIASES})


@pytest.mark.parametrize("seed", (0, *SEEDS))
def test_the_sample_sequence_has_its_symbols_where_the_text_says(seed):
    x, y = tasks.temporal_order(T=60, B=1, generator=torch.Generator().manual_seed(seed))
    symbols = [tasks.TEMPORAL_SYMBOLS[k] for k in x[:, 0].argmax(dim=1).tolist()]
    relevant = [t for t, s in enumerate(symbols) if s in "XY"]
    assert len(relevant) == 2 and 6 <= relevant[0] <= 12 and 30 <= relevant[1] <= 36
    assert 47 <= 59 - relevant[0] <= 53


@pytest.mark.slow
@pytest.mark.parametrize("seed", SEEDS)
def test_with_forget_bias_3_the_lstm_learns_the_task(seed):
    assert chapter(seed)["accuracy"][3.0] > 0.9


@pytest.mark.slow
@pytest.mark.parametrize("seed", SEEDS)
def test_the_constant_error_carousel_is_the_product_of_forget_gates(seed):
    carousel = chapter(seed)["carousel"]
    assert carousel.direct_error() < 1e-4
    difference = carousel.full_difference()
    assert difference[:11].max() < 0.01
    assert difference[60] > 0.5


def test_sigma_of_the_bias_to_the_50th():
    for b, expected in ((0.0, 9e-16), (1.0, 1.6e-7), (3.0, 0.09)):
        assert 0.9 * expected < sigma(b) ** 50 < 1.1 * expected


@pytest.mark.slow
@pytest.mark.parametrize("seed", SEEDS)
def test_at_initialisation_memory_decays_as_sigma_of_the_bias(seed):
    reach = chapter(seed)["reach"]
    for b in BIASES:
        assert 0.5 < reach[b][50] / sigma(b) ** 50 < 2


@pytest.mark.slow
@pytest.mark.parametrize("seed", SEEDS)
def test_bias_0_stays_at_chance_and_bias_1_never_beats_bias_3(seed):
    accuracy = chapter(seed)["accuracy"]
    assert accuracy[0.0] < 0.35
    assert accuracy[1.0] <= accuracy[3.0]


@pytest.mark.slow
def test_most_bias_1_runs_stay_at_chance():
    at_chance = [chapter(seed)["accuracy"][1.0] < 0.35 for seed in SEEDS]
    assert sum(at_chance) > len(SEEDS) / 2, at_chance


@pytest.mark.slow
@pytest.mark.parametrize("seed", SEEDS)
def test_only_the_bias_3_network_keeps_long_memory_units(seed):
    memory = chapter(seed)["memory"]
    assert int((memory[3.0][50] > 0.1).sum()) >= 3
    assert int((memory[0.0][50] > 0.1).sum()) == 0


def test_the_settings_the_text_states():
    assert ch02.TEMPORAL == dict(T=60, hidden_size=32, batch=64, lr=1e-2, clip=1.0, steps=600)
