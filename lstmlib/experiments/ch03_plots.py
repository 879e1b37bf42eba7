"""Chapter 3's figures: the forget gate by kind of word, one story, the clamps' damage.

Used by ``book/03_forget_gate.ipynb``; the numbers come from :mod:`lstmlib.experiments.ch03`,
:mod:`lstmlib.experiments.ch03_clamp` and, for the networks of the headline figure,
:mod:`lstmlib.experiments.ch03_runs`.

    forget_profile(profiles)      mean f_t at each kind of word, one group of bars per kind
    story(rec, units)             f_t and i_t as heat maps and C_t as lines, over one story
    damage_bars(results)          pronoun accuracy after a switch / the same gender, per clamp
    clamps_over_runs(rows, this)  accuracy against how far each clamp moves f_t, many networks
"""
from __future__ import annotations

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.patches import Patch

from .. import plots, style
from ..tasks import language
from .ch03 import TOKEN_KINDS, StoryRecording
from .ch03_clamp import Damage

# The three clamps of ch03_clamp.clamp_experiments: colour and marker in the figures.
CLAMPS = {"gender units at a new subject": (style.GATE["f"], "o"),
          "other units at a new subject": (style.GREY, "s"),
          "gender units at other words": (style.BLUE, "^")}

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
    ({label: :class:`lstmlib.experiments.ch03_clamp.Damage`}); a dashed line marks guessing (50 %)."""
    _check(results, "results", "Damage")
    if not all(isinstance(d, Damage) for d in results.values()):
        raise TypeError("expected every value of results to be an lstmlib.experiments.ch03_clamp.Damage")
    fig, ax = plots.figure(1, height)
    groups = (("switch", "after a change of gender"), ("same", "after a subject of the same gender"))
    colours = [style.SKY_BLUE, *(c for c, _ in CLAMPS.values())]
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


def story(rec: StoryRecording, units, sequence: int = 0, height: float = 4.6):
    """One story word by word: the forget and input gates of ``units`` as heat maps (white to
    the gate's colour, 0 to 1) and their cell states C_t as lines over the subject's gender
    (shaded), which shows small values as clearly as large ones (chapter 3, Eq. C_t)."""
    if not isinstance(rec, StoryRecording):
        raise TypeError(f"expected an lstmlib.experiments.ch03.StoryRecording, got {type(rec).__name__}")
    units = list(units)
    H = rec.gates["f"].shape[-1]
    if not units or any(not 0 <= u < H for u in units):
        raise ValueError(f"expected unit indices in 0 … {H - 1}, got {units}")
    words = rec.tokens(sequence)
    fig = plots.PlotFigure(figsize=(style.WIDTH_IN, height), dpi=style.DPI, facecolor="white",
                           layout="constrained")
    FigureCanvasAgg(fig)
    plots.figure(1)                                  # registers the PNG printer in a notebook
    axes = fig.subplots(3, 2, width_ratios=(40, 1), height_ratios=(1, 1, 2.2))
    for row, name in enumerate(("f", "i")):
        values = rec.gates[name][:, sequence, units].double().numpy().T       # (units, T)
        image = axes[row, 0].imshow(values, aspect="auto", cmap=plots.gate_colormap(name),
                                    vmin=0, vmax=1, interpolation="nearest")
        axes[row, 0].set_yticks(range(len(units)), [f"unit {u}" for u in units])
        axes[row, 0].set_title(plots.GATE_LABELS[name][0], loc="left", fontsize=10)
        axes[row, 0].grid(False)
        axes[row, 0].tick_params(labelbottom=False)
        fig.colorbar(image, cax=axes[row, 1]).ax.tick_params(labelsize=8)
    ax = axes[2, 0]
    _gender_bands(ax, rec.stories.gender[:, sequence])
    lines = (dict(color=style.INK, marker="o", markersize=3), dict(color=style.GREY, linestyle="--"),
             dict(color=style.GREY, linestyle=":"))
    for u, kw in zip(units, lines):
        C = rec.gates["C_t"][:, sequence, u].double().numpy()                  # (T,)
        ax.plot(np.arange(len(C)), C, label=f"unit {u}", **kw)
    ax.axhline(0, color=style.GREY, linewidth=0.8)
    ax.set_xlim(-0.5, len(words) - 0.5)
    ax.set_ylabel("cell state $C_t$")
    ax.set_xticks(range(len(words)), words, rotation=90)
    ax.set_xlabel("time step t, labelled with its input word $x_t$")
    axes[0, 0].sharex(ax)
    axes[1, 0].sharex(ax)
    axes[2, 1].axis("off")
    handles = ax.get_legend_handles_labels()[0] + [
        Patch(color=style.GATE["C_t"], alpha=0.25, label="subject female"),
        Patch(color=style.SKY_BLUE, alpha=0.25, label="subject male")]
    fig.legend(handles=handles, loc="outside lower center", ncol=len(handles), fontsize=8)
    return fig


def _gender_bands(ax, gender):
    """Shade the steps whose current subject is female (orange) or male (sky blue)."""
    colours = {language.FEMALE: style.GATE["C_t"], language.MALE: style.SKY_BLUE}
    for t, g in enumerate(gender.tolist()):
        if g in colours:
            ax.axvspan(t - 0.5, t + 0.5, color=colours[g], alpha=0.25, linewidth=0)


def clamps_over_runs(rows: list, this_run: dict | None = None, height: float = 3.6):
    """The headline figure: for each network (one row of
    :func:`lstmlib.experiments.ch03_runs.load`) and each clamp, the accuracy at the first
    pronoun after a change of gender against how far the clamp moves the forget gates (the
    mean of 1 − f_t where it holds them at 1). ``this_run``: the page's own, {clamp name:
    {"shift", "damage"}} as :func:`lstmlib.experiments.ch03_clamp.clamp_experiments` returns it,
    drawn larger with a dark outline."""
    if not isinstance(rows, list) or not rows:
        raise TypeError(f"expected rows to be a non-empty list of dicts, got {type(rows).__name__}")
    for name in CLAMPS:
        if any(name not in r for r in rows):
            raise ValueError(f"expected every row to hold the clamp {name!r}")
    fig, ax = plots.figure(1, height)
    for name, (colour, marker) in CLAMPS.items():
        x = [r[name]["shift"] for r in rows]
        y = [100 * r[name]["switch"] for r in rows]
        ax.scatter(x, y, color=colour, marker=marker, s=28, alpha=0.75, linewidths=0,
                   label=f"f = 1: {name} ({len(rows)} networks)")
        if this_run is not None:
            mine = this_run[name]
            ax.scatter([mine["shift"]], [100 * mine["damage"].switch], color=colour,
                       marker=marker, s=110, edgecolors=style.INK, linewidths=1.4, zorder=3)
    ax.axhline(50, color=style.MODEL["baseline"], linestyle="--", linewidth=1.2,
               label="guessing (50 %)")
    if this_run is not None:
        ax.scatter([], [], color="white", edgecolors=style.INK, linewidths=1.4, s=110,
                   label="this run (outlined)")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 105)
    ax.set_xlabel("how far the clamp moves the forget gates (mean of $1 - f_t$)")
    ax.set_ylabel("accuracy at the first pronoun\nafter a change of gender (%)")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=2, fontsize=8)
    return fig
