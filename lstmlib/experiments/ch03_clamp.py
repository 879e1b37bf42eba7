"""Chapter 3's intervention: hold the gender units' forget gates at 1 where a new subject
arrives, and its two controls.

Used by ``book/03_forget_gate.ipynb`` and :mod:`lstmlib.experiments.ch03_runs`. The trained
language model, its recordings and the gender units come from :mod:`lstmlib.experiments.ch03`;
the clamp is :class:`lstmlib.layers.clamps.Clamp` (single units found and ablated as in
Lakretz et al. 2019). The controls: other units whose gates the clamp moves as far
(:func:`matched_units`), and the same units at other words (:func:`timing_steps`).

    Damage, pronoun_damage, damage, forget_shift, matched_units, timing_steps,
    clamp_experiments
"""
from __future__ import annotations

from dataclasses import dataclass

import torch

from ..layers.clamps import Clamp
from ..models.readouts import EveryStep
from ..tasks import language
from .ch03 import MEASURE, StoryRecording, after, first_pronoun, record, subject_steps


@dataclass
class Damage:
    """Pronoun accuracy at the first pronoun after a new singular subject, by kind of subject,
    and how often the model says "she" there (right or wrong)."""
    switch: float          # the new subject has the other gender than the one before it
    same: float            # the new subject has the same gender
    says_she: float        # share of those first pronouns at which "she" wins over "he"

    def __str__(self):
        return f"after a switch {self.switch:6.1%}   same gender {self.same:6.1%}"


def pronoun_damage(rec: StoryRecording) -> Damage:
    """:class:`Damage` of a recording: accuracy at the first pronoun after each kind of subject."""
    s = rec.stories
    first = first_pronoun(s)
    both = first & (after(s, "switch") | after(s, "same"))
    she = rec.logits[..., language.INDEX["she"]] > rec.logits[..., language.INDEX["he"]]   # (T, B)
    return Damage(rec.accuracy(first & after(s, "switch")), rec.accuracy(first & after(s, "same")),
                  she[both].float().mean().item())


def damage(model: EveryStep, stories: language.Stories, units=None, value: float = 1.0,
           steps: torch.Tensor | None = None) -> Damage:
    """Hold f_t of ``units`` at ``value`` at ``steps`` (default: both words of every new
    subject, :func:`~lstmlib.experiments.ch03.subject_steps`), rerun the trained model and
    measure :class:`Damage`. ``units=None``: the model as trained, no clamp."""
    clamp = None
    if units is not None:
        steps = subject_steps(stories) if steps is None else steps
        clamp = Clamp("f", value, units=list(units), steps=steps)
    return pronoun_damage(record(model, stories, clamp))


def forget_shift(rec: StoryRecording, units, steps: torch.Tensor) -> float:
    """How far holding f_t at 1 moves the gate: the mean of 1 − f_t over ``units`` at
    ``steps`` ((T, B) bool), as the trained network has it (the size of the perturbation)."""
    f = rec.gates["f"][..., list(units)]                              # (T, B, k)
    return (1 - f[steps]).mean().item()


def matched_units(rec: StoryRecording, correlation: torch.Tensor, k: int = MEASURE["units"],
                  unrelated: float = MEASURE["unrelated"]) -> list[int]:
    """The control units: among the units whose C_t hardly follows the gender (|correlation|
    below ``unrelated``), the ``k`` whose forget gates are furthest from 1 at a new subject,
    so that holding them at 1 there moves them at least as far as it moves most gender units."""
    pool = [u for u in range(len(correlation)) if abs(correlation[u]) < unrelated]
    if len(pool) < k:
        raise ValueError(f"expected at least {k} units with |correlation| < {unrelated}, "
                         f"got {len(pool)}")
    subject = subject_steps(rec.stories)
    size = {u: forget_shift(rec, [u], subject) for u in pool}
    return sorted(sorted(pool, key=lambda u: -size[u])[:k])


def timing_steps(rec: StoryRecording, units) -> torch.Tensor:
    """(T, B) bool: the timing control's steps. In each story, as many words as it has words
    of a new subject, chosen among its other words: those where the mean f_t of ``units`` is
    lowest, so that holding it at 1 there moves it as far as it can away from a subject."""
    subject = subject_steps(rec.stories)                              # (T, B)
    f = rec.gates["f"][..., list(units)].mean(dim=-1)                 # (T, B)
    f = f.masked_fill(subject, float("inf"))                          # never a subject's word
    rank = f.argsort(dim=0, stable=True).argsort(dim=0)               # 0: the lowest in its story
    return rank < subject.sum(dim=0, keepdim=True)


def clamp_experiments(model: EveryStep, rec: StoryRecording, units, correlation) -> dict:
    """The chapter's intervention and its two controls, each f_t held at 1:
    ``{name: {"units", "steps", "shift", "damage"}}``.

    "gender units at a new subject" (both words of every new subject), "other units at a new
    subject" (:func:`matched_units`, the same steps) and "gender units at other words"
    (:func:`timing_steps`, as many words per story); ``shift`` is :func:`forget_shift`,
    ``damage`` the :class:`Damage`.
    """
    subject = subject_steps(rec.stories)
    plan = {"gender units at a new subject": (list(units), subject),
            "other units at a new subject": (matched_units(rec, correlation), subject),
            "gender units at other words": (list(units), timing_steps(rec, units))}
    return {name: dict(units=u, steps=steps, shift=forget_shift(rec, u, steps),
                       damage=damage(model, rec.stories, u, steps=steps))
            for name, (u, steps) in plan.items()}
