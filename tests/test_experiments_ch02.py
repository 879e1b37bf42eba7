"""Chapter 2's functions (book/02_cell_state.ipynb), the claims of its exercise solutions, and
its precomputed bias map re-run in part.

The chapter's own claims are checked in the notebook (lstmlib.claims), which
tests/test_other_runs.py runs with another seed as another CPU and benchmarks/robustness.py
many times. Here: what the notebook cannot check itself (the solutions' sentences, a sample of
the map's runs made again on this machine) and the functions on their own.
"""
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

import lstmlib
from lstmlib.analysis import gradients
from lstmlib.experiments import ch02, ch02_map, ch02_plots
from lstmlib.models import recipes
from lstmlib.training import sweeps

MAP = "benchmarks/results/ch02_bias_map.jsonl"


def sigma(b):
    return torch.sigmoid(torch.tensor(b)).item()


# ---------------------------------------------------------------------------------------------
# The exercises' solutions
# ---------------------------------------------------------------------------------------------
def test_exercise_1_without_a_forget_gate_the_direct_path_is_the_identity():
    torch.manual_seed(0)
    layer = lstmlib.LSTM(8, 4, forget_gate=False)
    x = torch.randn(30, 3, 8)                                          # (T, S, D)
    J = gradients.jacobians(layer, x, of="C", wrt="C", detach_h=True)  # (T + 1, S, H, H)
    assert torch.equal(J, torch.eye(4).expand_as(J))


def test_exercise_2_the_share_at_the_start_does_not_decide_alone():
    """The solution: b_f = 0 at T = 20 keeps σ(0)^16 ≈ 1.5e-5 and learned in all 8 runs;
    b_f = 3 at T = 90 keeps σ(3)^75 ≈ 0.026, over a thousand times more, and learned in 3;
    the runs with b_f = 3 at T = 60 needed from 150 to 571 of their 600 steps."""
    cells = ch02_map.success(sweeps.load(MAP).rows)
    share = {(b, T): sigma(b) ** ch02_map.lag(T) for b, T in cells}
    assert (ch02_map.lag(20), ch02_map.lag(90)) == (16, 75)
    assert 1.4e-5 < share[0.0, 20] < 1.6e-5 and cells[0.0, 20] == (8, 8)
    assert 0.0255 < share[3.0, 90] < 0.0265 and cells[3.0, 90] == (3, 8)
    assert share[3.0, 90] > 1000 * share[0.0, 20]
    steps = [r["learned_at"] for r in sweeps.load(MAP).rows if r["forget_bias"] == 3.0 and r["T"] == 60]
    assert (min(steps), max(steps)) == (150, 571)


def test_exercise_3_on_the_map_bias_2_learned_sooner_than_bias_3_at_t_60():
    rows = sweeps.load(MAP).rows
    steps = {b: [r["learned_at"] for r in rows
                 if r["forget_bias"] == b and r["T"] == 60 and r["learned_at"] is not None]
             for b in (2.0, 3.0)}
    assert np.median(steps[2.0]) < np.median(steps[3.0]) / 2, steps


# ---------------------------------------------------------------------------------------------
# The bias map: complete, made by the code as it is, and reproduced in part here
# ---------------------------------------------------------------------------------------------
def test_the_map_is_complete_and_made_by_the_code_as_it_is():
    results = sweeps.load(MAP)
    assert results.complete
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
    import ch02_bias_map
    assert sorted(map(sweeps.run_key, (r["run"] for r in results.records))) == \
        sorted(map(sweeps.run_key, ch02_bias_map.planned_runs()))


@pytest.mark.slow
@pytest.mark.parametrize("forget_bias, T", [(3.0, 20), (0.0, 45), (3.0, 60)])
def test_a_run_of_the_map_made_again_here_ends_as_its_cell_says(forget_bias, T):
    """Cells far from the boundary, where every run learned or none did: a run made on this
    machine (another CPU than the map's, perhaps) ends the same way, and one that learns does
    so within 1.5 times the steps the map's runs took."""
    rows = [r for r in sweeps.load(MAP).rows if r["forget_bias"] == forget_bias and r["T"] == T]
    learned, runs = ch02_map.success(rows)[forget_bias, T]
    assert learned in (0, runs)
    again = ch02_map.map_run(forget_bias, T, rows[0]["run"])
    if learned:
        assert again["accuracy"] > ch02_map.LEARNED
        assert again["learned_at"] <= 1.5 * max(r["learned_at"] for r in rows)
    else:
        assert again["accuracy"] < 0.35 and again["learned_at"] is None


# ---------------------------------------------------------------------------------------------
# The functions on their own
# ---------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def fresh_carousel():
    """The carousel of a fresh network (no training): fast."""
    return ch02.carousel(recipes.temporal_model(0, forget_bias=3.0), 0, T=30, sequences=4)


def test_the_carousel_has_one_value_per_distance_sequence_and_unit(fresh_carousel):
    for v in (fresh_carousel.product, fresh_carousel.direct, fresh_carousel.full):
        assert v.shape == (31, 4, 32)
    assert fresh_carousel.direct_error() < 1e-4
    assert fresh_carousel.full_difference().shape == (31,)
    assert fresh_carousel.full_difference()[0] == 0.0            # ∂C_T/∂C_T = I on every path


def test_memory_at_initialisation_is_close_to_sigma_of_the_bias_to_the_distance():
    model = recipes.temporal_model(0, forget_bias=3.0)
    memory = ch02.unit_memory(model, 0, T=30, sequences=16)     # (T + 1, H)
    assert memory.shape == (31, 32) and np.all(memory[0] == 1.0)
    reach = ch02.memory_reach(model, 0, T=30, sequences=16)
    assert 0.5 < reach[20] / sigma(3.0) ** 20 < 2


def test_lag_and_learned_at_follow_their_definitions():
    assert ch02_map.lag(60) == 50 and ch02_map.lag(10) == 7
    # accuracy 0.25 for 30 steps, then 1: the 25-step average is above 0.9 once at most 3 of
    # its 25 steps are 0.25 ones (3·0.25 + 22 = 22.75 > 22.5), first at step 52
    assert ch02_map.learned_at(np.r_[np.full(30, 0.25), np.full(30, 1.0)]) == 52
    assert ch02_map.learned_at(np.full(100, 0.25)) is None


def test_success_counts_the_runs_above_90_percent_in_each_cell():
    rows = [dict(forget_bias=b, T=T, run=k, accuracy=a)
            for b, T, accs in ((0.0, 60, (0.25, 0.3, 0.95)), (3.0, 60, (1.0, 0.99, 0.9)))
            for k, a in enumerate(accs)]
    assert ch02_map.success(rows) == {(0.0, 60): (1, 3), (3.0, 60): (2, 3)}


def test_the_figures_draw_and_label_a_log_axis_readably(fresh_carousel):
    fig, units = ch02_plots.carousel_figure(fresh_carousel, sequence=1)
    assert set(units) == {"longest memory", "typical"}
    ax = fig.axes[0]
    low, high = ax.get_ylim()
    labelled = [t for t in ax.get_yticks() if low <= t <= high]
    assert len(labelled) >= 3, labelled                              # not just 10^-1 and 10^0
    cells = {(b, T): (k, 8) for (b, T), k in (((0.0, 10), 8), ((0.0, 60), 0), ((3.0, 10), 8),
                                              ((3.0, 60), 7))}
    fig = ch02_plots.map_figure(cells)
    texts = sorted(t.get_text() for t in fig.axes[0].texts)
    assert texts == ["0/8", "7/8", "8/8", "8/8"]
    memory = {b: ch02.unit_memory(recipes.temporal_model(0, forget_bias=b), 0, T=20, sequences=4)
              for b in (0.0, 3.0)}
    assert len(ch02_plots.memory_figure(memory, memory).axes[0].lines) == 4
    reach = {b: m.mean(1) for b, m in memory.items()}
    assert len(ch02_plots.reach_figure(reach).axes[0].lines) == 4


def test_bad_input_gets_a_clear_error(fresh_carousel):
    with pytest.raises(TypeError, match="Carousel"):
        ch02_plots.carousel_figure(fresh_carousel.product)
    with pytest.raises(ValueError, match="sequence"):
        ch02_plots.carousel_figure(fresh_carousel, sequence=4)
    with pytest.raises(ValueError, match="forget-gate bias"):
        ch02_plots.reach_figure({0.5: np.ones(5)})
    with pytest.raises(TypeError, match="same biases"):
        ch02_plots.memory_figure({0.0: np.ones((5, 2))}, {3.0: np.ones((5, 2))})
    with pytest.raises(TypeError, match="cells"):
        ch02_plots.map_figure([])
    with pytest.raises(TypeError, match="rows"):
        ch02_map.success({})
    with pytest.raises(ValueError, match="T"):
        ch02_map.lag(0)
