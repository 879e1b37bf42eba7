"""Chapter 4's figures: what a trained LSTM writes, i_t ⊙ C̃_t, and its cell state with the
writes blocked.

Used by ``book/04_input_gate.ipynb``; the recordings they draw come from
:func:`lstmlib.experiments.ch04.record` (:class:`lstmlib.experiments.ch04.AddingRecording`).

    tokens           labels for one sequence's steps
    write_heatmap    i_t, C̃_t and the write over the window of one probe sequence
    write_by_value   i_t, C̃_t and the write against the value at each step, for one unit
    cell_traces      one unit's C_t over one sequence, as trained and with the writes blocked
"""
from __future__ import annotations

import numpy as np
import torch
from matplotlib.lines import Line2D

from .. import plots, style
from ..layers.clamps import Clamp
from ..models.readouts import LastStep
from .ch04 import STORE, AddingRecording


def tokens(x: torch.Tensor) -> list[str]:
    """Labels for one sequence's steps, x: (T, 2): "·" for a distractor, the value if marked."""
    if not isinstance(x, torch.Tensor) or x.dim() != 2 or x.shape[1] != 2:
        raise ValueError(f"expected one adding-problem sequence x of shape (T, 2), got "
                         f"{tuple(x.shape) if isinstance(x, torch.Tensor) else type(x).__name__}")
    return [f"{v:.2f}" if m > 0 else "·" for v, m in x.tolist()]


def write_heatmap(rec: AddingRecording, sequence: int, units: list, v_0: float):
    """The heat maps of i_t, C̃_t and the write i_t ⊙ C̃_t over ``STORE["window"]`` of one
    probe sequence (:func:`lstmlib.plots.gate_heatmap`), ``units`` down (the memory unit
    first); the title gives the memory unit's zero-write value v_0 and the marked values,
    whose distance from v_0 sets the size of their writes. The write's colour scale fits the
    first unit's largest write in the window; larger writes of other units show at full colour."""
    if not 0 <= sequence < rec.x.shape[1]:
        raise ValueError(f"expected sequence in 0 … {rec.x.shape[1] - 1}, got {sequence}")
    lo, hi = STORE["window"]
    window = {name: g[lo:hi, sequence:sequence + 1] for name, g in rec.gates.items()}
    label = (f"time step t = {lo} … {hi - 1} of {rec.x.shape[0]}, labelled with its input "
             "(·: distractor; marked: the value)")
    fig = plots.gate_heatmap(window, tokens(rec.x[lo:hi, sequence]), units,
                             names=("i", "C_tilde", "w"), xlabel=label)
    marked = [t for t in rec.marked[:, sequence].nonzero().flatten().tolist() if lo <= t < hi]
    values = ", ".join(f"{rec.value[t, sequence].item():.2f}" for t in marked)
    # the write's colour scale fits the memory unit's writes (larger ones show at full colour)
    top = float(window["w"][:, 0, units[0]].abs().max()) or 1.0
    fig.axes[2].images[0].set_clim(-top, top)
    fig.suptitle(f"unit {rec.unit(units[0])} writes nothing for a marked value of "
                 f"$v_0$ = {v_0:.2f}; the marked values here: {values}",
                 x=0.01, ha="left", fontsize=9.5)
    return fig


def write_by_value(rec: AddingRecording, unit: int, v_0: float | None = None, distractors: int = 1500):
    """Three panels against the value at each step, for one unit: i_t, C̃_t and the write
    i_t ⊙ C̃_t, the marked steps in the gate's colour, a sample of distractors in grey; with
    ``v_0``, a dashed line in the write's panel marks the zero-write value (an arrow at the
    panel's edge if it lies outside [0, 1])."""
    unit = rec.unit(unit)
    fig, axes = plots.figure(3, height=3.2)
    M = rec.marked
    v = rec.value
    pick = torch.randperm(int((~M).sum()), generator=torch.Generator().manual_seed(0))[:distractors]
    panels = (("i", "input gate $i_t$", style.GATE["i"], (-0.03, 1.03)),
              ("C_tilde", "candidate $\\tilde{C}_t$", style.GATE["C_tilde"], (-1.05, 1.05)),
              ("w", "write $i_t \\odot \\tilde{C}_t$", style.GATE["C_t"], (-1.05, 1.05)))
    for ax, (name, label, colour, ylim) in zip(axes, panels):
        q = rec.gates[name][:, :, unit]
        ax.scatter(v[~M][pick], q[~M][pick], s=4, color=style.GREY, alpha=0.4, linewidths=0,
                   label="distractor steps")
        ax.scatter(v[M], q[M], s=6, color=colour, linewidths=0, label="marked steps")
        ax.set_ylim(*ylim)
        ax.set_xlim(-0.05, 1.05)
        ax.set_title(label, loc="left", fontsize=10)
        ax.set_xlabel("value at step t")
    axes[0].set_ylabel(f"unit {unit}, at each step")
    if v_0 is not None:
        _mark_zero_write(axes[2], v_0)
    dot = dict(marker="o", linestyle="none", markersize=5)
    fig.legend([Line2D([], [], color=style.GREY, alpha=0.6, **dot), Line2D([], [], color=style.INK, **dot)],
               ["distractor steps (a sample)", "marked steps, in the panel's colour"],
               loc="outside upper right", ncols=2, handletextpad=0.2)
    return fig


def _mark_zero_write(ax, v_0: float) -> None:
    """The zero-write value v_0 on a write-against-value panel: a dashed line, or an arrow."""
    ax.axhline(0.0, color=style.GREY, linewidth=0.8)
    text = f"$v_0$ = {v_0:.2f}"
    if 0.0 <= v_0 <= 1.0:
        ax.axvline(v_0, color=style.INK, linestyle="--", linewidth=1.0)
        ax.annotate(text, (v_0, 0.97), xycoords=("data", "axes fraction"), ha="center",
                    va="top", fontsize=8.5, color=style.INK,
                    bbox=dict(boxstyle="round,pad=0.15", fc="white", ec="none"))
    else:
        edge, side = (1.0, "right") if v_0 > 1 else (0.0, "left")
        ax.annotate(f"{text} {'→' if v_0 > 1 else '←'}", (edge, 0.97), xycoords="axes fraction",
                    ha=side, va="top", fontsize=8.5, color=style.INK)


def cell_traces(model: LastStep, rec: AddingRecording, sequence: int, unit: int, blocks: dict):
    """One unit's cell state C_t over one probe sequence, as recorded and with the writes
    blocked: ``blocks`` maps a label to the (T, B) steps where i_t is held at 0 (for every
    unit), marked on its line. Dotted lines mark the marked steps; each legend entry gives
    the network's answer, the legend's title the target."""
    unit = rec.unit(unit)
    if not 0 <= sequence < rec.x.shape[1]:
        raise ValueError(f"expected sequence in 0 … {rec.x.shape[1] - 1}, got {sequence}")
    if not isinstance(blocks, dict) or not 1 <= len(blocks) <= 2:
        raise ValueError(f"expected a dict of one or two {{label: (T, B) steps}}, got {blocks!r:.80}")
    fig, ax = plots.figure(1, height=3.6)
    x = rec.x[:, sequence:sequence + 1]                                   # (T, 1, 2)
    T = x.shape[0]
    runs = {"as trained": (None, [], style.GATE["C_t"], "-")}
    looks = [(style.GATE["i"], "-"), (style.GREY, "--")]
    for (label, steps), (colour, line) in zip(blocks.items(), looks):
        where = steps[:, sequence:sequence + 1]                            # (T, 1)
        runs[label] = (Clamp("i", 0.0, steps=where), where[:, 0].nonzero().flatten().tolist(), colour, line)
    for label, (clamp, at, colour, line) in runs.items():
        with torch.no_grad():
            output, _, gates = model.rnn(x, clamp=clamp, return_gates=True)
            answer = model.readout(output[-1]).item()
        ax.plot(np.arange(T), gates["C_t"][:, 0, unit].numpy(), color=colour, linestyle=line,
                marker="v" if at else None, markevery=at or None, markersize=6,
                label=f"{label} (answer {answer:.2f})")
    for t in rec.marked[:, sequence].nonzero().flatten().tolist():
        ax.axvline(t, color=style.INK, linestyle=":", linewidth=1.0)
        ax.annotate(f"marked: {rec.value[t, sequence].item():.2f}", (t, 1.0),
                    xycoords=("data", "axes fraction"), xytext=(0, 3), textcoords="offset points",
                    fontsize=8, color=style.INK, ha="center")
    ax.set_xlabel("time step t (▼: writes blocked, $i_t = 0$ for every unit)")
    ax.set_ylabel(f"cell state $C_t$ of unit {unit}")
    fig.legend(loc="outside upper left", ncols=1, fontsize=8.5, title_fontsize=8.5, alignment="left",
               title=f"target (the sum of the two marked values): {rec.y[sequence, 0].item():.2f}")
    return fig
