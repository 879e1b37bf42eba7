"""Interventions on an LSTM: fix a gate's value for chosen units and time steps (chapters 3-5).

A gate heat map shows what a trained network's gates do; an intervention shows that it
matters. Hold a gate at a value of our choosing, run the same trained network on the same
inputs, and measure what breaks: if the task fails when the forget gate of three units is held
at 1 at one step, those units' forgetting at that step is part of how the network solves it.

    hold = Clamp("f", 1.0, units=[3, 7], steps=new_subject)  # steps: (T, B) bool, or ints
    output, state = lstm(x, clamp=hold)                      # or clamp=[hold, other]
    output, state, gates = lstm(x, clamp=hold, return_gates=True)   # gates show the clamp

Where the clamp applies, the gate's value is replaced before the step uses it, so everything
downstream sees the fixed value: C_t = f_t ⊙ C_{t-1} + i_t ⊙ C̃_t with the clamped f_t, the
output gate's peephole reads that C_t, and so on (:func:`lstmlib.cells.lstm_step`). A clamped
sequence runs on the readable path (:func:`lstmlib.cells.lstm_step` step by step under
autograd), never on the fast path. Gradients flow to the parameters wherever the gate is free.

Gates that can be clamped: ``"f"`` (f_t), ``"i"`` (i_t), ``"C_tilde"`` (the candidate C̃_t; the name
of its entry in ``return_gates``) and ``"o"`` (o_t). A coupled LSTM has no input gate of its
own (i_t = 1 − f_t): clamp ``"f"`` there, and i_t follows.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch

GATES = ("f", "i", "C_tilde", "o")
SIGMOID_GATES = ("f", "i", "o")


@dataclass(frozen=True)
class Clamp:
    """Hold one gate at ``value`` for the hidden ``units`` at the time ``steps``.

    Args:
        gate: "f", "i", "C_tilde" (the candidate C̃_t) or "o".
        value: the value to hold: in [0, 1] for f, i, o (a sigmoid's range); in [−1, 1] for
            g, unless the layer has no input activation (NIAF), where any value is allowed.
        units: hidden-unit indices (each in 0 … H − 1), or None for every unit.
        steps: where in time: None (every step), a sequence of step indices (the same steps in
            every sequence of the batch), or a bool tensor shaped like the input's first two
            dimensions, (T, B) (or (B, T) for a ``batch_first`` layer), True where it applies:
            this picks different steps in different sequences.
    """

    gate: str
    value: float
    units: tuple | None = None
    steps: object = None

    def __post_init__(self):
        if self.gate not in GATES:
            raise ValueError(f"unknown gate {self.gate!r} to clamp: expected one of {GATES}")
        if isinstance(self.value, bool) or not isinstance(self.value, (int, float)):
            raise TypeError(f"expected value to be a number, got {type(self.value).__name__} {self.value!r}")
        if self.value != self.value or abs(self.value) == float("inf"):
            raise ValueError(f"expected a finite value, got {self.value}")
        if self.gate in SIGMOID_GATES and not 0.0 <= self.value <= 1.0:
            raise ValueError(f"gate {self.gate!r} is a sigmoid: expected a value in [0, 1], got {self.value}")
        if self.units is not None:
            if isinstance(self.units, (str, bytes, torch.Tensor)) or not hasattr(self.units, "__iter__"):
                raise TypeError(f"expected units to be None or a sequence of int unit indices, "
                                f"got {self.units!r}")
            units = tuple(self.units)
            if not units or any(isinstance(u, bool) or not isinstance(u, int) for u in units):
                raise TypeError(f"expected units to be a non-empty sequence of int unit indices, "
                                f"got {self.units!r}")
            object.__setattr__(self, "units", units)
        if self.steps is not None and not isinstance(self.steps, torch.Tensor):
            if isinstance(self.steps, (str, bytes)) or not hasattr(self.steps, "__iter__"):
                raise TypeError(f"expected steps to be None, a sequence of int step indices or a bool "
                                f"tensor (T, B), got {self.steps!r}")
            steps = tuple(self.steps)
            if not steps or any(isinstance(s, bool) or not isinstance(s, int) for s in steps):
                raise TypeError(f"expected steps to be a non-empty sequence of int step indices, "
                                f"got {self.steps!r}")
            object.__setattr__(self, "steps", steps)

    def mask(self, T: int, B: int, H: int, batch_first: bool = False, device=None) -> torch.Tensor:
        """Where the clamp applies, as a bool tensor (T, B, H)."""
        where = torch.zeros(T, B, H, dtype=torch.bool, device=device)           # (T, B, H)
        if self.units is not None:
            bad = [u for u in self.units if not 0 <= u < H]
            if bad:
                raise ValueError(f"expected unit indices in 0 … {H - 1} (hidden_size {H}), got {bad[0]}")
        units = slice(None) if self.units is None else list(self.units)
        if self.steps is None:
            steps = torch.ones(T, B, dtype=torch.bool, device=device)           # (T, B)
        elif isinstance(self.steps, torch.Tensor):
            expected = (B, T) if batch_first else (T, B)
            if self.steps.dtype != torch.bool:
                raise TypeError(f"expected steps to be a bool tensor, got dtype {self.steps.dtype}")
            if tuple(self.steps.shape) != expected:
                layout = "(B, T)" if batch_first else "(T, B)"
                raise ValueError(f"expected steps of shape {layout} = {expected}, like the input, "
                                 f"got {tuple(self.steps.shape)}")
            steps = self.steps.to(device)
            steps = steps.T if batch_first else steps                           # (T, B)
        else:
            bad = [s for s in self.steps if not 0 <= s < T]
            if bad:
                raise ValueError(f"expected step indices in 0 … {T - 1} (the input has T = {T}), got {bad[0]}")
            steps = torch.zeros(T, B, dtype=torch.bool, device=device)          # (T, B)
            steps[list(self.steps)] = True                                      # those steps, every sequence
        chosen = torch.zeros(H, dtype=torch.bool, device=device)                # (H,)
        chosen[units] = True
        where |= steps[:, :, None] & chosen[None, None, :]                      # (T, B, 1) & (1, 1, H)
        return where


def as_list(clamp) -> list[Clamp]:
    """Accept None, one :class:`Clamp`, or a list or tuple of them."""
    if clamp is None:
        return []
    items = [clamp] if isinstance(clamp, Clamp) else clamp
    if not isinstance(items, (list, tuple)) or not all(isinstance(c, Clamp) for c in items):
        raise TypeError(f"expected clamp to be an lstmlib.layers.clamps.Clamp or a list of them, "
                        f"got {type(clamp).__name__}")
    return list(items)


def check_layer(clamps: list[Clamp], blocks: tuple[str, ...], coupled: bool, input_activation: bool) -> None:
    """Refuse a clamp of a gate this layer does not have, or a value outside its range."""
    for c in clamps:
        if c.gate == "i" and coupled:
            raise ValueError("this LSTM is coupled (i_t = 1 − f_t) and has no input gate of its own: "
                             "clamp 'f' instead, and i_t follows")
        if c.gate in SIGMOID_GATES and c.gate not in blocks:
            raise ValueError(f"this LSTM has no {c.gate!r} gate to clamp (the row blocks of its W: {blocks})")
        if c.gate == "C_tilde" and input_activation and not -1.0 <= c.value <= 1.0:
            raise ValueError(f"the candidate C̃_t is a tanh: expected a value in [−1, 1], got {c.value}")


def per_step(clamps: list[Clamp], T: int, B: int, H: int, batch_first: bool,
             like: torch.Tensor) -> list[dict]:
    """For each step t, ``{gate: (mask (B, H), values (B, H))}`` of the clamps that apply there.

    Where two clamps of one gate overlap, the later one in the list wins.
    """
    fixed = {}                                                              # gate -> (mask, values)
    for c in clamps:
        mask = c.mask(T, B, H, batch_first, like.device)                    # (T, B, H)
        none_yet = (torch.zeros_like(mask), torch.zeros(T, B, H, dtype=like.dtype, device=like.device))
        old_mask, values = fixed.get(c.gate, none_yet)                      # (T, B, H) each
        value = torch.tensor(float(c.value), dtype=like.dtype, device=like.device)   # (): to (T, B, H)
        values = torch.where(mask, value, values)                           # (T, B, H)
        fixed[c.gate] = (old_mask | mask, values)
    steps = []
    for t in range(T):                                                      # step t: (B, H) each
        steps.append({gate: (mask[t], values[t]) for gate, (mask, values) in fixed.items() if mask[t].any()})
    return steps
