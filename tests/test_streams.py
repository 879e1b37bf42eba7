"""lstmlib.tasks.latch and lstmlib.tasks.words: the latch stream (targets, continuity across chunks, carried state) and
word text (its grammar, and the exact best predictor checked against counting)."""
import math

import pytest
import torch

from lstmlib.models import Carried, EveryStep
from lstmlib.tasks import latch, words


def latch_targets_by_hand(x, held=0.0):
    """The value at the most recent marker, one step at a time."""
    T, B, _ = x.shape
    y = torch.empty(T, B)
    for b in range(B):
        h = held
        for t in range(T):
            if x[t, b, 1] == 1:
                h = x[t, b, 0].item()
            y[t, b] = h
    return y


def test_the_latch_target_is_the_value_at_the_last_marker():
    g = torch.Generator().manual_seed(0)
    x, y = latch.LatchStream(B=32, generator=g).next(50)
    assert x.shape == (50, 32, 2) and y.shape == (50, 32, 1)
    assert ((x[..., 0] >= -1) & (x[..., 0] <= 1)).all()
    assert set(x[..., 1].unique().tolist()) <= {0.0, 1.0}
    torch.testing.assert_close(y[..., 0], latch_targets_by_hand(x))


def test_consecutive_chunks_are_one_stream():
    g = torch.Generator().manual_seed(1)
    stream = latch.LatchStream(B=8, generator=g, p_marker=0.05)
    chunks = [stream.next(7) for _ in range(6)]
    x = torch.cat([c[0] for c in chunks])
    y = torch.cat([c[1] for c in chunks])
    torch.testing.assert_close(y[..., 0], latch_targets_by_hand(x))    # the value held carries over


def test_markers_come_at_the_rate_asked_and_the_baseline_is_the_targets_second_moment():
    g = torch.Generator().manual_seed(2)
    x, y = latch.LatchStream(B=64, generator=g, p_marker=0.1).next(4000)
    assert abs(x[..., 1].mean().item() - 0.1) < 0.005
    assert abs(y[200:].pow(2).mean().item() - latch.LATCH_BASELINE) < 0.01   # MSE of answering 0


def test_a_carried_model_continues_from_where_the_last_chunk_ended():
    torch.manual_seed(0)
    model = Carried(EveryStep("LSTM", 2, 5, 1))
    x = torch.randn(12, 3, 2)
    whole = model(x)
    model.reset()
    parts = torch.cat([model(x[:5]), model(x[5:])])
    torch.testing.assert_close(parts, whole)
    assert all(not s.requires_grad for s in model.state)                  # detached: truncated BPTT
    gru = Carried(EveryStep("GRU", 2, 5, 1))
    torch.testing.assert_close(torch.cat([gru(x[:4]), gru(x[4:])]), (gru.reset(), gru(x))[1])


def test_bad_arguments_are_refused():
    g = torch.Generator().manual_seed(0)
    with pytest.raises(ValueError, match="expected p_marker to be a probability"):
        latch.LatchStream(4, g, p_marker=0.0)
    with pytest.raises(TypeError, match="expected generator to be a torch.Generator"):
        latch.LatchStream(4, 0)
    with pytest.raises(ValueError, match="expected B to be a positive int"):
        latch.LatchStream(0, g)
    with pytest.raises(TypeError, match="expected an EveryStep model"):
        Carried(torch.nn.Linear(2, 2))
    model = Carried(EveryStep("LSTM", 2, 5, 1))
    model(torch.randn(6, 3, 2))
    with pytest.raises(ValueError, match="expected chunks of 3 streams .* got 4; call reset"):
        model(torch.randn(6, 4, 2))
    with pytest.raises(ValueError, match="expected a 1-d tensor of character indices"):
        words.decode(torch.zeros(2, 2, dtype=torch.long))
    with pytest.raises(ValueError, match="expected x .* and y .* from word_text"):
        words.optimal_bits(torch.zeros(3, 2, 4), torch.zeros(3, 2, dtype=torch.long))


def test_the_lexicon_is_prefix_free_and_every_word_has_four_successors_and_predecessors():
    for a in words.WORDS:
        for b in words.WORDS:
            assert a == b or not b.startswith(a)
    into = [0] * len(words.WORDS)
    for succ in words.SUCCESSORS:
        assert len(set(succ)) == 4
        for v in succ:
            into[v] += 1
    assert into == [4] * len(words.WORDS)
    assert abs(words.ENTROPY_RATE - 2 / (79 / 16 + 1)) < 1e-12


def test_word_text_follows_its_grammar():
    g = torch.Generator().manual_seed(3)
    x, y = words.word_text(T=60, B=20, generator=g)
    V = len(words.ALPHABET)
    assert x.shape == (60, 20, V) and y.shape == (60, 20) and (x.sum(2) == 1).all()
    assert (x[1:].argmax(2) == y[:-1]).all()                         # y is x shifted by one
    for b in range(20):
        text = words.decode(torch.cat([x[:1, b].argmax(1), y[:, b]]))
        read = text.split(" ")[:-1]                                   # the last one may be cut
        assert all(w in words.WORDS for w in read)
        for w, v in zip(read, read[1:]):
            assert words.WORDS.index(v) in words.SUCCESSORS[words.WORDS.index(w)]


def test_the_best_predictor_knows_the_grammar_exactly():
    # One sequence by hand: "gate " then a successor of gate (cell, input, sigmoid or bias).
    text = "gate cell "
    index = torch.tensor([words.ALPHABET.index(c) for c in text])
    x = torch.nn.functional.one_hot(index[:-1], len(words.ALPHABET)).float().unsqueeze(1)
    y = index[1:].unsqueeze(1)
    # After "g" the word is gate (no other word starts with g): a, t, e, space are certain.
    # After the space come 4 equally likely successors with 4 different first letters: 2 bits
    # for "c", and then e, l, l and the space are certain.
    assert [words.WORDS[k] for k in words.SUCCESSORS[0]] == ["cell", "input", "sigmoid", "weight"]
    assert math.isclose(words.optimal_bits(x, y) * len(y), 2.0, abs_tol=1e-9)


def test_on_long_texts_the_best_predictor_approaches_the_entropy_rate():
    g = torch.Generator().manual_seed(4)
    x, y = words.word_text(T=400, B=100, generator=g)
    assert abs(words.optimal_bits(x, y) - words.ENTROPY_RATE) < 0.01
