"""Chapter 3, step 1 (forget): a language model forgets the old subject's gender at a new one.

Used by ``book/03_forget_gate.ipynb``, whose claims ``tests/test_other_runs.py`` and
``benchmarks/robustness.py`` check over other seeds and CPUs (Gers, Schmidhuber & Cummins
2000; Colah 2015; single units found and ablated as in Lakretz et al. 2019). The network is a
small LSTM language model of :mod:`lstmlib.tasks.language`'s stories; this module finds the units
whose cell state holds the current subject's gender, measures their forget gates word by
word, and holds those gates at 1 where a new subject arrives
(:class:`lstmlib.layers.clamps.Clamp`) to see what forgetting is for, next to two controls:
other units whose gates the clamp moves as far, and the same units at other words. The
intervention and its controls: :mod:`lstmlib.experiments.ch03_clamp`; figures:
:mod:`lstmlib.experiments.ch03_plots`; the 24 networks of the chapter's headline figure:
:mod:`lstmlib.experiments.ch03_runs`.

    hand_example, language_model, train_language, StoryRecording, record, probe_story,
    first_pronoun, after, subject_steps, token_kind, gender_free, gender_correlation,
    gender_units, forget_by_kind, forget_contrast, kept_to_pronoun
"""
from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from ..analysis.stats import pearson
from ..layers import LSTM
from ..models.readouts import EveryStep
from ..tasks import language
from ..training.loop import History, train
from ..training.seed import PROBE, TEST, TRAIN, data_stream, seed_everything

# The language model: one-hot words in, the next word's logits out, at every step.
LANGUAGE = dict(T=50, hidden_size=32, batch=32, lr=2e-2, clip=1.0, steps=800, forget_bias=1.0)
# What the chapter measures on: held-out stories, the gender units, and the control units'
# largest correlation with the gender (units whose cell state hardly follows it).
MEASURE = dict(stories=256, T=50, units=3, unrelated=0.2)
INIT = 4                  # the initial weights' random stream (common's data streams are 1-3)

# ---------------------------------------------------------------------------------------------
# The worked example: H = 2 units, three words, no recurrent weights
# ---------------------------------------------------------------------------------------------
HAND_TOKENS = ("sings", "the", "queen")
# Each gate's pre-activation W·[h_{t-1}, x_t] + b for each unit (rows) and word (columns).
HAND_PRE = {"f": ((4.0, -4.0, 4.0), (4.0, 4.0, 4.0)),
            "i": ((-4.0, -4.0, 4.0), (-4.0, -4.0, -4.0)),
            "C": ((0.0, 0.0, 2.0), (0.0, 0.0, 0.0)),
            "o": ((2.0, 2.0, 2.0), (2.0, 2.0, 2.0))}
HAND_C0 = (-1.0, 0.5)     # C_0: unit 1 holds "the subject is male" (−1), unit 2 something else


def hand_example(dtype=torch.float64):
    """The worked example's LSTM, inputs and initial state: ``(layer, x, (h_0, C_0))``.

    ``layer`` is an :class:`lstmlib.LSTM` with D = 3 inputs (one-hot "sings", "the", "queen")
    and H = 2 units whose recurrent weights W_h and biases are zero, so each gate's
    pre-activation at step t is the column of W_x for the word x_t: ``HAND_PRE``. Its
    parameters do not require gradients. x: (T, B, D) = (3, 1, 3); h_0 = 0 and C_0 = ``HAND_C0``, each (B, H) = (1, 2).
    """
    layer = LSTM(3, 2, dtype=dtype)
    with torch.no_grad():
        layer.W.zero_()
        layer.b.zero_()
        for gate, rows in HAND_PRE.items():
            W_gate, _ = layer.gate(gate)                          # a view, (H, H + D)
            W_gate[:, 2:] = torch.tensor(rows, dtype=dtype)      # W_x: one column per word
    layer.requires_grad_(False)                                  # numbers to read, not to train
    x = torch.eye(3, dtype=dtype)[:, None, :]                    # (T, B, D)
    return layer, x, (torch.zeros(1, 2, dtype=dtype), torch.tensor([HAND_C0], dtype=dtype))


# ---------------------------------------------------------------------------------------------
# The language model
# ---------------------------------------------------------------------------------------------
def language_model(seed: int, hidden_size: int = LANGUAGE["hidden_size"],
                   forget_bias: float = LANGUAGE["forget_bias"], **layer_kwargs) -> EveryStep:
    """An LSTM with a linear readout at every step, V = 49 one-hot words in, V logits out.

    Its initial weights come from the stream ``1000 * seed + INIT``, apart from the data's.
    Keyword arguments go to :class:`lstmlib.LSTM`, e.g. ``forget_gate=False`` for the LSTM of
    1997 without a forget gate (then ``forget_bias`` does not apply).
    """
    seed_everything(1000 * seed + INIT)
    V = len(language.VOCAB)
    if layer_kwargs.get("forget_gate", True) is False:
        forget_bias = None
    return EveryStep("LSTM", V, hidden_size, V, forget_bias=forget_bias, **layer_kwargs)


def next_word_loss(logits: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Cross-entropy of the next word, averaged over every step: logits (T, B, V), y (T, B)."""
    return nn.functional.cross_entropy(logits.flatten(0, 1), y.flatten())


def train_language(model: EveryStep, seed: int, steps: int = LANGUAGE["steps"], T: int = LANGUAGE["T"],
                   batch: int = LANGUAGE["batch"], lr: float = LANGUAGE["lr"],
                   clip: float = LANGUAGE["clip"]) -> History:
    """Train the language model on fresh stories (Adam, gradient-norm clipping): a History."""
    _check_model(model)
    return train(model, language.batches(T, batch, data_stream(seed, TRAIN)), steps=steps,
                 loss=next_word_loss, lr=lr, clip=clip)


def _check_model(model):
    if not isinstance(model, EveryStep) or not isinstance(model.rnn, LSTM) \
            or model.rnn.input_size != len(language.VOCAB):
        raise TypeError(f"expected an EveryStep model around an LSTM with input_size "
                        f"{len(language.VOCAB)} (ch03.language_model), got {type(model).__name__}")


@dataclass
class StoryRecording:
    """A language model's run over stories: the stories, its logits and every gate."""
    stories: language.Stories        # tokens, labels: each (T, B)
    logits: torch.Tensor             # (T, B, V)
    gates: dict                      # f, i, g (C̃_t), o, c (C_t): each (T, B, H)

    def accuracy(self, where: torch.Tensor | None = None) -> float:
        """Pronoun accuracy (he or she, right where one comes next), optionally narrowed."""
        return language.pronoun_accuracy(self.logits, self.stories, where=where)

    def tokens(self, sequence: int = 0) -> list[str]:
        """The words of one story, one per step."""
        return language.decode(self.stories.tokens[:, sequence]).split()


@torch.no_grad()
def record(model: EveryStep, stories: language.Stories, clamp=None) -> StoryRecording:
    """Run ``model`` over ``stories`` (with an intervention ``clamp``, if given) and record it."""
    _check_model(model)
    output, _, gates = model.rnn(stories.x, return_gates=True, clamp=clamp)     # (T, B, H)
    return StoryRecording(stories, model.readout(output), gates)


def test_stories(seed: int, n: int = MEASURE["stories"], T: int = MEASURE["T"]) -> language.Stories:
    """``n`` held-out stories of T words, never seen in training."""
    return language.stories(T, n, data_stream(seed, TEST))


def probe_story(seed: int, T: int = 24) -> language.Stories:
    """The first story of the probe stream with a change of gender and a new subject of the
    same gender in it: the one the heat map and the animation show."""
    g = data_stream(seed, PROBE)
    while True:
        s = language.stories(T, 1, g)
        if (s.new_subject & after(s, "switch")).any() and (s.new_subject & after(s, "same")).any():
            return s


# ---------------------------------------------------------------------------------------------
# Where memory is needed, where it should change, and what kind each word is
# ---------------------------------------------------------------------------------------------
def singular(code: torch.Tensor) -> torch.Tensor:
    """True where a gender code is MALE or FEMALE (a singular subject)."""
    return (code == language.MALE) | (code == language.FEMALE)


def first_pronoun(stories: language.Stories) -> torch.Tensor:
    """(T, B) bool: the next word is the first pronoun since the current subject was named.

    There the pronoun must come from the memory of the noun; a later "she" can be read off
    the "she" before it.
    """
    is_pronoun = token_kind(stories, "pronoun")                      # (T, B)
    seen = torch.zeros_like(is_pronoun[0])                           # (B,)
    out = torch.zeros_like(is_pronoun)
    for t in range(is_pronoun.shape[0]):
        seen = (seen | is_pronoun[t]) & ~stories.new_subject[t]
        out[t] = ~seen
    return out & stories.next_pronoun


def after(stories: language.Stories, kind: str) -> torch.Tensor:
    """(T, B) bool: the current subject is singular and, against the singular subject before
    it, ``"switch"`` (the other gender) or ``"same"`` (the same gender)."""
    both = singular(stories.gender) & singular(stories.previous)
    if kind == "switch":
        return both & (stories.gender != stories.previous)
    if kind == "same":
        return both & (stories.gender == stories.previous)
    raise ValueError(f"expected kind 'switch' or 'same', got {kind!r}")


TOKEN_KINDS = {
    "the": ("the",),
    "noun": (*language.SINGULAR_NOUNS, *language.PLURAL_NOUNS),
    "pronoun": tuple(language.PRONOUNS.values()),
    "adverb": language.ADVERBS,
    "verb": tuple(v for pair in language.VERBS for v in pair),
    "ending": language.ENDINGS,
    ".": (".",),
}
GENDER_FREE = ("adverb", "verb", "ending", ".")     # the words that do not name a subject


def token_kind(stories: language.Stories, kind: str) -> torch.Tensor:
    """(T, B) bool: the word at each step is of this kind (a key of ``TOKEN_KINDS``)."""
    if kind not in TOKEN_KINDS:
        raise ValueError(f"unknown kind of word {kind!r}: expected one of {tuple(TOKEN_KINDS)}")
    ids = torch.tensor([language.INDEX[w] for w in TOKEN_KINDS[kind]])
    return torch.isin(stories.tokens, ids)


def subject_steps(stories: language.Stories) -> torch.Tensor:
    """(T, B) bool: the two words that bring in a new subject, "the" and its noun."""
    return token_kind(stories, "the") | stories.new_subject


def gender_free(stories: language.Stories) -> torch.Tensor:
    """(T, B) bool: adverbs, verbs, endings and full stops, the words between a subject and
    its pronouns, none of which says anything about the gender."""
    return torch.stack([token_kind(stories, k) for k in GENDER_FREE]).any(dim=0)


# ---------------------------------------------------------------------------------------------
# Which units carry the gender, and what their forget gates do
# ---------------------------------------------------------------------------------------------
def gender_correlation(rec: StoryRecording, where: torch.Tensor | None = None, of: str = "C_t") -> torch.Tensor:
    """Each unit's correlation between C_t and the current subject's gender (female 1,
    male 0), over every step whose current subject is singular (and where ``where``, a
    (T, B) bool, is True): (H,). ``of`` names another recorded quantity to correlate instead
    of the cell state "C_t", for example the output gate "o"."""
    if of not in rec.gates:
        raise ValueError(f"the recording has no {of!r}: it holds {tuple(rec.gates)}")
    where = singular(rec.stories.gender) if where is None else where & singular(rec.stories.gender)
    C = rec.gates[of][where]                                          # (N, H)
    female = (rec.stories.gender[where] == language.FEMALE).to(C.dtype)     # (N,)
    return pearson(C, female)


def gender_units(correlation: torch.Tensor, k: int = MEASURE["units"]) -> list[int]:
    """The ``k`` units whose C_t correlates most strongly with the gender, either sign."""
    return correlation.abs().argsort(descending=True)[:k].tolist()


def forget_by_kind(rec: StoryRecording, units) -> dict:
    """Mean forget gate f_t of ``units`` at each kind of word: ``{kind: float}``."""
    f = rec.gates["f"][..., list(units)]                              # (T, B, k)
    return {kind: f[token_kind(rec.stories, kind)].mean().item() for kind in TOKEN_KINDS}


def forget_contrast(rec: StoryRecording, units) -> dict:
    """Mean f_t of ``units`` at the two words of a new subject and at the gender-free words."""
    f = rec.gates["f"][..., list(units)]                              # (T, B, k)
    return {"subject": f[subject_steps(rec.stories)].mean().item(),
            "elsewhere": f[gender_free(rec.stories)].mean().item()}


def kept_to_pronoun(rec: StoryRecording, units) -> torch.Tensor:
    """What the forget gates keep of the noun's content until the first pronoun: (k,).

    For each first pronoun after a new singular subject whose noun is at step n and which is
    predicted at step t, the product f_{n+1} · … · f_t of each unit (Eq. C_t = f_t ⊙ C_{t-1}
    + …, the carousel of chapter 2 with the writes left out); the median over those pronouns.
    """
    s = rec.stories
    log_f = rec.gates["f"][..., list(units)].clamp_min(1e-30).log().cumsum(dim=0)  # (T, B, k)
    at_noun = torch.zeros_like(log_f[0])                              # (B, k)
    seen = torch.zeros(log_f.shape[1], dtype=torch.bool)              # (B,)
    first = first_pronoun(s) & singular(s.gender)                     # (T, B)
    kept = []
    for t in range(log_f.shape[0]):
        new = s.new_subject[t]
        at_noun[new], seen = log_f[t][new], seen | new
        where = first[t] & seen
        kept.append((log_f[t][where] - at_noun[where]).exp())         # (n, k)
    kept = torch.cat(kept)
    if not len(kept):
        raise ValueError("expected stories with a first pronoun after a new singular subject")
    return kept.median(dim=0).values
