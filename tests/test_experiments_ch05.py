"""Chapter 5's functions (lstmlib.experiments.ch05, ch05_language) and its exercises' solutions.

The chapter's claims are written once, as checks in ``book/05_output_gate.ipynb``; other seeds
and CPUs rerun them there (``tests/test_other_runs.py``, ``benchmarks/robustness.py``). Here:
fast tests of the functions (the worked example, the pairing of the runs, the pack that trains
each run as alone, the intervention, bad input), and the quantitative sentences of the
solutions of exercises 2, 3 and 4, which a markdown dropdown cannot check itself. The slow ones
run three seeds with bounds chosen from the spread over ten (margin ≥ 3.5 standard deviations,
or the sampling error of a probe's accuracy).
"""
import functools

import pytest
import torch

from lstmlib.experiments import ch05, ch05_language, ch05_leak, ch05_plots
from lstmlib.models import EveryStep
from lstmlib.models.packed import Pack
from lstmlib.tasks import language, recall
from lstmlib.training.seed import seed_everything

SEEDS = (1, 2, 3)


# ---------------------------------------------------------------------------------------------
# The worked example and exercise 2 (deterministic)
# ---------------------------------------------------------------------------------------------
def test_the_worked_example_has_the_numbers_of_the_table():
    _, _, _, steps = ch05.worked_example()
    by_hand = {1: (0.748, 0.018, 0.982, 0.011, 0.623), 2: (0.734, 0.018, 0.982, 0.011, 0.615),
               3: (0.721, 0.982, 0.982, 0.607, 0.607)}
    for t, (C, o0, o1, h0, h1) in by_hand.items():
        s = steps[t - 1]
        assert torch.allclose(s["C_t"], torch.tensor([C, C]).double(), atol=1e-3)
        assert torch.allclose(s["o_t"], torch.tensor([o0, o1]).double(), atol=1e-3)
        assert torch.allclose(s["h_t"], torch.tensor([h0, h1]).double(), atol=1e-3)
        assert torch.allclose(s["f_t"], torch.tensor([0.982, 0.982]).double(), atol=1e-3)
    assert (steps[0]["h_t"][0] / steps[0]["C_t"][0]).item() < 0.02
    assert torch.allclose(steps[0]["C_tilde"], torch.tensor([0.762, 0.762]).double(), atol=1e-3)


def test_the_worked_example_agrees_with_a_whole_layer():
    """The example's W and b in an lstmlib.LSTM layer give the same h_t (the layer's readable path)."""
    import lstmlib
    W, b, x, steps = ch05.worked_example()
    layer = lstmlib.LSTM(3, 2, dtype=torch.float64)
    with torch.no_grad():
        layer.W.copy_(W)
        layer.b.copy_(b)
    output, _ = layer(x[:, None])                                          # (3, 1, 2)
    expected = torch.stack([s["h_t"] for s in steps])                      # (3, 2)
    torch.testing.assert_close(output[:, 0].detach(), expected)


def _example_with(b_o: float, w_cue: float):
    """The worked example's unit 0 with another output bias and cue weight: its h_t, o_t, (3,)."""
    import lstmlib
    W, b, x, _ = ch05.worked_example()
    W, b = W.clone(), b.clone()
    b[6], W[6, 2 + 2] = b_o, w_cue                           # unit 0's o row; x's cue column
    layer = lstmlib.LSTM(3, 2, dtype=torch.float64)
    with torch.no_grad():
        layer.W.copy_(W)
        layer.b.copy_(b)
        output, _, gates = layer(x[:, None], return_gates=True)
    return output[:, 0, 0], gates["o"][:, 0, 0]


def test_exercise_2_a_bias_of_minus_7_hides_below_0001_and_opens_to_073_at_the_cue():
    assert torch.log(torch.tensor(0.001 / 0.999)).item() == pytest.approx(-6.9, abs=0.01)
    h, o = _example_with(-7.0, 8.0)
    assert h[:2].abs().max() < 0.001 and o[:2].max() < 0.001      # before the cue
    assert o[2].item() == pytest.approx(0.73, abs=0.005)          # σ(1) at the cue
    h, o = _example_with(-7.0, 11.0)
    assert o[2].item() == pytest.approx(0.982, abs=0.001)         # σ(4) again


# ---------------------------------------------------------------------------------------------
# The runs, the pack, the intervention
# ---------------------------------------------------------------------------------------------
def test_recall_runs_pairs_the_two_starts_and_its_first_run_is_recall_model():
    runs = ch05.recall_runs(7, runs=3)
    assert list(runs) == list(ch05.STARTS) and all(len(r) == 3 for r in runs.values())
    for half_open, shut in zip(runs["half-open"], runs["shut"]):
        assert torch.equal(half_open.rnn.W, shut.rnn.W)
        assert (half_open.rnn.gate("o")[1] == 0).all() and (shut.rnn.gate("o")[1] == ch05.SHUT).all()
        assert (half_open.rnn.gate("f")[1] == 1).all() and (shut.rnn.gate("f")[1] == 1).all()
    assert not torch.equal(runs["half-open"][0].rnn.W, runs["half-open"][1].rnn.W)
    assert torch.equal(runs["half-open"][0].rnn.W, ch05.recall_model(7).rnn.W)
    assert torch.equal(runs["shut"][0].rnn.b, ch05.recall_model(7, output_bias=ch05.SHUT).rnn.b)


def test_a_pack_clipped_model_by_model_trains_each_network_as_alone():
    """Pack.clip_each and ch05.train_runs: the same weights as train_recall, network by network,
    to float32 rounding (~3e-8; global clipping of the pack differs by ~1e-3 here), with a
    clip small enough to act at every step."""
    def net(seed):
        seed_everything(seed)
        return EveryStep("LSTM", 3, 4, 1)
    alone = [net(s) for s in (1, 2)]
    packed = {"a": [net(1)], "b": [net(2)]}
    for m in alone:
        ch05.train_recall(m, 0, steps=5, T=30, batch=8, clip=0.05)
    history = ch05.train_runs(packed, 0, steps=5, T=30, batch=8, clip=0.05)
    for m, p in zip(alone, [packed["a"][0], packed["b"][0]]):
        for q, r in zip(m.parameters(), p.parameters()):
            torch.testing.assert_close(q, r, rtol=0, atol=1e-6)
    assert all(n > 0.05 for n in history.grad_norm)


def test_clip_each_refuses_bad_input():
    pack = Pack([ch05.recall_model(0), ch05.recall_model(1)])
    with pytest.raises(RuntimeError, match="backward"):
        pack.clip_each(1.0)
    with pytest.raises(ValueError, match="positive"):
        pack.clip_each(0)


def test_recall_runs_and_train_runs_refuse_bad_input():
    with pytest.raises(ValueError, match="positive int"):
        ch05.recall_runs(0, runs=0)
    with pytest.raises(TypeError, match="start"):
        ch05.train_runs([], 0)


def test_the_silent_baseline_is_the_mean_of_v_squared_on_the_test_sequences():
    errors = ch05.silent_errors(0, n=200)
    batch = ch05.recall_batch(0, 200, stream=ch05.TEST)
    assert errors["at"] == pytest.approx((batch.value ** 2).mean().item())
    assert errors["before"] == 0 and errors["after"] == 0


def test_leak_holding_a_constant_gate_at_its_own_mean_changes_nothing():
    """A network whose output gates read nothing (W_o = 0) has o_t = σ(b_o) at every step: held
    at its own mean it runs as free; held at 1 or 0 it changes."""
    model = ch05.recall_model(0)
    with torch.no_grad():
        model.rnn.W[3 * 16:].zero_()
        model.rnn.b[3 * 16:].fill_(0.3)
    batch = ch05.recall_batch(0, 50)
    leaks = ch05_leak.leak(model, batch, [0, 1, 2])
    assert list(leaks) == list(ch05_leak.LEAK_RUNS)
    assert leaks["own mean"].before == pytest.approx(leaks["free"].before, rel=1e-5)
    assert leaks["1"].before != pytest.approx(leaks["free"].before, rel=1e-3)
    assert leaks["0"].before != pytest.approx(leaks["free"].before, rel=1e-3)


def test_the_tables_and_the_figure_fit_the_column():
    model = ch05.recall_model(0)
    batch = ch05.recall_batch(0, 50)
    route = ch05.route(model, batch)
    leaks = ch05_leak.leak(model, batch, route.units)
    table = ch05_leak.leak_table({"half-open": leaks, "shut": leaks})
    assert len(table.splitlines()) == 2 + len(ch05_leak.LEAK_RUNS)
    routes = ch05.route_table({"half-open": [route, route], "shut": [route]})
    assert len(routes.splitlines()) == 4
    assert max(len(line) for line in (table + "\n" + routes).splitlines()) <= 79
    fig = ch05_plots.leak_figure({"half-open": [leaks, leaks], "shut": [leaks]})
    assert len(fig.axes) == 2 and fig.get_figwidth() * fig.dpi <= 700
    assert route.best_hold() >= route.holds_after()


def test_example_refuses_a_batch_without_a_large_value():
    batch = ch05.recall_batch(0, 20)
    batch.value[:] = 0.1
    with pytest.raises(ValueError, match="0.7"):
        ch05.example(batch)


# ---------------------------------------------------------------------------------------------
# Exercise 3: no output gate (its solution's sentences, over three seeds)
# ---------------------------------------------------------------------------------------------
@pytest.mark.slow
@pytest.mark.parametrize("seed", SEEDS)
def test_exercise_3_without_an_output_gate_it_still_learns_by_cancelling_and_writing(seed):
    # over seeds 0-9: errors 1e-4.8 to 1e-2.9; net 0.0001-0.007; gross 0.58-1.03; C_part 0.96-1.04
    seed_everything(seed)
    nog = EveryStep("LSTM", 3, 16, 1, output_gate=False)
    ch05.train_recall(nog, seed)
    errors = ch05.held_out_errors(nog, seed)
    assert errors["before"] < 0.02 and errors["at"] < 0.02
    seen = ch05.route(nog, ch05.recall_batch(seed))
    assert seen.net < 0.05 and seen.gross > 0.25
    assert seen.C_part > 0.9


# ---------------------------------------------------------------------------------------------
# Exercise 4: the language model and its probes (its solution's sentences, over three seeds)
# ---------------------------------------------------------------------------------------------
@functools.lru_cache(maxsize=None)
def language_run(seed):
    model = ch05_language.language_model(seed)
    ch05_language.train_language(model, seed)
    stories = ch05_language.stories(seed)
    with torch.no_grad():
        logits = model(stories.x)
    return dict(agreement=language.agreement(logits, stories),
                probes=ch05_language.number_probes(model, stories, seed),
                units=ch05_language.number_units(model, stories))


@pytest.mark.slow
@pytest.mark.parametrize("seed", SEEDS)
def test_exercise_4_the_number_is_readable_before_the_verb_from_h_and_from_C(seed):
    # over seeds 0-9: agreement and every number probe 100 %; shuffled 0.48-0.56 (300 test rows)
    run = language_run(seed)
    assert run["agreement"] > 0.98
    probed = run["probes"]
    for place in ("verb next", "after the subject", "after an adverb"):
        for state in ("h", "C"):
            assert probed[("number", place, state)].accuracy > 0.95
    assert probed[("number", "verb next", "h")].chance == 0.5
    assert abs(probed[("shuffled number", "verb next", "h")].accuracy - 0.5) < 0.15
    assert all(r.n_train + r.n_test == ch05_language.PROBE_ROWS for r in probed.values())


@pytest.mark.slow
@pytest.mark.parametrize("seed", SEEDS)
def test_exercise_4_h_exposes_the_gender_too_and_the_number_units_gate_is_open_nearly_everywhere(seed):
    # over seeds 0-9: gender from h 0.77-1.00 (mean 0.96, sd 0.07); the strongest number unit's
    # o_t 0.95-1.00 before a verb (sd 0.016), 0.86-1.00 elsewhere (mean 0.97, sd 0.045)
    run = language_run(seed)
    assert run["probes"][("gender", "verb next, singular", "h")].accuracy > 0.6
    found = run["units"]
    top = found.units[0]
    assert found.o_verb[top] > 0.9 and found.o_other[top] > 0.7
