"""Chapter 3's figures: the forget gate by kind of word, and the damage of the intervention.

Used by ``book/03_forget_gate.ipynb``; the numbers come from :mod:`lstmlib.experiments.ch03`.

    forget_profile(profiles)      mean f_t at each kind of word, one group of bars per kind
    damage_bars(results)          pronoun accuracy after a switch / the same gender, per run
"""
from __future__ import annotations

import numpy as np

from .. import plots, style
from .ch03 import TOKEN_KINDS, Damage

LIGHT_VERMILLION = "#EEA47A"      # the forget gate's colour, lighter (a second unit)
KIND_LABELS = {"the": '"the"', "noun": "noun", "pronoun": "pronoun", "adverb": "adverb",
               "verb": "verb", "ending": "ending", ".": "full stop"}


def _colours(n: int) -> list[str]:
    """The forget gate's vermillion for the first bar of a group, a lighter vermillion for
    the next ones, and grey for the last (the other units)."""
    if n == 1:
        return [style.GATE["f"]]
    return [style.GATE["f"]] + [LIGHT_VERMILLION] * (n - 2) + [style.GREY]


def _check(mapping, name, kind):
    if not isinstance(mapping, dict) or not mapping:
        raise TypeError(f"expected {name} to be a non-empty dict {{label: {kind}}}, "
                        f"got {type(mapping).__name__}")


def forget_profile(profiles: dict, height: float = 3.3):
    """Mean forget gate at each kind of word (:func:`lstmlib.experiments.ch03.forget_by_kind`), one bar per entry
    of ``profiles`` ({label: {kind: f}}) in each group; the last entry is drawn grey."""
    _check(profiles, "profiles", "{kind: mean f}")
    for label, profile in profiles.items():
        if set(profile) != set(TOKEN_KINDS):
            raise ValueError(f"expected the profile {label!r} to have the kinds {tuple(TOKEN_KINDS)}, "
                             f"got {tuple(profile)}")
    fig, ax = plots.figure(1, height)
    kinds = list(TOKEN_KINDS)
    n = len(profiles)
    width = 0.8 / n
    x = np.arange(len(kinds))
    for j, ((label, profile), colour) in enumerate(zip(profiles.items(), _colours(n))):
        ax.bar(x + (j - (n - 1) / 2) * width, [profile[k] for k in kinds], width, color=colour,
               label=label, edgecolor=style.INK, linewidth=0.4)
    ax.axvspan(-0.5, 1.5, color=style.GATE["f"], alpha=0.08, linewidth=0)
    ax.text(0.5, 1.02, "a new subject", ha="center", va="bottom", fontsize=9, color=style.INK)
    ax.set_xticks(x, [KIND_LABELS[k] for k in kinds])
    ax.set_xlim(-0.5, len(kinds) - 0.5)
    ax.set_ylim(0, 1.12)
    ax.set_yticks([0, 0.25, 0.5, 0.75, 1.0])
    ax.set_xlabel("kind of word at step t (the input $x_t$)")
    ax.set_ylabel("mean forget gate $f_t$")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.22), ncol=n, fontsize=8)
    return fig


def damage_bars(results: dict, height: float = 3.3):
    """Pronoun accuracy at the first pronoun after a new subject, by kind of subject (after a
    change of gender, after the same gender), one bar per entry of ``results``
    ({label: :class:`lstmlib.experiments.ch03.Damage`}); a dashed line marks guessing (50 %)."""
    _check(results, "results", "Damage")
    if not all(isinstance(d, Damage) for d in results.values()):
        raise TypeError("expected every value of results to be an lstmlib.experiments.ch03.Damage")
    fig, ax = plots.figure(1, height)
    groups = (("switch", "after a change of gender"), ("same", "after a subject of the same gender"))
    colours = [style.MODEL["LSTM"], style.GATE["f"], style.GREY, style.SKY_BLUE]
    n = len(results)
    width = 0.8 / n
    for j, (label, d) in enumerate(results.items()):
        values = [100 * getattr(d, key) for key, _ in groups]
        bars = ax.bar(np.arange(2) + (j - (n - 1) / 2) * width, values, width, label=label,
                      color=colours[j % len(colours)], edgecolor=style.INK, linewidth=0.4)
        ax.bar_label(bars, fmt="%.0f", fontsize=8, padding=2)
    line = ax.axhline(50, color=style.MODEL["baseline"], linestyle="--", linewidth=1.2,
                      label="guessing (50 %)")
    ax.set_xticks(np.arange(2), [text for _, text in groups])
    ax.set_ylim(0, 115)
    ax.set_yticks([0, 25, 50, 75, 100])
    ax.set_xlabel("the first pronoun after a new subject")
    ax.set_ylabel("pronoun accuracy (%)")
    handles, labels = ax.get_legend_handles_labels()
    order = [k for k, h in enumerate(handles) if h is not line] + [handles.index(line)]
    ax.legend([handles[k] for k in order], [labels[k] for k in order], loc="upper center",
              bbox_to_anchor=(0.5, -0.25), ncol=2, fontsize=8)
    return fig
