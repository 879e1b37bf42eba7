"""lstmlib.tasks.language: the stories follow their grammar, and the labels say what is true."""
import pytest
import torch

from lstmlib.tasks import language as L


@pytest.fixture(scope="module")
def batch():
    return L.stories(T=80, B=64, generator=torch.Generator().manual_seed(0))


def words(batch, b):
    return [L.VOCAB[k] for k in batch.tokens[:, b].tolist()]


def test_a_few_dozen_words():
    assert 30 <= len(L.VOCAB) <= 60 and len(set(L.VOCAB)) == len(L.VOCAB)


def test_shapes_and_targets(batch):
    assert batch.tokens.shape == batch.y.shape == batch.gender.shape == (80, 64)
    assert batch.x.shape == (80, 64, len(L.VOCAB))
    assert torch.equal(batch.y[:-1], batch.tokens[1:])              # y is the next token
    assert torch.equal(batch.x.argmax(dim=2), batch.tokens)


def test_pronouns_and_verbs_agree_with_the_current_subject(batch):
    singular = {pair[0] for pair in L.VERBS}
    plural = {pair[1] for pair in L.VERBS}
    checked = 0
    for b in range(batch.tokens.shape[1]):
        for t, w in enumerate(words(batch, b)):
            g = batch.gender[t, b].item()
            if w in L.PRONOUNS.values():
                assert w == L.PRONOUNS[g]
                checked += 1
            if w in singular | plural:
                assert (w in plural) == (g == L.PLURAL)
                assert batch.number[t, b].item() == (g == L.PLURAL)
            if w in L.SINGULAR_NOUNS:
                assert g == L.SINGULAR_NOUNS[w] and batch.new_subject[t, b]
            if w in L.PLURAL_NOUNS:
                assert g == L.PLURAL and batch.new_subject[t, b]
    assert checked > 500


def test_new_subjects_switch_gender_sometimes_and_keep_it_sometimes(batch):
    new = batch.new_subject
    first = new & (batch.previous == L.NONE)
    assert torch.equal(batch.switch, new & ~first & (batch.gender != batch.previous))
    singular_pairs = new & (batch.gender < 2) & (batch.previous < 2)
    same = (singular_pairs & (batch.gender == batch.previous)).sum().item()
    other = (singular_pairs & (batch.gender != batch.previous)).sum().item()
    assert same > 100 and other > 100 and 0.7 < same / other < 1.4


def test_next_pronoun_and_next_verb_mark_the_targets(batch):
    he, she = L.INDEX["he"], L.INDEX["she"]
    assert torch.equal(batch.next_pronoun, (batch.y == he) | (batch.y == she))
    verbs = {L.INDEX[v] for pair in L.VERBS for v in pair}
    assert all((y in verbs) == bool(m) for y, m in zip(batch.y.flatten().tolist(),
                                                        batch.next_verb.flatten().tolist()))


def test_a_seed_fixes_the_stories():
    a = L.stories(30, 4, torch.Generator().manual_seed(7))
    b = L.stories(30, 4, torch.Generator().manual_seed(7))
    c = L.stories(30, 4, torch.Generator().manual_seed(8))
    assert torch.equal(a.tokens, b.tokens) and not torch.equal(a.tokens, c.tokens)
    assert L.decode(a.tokens[:, 0]).startswith("the ")


def test_pronoun_accuracy_is_one_for_the_truth_a_half_for_guessing_and_zero_for_its_opposite(batch):
    truth = torch.nn.functional.one_hot(batch.y, len(L.VOCAB)).float()
    assert L.pronoun_accuracy(truth, batch) == 1.0
    he, she = L.INDEX["he"], L.INDEX["she"]
    opposite = truth.clone()
    opposite[..., [he, she]] = truth[..., [she, he]]
    assert L.pronoun_accuracy(opposite, batch) == 0.0
    always_he = torch.zeros_like(truth)
    always_he[..., he] = 1
    assert 0.4 < L.pronoun_accuracy(always_he, batch) < 0.6
    with pytest.raises(ValueError, match=r"expected logits of shape \(80, 64, 49\), got \(80, 64, 3\)"):
        L.pronoun_accuracy(truth[..., :3], batch)
    with pytest.raises(ValueError, match="no step of this batch has a pronoun"):
        L.pronoun_accuracy(truth, batch, where=torch.zeros_like(batch.next_pronoun))


def test_bad_arguments():
    with pytest.raises(ValueError, match="expected T to be a positive int, got 0"):
        L.stories(0, 4)
    with pytest.raises(ValueError, match="expected a 1-d sequence of token ids, got shape"):
        L.decode(torch.zeros(2, 2, dtype=torch.long))


def test_verb_and_adverb_ids():
    assert [L.VOCAB[k] for k in L.SINGULAR_VERB_IDS] == [s for s, _ in L.VERBS]
    assert [L.VOCAB[k] for k in L.PLURAL_VERB_IDS] == [p for _, p in L.VERBS]
    assert [L.VOCAB[k] for k in L.ADVERB_IDS] == list(L.ADVERBS)


def test_agreement_is_one_for_the_truth_a_half_for_guessing_and_zero_for_the_other_number(batch):
    truth = 10 * torch.nn.functional.one_hot(batch.y, len(L.VOCAB)).float()
    assert L.agreement(truth, batch) == 1.0
    other = truth.clone()                      # every verb in the other number
    other[..., list(L.SINGULAR_VERB_IDS) + list(L.PLURAL_VERB_IDS)] = \
        truth[..., list(L.PLURAL_VERB_IDS) + list(L.SINGULAR_VERB_IDS)]
    assert L.agreement(other, batch) == 0.0
    singular = torch.zeros_like(truth)
    singular[..., list(L.SINGULAR_VERB_IDS)] = 1
    share = batch.number[batch.next_verb].float().mean().item()
    assert L.agreement(singular, batch) == pytest.approx(1 - share)
    plural = batch.number.bool()
    assert L.agreement(truth, batch, where=plural) == 1.0
    with pytest.raises(ValueError, match=r"expected logits of shape \(80, 64, 49\), got \(80, 64, 3\)"):
        L.agreement(truth[..., :3], batch)
    with pytest.raises(ValueError, match="no step of this batch has a verb next"):
        L.agreement(truth, batch, where=torch.zeros_like(batch.next_verb))
