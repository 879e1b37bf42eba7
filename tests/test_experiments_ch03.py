"""Chapter 3's claims (book/03_forget_gate.ipynb), re-checked with five seeds the page does not use.

Each slow test repeats an ``assert`` of the notebook with the same
``lstmlib.experiments.ch03`` calls and the same thresholds as the text, so a claim that holds
only for the page's seed (0) fails here. The notebook also describes its own network (one of
its gender units empties at every full stop; clamped, it says "he" every time): those
sentences say "this network" and are not re-checked over the seeds, except the solutions of
exercises 3 to 5, which the notebook does not run and which are checked here on seed 0. The
fast tests at the end check the chapter's functions against independent computations.
"""
import functools
import math

import numpy as np
import pytest
import torch

from lstmlib import cells, language
from lstmlib.experiments import ch03, ch03_plots
from lstmlib.interventions import Clamp
from lstmlib.models import EveryStep

SEEDS = (1, 2, 3, 4, 5)


@functools.lru_cache(maxsize=None)
def chapter(seed):
    """The chapter's experiments in the chapter's order, for one seed."""
    model = ch03.language_model(seed)
    history = ch03.train_language(model, seed)
    stories = ch03.test_stories(seed)
    rec = ch03.record(model, stories)
    corr = ch03.gender_correlation(rec)
    units = ch03.gender_units(corr)
    others = [u for u in range(32) if u not in units]
    draws = ch03.other_units(corr, seed)
    return dict(model=model, history=history, stories=stories, rec=rec, corr=corr, units=units,
                trained=ch03.pronoun_damage(rec), mine=ch03.forget_contrast(rec, units),
                rest=ch03.forget_contrast(rec, others), never=ch03.damage(model, stories, units),
                control=ch03.control_damage(model, stories, draws),
                strongest_alone=ch03.damage(model, stories, units[:1]),
                strongest_keeps=ch03.forget_contrast(rec, units[:1])["elsewhere"])


# ---------------------------------------------------------------------------------------------
# The claims, over seeds
# ---------------------------------------------------------------------------------------------
@pytest.mark.slow
@pytest.mark.parametrize("seed", SEEDS)
def test_the_language_model_learns_the_pronouns(seed):
    c = chapter(seed)
    loss = c["history"].loss
    assert abs(loss[0] - math.log(49)) < 0.1
    assert sum(loss[-100:]) / 100 < 2.0
    assert c["rec"].accuracy() > 0.95
    assert c["trained"].switch > 0.95 and c["trained"].same > 0.95


@pytest.mark.slow
@pytest.mark.parametrize("seed", SEEDS)
def test_a_few_units_carry_the_gender(seed):
    corr = chapter(seed)["corr"]
    assert abs(corr[chapter(seed)["units"][0]]) > 0.5 and corr.abs().median() < 0.25


@pytest.mark.slow
@pytest.mark.parametrize("seed", SEEDS)
def test_the_two_strongest_correlations_lie_in_the_ranges_the_text_gives(seed):
    """The text: in the other runs the strongest lay between about 0.6 and 0.95, the second
    anywhere from 0.1 to 0.9."""
    strongest, second = chapter(seed)["corr"].abs().sort(descending=True).values[:2].tolist()
    assert 0.6 < strongest < 0.95 and 0.1 < second < 0.9


@pytest.mark.slow
@pytest.mark.parametrize("seed", SEEDS)
def test_the_gender_units_forget_at_a_new_subject_and_the_others_hardly_move(seed):
    mine, rest = chapter(seed)["mine"], chapter(seed)["rest"]
    assert mine["subject"] < mine["elsewhere"] - 0.1
    assert rest["elsewhere"] - rest["subject"] < 0.2


@pytest.mark.slow
@pytest.mark.parametrize("seed", SEEDS)
def test_never_forgetting_breaks_the_pronouns_after_a_change_of_gender(seed):
    c = chapter(seed)
    never, trained, control = c["never"], c["trained"], c["control"]
    assert never.switch < 0.7 and never.switch < trained.switch - 0.3
    assert 0.19 <= never.switch <= 0.61              # the text: "between 19 and 61 %"
    assert never.same > never.switch - 0.05
    assert control.switch > 0.9 and control.same > 0.9


@pytest.mark.slow
def test_in_most_runs_the_clamp_hurts_much_less_after_the_same_gender():
    less = [chapter(seed)["never"].same > chapter(seed)["never"].switch + 0.1 for seed in SEEDS]
    assert sum(less) > len(SEEDS) / 2, less


@pytest.mark.slow
def test_in_most_runs_the_strongest_gender_unit_keeps_its_gate_open_between_noun_and_pronoun():
    """The text: most networks keep the gender the notes' way (the page's network does not)."""
    keeps = [chapter(seed)["strongest_keeps"] > 0.8 for seed in SEEDS]
    assert sum(keeps) > len(SEEDS) / 2, keeps


@pytest.mark.slow
def test_in_most_runs_the_strongest_unit_alone_does_the_damage():
    """Exercise 4's solution: the page's network is an exception, most others are not."""
    alone = [chapter(seed)["strongest_alone"].switch < 0.7 for seed in SEEDS]
    assert sum(alone) > len(SEEDS) / 2, alone


@pytest.mark.slow
def test_exercises_3_and_4_on_the_pages_network():
    """The solutions of exercises 3 and 4 describe the page's network (seed 0): clamped at "the"
    alone it stays at 100 %, at the noun alone it falls as far as with both words; the stronger
    gender unit alone does no damage, the second alone all of it."""
    c = chapter(0)
    model, stories, units, never = c["model"], c["stories"], c["units"], c["never"]
    at_the = ch03.damage(model, stories, units, steps=ch03.token_kind(stories, "the"))
    at_noun = ch03.damage(model, stories, units, steps=stories.new_subject)
    assert at_the.switch > 0.99 and abs(at_noun.switch - never.switch) < 0.05
    assert c["strongest_alone"].switch > 0.99
    assert abs(ch03.damage(model, stories, units[1:]).switch - never.switch) < 0.05


@functools.lru_cache(maxsize=None)
def without_forget_gate(seed):
    nfg = ch03.language_model(seed, forget_gate=False)
    assert nfg.rnn.blocks == ("i", "C", "o")
    ch03.train_language(nfg, seed)
    return ch03.record(nfg, ch03.test_stories(seed))


def nfg_route(rec):
    """Exercise 5's two routes: "overwrite" (one small cell state holds the gender) or
    "output gate" (no cell state does; the output gates do)."""
    corr = ch03.gender_correlation(rec)
    u = int(corr.abs().argmax())
    if abs(corr[u]) > 0.85 and rec.gates["c"][..., u].abs().max() < 4:
        return "overwrite"
    if corr.abs().max() < 0.3 and ch03.gender_correlation(rec, of="o").abs().max() > 0.5:
        return "output gate"
    return None


@pytest.mark.slow
@pytest.mark.parametrize("seed", (1, 2))
def test_without_a_forget_gate_the_network_learns_the_pronouns_and_its_cells_grow(seed):
    """Exercise 5's solution."""
    rec = without_forget_gate(seed)
    assert rec.accuracy() > 0.95 and ch03.pronoun_damage(rec).switch > 0.95
    assert 30 < rec.gates["c"][-1].abs().mean() < 50         # "to about 40 on average"
    assert nfg_route(rec) is not None


@pytest.mark.slow
def test_without_a_forget_gate_both_routes_occur():
    assert {nfg_route(without_forget_gate(seed)) for seed in (1, 2)} == {"overwrite", "output gate"}


@pytest.mark.slow
def test_without_a_forget_gate_the_pages_network_overwrites():
    """Exercise 5's solution: "On some seeds, this page's among them", one small cell holds it."""
    assert nfg_route(without_forget_gate(0)) == "overwrite"


# ---------------------------------------------------------------------------------------------
# What the text states, and the worked example
# ---------------------------------------------------------------------------------------------
def test_the_settings_the_text_states():
    assert ch03.LANGUAGE == dict(T=50, hidden_size=32, batch=32, lr=2e-2, clip=1.0, steps=800,
                                 forget_bias=1.0)
    assert ch03.MEASURE == dict(stories=256, T=50, units=2, draws=10)
    assert len(language.VOCAB) == 49
    assert language.P_NEW_SUBJECT == 0.4 and language.P_PLURAL == 0.2
    assert language.P_SAME_GENDER == 0.5
    W_f, b_f = ch03.language_model(0).rnn.gate("f")
    assert W_f.shape == (32, 81) and b_f.shape == (32,) and (b_f == 1).all()


@pytest.mark.parametrize("seed", (0, *SEEDS))
def test_the_held_out_stories_hold_enough_first_pronouns_of_each_kind(seed):
    stories = ch03.test_stories(seed)
    first = ch03.first_pronoun(stories)
    for kind in ("switch", "same"):
        assert int((first & ch03.after(stories, kind)).sum()) > 100


@pytest.mark.parametrize("seed", (0, *SEEDS))
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
    assert abs(gates["c"][2, 0, 0] - (-0.018)) < 0.001 and abs(h[2, 0, 0] - (-0.016)) < 0.001
    s = torch.sigmoid(torch.tensor(4.0, dtype=torch.float64))
    assert abs(gates["c"][2, 0, 0] - (s * (-s) + s * math.tanh(2))) < 1e-12
    h, _, gates = layer(x, state=state, clamp=Clamp("f", 0.5, units=[0], steps=[1]), return_gates=True)
    assert abs(gates["c"][1, 0, 0] - (-0.491)) < 0.001          # exercise 2's numbers
    assert abs(gates["c"][2, 0, 0] - 0.465) < 0.001 and abs(h[2, 0, 0] - 0.382) < 0.001


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
    C = rec.gates["c"][where].double().numpy()
    female = (s.gender[where] == language.FEMALE).double().numpy()
    expected = [np.corrcoef(C[:, k], female)[0, 1] for k in range(C.shape[1])]
    assert np.allclose(corr.numpy(), expected, atol=1e-5)
    stop = ch03.token_kind(s, ".")
    narrowed = ch03.gender_correlation(rec, where=stop)
    C, female = rec.gates["c"][stop & where].double().numpy(), (s.gender[stop & where] == 1).double().numpy()
    assert np.allclose(narrowed.numpy(), [np.corrcoef(C[:, k], female)[0, 1] for k in range(32)], atol=1e-5)


def test_gender_units_and_the_control_units():
    corr = torch.tensor([0.1, -0.9, 0.3, 0.85, -0.05, 0.0])
    assert ch03.gender_units(corr) == [1, 3]
    assert ch03.gender_units(corr, k=3) == [1, 3, 2]
    draws = ch03.other_units(corr, seed=0, k=2, draws=20)
    assert len(draws) == 20 and all(len(d) == 2 and not {1, 3} & set(d) for d in draws)
    assert len({tuple(d) for d in draws}) > 1                  # the draws differ
    assert draws == ch03.other_units(corr, seed=0, k=2, draws=20)


def test_forget_by_kind_and_forget_contrast_on_made_up_gates(small):
    _, s, rec = small
    f = torch.zeros_like(rec.gates["f"])
    for n, kind in enumerate(ch03.TOKEN_KINDS):
        f[ch03.token_kind(s, kind)] = n / 10                     # f_t = the kind's number / 10
    fake = ch03.Recording(s, rec.logits, dict(rec.gates, f=f))
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
    assert ch03.damage(model, s) == ch03.pronoun_damage(rec)              # no units: no clamp
    clamp = Clamp("f", 1.0, units=[2, 7], steps=ch03.subject_steps(s))
    clamped = ch03.record(model, s, clamp)
    f = clamped.gates["f"]
    assert (f[ch03.subject_steps(s)][:, [2, 7]] == 1).all()
    assert not (f[~ch03.subject_steps(s)][:, [2, 7]] == 1).all()
    assert ch03.damage(model, s, [2, 7]) == ch03.pronoun_damage(clamped)
    first = ch03.first_pronoun(s)
    d = ch03.pronoun_damage(rec)
    assert d.switch == language.pronoun_accuracy(rec.logits, s, where=first & ch03.after(s, "switch"))
    she = rec.logits[..., language.INDEX["she"]] > rec.logits[..., language.INDEX["he"]]
    both = first & (ch03.after(s, "switch") | ch03.after(s, "same"))
    assert d.says_she == pytest.approx(she[both].float().mean().item())
    mean = ch03.control_damage(model, s, [[2, 7], [4, 9]])
    one, two = ch03.damage(model, s, [2, 7]), ch03.damage(model, s, [4, 9])
    assert mean.switch == pytest.approx((one.switch + two.switch) / 2)
    assert mean.same == pytest.approx((one.same + two.same) / 2)


def test_the_figures_draw(small):
    _, _, rec = small
    profile = ch03.forget_by_kind(rec, [0])
    fig = ch03_plots.forget_profile({"unit 0": profile, "others": ch03.forget_by_kind(rec, [1, 2])})
    assert fig._repr_png_().startswith(b"\x89PNG")
    d = ch03.Damage(1.0, 0.5, 0.4)
    fig = ch03_plots.damage_bars({"as trained": d, "clamped": ch03.Damage(0.4, 0.8, 0.1)})
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
