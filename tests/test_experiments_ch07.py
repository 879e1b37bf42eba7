"""Chapter 7's functions (lstmlib.experiments.ch07, ch07_inside, ch07_runs, ch07_sweep,
ch07_plots) and the quantitative sentences of its exercises' solutions.

The chapter's claims are checked by the notebook itself (book/07_coupled_gates.ipynb, in its
folded check cells), and over many seeds and numeric environments by
``benchmarks/robustness.py``; ``tests/test_other_runs.py`` runs it with another seed. Here: fast
tests of the functions (bad input, shapes, small deterministic facts), and, marked slow, the
solutions of exercises 1, 4 and 5, over runs the notebook does not train, and a sample of
the precomputed sweep the page shows (benchmarks/coupled_sweep.py), run again.
"""
import numpy as np
import pytest
import torch

import lstmlib
from lstmlib.experiments import ch07, ch07_inside, ch07_plots, ch07_runs, ch07_sweep
from lstmlib.models.packed import Pack
from lstmlib.tasks import counting
from lstmlib.training import sweeps


@pytest.mark.parametrize("D, H", [(2, 16), (1, 3), (5, 40)])
def test_the_coupled_layer_saves_a_quarter_at_any_size(D, H):
    counts = ch07.parameter_counts(D, H)
    assert counts["LSTM"] == 4 * H * (H + D + 1)
    assert counts["CoupledLSTM"] == 3 * H * (H + D + 1)


def test_runs_do_not_overlap_between_seeds():
    assert ch07.runs(0) == tuple(range(ch07.RUNS))
    assert set(ch07.runs(1)).isdisjoint(ch07.runs(0)) and len(set(ch07.runs(3))) == ch07.RUNS


def test_the_matched_start_gives_the_lstm_the_coupled_lstms_input_gate():
    """b_i = -b_f, so sigma(b_i) = 1 - sigma(b_f): the coupled LSTM's i_t at zero input."""
    b_f = ch07.COUPLING["forget_bias"]
    lstm, default = ch07.model("LSTM", 3), ch07.model("LSTM", 3, input_bias=None)
    assert torch.equal(lstm.rnn.gate("i")[1], torch.full((16,), -b_f))
    assert torch.equal(default.rnn.gate("i")[1], torch.zeros(16))
    assert torch.equal(lstm.rnn.gate("f")[1], torch.full((16,), b_f))
    assert torch.equal(lstm.rnn.gate("f")[0], default.rnn.gate("f")[0])   # the same draw
    cifg = ch07.model("CoupledLSTM", 3)
    assert cifg.rnn.blocks == ("f", "C", "o")
    x, _, _ = ch07.fresh_batch("sum", 3, n=50)
    with torch.no_grad():
        i_lstm = lstm.rnn(x[:1], return_gates=True)[2]["i"]              # the first step: h_0 = 0
        i_cifg = cifg.rnn(x[:1], return_gates=True)[2]["i"]
    sigma = torch.sigmoid(torch.tensor(-b_f))
    assert abs(i_lstm.mean() - sigma) < 0.05 and abs(i_cifg.mean() - sigma) < 0.05


def test_bad_input_is_refused_with_what_was_expected():
    with pytest.raises(ValueError, match="unknown variant 'GRU'"):
        ch07.model("GRU", 0)
    with pytest.raises(ValueError, match="unknown task 'max'"):
        ch07.train_runs("LSTM", "max", [0], 0.02, steps=1)
    with pytest.raises(ValueError, match="unknown task 'max'"):
        ch07.task_fn("max")
    g = ch07_inside.inside(ch07.model("LSTM", 0), "sum", 0, n=8)
    with pytest.raises(ValueError, match="'marked' or 'between', got 'after'"):
        g.at("f", "after")


def test_a_pack_of_runs_trains_each_network_as_if_it_were_alone():
    packed = ch07.train_runs("CoupledLSTM", "sum", [7, 8], 0.02, steps=6)
    alone, history = ch07.train_run("CoupledLSTM", "sum", 7, lr=0.02, steps=6)
    assert len(history.loss) == 6
    for p, q in zip(packed[0].parameters(), alone.parameters()):
        torch.testing.assert_close(p, q, atol=1e-5, rtol=0)
    assert not torch.equal(packed[0].rnn.W, packed[1].rnn.W)


def test_the_held_out_error_is_a_share_of_the_baseline():
    """The best constant answer (the mean) scores about 1, a perfect answer 0."""
    net = ch07.model("LSTM", 0)
    x, y, _ = ch07.fresh_batch("sum", 0)
    with torch.no_grad():
        net.readout.weight.zero_()
        net.readout.bias.fill_(y.mean().item())                         # the sequences' mean
    spread = y.var(unbiased=False).item()
    assert ch07.held_out(net, "sum", 0) == pytest.approx(spread / counting.baseline("sum"), rel=1e-4)
    assert counting.baseline("sum") == pytest.approx(spread, rel=0.1)
    valid, test = (ch07.held_out(net, "sum", 0, stream=s) for s in (ch07.VALID, ch07.TEST))
    assert valid != test                                                 # other sequences


def comparison():
    lrs = (0.01, 0.02)
    error = {("sum", "LSTM", 0.01): np.array([0.1, 0.2, 0.3]), ("sum", "LSTM", 0.02): np.array([0.05, 0.5, 0.6]),
             ("sum", "CoupledLSTM", 0.01): np.array([0.02, 0.03, 0.04]),
             ("sum", "CoupledLSTM", 0.02): np.array([0.01, 0.01, 0.02])}
    valid = {("sum", "LSTM", 0.01): np.array([0.1, 0.2, 0.3]), ("sum", "LSTM", 0.02): np.array([0.05, 0.4, 0.6]),
             ("sum", "CoupledLSTM", 0.01): np.array([0.02, 0.03, 0.04]),
             ("sum", "CoupledLSTM", 0.02): np.array([0.01, 0.01, 0.03])}
    models = {k: [f"{k}/{r}" for r in range(3)] for k in error}
    return ch07.Comparison((0, 1, 2), lrs, error, valid, models)


def test_each_variant_keeps_the_learning_rate_with_the_lowest_median_validation_error():
    c = comparison()
    assert c.chosen == {("sum", "LSTM"): 0.01, ("sum", "CoupledLSTM"): 0.02}
    np.testing.assert_array_equal(c.best("sum", "LSTM"), [0.1, 0.2, 0.3])
    assert c.best_models("sum", "CoupledLSTM")[0] == "('sum', 'CoupledLSTM', 0.02)/0"
    assert c.median("sum", "LSTM") == 0.2 and c.median("sum", "LSTM", 0.02) == 0.5
    table = c.table().splitlines()
    assert len(table) == 3 and max(map(len, table)) <= 79
    assert "20.00%*" in table[1] and "1.00%*" in table[2]


def sweep_like_rows():
    """Rows as the sweep writes them: two seeds, two learning rates, the sum only."""
    rows = []
    for seed in (1, 2):
        for variant, start in ch07_sweep.NETWORKS:
            for lr, valid in ((0.02, [0.3, 0.1, 0.2, 0.4]), (0.04, [0.2, 0.2, 0.05, 0.9])):
                if variant == "CoupledLSTM":
                    valid = valid[::-1] if lr == 0.02 else [1.0] * 4
                rows.append(dict(task="sum", variant=variant, start=start, lr=lr, seed=seed,
                                 test=[seed * lr] * 4, valid=valid))
    return rows


def test_the_page_takes_each_variants_learning_rate_from_the_sweep():
    rows = sweep_like_rows()
    medians = ch07_runs.per_seed_medians(rows)
    assert set(medians) == {("sum", "LSTM"), ("sum", "CoupledLSTM")}
    np.testing.assert_allclose(medians["sum", "LSTM"][0.04], [0.04, 0.08])   # seed 1, seed 2
    assert ch07_runs.sweep_lrs(rows) == {("sum", "LSTM"): 0.04, ("sum", "CoupledLSTM"): 0.02}
    assert ch07_runs.sweep_lrs(rows, "default") == ch07_runs.sweep_lrs(rows)
    with pytest.raises(ValueError, match="'test', 'valid' or 'beyond', got 'train'"):
        ch07_runs.per_seed_medians(rows, "train")
    with pytest.raises(ValueError, match="'matched' or 'default', got 'open'"):
        ch07_runs.sweep_lrs(rows, "open")
    with pytest.raises(ValueError, match="no rows of the sweep hold 'beyond'"):
        ch07_runs.per_seed_medians(rows, "beyond")
    with pytest.raises(TypeError, match=r"expected lrs to be a non-empty dict"):
        ch07_runs.compare_at(0, 0.02)


def test_the_page_run_measures_each_network_as_the_sweep_does():
    live = ch07_runs.Live((0, 1), {("sum", "LSTM"): 0.04},
                          {("sum", "LSTM"): np.array([0.1, 0.3])}, {("sum", "LSTM"): ["a", "b"]})
    assert live.median("sum", "LSTM") == pytest.approx(0.2)
    table = live.table().splitlines()
    assert len(table) == 2 and max(map(len, table)) <= 79 and "10.00  30.00" in table[1]


def test_the_learning_rate_figure_has_a_panel_per_task_and_refuses_bad_input():
    rows = sweep_like_rows()
    by_lr, chosen = ch07_runs.per_seed_medians(rows), ch07_runs.sweep_lrs(rows)
    names = {"LSTM": "LSTM", "CoupledLSTM": "CoupledLSTM (CIFG)"}
    fig = ch07_plots.lr_choice(by_lr, chosen, {"sum": "the sum"}, names)
    assert [ax.get_title() for ax in fig.axes] == ["the sum"]
    assert "median of the 2 seeds" in fig.legends[0].get_title().get_text()
    assert ch07_plots._between_decades(0.5, 0) == "0.5" and ch07_plots._between_decades(3, 0) == ""
    with pytest.raises(TypeError, match="expected chosen to be a non-empty dict, got float"):
        ch07_plots.lr_choice(by_lr, 0.02, {"sum": "the sum"}, names)
    with pytest.raises(ValueError, match="no.* for .*'sum', 'CoupledLSTM'"):
        ch07_plots.lr_choice(by_lr, chosen, {"sum": "the sum"}, {"LSTM": "LSTM"})


def test_a_coupled_network_writes_nothing_where_its_forget_gate_is_held():
    net = ch07.model("CoupledLSTM", 1)
    free = ch07_inside.inside(net, "sum", 1, n=20)
    held = ch07_inside.inside(net, "sum", 1, n=20, hold=True)
    assert free.coupling_error() < 1e-6 and free.change_at_marked() > 0
    assert held.at("i", units=range(16)).max() == 0.0 and held.change_at_marked() == 0.0
    assert len(free.top) == 3 and free.final_size().shape == (16,)
    assert float(free.gates["C_t"].abs().max()) < 1


def test_a_pack_is_measured_as_each_of_its_networks_alone():
    pack = ch07.train_pack("LSTM", "last", [3, 4], 0.02, steps=3)
    together = ch07.pack_held_out(pack, "last", 3, n=300)
    alone = [ch07.held_out(m, "last", 3, n=300) for m in pack.unpack()]
    np.testing.assert_allclose(together, alone, rtol=1e-5)


def test_exercise_1_the_parameter_counts_of_its_solution():
    """Solution: 1,216, 912 and 928 for D = 2, H = 16 (the GRU has the extra bias b_hn)."""
    assert ch07.parameter_counts() == {"LSTM": 1_216, "CoupledLSTM": 912}
    assert sum(p.numel() for p in lstmlib.GRU(2, 16).parameters()) == 928


# ---------------------------------------------------------------------------------------------
# The sweep the page shows (benchmarks/coupled_sweep.py)
# ---------------------------------------------------------------------------------------------
def sweep_rows():
    return sweeps.load(ch07_sweep.RESULTS).rows


def test_the_sweep_is_complete_and_made_by_the_code_as_it_is():
    results = sweeps.load(ch07_sweep.RESULTS)                 # StaleResults if the code changed
    assert results.complete and len(results.rows) == 20 * 2 * 3 * 3
    assert {r["seed"] for r in results.rows} == set(ch07_sweep.SWEEP_SEEDS)
    assert all(len(r["test"]) == ch07.RUNS == len(r["valid"]) for r in results.rows)
    ratios = ch07_sweep.ratios(results.rows)
    assert set(ratios) == {(t, s) for t in ch07.TASKS for s in ("matched", "default")}
    assert all(r.shape == (20,) and (r > 0).all() for r in ratios.values())
    assert set(ch07_sweep.ratios(results.rows, "beyond")) == {("sum", "matched"), ("sum", "default")}


@pytest.mark.slow
@pytest.mark.parametrize("line", [dict(task="sum", variant="LSTM", start="matched", lr=0.02, seed=1),
                                  dict(task="last", variant="CoupledLSTM", start="matched", lr=0.04, seed=2)])
def test_a_line_of_the_sweep_run_again_falls_within_the_sweeps_spread(line):
    """Run again here (another CPU: other numbers), a line's median lies within the range of
    that network's medians over the sweep's 20 seeds, widened by half on either side."""
    again = np.median(ch07_sweep.sweep_run(**line)["test"])
    same = [np.median(r["test"]) for r in sweep_rows()
            if all(r[k] == v for k, v in line.items() if k != "seed")]
    assert len(same) == 20
    assert min(same) / 1.5 < again < 1.5 * max(same), (again, min(same), max(same))


# ---------------------------------------------------------------------------------------------
# The exercises' solutions: what they report "when we tried seeds ..."
# ---------------------------------------------------------------------------------------------
@pytest.mark.slow
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_exercise_4_the_default_start_leaves_the_input_gate_open(seed):
    """Solution: from the default start the mean i_t between the markers is at least 0.1
    higher and more units end beyond |C_T| = 1.5. (The median error of four runs is not
    claimed: it was lower from the default start for seed 1 under the old-laptop environment.)"""
    run_list = ch07.runs(seed)
    found = {}
    for start, bias in (("default", None), ("matched", -1.0)):
        nets = ch07.train_runs("LSTM", "sum", run_list, 0.04, input_bias=bias)
        looks = [ch07_inside.inside(m, "sum", r) for m, r in zip(nets, run_list)]
        found[start] = dict(between=np.mean([g.write_between() for g in looks]),
                            saturated=np.mean([g.saturated() for g in looks]))
    default, matched = found["default"], found["matched"]
    assert default["between"] > matched["between"] + 0.1, found
    assert default["saturated"] > matched["saturated"], found


@pytest.mark.slow
@pytest.mark.parametrize("seed", [1, 2])
def test_exercise_5_on_counting_the_coupled_lstm_is_better(seed):
    """Solution: the coupled LSTM's median error on counting is the lower (the factor depends on
    the machine: 2.7 and 1.6 for seeds 1 and 2 in the old-laptop environment)."""
    run_list = ch07.runs(seed)
    median = {v: np.median([ch07.held_out(m, "count", r) for m, r
                            in zip(ch07.train_runs(v, "count", run_list, 0.02), run_list)])
              for v in ch07.VARIANTS}
    assert median["LSTM"] > median["CoupledLSTM"], median


def test_keep_and_write_is_one_in_a_coupled_lstm_and_weighs_units_by_importance():
    """Inside.keep_and_write: f_t + i_t = 1 exactly in a coupled LSTM, whatever the weights;
    in an LSTM it is the importance-weighted mean of each unit's f_t + i_t at the marked steps."""
    for variant in ch07.VARIANTS:
        net = ch07.model(variant, 0)
        look = ch07_inside.inside(net, "sum", 0, n=16)
        value = look.keep_and_write()
        per_unit = (look.gates["f"] + look.gates["i"])[look.marked].mean(0)
        weight = ch07_inside.importance(net, look.x)
        if variant == "CoupledLSTM":
            assert abs(value - 1.0) < 1e-6
        else:
            assert per_unit.min() - 1e-6 <= value <= per_unit.max() + 1e-6
            assert value == pytest.approx(float((per_unit * weight).sum() / weight.sum()), rel=1e-6)
            assert value != pytest.approx(float(per_unit.mean()), rel=1e-6)   # not the plain mean


def test_clipping_each_network_of_a_pack_is_what_the_pack_itself_does():
    """ch07.AdamClipEach clips as lstmlib.models.packed.Pack.clip_each does, with other code."""
    packs = [Pack([ch07.model("CoupledLSTM", r) for r in (0, 1, 2)]) for _ in range(2)]
    x, y = counting.marked_sum(20, 8, generator=torch.Generator().manual_seed(0))
    for pack in packs:
        pack.loss("mse")(pack(x), y).backward()
    with torch.no_grad():
        for p in packs[0].parameters():
            p.grad.mul_(50.0)                  # large enough that every network is clipped
        for p in packs[1].parameters():
            p.grad.mul_(50.0)
    norms = packs[0].clip_each(0.3)
    assert (norms > 0.3).all()
    opt = ch07.AdamClipEach(packs[1], lr=0.0, clip=0.3)
    opt.step()                                 # lr 0: only the clipping acts
    for p, q in zip(packs[0].parameters(), packs[1].parameters()):
        torch.testing.assert_close(p.grad, q.grad, atol=1e-6, rtol=1e-5)
