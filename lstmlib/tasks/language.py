"""A small synthetic language for the notes' examples (chapters 3-5): subjects, pronouns, verbs.

The notes (after Colah 2015) explain the forget gate with a language model that keeps the
gender of the current subject in its cell state, to use the right pronoun, and forgets it when
a new subject appears; and the output gate with the number (singular or plural) of the
subject, which decides the form of the verb that follows. This generator makes that example
real: short stories of sentences such as

    the queen quietly sings home . she often walks . the kings sleep . they run away .

A sentence either brings in a new subject ("the" + noun) or goes on with a pronoun for the
current one: "he" or "she" for a singular subject of that gender, "they" for a plural one.
Zero to two adverbs may come between the subject and the verb, which agrees with the subject
in number ("sings" / "sing"), and an ending word may follow the verb. A new subject is of
the other gender or the same, at random, so the gender must be read from the subject itself.

    batch = stories(T=60, B=64, generator=g)
    batch.x            # (T, B, V) one-hot tokens; batch.y: (T, B) the next token of each
    batch.gender       # (T, B): the current subject's gender at each step (MALE, FEMALE, PLURAL)
    decode(batch.tokens[:, 0])   # the first story as text
    pronoun_accuracy(logits, batch)   # he or she right where one comes next (chapter 3)
    agreement(logits, batch)          # the verb's number right where a verb comes next (chapter 5)

Everything is drawn from the ``generator`` given, so a seed fixes the data.
"""
from __future__ import annotations

import random
from dataclasses import dataclass

import torch

from .. import validate

MALE, FEMALE, PLURAL, NONE = 0, 1, 2, 3          # the current subject's "gender" code
SINGULAR_NOUNS = {"king": MALE, "queen": FEMALE, "man": MALE, "woman": FEMALE, "boy": MALE,
                  "girl": FEMALE, "father": MALE, "mother": FEMALE, "brother": MALE,
                  "sister": FEMALE, "uncle": MALE, "aunt": FEMALE, "prince": MALE,
                  "princess": FEMALE}
PLURAL_NOUNS = ("kings", "queens", "men", "women", "boys", "girls")
PRONOUNS = {MALE: "he", FEMALE: "she", PLURAL: "they"}
VERBS = (("walks", "walk"), ("sings", "sing"), ("sleeps", "sleep"), ("runs", "run"),
         ("eats", "eat"), ("reads", "read"))     # (singular, plural)
ADVERBS = ("quietly", "often", "never", "today", "again", "slowly")
ENDINGS = ("home", "away", "well", "late", "outside", "there")

VOCAB = ("the", ".", *SINGULAR_NOUNS, *PLURAL_NOUNS, *PRONOUNS.values(),
         *(v for pair in VERBS for v in pair), *ADVERBS, *ENDINGS)
INDEX = {word: k for k, word in enumerate(VOCAB)}
SINGULAR_VERB_IDS = tuple(INDEX[s] for s, _ in VERBS)      # token ids of "walks", "sings", ...
PLURAL_VERB_IDS = tuple(INDEX[p] for _, p in VERBS)        # token ids of "walk", "sing", ...
ADVERB_IDS = tuple(INDEX[a] for a in ADVERBS)

# How the stories are drawn.
P_NEW_SUBJECT = 0.4       # a sentence brings in a new subject (else a pronoun goes on)
P_PLURAL = 0.2            # a new subject is plural
P_SAME_GENDER = 0.5       # a new singular subject after a singular one keeps the gender


@dataclass
class Stories:
    """A batch of stories and what is true at each step. Every field is time-major, (T, B).

    tokens: the token at each step; y: the next token (the target of a language model);
    x: ``tokens`` one-hot, (T, B, V). gender: the current subject's code (MALE, FEMALE,
    PLURAL) after reading the token, NONE before the first subject; previous: the code of the
    subject before the current one (NONE if none); number: 1 for a plural subject, else 0. new_subject: the noun
    of a subject brought in by the sentence (the step where the memory should change); switch:
    those of them whose gender differs from the previous subject's (a first subject counts as
    no switch). next_pronoun: the next token is "he" or "she"; next_verb: the next token is a
    verb.
    """
    tokens: torch.Tensor
    y: torch.Tensor
    gender: torch.Tensor
    previous: torch.Tensor
    number: torch.Tensor
    new_subject: torch.Tensor
    switch: torch.Tensor
    next_pronoun: torch.Tensor
    next_verb: torch.Tensor

    @property
    def x(self) -> torch.Tensor:
        return torch.nn.functional.one_hot(self.tokens, len(VOCAB)).float()     # (T, B, V)


def story(T: int, rng: random.Random) -> list[tuple]:
    """One story of T + 1 tokens: per token (word, gender, previous, new_subject, switch).

    gender is the current subject's code after the token is read, previous the code of the
    subject before it (NONE if there was none).
    """
    out = []
    current, previous = NONE, NONE
    while len(out) < T + 1:
        if current == NONE or rng.random() < P_NEW_SUBJECT:
            if rng.random() < P_PLURAL:
                noun, code = rng.choice(PLURAL_NOUNS), PLURAL
            else:
                if current in (MALE, FEMALE) and rng.random() < P_SAME_GENDER:
                    code = current
                else:
                    code = 1 - current if current in (MALE, FEMALE) else rng.choice((MALE, FEMALE))
                noun = rng.choice([n for n, g in SINGULAR_NOUNS.items() if g == code])
            out.append(("the", current, previous, False, False))
            switch = current != NONE and code != current
            current, previous = code, current
            out.append((noun, current, previous, True, switch))
        else:
            out.append((PRONOUNS[current], current, previous, False, False))
        words = [rng.choice(ADVERBS) for _ in range(rng.choice((0, 0, 1, 2)))]
        words.append(rng.choice(VERBS)[1 if current == PLURAL else 0])
        if rng.random() < 0.5:
            words.append(rng.choice(ENDINGS))
        out += [(w, current, previous, False, False) for w in words + ["."]]
    return out[:T + 1]


def stories(T: int, B: int, generator: torch.Generator | None = None) -> Stories:
    """A batch of B stories of T tokens each (time-major), drawn from ``generator``."""
    T = validate.positive_int("T", T)
    B = validate.positive_int("B", B)
    seed = int(torch.randint(0, 2**62, (1,), generator=generator))
    rng = random.Random(seed)
    rows = [story(T, rng) for _ in range(B)]

    def field(k, dtype=torch.long):
        return torch.tensor([[tok[k] for tok in row] for row in rows], dtype=dtype).T[:-1]   # (T, B)

    ids = torch.tensor([[INDEX[tok[0]] for tok in row] for row in rows]).T                # (T + 1, B)
    tokens, y = ids[:-1], ids[1:]
    gender = field(1)
    pronoun = (y == INDEX["he"]) | (y == INDEX["she"])
    verb = torch.isin(y, torch.tensor([INDEX[v] for pair in VERBS for v in pair]))
    return Stories(tokens=tokens, y=y, gender=gender, previous=field(2), number=(gender == PLURAL).long(),
                   new_subject=field(3, torch.bool), switch=field(4, torch.bool), next_pronoun=pronoun,
                   next_verb=verb)


def batches(T: int, B: int, generator: torch.Generator):
    """A ``make_batch`` for :func:`lstmlib.train`: (x (T, B, V), y (T, B)) of fresh stories."""
    def make_batch():
        s = stories(T, B, generator)
        return s.x, s.y
    return make_batch


def decode(tokens) -> str:
    """The words of a 1-d sequence of token ids, joined by spaces."""
    tokens = torch.as_tensor(tokens)
    if tokens.dim() != 1:
        raise ValueError(f"expected a 1-d sequence of token ids, got shape {tuple(tokens.shape)}")
    return " ".join(VOCAB[k] for k in tokens.tolist())


def pronoun_accuracy(logits: torch.Tensor, batch: Stories, where: torch.Tensor | None = None) -> float:
    """How often "he" or "she" is chosen right where it comes next: logit(he) against logit(she).

    logits: (T, B, V). Guessing gives 0.5. ``where`` (T, B bool) narrows the steps further
    (for example to the sentences after a change of gender); by default every step whose next
    token is a pronoun of a singular subject.
    """
    if logits.shape[:2] != batch.tokens.shape or logits.shape[2] != len(VOCAB):
        raise ValueError(f"expected logits of shape {tuple(batch.tokens.shape) + (len(VOCAB),)}, "
                         f"got {tuple(logits.shape)}")
    mask = batch.next_pronoun if where is None else batch.next_pronoun & where
    if not mask.any():
        raise ValueError("no step of this batch has a pronoun he/she next (where= selected none)")
    says_she = logits[..., INDEX["she"]] > logits[..., INDEX["he"]]         # (T, B)
    right = says_she == (batch.y == INDEX["she"])
    return right[mask].float().mean().item()


def agreement(logits: torch.Tensor, batch: Stories, where: torch.Tensor | None = None) -> float:
    """How often the verb form of the right number is preferred where a verb comes next: the
    summed probability of the six plural forms against that of the six singular forms.

    logits: (T, B, V). Guessing gives 0.5. ``where`` (T, B bool) narrows the steps further; by
    default every step whose next token is a verb.
    """
    if logits.shape[:2] != batch.tokens.shape or logits.shape[2] != len(VOCAB):
        raise ValueError(f"expected logits of shape {tuple(batch.tokens.shape) + (len(VOCAB),)}, "
                         f"got {tuple(logits.shape)}")
    mask = batch.next_verb if where is None else batch.next_verb & where
    if not mask.any():
        raise ValueError("no step of this batch has a verb next (where= selected none)")
    p = logits.softmax(dim=-1)                                              # (T, B, V)
    says_plural = p[..., list(PLURAL_VERB_IDS)].sum(-1) > p[..., list(SINGULAR_VERB_IDS)].sum(-1)
    return (says_plural.long() == batch.number)[mask].double().mean().item()
