"""Chapter 6's claims (book/06_peepholes.ipynb), re-checked with sweeps the page does not use.

Each test repeats an ``assert`` of the notebook with the same ``lstmlib.experiments.ch06``
calls and the same thresholds as the text, so a claim that holds only for the page's sweep (0)
fails here. One seed is one sweep: the five variants from ``ch06.EIGHT["seeds"]`` = 5 seeds of
8-unit networks (sweep 1: seeds 5-9, sweep 2: seeds 10-14, ...) and from
``ch06.ONE_CELL["seeds"]`` = 20 seeds of single cells (sweep 1: seeds 20-39, ...).
"""
import functools

import numpy as np
import pytest
import torch

import lstmlib
from lstmlib import timing
from lstmlib.experiments import ch06

SEEDS = (1, 2, 3, 4, 5)
WITHOUT_P_O = ("none", "p_f", "p_i")


@functools.lru_cache(maxsize=None)
def eight(seed):
    sweep = ch06.sweep(seed, ch06.EIGHT)
    return {T: sweep.solved(T) for T in (30, 200)}


@functools.lru_cache(maxsize=None)
def one_cell(seed):
    sweep = ch06.sweep(seed, ch06.ONE_CELL)
    return sweep, {T: sweep.scores(T) for T in (30, 200)}


def test_the_settings_the_text_states():
    """The prose quotes these settings; this fails if someone changes them without the text."""
    assert ch06.WAVE == dict(shape="square", period=10, starts=10, T=30, test_T=200, tolerance=1.0)
    assert ch06.EIGHT == dict(hidden_size=8, steps=300, lr=3e-2, seeds=5)
    assert ch06.ONE_CELL == dict(hidden_size=1, steps=1500, lr=3e-2, seeds=20)
    assert list(ch06.VARIANTS.values()) == [(), ("f",), ("i",), ("o",), ("f", "i", "o")]
    assert ch06.seeds(0, 5) == (0, 1, 2, 3, 4) and ch06.seeds(2, 20)[0] == 40


def test_the_parameter_counts():
    counts = [sum(p.numel() for p in layer.parameters()) for layer in
              (lstmlib.LSTM(1, 8), lstmlib.PeepholeLSTM(1, 8), lstmlib.LSTM(1, 8, peepholes=("o",)))]
    assert counts == [320, 344, 328]
    assert tuple(lstmlib.PeepholeLSTM(1, 8).p_f.shape) == (8,)


@pytest.mark.parametrize("seed", (0, *SEEDS))
def test_a_closed_output_gate_hides_the_cell_from_the_forget_gate_without_a_peephole(seed):
    sight = ch06.gate_sight(np.linspace(0, 1, 11), seed)
    assert sight["plain"][0] == 0.0 and sight["peephole"][0] > 0
    assert (np.diff(sight["plain"]) > 0).all()
    assert (sight["peephole"] > 0).all()


@pytest.mark.parametrize("start", range(10))
def test_the_square_wave_flips_every_five_steps_from_its_start(start):
    x, y = timing.periodic(30, 1, period=10, shape="square", start=(start, start + 1))
    assert x[:, 0, 0].nonzero().flatten().tolist() == [start]
    flips = (y[1:, 0, 0] != y[:-1, 0, 0]).nonzero().flatten() + 1
    assert flips.tolist() == [t for t in range(start, 30, 5) if t > 0]     # (no step before 0)


def test_the_whole_task_is_the_ten_starts():
    x, y = ch06.every_start(30)
    assert x.shape == y.shape == (30, 10, 1)
    assert x[:, :, 0].argmax(dim=0).tolist() == list(range(10))


@pytest.mark.slow
@pytest.mark.parametrize("seed", SEEDS)
def test_eight_units_every_variant_keeps_time_in_most_runs(seed):
    solved = eight(seed)
    assert solved[30]["none"] >= 4 and solved[200]["none"] >= 4, solved
    assert min(solved[30].values()) >= 4 and min(solved[200].values()) >= 3, solved


@pytest.mark.slow
@pytest.mark.parametrize("seed", SEEDS)
def test_one_cell_only_runs_with_an_output_gate_peephole_keep_time(seed):
    sweep, scores = one_cell(seed)
    solved = {T: sweep.solved(T) for T in (30, 200)}
    assert all(solved[T][v] == 0 for T in (30, 200) for v in WITHOUT_P_O), solved
    assert all(scores[T][v].max() == 0 for T in (30, 200) for v in WITHOUT_P_O)
    assert solved[30]["p_o"] >= 1 and solved[200]["p_o"] >= 1, solved
    n = ch06.ONE_CELL["seeds"]
    assert solved[200]["p_o"] < n / 2 and solved[200]["all"] < n / 2, solved


@pytest.mark.slow
@pytest.mark.parametrize("seed", SEEDS)
def test_the_on_time_cells_swing_their_output_gate_and_a_plain_one_shuts_it(seed):
    sweep, scores = one_cell(seed)
    cells = [m for v in ("p_o", "all") for m, s in zip(sweep.models[v], scores[200][v]) if s >= 0.9]
    ranges = [ch06.output_gate_range(m, last=20) for m in cells]
    assert all(lo < 0.05 and hi > 0.95 for lo, hi in ranges), ranges
    assert min(abs(m.rnn.p_o.item()) for m in cells) > 2
    stuck = next((m for v in WITHOUT_P_O for m in sweep.models[v] if ch06.output_gate_range(m)[1] < 0.1), None)
    assert stuck is not None
    o_stuck = ch06.trace(stuck)["o"]                  # the page's left trace: open, then shut from step 8
    assert o_stuck[3:8].max() > 0.9 and o_stuck[8:].max() < 0.1, o_stuck


@pytest.mark.slow
@pytest.mark.parametrize("seed", (0, *SEEDS))
def test_exercise_4_with_two_units_most_runs_keep_time_but_with_all_three_peepholes(seed):
    """The solution's claim: with two units, at least 6 of 10 runs keep time over 200 steps for
    every variant except the one with all three peepholes (sweep 0 is the exercise's own)."""
    two = ch06.train_variants(ch06.seeds(seed, 10), hidden_size=2, steps=1500, lr=3e-2)
    solved = two.solved(200)
    assert all(solved[v] >= 6 for v in ("none", "p_f", "p_i", "p_o")), solved


def test_packed_training_is_training_alone_in_the_chapters_setting():
    """The chapter trains its sweeps packed; one variant trained alone for a few steps gets the
    same weights as inside the pack (tests/test_packed.py proves it in general)."""
    pack_sweep = ch06.train_variants((3,), hidden_size=2, steps=20, lr=3e-2)
    alone = ch06.variant_models(3, 2)["p_o"]
    data = ch06.every_start(30)
    lstmlib.train(alone, lambda: data, steps=20, loss="mse", lr=3e-2, clip=None, progress=False)
    for p, q in zip(pack_sweep.models["p_o"][0].parameters(), alone.parameters()):
        torch.testing.assert_close(p, q, atol=1e-5, rtol=1e-4)


# ---------------------------------------------------------------------------------------------
# The chapter's functions, fast
def test_the_variants_of_one_seed_start_from_the_same_weights():
    models = ch06.variant_models(4, 3)
    assert list(models) == list(ch06.VARIANTS)
    for name, m in models.items():
        assert m.rnn.peepholes == ch06.VARIANTS[name]
        assert torch.equal(m.rnn.W, models["none"].rnn.W) and torch.equal(m.rnn.b, models["none"].rnn.b)
        assert torch.equal(m.readout.weight, models["none"].readout.weight)


def test_on_time_counts_the_starts_whose_every_step_has_the_right_sign():
    _, y = ch06.every_start(200)
    assert ch06.on_time(lambda x: 0.5 * y, 200) == 1.0                # right sign, small: on time
    late = torch.roll(y, 1, dims=0)                                   # every flip one step late
    assert ch06.on_time(lambda x: late, 200) == 0.0
    half = y.clone()
    half[100:, 5:] *= -1                                              # five starts lose the beat
    assert ch06.on_time(lambda x: half, 200) == 0.5


def test_the_figures_draw():
    sweep = ch06.train_variants((0,), hidden_size=1, steps=3, lr=3e-2)
    scores = sweep.scores(30)
    assert sweep.solved(30) == {name: int((s >= 0.9).sum()) for name, s in scores.items()}
    for fig in (ch06.strip_plot({"a": scores, "b": scores}),
                ch06.sight_plot([0, 1], ch06.gate_sight([0, 1])),
                ch06.trace_plot({"one": ch06.trace(sweep.models["p_o"][0])})):
        assert fig.get_size_inches()[0] * fig.dpi == 700
        assert fig._repr_png_()[:4] == b"\x89PNG"
    lo, hi = ch06.output_gate_range(sweep.models["none"][0])
    assert 0 <= lo <= hi <= 1
