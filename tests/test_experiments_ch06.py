"""Chapter 6's functions (book/06_peepholes.ipynb), the claims of its exercise solutions, and
its precomputed sweep re-run in part.

The chapter's own claims are checked in the notebook (lstmlib.claims), which
tests/test_other_runs.py runs with another seed as another CPU and benchmarks/robustness.py
many times. Here: what the notebook cannot check itself (the solutions' sentences, a sample of
the larger sweep's runs made again on this machine) and the functions on their own.
"""
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from scipy import stats

import lstmlib
from lstmlib.experiments import ch06, ch06_cells, ch06_plots, ch06_runs
from lstmlib.tasks import timing
from lstmlib.training import sweeps


# ---------------------------------------------------------------------------------------------
# The exercises' solutions
# ---------------------------------------------------------------------------------------------
def test_exercise_2_the_layers_have_the_sizes_the_solution_compares_with():
    """The solution: with H = 8 the LSTM has 320 parameters, diagonal peepholes add 24 (7.5 %),
    a full 3H² = 192 would add 60 %; with H = 256 diagonal ones add 768 to about 264,000."""
    n = {H: sum(p.numel() for p in lstmlib.LSTM(1, H).parameters()) for H in (8, 256)}
    added = {H: sum(p.numel() for p in lstmlib.PeepholeLSTM(1, H).parameters()) - n[H] for H in (8, 256)}
    assert n[8] == 320 and added == {8: 24, 256: 768}
    assert 100 * added[8] / n[8] == 7.5 and 100 * 3 * 8 ** 2 / n[8] == 60
    assert round(n[256], -3) == 264_000


def test_exercise_4_the_solution_s_rates_are_the_larger_sweep_s():
    """The solution quotes the larger sweep's two-unit runs (60 of each variant): every variant
    learns in more than 60 % of its runs, and the five rates' 95 % intervals all overlap."""
    two = ch06_runs.learnt(ch06_runs.load())["two"]
    assert all(runs == 60 for _, runs in two.values()), two
    rates = {name: ch06.rate(learnt, runs) for name, (learnt, runs) in two.items()}
    assert list(rates) == list(ch06.VARIANTS)
    assert all(r > 0.6 for r, _, _ in rates.values()), rates
    assert max(lo for _, lo, _ in rates.values()) < min(hi for _, _, hi in rates.values()), rates


# ---------------------------------------------------------------------------------------------
# The precomputed sweep: tied to its code, and some of its runs made again here
# ---------------------------------------------------------------------------------------------
def test_the_larger_sweep_is_complete_and_made_by_the_code_as_it_is():
    results = sweeps.load(ch06_runs.PATH)
    assert results.complete
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
    import ch06_runs as script
    assert sorted(script.sources()) == sorted(results.header["sources"])
    assert sorted(map(sweeps.run_key, (r["run"] for r in results.records))) == \
        sorted(map(sweeps.run_key, ch06_runs.planned_runs()))
    runs = ch06_runs.learnt(ch06_runs.load())
    assert {name: {v: n for v, (_, n) in counts.items()} for name, counts in runs.items()} == {
        "eight": dict.fromkeys(ch06.VARIANTS, 50), "one": dict.fromkeys(ch06.ONE_CELL_VARIANTS, 300),
        "two": dict.fromkeys(ch06.VARIANTS, 60)}


def _within_the_sweep_s_spread(counts, sweep_counts):
    """Each variant's count of n fresh runs lies where 999 of 1,000 sweeps of n would put it,
    at any rate within the larger sweep's 99.9 % interval."""
    for name, (k, n) in counts.items():
        learnt, runs = sweep_counts[name]
        _, low, high = ch06.rate(learnt, runs, level=0.999)
        lo, hi = stats.binom.ppf(0.0005, n, low), stats.binom.isf(0.0005, n, high)
        assert lo <= k <= hi, (name, k, n, learnt, runs)


@pytest.mark.slow
@pytest.mark.parametrize("setting", ["one", "two"])
def test_a_sweep_made_again_here_learns_as_often_as_the_larger_sweep_says(setting):
    """Sweep 1 of the larger run, trained again on this machine (another CPU takes another
    path): its counts fall within the spread of the larger sweep's rates."""
    settings, variants, _ = ch06_runs.SETTINGS[setting]
    again = ch06.sweep(1, settings, variants).solved(200)
    n = settings["seeds"]
    sweep_counts = ch06_runs.learnt(ch06_runs.load())[setting]
    _within_the_sweep_s_spread({name: (k, n) for name, k in again.items()}, sweep_counts)


def test_packed_training_is_training_alone_in_the_chapters_setting():
    """The chapter trains its sweeps packed; one variant trained alone for a few steps gets the
    same weights as inside the pack (tests/test_packed.py proves it in general)."""
    pack_sweep = ch06.train_variants((3,), hidden_size=2, steps=20, lr=3e-2, variants=ch06.ONE_CELL_VARIANTS)
    alone = ch06.variant_models(3, 2, ch06.ONE_CELL_VARIANTS)["p_o+p_f"]
    data = ch06.every_start(30)
    lstmlib.train(alone, lambda: data, steps=20, loss="mse", lr=3e-2, clip=None, progress=False)
    for p, q in zip(pack_sweep.models["p_o+p_f"][0].parameters(), alone.parameters()):
        torch.testing.assert_close(p, q, atol=1e-5, rtol=1e-4)


# ---------------------------------------------------------------------------------------------
# The chapter's functions, fast
# ---------------------------------------------------------------------------------------------
def test_the_settings_the_text_states():
    assert ch06.WAVE == dict(shape="square", period=10, starts=10, T=30, test_T=200, tolerance=1.0)
    assert list(ch06.VARIANTS.values()) == [(), ("f",), ("i",), ("o",), ("f", "i", "o")]
    assert list(ch06.ONE_CELL_VARIANTS) == ["none", "p_f", "p_i", "p_o", "p_o+p_i", "p_o+p_f", "all"]
    assert ch06.seeds(0, 5) == (0, 1, 2, 3, 4) and ch06.seeds(2, 20)[0] == 40
    assert ch06_runs.planned_runs()[:2] == [dict(setting="eight", sweep=1), dict(setting="eight", sweep=2)]


def test_the_variants_of_one_seed_differ_only_in_their_peepholes():
    models = ch06.variant_models(4, 3, ch06.ONE_CELL_VARIANTS)
    assert list(models) == list(ch06.ONE_CELL_VARIANTS)
    first = models["none"]
    for name, m in models.items():
        assert m.rnn.peepholes == ch06.ONE_CELL_VARIANTS[name]
        assert torch.equal(m.rnn.W, first.rnn.W) and torch.equal(m.rnn.b, first.rnn.b)
        assert torch.equal(m.readout.weight, first.readout.weight)
        for g in m.rnn.peepholes:                        # the same draw in every variant that has it
            assert torch.equal(getattr(m.rnn, f"p_{g}"), getattr(models["all"].rnn, f"p_{g}"))
    assert (ch06.variant_models(4, 3)["p_o"].rnn.p_o != 0).all()
    with pytest.raises(TypeError, match="variants"):
        ch06.train_variants((0,), 1, 1, 3e-2, variants=["p_o"])


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


def test_on_time_counts_the_starts_whose_every_step_has_the_right_sign():
    _, y = ch06.every_start(200)
    assert ch06.on_time(lambda x: 0.5 * y, 200) == 1.0                # right sign, small: on time
    late = torch.roll(y, 1, dims=0)                                   # every flip one step late
    assert ch06.on_time(lambda x: late, 200) == 0.0
    half = y.clone()
    half[100:, 5:] *= -1                                              # five starts lose the beat
    assert ch06.on_time(lambda x: half, 200) == 0.5


def test_a_closed_output_gate_hides_the_cell_from_the_forget_gate_exactly():
    sight = ch06.gate_sight([0.0, 0.5, 1.0], seed=3)
    assert sight["plain"][0] == 0.0 and sight["peephole"][0] > 0
    assert sight["plain"][2] > sight["plain"][1] > 0


def test_forget_feedback_reads_the_forget_gate_and_its_peephole_term():
    models = ch06.variant_models(0, 1, ch06.ONE_CELL_VARIANTS)
    f, term = ch06.forget_feedback(models["p_o"], T=40, last=10)
    assert term == 0.0 and 0 < f < 1
    with torch.no_grad():
        models["p_f"].rnn.p_f.fill_(-3.0)
        models["p_f"].rnn.b[1:2].fill_(0.0)                            # no input: the cell empties
    x, _ = ch06.every_start(40)
    with torch.no_grad():
        _, _, gates = models["p_f"].rnn(x, return_gates=True)
    f, term = ch06.forget_feedback(models["p_f"], T=40, last=10)
    assert term == pytest.approx(float((-3.0 * gates["C_t"][-11:-1]).mean()), rel=1e-6)
    assert f == pytest.approx(float(gates["f"][-10:].mean()), rel=1e-6)
    with pytest.raises(ValueError, match="last < T"):
        ch06.forget_feedback(models["p_o"], T=20, last=20)
    with pytest.raises(TypeError, match="positive int"):
        ch06.forget_feedback(models["p_o"], T=20.0)


def test_rate_gives_the_exact_binomial_interval():
    r, low, high = ch06.rate(5, 20)
    assert r == 0.25 and low == pytest.approx(0.0866, abs=1e-4) and high == pytest.approx(0.4910, abs=1e-4)
    assert ch06.rate(0, 500)[1:] == (0.0, pytest.approx(0.00735, abs=1e-5))
    assert ch06.rate(20, 20)[2] == 1.0
    with pytest.raises(ValueError, match="learnt <= runs"):
        ch06.rate(21, 20)
    with pytest.raises(TypeError, match="int"):
        ch06.rate(2.0, 20)
    with pytest.raises(ValueError, match="level"):
        ch06.rate(2, 20, level=95)


def test_the_figures_draw():
    sweep = ch06.train_variants((0,), hidden_size=1, steps=3, lr=3e-2, variants=ch06.ONE_CELL_VARIANTS)
    scores = sweep.scores(30)
    assert sweep.solved(30) == {name: int((s >= 0.9).sum()) for name, s in scores.items()}
    counts = {name: (int(k), 1) for name, k in sweep.solved(30).items()}
    feedback = {name: [ch06.forget_feedback(m, T=40, last=10) for m in ms] for name, ms in sweep.models.items()}
    learnt = {name: [bool(s >= 0.9) for s in v] for name, v in scores.items()}
    for fig in (ch06_plots.strip_plot({"a": scores, "b": scores}),
                ch06_plots.rate_plot({"one": {"p_o": (3, 20), "all": (0, 20)}, "two": counts},
                                     this_run={"one": {"p_o": (1, 5)}}),
                ch06_plots.feedback_plot(feedback, learnt),
                ch06_plots.sight_plot([0, 1], ch06.gate_sight([0, 1])),
                ch06_plots.trace_plot({"one": ch06.trace(sweep.models["p_o"][0])})):
        assert fig.get_size_inches()[0] * fig.dpi == 700
        assert fig._repr_png_()[:4] == b"\x89PNG"
    with pytest.raises(TypeError, match="panels"):
        ch06_plots.rate_plot({})


def test_the_page_s_cells_are_found_and_bad_input_is_refused():
    one = ch06.train_variants((0, 1), hidden_size=1, steps=3, lr=3e-2, variants=ch06.ONE_CELL_VARIANTS)
    assert ch06_cells.stuck_cell(one, below=0.0) is None              # no gate is below 0
    assert ch06_cells.stuck_cell(one, below=1.0, opened=1.0) is None  # no gate is above 1
    name, m = ch06_cells.stuck_cell(one, below=1.0, opened=0.0)       # every gate is in (0, 1)
    assert name == "none" and m is one.models["none"][0]
    with pytest.raises(TypeError, match="single-cell"):
        ch06_cells.clock_cell(ch06.train_variants((0,), hidden_size=2, steps=1, lr=3e-2), 0)
    with pytest.raises(RuntimeError, match="no cell with p_o"):
        ch06_cells.clock_cell(one, 0, threshold=1.5, extra=0)         # nothing is on time 150 %


def test_periods_gives_each_period_s_lowest_and_highest_value():
    o = np.tile(np.r_[np.zeros(5), np.ones(5)], 4)[:38]               # 40 steps would be 4 periods
    o = np.r_[0.5, 0.5, 0.5, o]                                       # start at step 3: 41 steps
    got = ch06_cells.periods(o, start=3)
    assert got.shape == (3, 2) and (got == [[0, 1]] * 3).all()
    with pytest.raises(ValueError, match="shape"):
        ch06_cells.periods(np.zeros((4, 2)), start=0)
    with pytest.raises(ValueError, match="at least one period"):
        ch06_cells.periods(np.zeros(12), start=3)
