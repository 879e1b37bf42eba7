"""Chapter 3's functions (book/03_forget_gate.ipynb), and the sentences of its exercise solutions.

The notebook checks its own claims (``lstmlib.claims``); ``tests/test_other_runs.py`` and
``benchmarks/robustness.py`` run it with other seeds as other CPUs would. Here:

- the solutions of exercises 3 to 5, whose sentences describe the 24 networks of
  ``benchmarks/results/ch03_runs.jsonl`` (the solutions are markdown and cannot check
  themselves), checked against that file;
- a sample of that file re-run (one network of each kind), which must fall within what the
  chapter states for every network (slow);
- the worked example and exercise 2 by hand, and the chapter's functions against independent
  computations (fast).
"""
import math

import numpy as np
import pytest
import torch

from lstmlib import cells
from lstmlib.experiments import ch03, ch03_clamp, ch03_plots, ch03_runs
from lstmlib.layers.clamps import Clamp
from lstmlib.models import EveryStep
from lstmlib.tasks import language
from lstmlib.training import sweeps


# ---------------------------------------------------------------------------------------------
# The 24 networks: the file, a sample re-run, and the exercise solutions that quote it
# ---------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def runs():
    return ch03_runs.load()


@pytest.fixture(scope="module")
def without_forget():
    return ch03_runs.load("no forget gate")


def test_the_file_holds_every_planned_run_and_is_current(runs, without_forget):
    results = sweeps.load(ch03_runs.PATH)                 # refuses a file of other code
    assert results.complete and results.header["planned"] == len(ch03_runs.planned_runs())
    assert [r["seed"] for r in runs] == list(ch03_runs.SEEDS) == list(range(1, 25))
    assert [r["seed"] for r in without_forget] == list(ch03_runs.SEEDS_WITHOUT_FORGET)


def within_the_chapters_statements(r):
    """What the chapter states of every network (its checks), for one row of the file."""
    clamp = r["gender units at a new subject"]
    return {"learns": r["loss"] < 2 and r["accuracy"] > 0.95 and min(r["trained"].values()) > 0.95,
            "a few units": r["strongest"] > 0.5 and r["median"] < 0.3,
            "the strongest forgets at a subject":
                min(r["profile"]["strongest"]["the"], r["profile"]["strongest"]["noun"]) < 0.4,
            "the others do not": min(r["profile"]["others"].values()) > 0.4,
            "the clamp breaks": clamp["switch"] < 0.8,
            "more than either control": clamp["switch"] < min(
                r["other units at a new subject"]["switch"], r["gender units at other words"]["switch"])}


def test_every_network_of_the_file_bears_out_the_chapters_claims(runs):
    for r in runs:
        found = within_the_chapters_statements(r)
        assert all(found.values()), (r["seed"], found)


def test_exercise_3_which_word_does_the_forgetting(runs):
    """The solution: at the noun only in 20 networks, at "the" only in 5 (4 either way), and in
    3 neither word alone breaks the pronouns after a change of gender (below 70 %)."""
    noun = [r["at noun only"]["switch"] < 0.7 for r in runs]
    the = [r["at the only"]["switch"] < 0.7 for r in runs]
    assert (sum(noun), sum(the), sum(n and t for n, t in zip(noun, the))) == (20, 5, 4)
    assert sum(not n and not t for n, t in zip(noun, the)) == 3
    # and only clamping both breaks them there
    assert all(r["gender units at a new subject"]["switch"] < 0.7
               for r, n, t in zip(runs, noun, the) if not n and not t)


def test_exercise_4_one_unit_at_a_time(runs):
    """The solution: the strongest alone breaks them in 23 of 24 (mostly networks whose strongest
    unit keeps the gender to the pronoun), each of the other two alone leaves them above 90 % in
    20 of those; in 3 a second unit alone breaks them too; in one the strongest alone does
    nothing (above 95 %) and the third does the damage."""
    strongest = [r["alone"][0]["switch"] < 0.7 for r in runs]
    assert sum(strongest) == 23
    assert sum(s and min(a["switch"] for a in r["alone"][1:]) > 0.9
               for r, s in zip(runs, strongest)) == 20
    assert sum(s and r["kept"][0] > 0.5 for r, s in zip(runs, strongest)) > 23 / 2
    assert sum(min(a["switch"] for a in r["alone"][1:]) < 0.7 for r in runs) == 3
    odd = [r for r, s in zip(runs, strongest) if not s]
    assert len(odd) == 1 and odd[0]["alone"][0]["switch"] > 0.95
    assert odd[0]["alone"][2]["switch"] < 0.7 and odd[0]["alone"][1]["switch"] > 0.9


def test_exercise_5_without_a_forget_gate(without_forget):
    """The solution: all 6 learn the pronouns; 5 keep the gender in their output gates (no cell
    correlation above 0.2, an output gate's above 0.5), one (seed 3) in a small cell (a
    correlation above 0.95, within ±1); the cell states' mean size after 50 words is between 40
    and 45 in all 6."""
    assert len(without_forget) == 6
    assert all(r["accuracy"] > 0.95 and r["trained"]["switch"] > 0.95 for r in without_forget)
    gate = [r["seed"] for r in without_forget if r["cell_corr"] < 0.2 and r["gate_corr"] > 0.5]
    cell = [r["seed"] for r in without_forget if r["cell_corr"] > 0.95 and r["cell_size"] < 1]
    assert len(gate) == 5 and cell == [3]
    assert all(40 < r["last_size"] < 45 for r in without_forget)


@pytest.mark.slow
def test_a_network_of_the_file_rerun_falls_within_what_the_chapter_states(runs):
    """One row re-run here (another CPU trains another network than the file's): it must bear
    out what the chapter states of every network, and measure what the file's rows measure."""
    seed = runs[0]["seed"]
    again = ch03_runs.summary(seed)
    found = within_the_chapters_statements(again)
    assert all(found.values()), found
    assert set(again) == set(runs[0]) - {"kind", "seed"}


@pytest.mark.slow
def test_an_lstm_without_a_forget_gate_rerun_learns_the_pronouns(without_forget):
    again = ch03_runs.summary_without_forget(without_forget[0]["seed"])
    assert again["accuracy"] > 0.95 and again["trained"]["switch"] > 0.95
    assert set(again) == set(without_forget[0]) - {"kind", "seed"}


# ---------------------------------------------------------------------------------------------
# What the text states, and the worked example
# ---------------------------------------------------------------------------------------------
def test_the_language_model_starts_from_its_own_stream_and_the_forget_bias():
    one, again, other = ch03.language_model(0), ch03.language_model(0), ch03.language_model(1)
    assert torch.equal(one.rnn.W, again.rnn.W) and not torch.equal(one.rnn.W, other.rnn.W)
    ch03.seed_everything(1000 * 0 + ch03.INIT)
    assert torch.equal(EveryStep("LSTM", 49, 32, 49, forget_bias=1.0).rnn.W, one.rnn.W)
    W_f, b_f = one.rnn.gate("f")
    assert W_f.shape == (32, 81) and (b_f == 1).all()
    assert ch03.language_model(0, forget_gate=False).rnn.blocks == ("i", "C", "o")


@pytest.mark.parametrize("seed", (0, 1, 2))
def test_the_probe_story_has_a_change_of_gender_and_the_same_gender(seed):
    s = ch03.probe_story(seed)
    assert s.tokens.shape == (24, 1)
    assert (s.new_subject & ch03.after(s, "switch")).any()
    assert (s.new_subject & ch03.after(s, "same")).any()


BY_HAND = [[0.982, -0.982, 0.018, 0, 0, -0.982, -0.664],       # f, kept, i, C~, write, C, h
           [0.982, 0.491, 0.018, 0, 0, 0.491, 0.401],
           [0.018, -0.018, 0.018, 0, 0, -0.018, -0.016],
           [0.982, 0.482, 0.018, 0, 0, 0.482, 0.395],
           [0.982, -0.017, 0.982, 0.964, 0.947, 0.929, 0.643],
           [0.982, 0.474, 0.018, 0, 0, 0.474, 0.388]]


def test_the_worked_example_by_hand():
    layer, x, (h_prev, C_prev) = ch03.hand_example()
    rows = []
    for t in range(3):
        h_t, C_t, (f_t, i_t, C_tilde, o_t) = cells.lstm_cell(x[t], h_prev, C_prev, layer.W, layer.b)
        for u in range(2):
            rows.append([f_t[0, u], f_t[0, u] * C_prev[0, u], i_t[0, u], C_tilde[0, u],
                         i_t[0, u] * C_tilde[0, u], C_t[0, u], h_t[0, u]])
        h_prev, C_prev = h_t, C_t
    for computed, by_hand in zip(rows, BY_HAND):
        assert all(abs(float(c) - h) < 0.001 for c, h in zip(computed, by_hand))
    # the pre-activations are the table's: W_h = 0, b = 0, W_x = HAND_PRE
    assert (layer.W[:, :2] == 0).all() and (layer.b == 0).all()
    for gate, pre in ch03.HAND_PRE.items():
        assert torch.equal(layer.gate(gate)[0][:, 2:], torch.tensor(pre, dtype=torch.float64))


def test_the_worked_example_with_the_gate_held_at_1_and_at_a_half():
    layer, x, state = ch03.hand_example()
    h, _, gates = layer(x, state=state, clamp=Clamp("f", 1.0, units=[0], steps=[1]), return_gates=True)
    assert abs(gates["C_t"][2, 0, 0] - (-0.018)) < 0.001 and abs(h[2, 0, 0] - (-0.016)) < 0.001
    s = torch.sigmoid(torch.tensor(4.0, dtype=torch.float64))
    assert abs(gates["C_t"][2, 0, 0] - (s * (-s) + s * math.tanh(2))) < 1e-12
    h, _, gates = layer(x, state=state, clamp=Clamp("f", 0.5, units=[0], steps=[1]), return_gates=True)
    assert abs(gates["C_t"][1, 0, 0] - (-0.491)) < 0.001          # exercise 2's numbers
    assert abs(gates["C_t"][2, 0, 0] - 0.465) < 0.001 and abs(h[2, 0, 0] - 0.382) < 0.001


# ---------------------------------------------------------------------------------------------
# The chapter's functions, against independent computations
# ---------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def small():
    """An untrained model on a few stories: enough to test the bookkeeping."""
    model = ch03.language_model(0)
    stories = language.stories(40, 16, torch.Generator().manual_seed(5))
    return model, stories, ch03.record(model, stories)


def words(stories, b):
    return [language.VOCAB[k] for k in stories.tokens[:, b].tolist()]


def test_first_pronoun_marks_the_word_before_the_first_pronoun_after_each_subject(small):
    _, stories, _ = small
    first = ch03.first_pronoun(stories)
    expected = torch.zeros_like(first)
    nouns = set(language.SINGULAR_NOUNS) | set(language.PLURAL_NOUNS)
    for b in range(stories.tokens.shape[1]):
        w, seen = words(stories, b), True
        for t in range(len(w)):
            if w[t] in nouns:
                seen = False
            if w[t] in language.PRONOUNS.values():
                seen = True
            nxt = stories.y[t, b].item()
            if not seen and language.VOCAB[nxt] in ("he", "she"):
                expected[t, b] = True
    assert torch.equal(first, expected) and first.any()


def test_after_subject_steps_and_token_kinds(small):
    _, s, _ = small
    both = ch03.singular(s.gender) & ch03.singular(s.previous)
    assert torch.equal(ch03.after(s, "switch") | ch03.after(s, "same"), both)
    assert not (ch03.after(s, "switch") & ch03.after(s, "same")).any()
    assert torch.equal(s.new_subject & ch03.after(s, "switch"), s.switch & both)
    subject = ch03.subject_steps(s)
    for b in range(s.tokens.shape[1]):
        w = words(s, b)
        assert [t for t in range(len(w)) if subject[t, b]] == \
               [t for t in range(len(w)) if w[t] == "the" or s.new_subject[t, b]]
    kinds = torch.stack([ch03.token_kind(s, k) for k in ch03.TOKEN_KINDS]).long()
    assert (kinds.sum(dim=0) == 1).all()                    # every word has exactly one kind
    assert torch.equal(ch03.gender_free(s), torch.stack([ch03.token_kind(s, k)
                                                         for k in ch03.GENDER_FREE]).any(dim=0))


def test_gender_correlation_is_pearsons(small):
    _, s, rec = small
    corr = ch03.gender_correlation(rec)
    where = ch03.singular(s.gender)
    C = rec.gates["C_t"][where].double().numpy()
    female = (s.gender[where] == language.FEMALE).double().numpy()
    expected = [np.corrcoef(C[:, k], female)[0, 1] for k in range(C.shape[1])]
    assert np.allclose(corr.numpy(), expected, atol=1e-5)
    stop = ch03.token_kind(s, ".")
    narrowed = ch03.gender_correlation(rec, where=stop)
    C, female = rec.gates["C_t"][stop & where].double().numpy(), (s.gender[stop & where] == 1).double().numpy()
    assert np.allclose(narrowed.numpy(), [np.corrcoef(C[:, k], female)[0, 1] for k in range(32)], atol=1e-5)


def test_gender_units():
    corr = torch.tensor([0.1, -0.9, 0.3, 0.85, -0.05, 0.0])
    assert ch03.gender_units(corr) == [1, 3, 2]
    assert ch03.gender_units(corr, k=2) == [1, 3]


def made_up(rec, f):
    """The recording with its forget gates replaced by ``f`` (T, B, H)."""
    return ch03.StoryRecording(rec.stories, rec.logits, dict(rec.gates, f=f))


def test_forget_shift_matched_units_and_timing_steps_on_made_up_gates(small):
    _, s, rec = small
    T, B, H = rec.gates["f"].shape
    subject = ch03.subject_steps(s)
    f = torch.full((T, B, H), 0.9)
    f[subject] = torch.linspace(0.0, 0.95, H)               # unit k: f = k·0.95/31 at a subject
    fake = made_up(rec, f)
    assert ch03_clamp.forget_shift(fake, [0], subject) == pytest.approx(1.0)
    assert ch03_clamp.forget_shift(fake, [0, 31], subject) == pytest.approx((1.0 + 0.05) / 2)
    assert ch03_clamp.forget_shift(fake, [5], ~subject) == pytest.approx(0.1)
    corr = torch.zeros(H)
    corr[[0, 1, 2]] = torch.tensor([0.9, -0.5, 0.3])          # units 0-2 follow the gender
    assert ch03_clamp.matched_units(fake, corr) == [3, 4, 5]     # the lowest f among the others
    assert ch03_clamp.matched_units(fake, corr, k=2, unrelated=0.4) == [2, 3]
    with pytest.raises(ValueError, match="expected at least 3 units with"):
        ch03_clamp.matched_units(fake, torch.ones(H))
    # timing: in each story as many other words as it has subject words, the lowest f first
    g = torch.Generator().manual_seed(0)
    f = torch.rand(T, B, H, generator=g)
    steps = ch03_clamp.timing_steps(made_up(rec, f), [3, 8])
    assert not (steps & subject).any()
    assert torch.equal(steps.sum(dim=0), subject.sum(dim=0))
    mean = f[..., [3, 8]].mean(dim=-1)
    for b in range(B):
        chosen, left = mean[steps[:, b], b], mean[~steps[:, b] & ~subject[:, b], b]
        assert chosen.max() <= left.min()


def test_kept_to_pronoun_is_the_product_of_the_forget_gates_from_the_noun(small):
    _, s, rec = small
    g = torch.Generator().manual_seed(1)
    f = 0.5 + 0.5 * torch.rand(rec.gates["f"].shape, generator=g)
    kept = ch03.kept_to_pronoun(made_up(rec, f), [2, 9])
    first = ch03.first_pronoun(s) & ch03.singular(s.gender)
    expected = []
    for b in range(s.tokens.shape[1]):
        noun = None
        for t in range(s.tokens.shape[0]):
            noun = t if s.new_subject[t, b] else noun
            if first[t, b] and noun is not None:
                expected.append(f[noun + 1:t + 1, b][:, [2, 9]].prod(dim=0))
    assert expected
    assert torch.allclose(kept, torch.stack(expected).median(dim=0).values, atol=1e-5)
    assert ch03.kept_to_pronoun(made_up(rec, torch.ones_like(f)), [0]).item() == pytest.approx(1)


def test_forget_by_kind_and_forget_contrast_on_made_up_gates(small):
    _, s, rec = small
    f = torch.zeros_like(rec.gates["f"])
    for n, kind in enumerate(ch03.TOKEN_KINDS):
        f[ch03.token_kind(s, kind)] = n / 10                     # f_t = the kind's number / 10
    fake = ch03.StoryRecording(s, rec.logits, dict(rec.gates, f=f))
    by_kind = ch03.forget_by_kind(fake, [0, 5])
    assert by_kind == pytest.approx({kind: n / 10 for n, kind in enumerate(ch03.TOKEN_KINDS)})
    c = ch03.forget_contrast(fake, [3])
    n_the, n_noun = (ch03.token_kind(s, k).sum().item() for k in ("the", "noun"))
    assert c["subject"] == pytest.approx((0.0 * n_the + 0.1 * n_noun) / (n_the + n_noun))
    free = [ch03.token_kind(s, k).sum().item() for k in ch03.GENDER_FREE]
    values = [list(ch03.TOKEN_KINDS).index(k) / 10 for k in ch03.GENDER_FREE]
    assert c["elsewhere"] == pytest.approx(sum(n * v for n, v in zip(free, values)) / sum(free))


def test_damage_clamps_the_forget_gate_where_it_says(small):
    model, s, rec = small
    assert ch03_clamp.damage(model, s) == ch03_clamp.pronoun_damage(rec)              # no units: no clamp
    clamp = Clamp("f", 1.0, units=[2, 7], steps=ch03.subject_steps(s))
    clamped = ch03.record(model, s, clamp)
    f = clamped.gates["f"]
    assert (f[ch03.subject_steps(s)][:, [2, 7]] == 1).all()
    assert not (f[~ch03.subject_steps(s)][:, [2, 7]] == 1).all()
    assert ch03_clamp.damage(model, s, [2, 7]) == ch03_clamp.pronoun_damage(clamped)
    first = ch03.first_pronoun(s)
    d = ch03_clamp.pronoun_damage(rec)
    assert d.switch == language.pronoun_accuracy(rec.logits, s, where=first & ch03.after(s, "switch"))
    she = rec.logits[..., language.INDEX["she"]] > rec.logits[..., language.INDEX["he"]]
    both = first & (ch03.after(s, "switch") | ch03.after(s, "same"))
    assert d.says_she == pytest.approx(she[both].float().mean().item())


def test_clamp_experiments_are_the_three_clamps_the_text_describes(small):
    model, s, rec = small
    corr = ch03.gender_correlation(rec)
    units = ch03.gender_units(corr)
    found = ch03_clamp.clamp_experiments(model, rec, units, corr)
    assert list(found) == list(ch03_plots.CLAMPS)
    subject = ch03.subject_steps(s)
    expected = {"gender units at a new subject": (units, subject),
                "other units at a new subject": (ch03_clamp.matched_units(rec, corr), subject),
                "gender units at other words": (units, ch03_clamp.timing_steps(rec, units))}
    for name, (u, steps) in expected.items():
        c = found[name]
        assert c["units"] == u and torch.equal(c["steps"], steps)
        assert c["shift"] == ch03_clamp.forget_shift(rec, u, steps)
        assert c["damage"] == ch03_clamp.damage(model, s, u, steps=steps)
    assert not set(found["other units at a new subject"]["units"]) & set(units)


def test_the_figures_draw(small):
    _, _, rec = small
    profile = ch03.forget_by_kind(rec, [0])
    fig = ch03_plots.forget_profile({"unit 0": profile, "others": ch03.forget_by_kind(rec, [1, 2])})
    assert fig._repr_png_().startswith(b"\x89PNG")
    d = ch03_clamp.Damage(1.0, 0.5, 0.4)
    fig = ch03_plots.damage_bars({"as trained": d, "clamped": ch03_clamp.Damage(0.4, 0.8, 0.1)})
    assert fig._repr_png_().startswith(b"\x89PNG")
    fig = ch03_plots.story(rec, [0, 3])
    assert fig._repr_png_().startswith(b"\x89PNG")
    rows = [{name: dict(shift=0.1 * k, switch=0.5, same=0.9) for name in ch03_plots.CLAMPS}
            for k in range(5)]
    mine = {name: dict(shift=0.5, damage=d) for name in ch03_plots.CLAMPS}
    fig = ch03_plots.clamps_over_runs(rows, mine)
    assert fig._repr_png_().startswith(b"\x89PNG")


def test_clear_errors(small):
    model, s, rec = small
    with pytest.raises(ValueError, match=r"the recording has no 'z': it holds \('f', "):
        ch03.gender_correlation(rec, of="z")
    with pytest.raises(ValueError, match="expected kind 'switch' or 'same', got 'other'"):
        ch03.after(s, "other")
    with pytest.raises(ValueError, match=r"unknown kind of word 'article': expected one of \('the', "):
        ch03.token_kind(s, "article")
    with pytest.raises(TypeError, match="expected an EveryStep model around an LSTM with input_size 49"):
        ch03.record(EveryStep("GRU", 49, 8, 49), s)
    with pytest.raises(TypeError, match="expected an EveryStep model around an LSTM with input_size 49"):
        ch03.train_language(EveryStep("LSTM", 3, 8, 49), 0)
    with pytest.raises(ValueError, match="expected the profile 'u' to have the kinds"):
        ch03_plots.forget_profile({"u": {"the": 0.5}})
    with pytest.raises(TypeError, match="expected profiles to be a non-empty dict"):
        ch03_plots.forget_profile({})
    with pytest.raises(TypeError, match="expected every value of results to be"):
        ch03_plots.damage_bars({"as trained": 0.5})
    with pytest.raises(ValueError, match=r"expected unit indices in 0 … 31, got \[40\]"):
        ch03_plots.story(rec, [40])
    with pytest.raises(TypeError, match="expected an lstmlib.experiments.ch03.StoryRecording, got dict"):
        ch03_plots.story({}, [0])
    with pytest.raises(TypeError, match="expected rows to be a non-empty list of dicts"):
        ch03_plots.clamps_over_runs([])
    with pytest.raises(ValueError, match="expected every row to hold the clamp"):
        ch03_plots.clamps_over_runs([{"x": 1}])
    with pytest.raises(ValueError, match="expected kind 'LSTM' or 'no forget gate', got 'GRU'"):
        ch03_runs.one_run("GRU", 0)
    with pytest.raises(ValueError, match="expected kind 'LSTM' or 'no forget gate', got 'GRU'"):
        ch03_runs.load("GRU")
    with pytest.raises(TypeError, match="expected check to be True or False, got 'no'"):
        ch03_runs.load(check="no")
