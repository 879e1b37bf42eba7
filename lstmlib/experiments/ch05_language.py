"""Chapter 5, step 3, decide what to output: what the hidden state of a language model exposes.

Exercise 4 of ``book/05_output_gate.ipynb`` (the chapter itself is
:mod:`lstmlib.experiments.ch05`); ``tests/test_experiments_ch05.py`` checks what its solution
says over three seeds (Colah 2015; Alain & Bengio 2016; Hewitt & Liang 2019; Linzen et al.
2016; Lakretz et al. 2019):

    language_model, train_language a small LSTM language model of lstmlib.tasks.language
    stories, agreement             fresh stories; how often the verb's number is right
    places, number_probes          linear probes of h_t and C_t where a verb comes next
    number_units, mixed_story      the units that carry number into h_t, their output gates;
                                   a story with both numbers for the heat map
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from ..analysis import probes
from ..models.readouts import EveryStep
from ..tasks import language
from ..training.loop import train
from ..training.seed import PROBE, TRAIN, data_stream, seed_everything
from .ch05 import record

# The language model of lstmlib.tasks.language: predicts the next word at every step.
LANGUAGE = dict(T=50, hidden_size=32, batch=32, lr=1e-2, clip=1.0, steps=400)
PROBE_STORIES = 400       # stories of T = 50 words for the probes
PROBE_ROWS = 600          # rows per probe (half of them held out), equal for every comparison
PROBE_STREAM = 4          # the probes' own random stream (which rows, which split)


def language_model(seed: int, hidden_size: int = LANGUAGE["hidden_size"]) -> EveryStep:
    """An LSTM language model of :mod:`lstmlib.tasks.language`: a word in, the next word's logits out."""
    seed_everything(seed)
    V = len(language.VOCAB)
    return EveryStep("LSTM", V, hidden_size, V)


def _next_word_loss(logits, y):
    return torch.nn.functional.cross_entropy(logits.flatten(0, 1), y.flatten())    # (T·B, V), (T·B,)


def train_language(model: EveryStep, seed: int, steps: int = LANGUAGE["steps"], T: int = LANGUAGE["T"],
                   batch: int = LANGUAGE["batch"], lr: float = LANGUAGE["lr"], clip: float = LANGUAGE["clip"]):
    """Train the language model to predict the next word (cross-entropy). Returns History."""
    return train(model, language.batches(T, batch, data_stream(seed, TRAIN)), steps=steps,
                 loss=_next_word_loss, lr=lr, clip=clip)


def stories(seed: int, n: int = PROBE_STORIES, T: int = LANGUAGE["T"]) -> language.Stories:
    """Fresh stories to probe the language model on."""
    return language.stories(T, n, generator=data_stream(seed, PROBE))


def places(batch: language.Stories) -> dict:
    """The (T, B) masks the probes compare: before a verb ("verb next"), split by the token read
    there ("after the subject", "after an adverb": the noun or pronoun, or an adverb between it
    and the verb), and for gender, the same steps for singular subjects only."""
    adverb = torch.isin(batch.tokens, torch.tensor(language.ADVERB_IDS))
    singular = (batch.gender == language.MALE) | (batch.gender == language.FEMALE)
    return {"verb next": batch.next_verb,
            "after the subject": batch.next_verb & ~adverb,
            "after an adverb": batch.next_verb & adverb,
            "verb next, singular": batch.next_verb & singular}


def number_probes(model: EveryStep, batch: language.Stories, seed: int, rows: int = PROBE_ROWS) -> dict:
    """Linear probes (:func:`lstmlib.analysis.probes.probe`) of h_t and of C_t where a verb comes next.

    Returns ``{(label, place, state): ProbeResult}`` for label "number" at each place of
    :func:`places` but the singular-only one, and label "gender" (male or female, among
    singular subjects: what the verb does not need) there; state "h" or "C". Every probe has
    the same number of rows, classes balanced, half held out.
    """
    gates = record(model, batch.x)                                          # each (T, B, H)
    states = {"h": gates["h"], "C": gates["C_t"]}
    where = places(batch)
    jobs = [("number", place) for place in ("verb next", "after the subject", "after an adverb")]
    jobs.append(("gender", "verb next, singular"))
    generator = data_stream(seed, PROBE_STREAM)
    out = {}
    for label, place in jobs:
        y = batch.number if label == "number" else batch.gender
        for name, S in states.items():
            X, target = probes.collect(S, y, where[place])
            out[(label, place, name)] = probes.probe(X, target, generator=generator, n=rows)
    X, target = probes.collect(states["h"], batch.number, where["verb next"])
    shuffled = target[torch.randperm(len(target), generator=generator)]       # a control task
    out[("shuffled number", "verb next", "h")] = probes.probe(X, shuffled, generator=generator, n=rows)
    return out


def mixed_story(batch: language.Stories, T: int = 30) -> int:
    """The first story whose first T words have both a singular and a plural subject before
    a verb (so that a heat map over them shows the number change)."""
    verb = batch.next_verb[:T]
    for b in range(batch.tokens.shape[1]):
        numbers = batch.number[:T, b][verb[:, b]]
        if len(numbers.unique()) == 2:
            return b
    raise ValueError(f"no story of this batch has both numbers in its first {T} words")


@dataclass
class NumberUnits:
    """What :func:`number_units` found: ``units``, the hidden units whose h_t differs most
    between plural and singular subjects where a verb comes next (largest first), that
    difference ``gap`` (H,), and the mean output gate o_t of every unit where a verb comes
    next (``o_verb``, (H,)) and at the other steps after the first subject (``o_other``)."""
    units: list
    gap: np.ndarray
    o_verb: np.ndarray
    o_other: np.ndarray


def number_units(model: EveryStep, batch: language.Stories, k: int = 3) -> NumberUnits:
    """The units that carry the subject's number into h_t where a verb comes next, and how
    far their output gates are open there and elsewhere (Lakretz et al. 2019 found such
    "number units" in LSTM language models of English)."""
    gates = record(model, batch.x)
    verb = batch.next_verb
    other = ~verb & (batch.gender != language.NONE)
    h, number = gates["h"][verb], batch.number[verb]                          # (N, H), (N,)
    gap = (h[number == 1].mean(0) - h[number == 0].mean(0)).abs()
    units = gap.argsort(descending=True)[:k].tolist()
    return NumberUnits(units, gap.numpy(), gates["o"][verb].mean(0).numpy(), gates["o"][other].mean(0).numpy())
