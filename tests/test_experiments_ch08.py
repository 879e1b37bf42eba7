"""Chapter 8's functions (book/08_gru.ipynb), the claims of its exercise solutions, and its
precomputed sweep re-run in part.

The chapter's own claims are checked in the notebook (lstmlib.claims), which
tests/test_other_runs.py runs with another seed as another CPU and benchmarks/robustness.py
many times. Here: what the notebook cannot check itself (the solutions' sentences, a sample of
the sweep's runs made again on this machine) and the functions on their own.
"""
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

import lstmlib
from lstmlib.cells import gru_cell
from lstmlib.experiments import ch08, ch08_compare, ch08_sweep
from lstmlib.training import sweeps

SWEEP = "benchmarks/results/gru_sweep.jsonl"


# ---------------------------------------------------------------------------------------------
# The exercises' solutions
# ---------------------------------------------------------------------------------------------
def test_exercise_4_torch_nn_gru_keeps_two_full_bias_vectors():
    assert sum(p.numel() for p in torch.nn.GRU(2, 32).parameters()) == 3_456
    assert sum(p.numel() for p in lstmlib.GRU(2, 32).parameters()) == 3_392


@pytest.mark.slow
def test_exercise_3_the_learning_rate_decides_which_network_is_ahead():
    """The solution: in 300 steps on temporal order, the plain GRU stays at chance in every run
    at learning rate 0.01 and learns in some at 0.03; the LSTM learns in few at either."""
    runs = range(5)
    acc = {(lr, m): [ch08_compare.train_run(m, "temporal", run, steps=300, lr=lr).held_out
                     for run in runs] for lr in (1e-2, 3e-2) for m in ("LSTM", "GRU")}
    learned = {k: sum(a > 0.9 for a in v) for k, v in acc.items()}
    assert max(acc[1e-2, "GRU"]) < 0.35, acc
    assert learned[3e-2, "GRU"] >= 1, acc
    assert learned[1e-2, "LSTM"] + learned[3e-2, "LSTM"] <= 5, acc


# ---------------------------------------------------------------------------------------------
# The precomputed sweep: tied to its code, and some of its runs made again here
# ---------------------------------------------------------------------------------------------
def test_the_sweep_is_complete_and_made_by_the_code_as_it_is():
    results = sweeps.load(SWEEP)
    assert results.complete
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
    import gru_sweep
    assert sorted(map(sweeps.run_key, (r["run"] for r in results.records))) == \
        sorted(map(sweeps.run_key, gru_sweep.planned_runs()))


@pytest.mark.slow
@pytest.mark.parametrize("task, model", [("adding", "GRU"), ("temporal", "GRU, b_z = 3")])
def test_a_run_of_the_sweep_made_again_here_learns_as_the_page_says(task, model):
    """The page says these networks learned in every run at their best rate: a run made on
    this machine (another CPU than the sweep's, perhaps) learns too, within the steps the
    sweep's runs took, and scores within the sweep's spread."""
    rows = sweeps.load(SWEEP).rows
    lr = ch08_sweep.best_lrs(rows, task)[model]
    cell = ch08_sweep.sweep_cells(rows, task)[model, lr]
    again = ch08_sweep.sweep_run(model, task, cell[0]["run"], lr)
    assert again["learned_at"] is not None
    assert again["learned_at"] <= 1.5 * max(r["learned_at"] for r in cell)


def test_steps_to_learn_and_the_best_rate_follow_their_definitions():
    # MSE 0.2 for 40 steps, then 0.01: the 25-step average is below 0.05 once at most 5 of
    # its steps are 0.2 ones (5·0.2 + 20·0.01 = 1.2 < 1.25), first at step 60.
    curve = np.r_[np.full(40, 0.2), np.full(60, 0.01)]
    assert ch08_sweep.steps_to_learn(curve, "adding") == 60
    assert ch08_sweep.steps_to_learn(np.full(50, 0.2), "adding") is None
    # accuracy 0.25 for 30 steps, then 1: above 0.9 once at most 3 of 25 are 0.25 (step 52)
    acc = np.r_[np.full(30, 0.25), np.full(30, 1.0)]
    assert ch08_sweep.steps_to_learn(acc, "temporal") == 52
    rows = [dict(task="temporal", model=m, lr=lr, run=k, valid=v, test=v, setback=0.0,
                 learned_at=50 if v > 0.9 else None)
            for m in ch08_compare.COMPARED["temporal"] for lr, v in ((0.01, 0.3), (0.1, 0.95))
            for k in range(3)]
    assert ch08_sweep.best_lrs(rows, "temporal") == {m: 0.1 for m in ch08_compare.COMPARED["temporal"]}
    text = ch08_sweep.sweep_table(rows, "temporal")
    assert all(len(line) <= 79 for line in text.splitlines())
    assert ch08_sweep.median_step(rows[:3]) == np.inf and ch08_sweep.median_step(rows[3:6]) == 50


def test_the_worked_example_through_the_layer():
    step = ch08.worked_example()
    layer = lstmlib.GRU(1, 2, dtype=torch.float64)
    with torch.no_grad():
        layer.W.copy_(step["W"])
        layer.b.copy_(step["b"])
        layer.b_hn.copy_(step["b_hn"])
    _, h_layer = layer(step["x_t"][None, None], state=step["h_prev"][None])
    assert torch.allclose(h_layer[0], step["h_t"])
    h_t, _ = gru_cell(step["x_t"][None], step["h_prev"][None], step["W"], step["b"], step["b_hn"])
    assert torch.allclose(h_t[0], step["h_t"])


# ---------------------------------------------------------------------------------------------
# The chapter's functions on their own
# ---------------------------------------------------------------------------------------------
def test_figure11_cell_follows_its_equations_by_hand():
    g = torch.Generator().manual_seed(3)
    H, D, B = 3, 2, 4
    x, h = torch.randn(B, D, generator=g, dtype=torch.float64), torch.rand(B, H, generator=g, dtype=torch.float64)
    W, b = torch.randn(3 * H, H + D, generator=g, dtype=torch.float64), torch.randn(3 * H, generator=g, dtype=torch.float64)
    b_hn = torch.randn(H, generator=g, dtype=torch.float64)
    z = torch.sigmoid(torch.cat([h, x], 1) @ W[:H].T + b[:H])
    r = torch.sigmoid(torch.cat([h, x], 1) @ W[H:2 * H].T + b[H:2 * H])
    W_nh, W_nx, b_n = W[2 * H:, :H], W[2 * H:, H:], b[2 * H:]
    before = torch.tanh(torch.cat([r * h, x], 1) @ W[2 * H:].T + b_n + b_hn)
    after = torch.tanh(x @ W_nx.T + b_n + r * (h @ W_nh.T + b_hn))
    for reset, h_tilde in (("before", before), ("after", after)):
        h_t, (z_t, r_t, ht) = ch08.figure11_cell(x, h, W, b, b_hn, reset=reset)
        torch.testing.assert_close(ht, h_tilde)
        torch.testing.assert_close(h_t, (1 - z) * h + z * h_tilde)
        torch.testing.assert_close((z_t, r_t), (z, r))
    # flipped z and reset after: lstmlib's cell
    W_f, b_f = ch08.flip_z(W, b)
    h_t, _ = ch08.figure11_cell(x, h, W_f, b_f, b_hn, reset="after")
    torch.testing.assert_close(h_t, gru_cell(x, h, W, b, b_hn)[0])
    assert torch.equal(W_f[H:], W[H:]) and torch.equal(W_f[:H], -W[:H]) and torch.equal(b_f[:H], -b[:H])


def test_figure11_run_is_the_cell_step_by_step():
    g = torch.Generator().manual_seed(4)
    x = torch.randn(5, 2, 3, generator=g, dtype=torch.float64)
    W, b = torch.randn(12, 7, generator=g, dtype=torch.float64), torch.randn(12, generator=g, dtype=torch.float64)
    out = ch08.figure11_run(x, W, b)
    h = torch.zeros(2, 4, dtype=torch.float64)
    for t in range(5):
        h, _ = ch08.figure11_cell(x[t], h, W, b)
        torch.testing.assert_close(out[t], h)


def test_bad_input_gets_a_clear_error():
    x, h = torch.zeros(2, 3), torch.zeros(2, 4)
    W, b = torch.zeros(12, 7), torch.zeros(12)
    with pytest.raises(ValueError, match="expected reset to be 'before'"):
        ch08.figure11_cell(x, h, W, b, reset="inside")
    with pytest.raises(ValueError, match=r"expected W \(3H, H \+ D\)"):
        ch08.figure11_cell(x, h, torch.zeros(8, 7), b)
    with pytest.raises(ValueError, match=r"expected x of shape \(T, B, D\)"):
        ch08.figure11_run(x, W, b)
    with pytest.raises(ValueError, match="unknown model 'RNN'"):
        ch08_compare.build("RNN", "adding", 0)
    with pytest.raises(ValueError, match="unknown task 'sum'"):
        ch08_compare.build("GRU", "sum", 0)
    with pytest.raises(ValueError, match="non-negative int seed"):
        ch08_compare.runs(-1)
    assert ch08_compare.runs(2) == (6, 7, 8)


def test_the_models_start_where_the_text_says():
    lstm = ch08_compare.build("LSTM", "temporal", 0).rnn
    assert isinstance(lstm, lstmlib.LSTM) and (lstm.gate("f")[1] == 3.0).all()
    assert (ch08_compare.build("LSTM", "adding", 0).rnn.gate("f")[1] == 2.0).all()
    gru = ch08_compare.build("GRU", "temporal", 0).rnn
    assert isinstance(gru, lstmlib.GRU) and gru.hidden_size == 37
    assert (gru.b == 0).all() and (gru.b_hn == 0).all()
    head = ch08_compare.build("GRU, b_z = 3", "temporal", 0).rnn
    assert (head.gate("z")[1] == 3.0).all() and (head.gate("r")[1] == 0).all()
    torch.testing.assert_close(head.W, gru.W)          # the same run: the same weights


def test_a_short_comparison_gives_every_run_a_score_a_figure_and_a_table():
    runs = {("adding", m): [ch08_compare.train_run(m, "adding", k, steps=3) for k in (0, 1)] for m in ("LSTM", "GRU")}
    runs.update({("temporal", m): [ch08_compare.train_run(m, "temporal", k, steps=3) for k in (0, 1)]
                 for m in ch08_compare.COMPARED["temporal"]})
    for r in runs.values():
        assert len(r[0].curve) == 3
    for task in ch08_compare.TASKS:
        text = ch08_compare.table(runs, task)
        assert len(text.splitlines()) == 4 and all(len(line) <= 79 for line in text.splitlines())
        fig = ch08_compare.curves_figure(runs, task)
        assert fig.axes[0].get_ylabel() and fig.axes[0].get_xlabel() == "training step"
    gru_run = runs[("adding", "GRU")][0]
    assert ch08_compare.moved_reset(gru_run) > 0 and ch08_compare.trained_memory(gru_run).shape == (51, 37)
    assert 0 < ch08_compare.mean_reset(gru_run) < 1
    with pytest.raises(ValueError, match="expected a GRU run"):
        ch08_compare.moved_reset(runs[("adding", "LSTM")][0])
    with pytest.raises(ValueError, match="expected a GRU run"):
        ch08_compare.trained_memory(runs[("adding", "LSTM")][0])
