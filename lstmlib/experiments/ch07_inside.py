"""Chapter 7, inside the trained networks: which units matter, their gates, and the forget gate
held at 1 (an intervention).

Used by ``book/07_coupled_gates.ipynb`` on the networks :mod:`lstmlib.experiments.ch07` trains
and on the tasks' fresh sequences it draws (:func:`lstmlib.experiments.ch07.fresh_batch`):

    importance     how much each unit's h_T moves the answer: (H,)
    inside         a network's gates on fresh probe sequences: Inside (keep_and_write, ...)
    hold_forget    the held-out error with every forget gate held at 1 at the marked steps
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch

from ..layers.clamps import Clamp
from ..models.readouts import LastStep
from ..training.seed import PROBE
from .ch07 import fresh_batch, held_out


def importance(model: LastStep, x: torch.Tensor) -> torch.Tensor:
    """How much each unit's h_T moves the answer: |readout weight| × spread of h_T over the
    sequences in x. Returns (H,)."""
    with torch.no_grad():
        output, _ = model.rnn(x)                                    # (T, B, H)
        return model.readout.weight.abs().sum(0) * output[-1].std(0)


@dataclass
class Inside:
    """One trained network's gates on fresh probe sequences of its task (:func:`inside`)."""
    gates: dict = field(repr=False)        # f, i, g, o, c: each (T, n, H), i = 1 − f if coupled
    marked: torch.Tensor = field(repr=False)   # (T, n) bool, True at the marked steps
    x: torch.Tensor = field(repr=False)    # (T, n, 2), the probe sequences
    top: list                              # the units that matter most, most important first
    weight: torch.Tensor = field(repr=False)   # (H,) each unit's importance, summing to 1

    def at(self, name: str, where: str = "marked", units=None) -> np.ndarray:
        """A gate's values at the marked steps (``where="marked"``) or between them
        (``"between"``), for the ``units`` given (default: the top units), flattened."""
        if where not in ("marked", "between"):
            raise ValueError(f"expected where to be 'marked' or 'between', got {where!r}")
        steps = self.marked if where == "marked" else ~self.marked
        units = self.top if units is None else list(units)
        return torch.cat([self.gates[name][..., u][steps] for u in units]).numpy()

    def keep_and_write(self) -> float:
        """f_t + i_t at the marked steps, averaged over every unit weighted by its importance
        (:func:`importance`): above 1, the units that matter keep more than they make room for
        (in a coupled LSTM it is exactly 1). Weighting every unit, rather than taking the top
        few, makes it steadier from one trained network to the next."""
        per_unit = (self.gates["f"] + self.gates["i"])[self.marked].mean(0)     # (H,)
        return float((per_unit * self.weight).sum())

    def write_between(self) -> float:
        """Mean input gate i_t of every unit between the markers, where nothing should be written."""
        return float(self.gates["i"][~self.marked].mean())

    def saturated(self, threshold: float = 1.5) -> float:
        """Share of the units whose final cell state |C_T| exceeds ``threshold`` in the median
        sequence: there tanh'(C) = 1 − tanh²(C) < 0.19, so h_T hardly moves with C_T."""
        return float((self.final_size() > threshold).mean())

    def final_size(self) -> np.ndarray:
        """Each unit's |C_T| in the median sequence: (H,). A coupled cell's never exceeds 1."""
        return self.gates["C_t"][-1].abs().median(dim=0).values.numpy()

    def change_at_marked(self) -> float:
        """max |C_t − C_{t-1}| over the units at the marked steps (C_0 = 0 before the first step)."""
        c = self.gates["C_t"]                                             # (T, n, H)
        previous = torch.cat([torch.zeros_like(c[:1]), c[:-1]])
        return float((c - previous).abs()[self.marked].max())

    def coupling_error(self) -> float:
        """max |f_t + i_t − 1| over every unit and step: 0 (to rounding) in a coupled LSTM."""
        return float((self.gates["f"] + self.gates["i"] - 1).abs().max())


def inside(model: LastStep, task: str, run: int, n: int = 200, units: int = 3, hold: bool = False) -> Inside:
    """Record a trained network's gates on ``n`` fresh probe sequences of ``task``, and find its
    ``units`` most important units (:func:`importance`).

    ``hold=True`` records them under the intervention of :func:`hold_forget`: every forget gate
    held at 1 at the marked steps.
    """
    x, _, marked = fresh_batch(task, run, n, stream=PROBE)
    weight = importance(model, x)                                           # (H,)
    top = weight.argsort(descending=True)[:units].tolist()
    clamp = Clamp("f", 1.0, steps=marked) if hold else None
    with torch.no_grad():
        _, _, gates = model.rnn(x, return_gates=True, clamp=clamp)  # each (T, n, H)
    return Inside(gates, marked, x, top, weight / weight.sum())


def hold_forget(model: LastStep, task: str, run: int, n: int = 2000) -> float:
    """:func:`held_out` with every forget gate held at 1 at the marked steps (an intervention).

    An LSTM then keeps all it holds wherever it writes; in a coupled LSTM i = 1 − f = 0 there,
    so nothing is written at all.
    """
    _, _, marked = fresh_batch(task, run, n)
    return held_out(model, task, run, n, clamp=Clamp("f", 1.0, steps=marked))
