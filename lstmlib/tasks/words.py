"""Word text, chapter 9's character-level task. A text of words from a small lexicon, each followed
by a space; after a word comes one of its four successors, at random. Predicting the next
character needs the current word's spelling (a few steps of memory) and, at a space, which
words may follow the one just read. :func:`optimal_bits` computes exactly what the best
possible predictor achieves on given sequences, a floor no model can beat.

    x, y = word_text(T=30, B=16, generator=g)   # x: (T, B, V) one-hot characters; y: (T, B)
    decode(y[:, 0])                             # the first sequence's targets as text
"""
from __future__ import annotations

import math

import torch
from torch import nn

from .. import validate

# Sixteen words, none the beginning of another, so the characters read so far always say
# which word it is once it is determined. Word k may be followed by k + 1, k + 3, k + 7 or
# k + 12 (mod 16): every word has four successors and four predecessors, so in the long run
# every word is equally frequent.
WORDS = ("gate", "cell", "state", "input", "output", "forget", "memory", "sigmoid",
         "tanh", "error", "step", "time", "weight", "bias", "unit", "layer")
SUCCESSOR_STEPS = (1, 3, 7, 12)
SUCCESSORS = tuple(tuple((k + s) % len(WORDS) for s in SUCCESSOR_STEPS) for k in range(len(WORDS)))
ALPHABET = tuple(sorted(set("".join(WORDS)))) + (" ",)
_SPELLING = tuple([ALPHABET.index(c) for c in word + " "] for word in WORDS)
# In the long run: log2(4) = 2 bits per word, spread over its letters and its space.
ENTROPY_RATE = math.log2(len(SUCCESSOR_STEPS)) / (sum(map(len, WORDS)) / len(WORDS) + 1)


def word_text(T: int, B: int, generator: torch.Generator | None = None):
    """``B`` sequences of ``T`` + 1 characters of word text, each starting at a word's beginning.

    The first word is uniform over ``WORDS``, each next one uniform over its ``SUCCESSORS``.
    Returns x (T, B, V): one-hot characters 0 … T − 1 over ``ALPHABET``; y (T, B): the index
    of the character that follows each one (the next-character targets).
    """
    T = validate.positive_int("T", T)
    B = validate.positive_int("B", B)
    n_words = T // 3 + 2                                   # the shortest word has 4 characters
    first = torch.randint(len(WORDS), (B,), generator=generator).tolist()
    choice = torch.randint(len(SUCCESSOR_STEPS), (B, n_words), generator=generator).tolist()
    rows = []
    for w, choices in zip(first, choice):
        row = []
        for k in choices:
            row += _SPELLING[w]
            w = SUCCESSORS[w][k]
        rows.append(row[:T + 1])
    index = torch.tensor(rows).T                          # (T + 1, B)
    x = nn.functional.one_hot(index[:-1], len(ALPHABET)).float()                        # (T, B, V)
    return x, index[1:]


def decode(index: torch.Tensor) -> str:
    """Characters from indices into ``ALPHABET``: a (T,) tensor to a string."""
    if not isinstance(index, torch.Tensor) or index.dim() != 1:
        raise ValueError(f"expected a 1-d tensor of character indices, got {getattr(index, 'shape', index)!r}")
    return "".join(ALPHABET[i] for i in index.tolist())


def _chain():
    """The text as a hidden Markov chain with one state per (word, position), emissions fixed.

    State (w, j) emits the j-th character of word w, or the space for j = len(w). Returns
    (start (S,), transition (S, S), emits (S,) character index of each state).
    """
    index, emits = {}, []
    for w, word in enumerate(WORDS):
        for j, c in enumerate(word + " "):
            index[w, j] = len(emits)
            emits.append(ALPHABET.index(c))
    S = len(emits)
    start, move = torch.zeros(S, dtype=torch.float64), torch.zeros(S, S, dtype=torch.float64)
    for w, word in enumerate(WORDS):
        start[index[w, 0]] = 1 / len(WORDS)
        for j in range(len(word)):
            move[index[w, j], index[w, j + 1]] = 1.0
        for v in SUCCESSORS[w]:
            move[index[w, len(word)], index[v, 0]] += 1 / len(SUCCESSORS[w])
    return start, move, torch.tensor(emits)


def optimal_bits(x: torch.Tensor, y: torch.Tensor) -> float:
    """Bits per character of the best possible predictor on word-text sequences (x, y).

    The exact Bayesian predictor of the text's Markov chain: before each character, the
    probability of every (word, position) state given the characters read so far. No model
    can do better on average; on these very sequences it gives the floor a model is compared with.
    """
    if x.dim() != 3 or x.shape[2] != len(ALPHABET) or tuple(y.shape) != tuple(x.shape[:2]):
        raise ValueError(f"expected x (T, B, {len(ALPHABET)}) and y (T, B) from word_text, got "
                         f"{tuple(x.shape)} and {tuple(y.shape)}")
    start, move, emits = _chain()
    match = nn.functional.one_hot(emits, len(ALPHABET)).to(torch.float64)        # (S, V)
    chars = x.argmax(dim=2)                                                          # (T, B)
    belief = start.expand(x.shape[1], -1)                                            # (B, S)
    bits = 0.0
    for t in range(x.shape[0]):
        belief = belief * match[:, chars[t]].T                  # condition on character t
        belief = belief / belief.sum(dim=1, keepdim=True)
        belief = belief @ move                                  # the state of character t + 1
        p_next = (belief @ match).gather(1, y[t].unsqueeze(1))  # (B, 1)
        bits -= torch.log2(p_next).sum().item()
    return bits / y.numel()
