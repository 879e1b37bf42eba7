"""The delayed-recall task (chapter 5): take in a value, say nothing, give it back at a cue.

The notes' step 3 says the output h_t = o_t ⊙ tanh(C_t) is "a filtered version of the cell
state". This task makes a network need that filter. Each step's input is three numbers,
x_t = (value_t, store_t, cue_t):

    t:        0    1    2    3   ...  17   18   ...
    value     0    0   0.62  0   ...   0    0
    store     0    0    1    0   ...   0    0        the value arrives at the store step t_v
    cue       0    0    0    0   ...   1    0        the answer is due at the cue step t_c
    target    0    0    0    0   ...  0.62  0

The target is 0 at every step but the cue, where it is the stored value v ~ U[−1, 1]. So the
network must keep v from t_v to t_c (in its cell state) and keep it out of its output until
the cue (with its output gate), then let it out at the cue, once.

    batch = delayed_recall(T=30, B=64, generator=g)
    batch.x                   # (T, B, 3); batch.y: (T, B, 1) the target at every step
    batch.value, batch.store_at, batch.cue_at                      # (B,) each
    batch.before_cue, batch.at_cue, batch.holding                  # (T, B) bool masks
    model = lstmlib.models.EveryStep("LSTM", 3, 16, 1)
    train(model, cued_batches(30, 64, g), steps=600, loss=loss)    # the task's own loss
    errors_by_place(model(batch.x), batch)    # {"before": ..., "at": ..., "after": ...}: MSE by place

Everything is drawn from the ``generator`` given, so a seed fixes the data.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch

from .. import validate

FEATURES = ("value", "store", "cue")          # the three input channels, in order
STORE = (2, 6)            # the store step t_v is drawn from this range (inclusive) ...
CUE = (16, 25)            # ... and the cue step t_c from this one: a delay of 10 to 23 steps
# Mean squared error at the cue of a network that never answers (always 0): E[v²] for
# v ~ U[−1, 1] is 1/3. A network that recalls nothing cannot do better than this.
SILENT_BASELINE = 1 / 3


@dataclass
class Recall:
    """One batch of the delayed-recall task; time-major like the layers' input.

    x: (T, B, 3), the channels ``FEATURES``; y: (T, B, 1), the target; value: (B,) the value
    to recall; store_at, cue_at: (B,) the store step t_v and the cue step t_c.
    """
    x: torch.Tensor
    y: torch.Tensor
    value: torch.Tensor
    store_at: torch.Tensor
    cue_at: torch.Tensor

    @property
    def steps(self) -> torch.Tensor:
        """(T, 1) the step index t, to compare with store_at and cue_at."""
        return torch.arange(self.x.shape[0])[:, None]

    @property
    def before_cue(self) -> torch.Tensor:
        """(T, B) True at the steps t < t_c, where the target is 0 and the value must not show."""
        return self.steps < self.cue_at[None, :]

    @property
    def at_cue(self) -> torch.Tensor:
        """(T, B) True at the cue step t = t_c alone."""
        return self.steps == self.cue_at[None, :]

    @property
    def after_cue(self) -> torch.Tensor:
        """(T, B) True at the steps after the cue, t > t_c (target 0 again)."""
        return self.steps > self.cue_at[None, :]

    @property
    def holding(self) -> torch.Tensor:
        """(T, B) True from the store step to the step before the cue, t_v ≤ t < t_c: the
        value is known and must be kept, and kept quiet."""
        return (self.steps >= self.store_at[None, :]) & self.before_cue


def _step_range(name, bounds):
    if (not isinstance(bounds, (tuple, list)) or len(bounds) != 2
            or any(isinstance(b, bool) or not isinstance(b, int) for b in bounds)):
        raise TypeError(f"expected {name} to be a pair of ints (first, last step), got {bounds!r}")
    lo, hi = bounds
    if not 0 <= lo <= hi:
        raise ValueError(f"expected {name} = (first, last) with 0 <= first <= last, got {bounds!r}")
    return lo, hi


def delayed_recall(T: int, B: int, generator: torch.Generator | None = None,
                   store=STORE, cue=CUE) -> Recall:
    """A batch of B delayed-recall sequences of T steps.

    store, cue: inclusive ranges of the store step t_v and the cue step t_c, drawn
    uniformly and independently per sequence; every store step must come before every cue
    step, and the cue must fall inside the sequence (last cue step <= T − 1).
    """
    T = validate.positive_int("T", T)
    B = validate.positive_int("B", B)
    s_lo, s_hi = _step_range("store", store)
    c_lo, c_hi = _step_range("cue", cue)
    if s_hi >= c_lo:
        raise ValueError(f"expected every store step before every cue step, got store={store!r} "
                         f"and cue={cue!r}")
    if c_hi > T - 1:
        raise ValueError(f"expected the last cue step {c_hi} inside the sequence of T = {T} steps "
                         f"(at most T − 1 = {T - 1})")
    value = 2 * torch.rand(B, generator=generator) - 1                       # (B,) ~ U[−1, 1]
    store_at = torch.randint(s_lo, s_hi + 1, (B,), generator=generator)      # (B,)
    cue_at = torch.randint(c_lo, c_hi + 1, (B,), generator=generator)        # (B,)
    cols = torch.arange(B)
    x = torch.zeros(T, B, len(FEATURES))
    x[store_at, cols, 0] = value
    x[store_at, cols, 1] = 1.0
    x[cue_at, cols, 2] = 1.0
    y = torch.zeros(T, B, 1)
    y[cue_at, cols, 0] = value
    return Recall(x=x, y=y, value=value, store_at=store_at, cue_at=cue_at)


def cued_batches(T: int, B: int, generator: torch.Generator, **kwargs):
    """A ``make_batch`` for :func:`lstmlib.train`: ``(x (T, B, 3), Recall)`` of fresh sequences.

    Pair it with :func:`loss`, which reads the cue step from the :class:`Recall`.
    """
    def make_batch():
        batch = delayed_recall(T, B, generator, **kwargs)
        return batch.x, batch
    return make_batch


def _check(y_hat, batch):
    if not isinstance(batch, Recall):
        raise TypeError(f"expected batch to be an lstmlib.tasks.recall.Recall, got {type(batch).__name__}")
    if not isinstance(y_hat, torch.Tensor) or tuple(y_hat.shape) != tuple(batch.y.shape):
        got = tuple(y_hat.shape) if isinstance(y_hat, torch.Tensor) else type(y_hat).__name__
        raise ValueError(f"expected y_hat of shape (T, B, 1) = {tuple(batch.y.shape)}, got {got}")


def loss(y_hat: torch.Tensor, batch: Recall) -> torch.Tensor:
    """The training loss: the MSE at the cue plus the MSE at every other step.

    The cue is one step in T; a plain MSE over all steps would let a network that never
    answers lose almost nothing. Weighting the two parts equally makes the answer count.
    """
    _check(y_hat, batch)
    err = (y_hat - batch.y)[..., 0] ** 2                                      # (T, B)
    cue = batch.at_cue
    return err[cue].mean() + err[~cue].mean()


def errors_by_place(y_hat: torch.Tensor, batch: Recall) -> dict:
    """Mean squared error by place: ``before`` (t < t_c, target 0), ``at`` (t = t_c, target v),
    ``after`` (t > t_c, target 0). Floats."""
    _check(y_hat, batch)
    err = (y_hat.detach() - batch.y)[..., 0] ** 2                             # (T, B)
    out = {}
    for name, mask in (("before", batch.before_cue), ("at", batch.at_cue), ("after", batch.after_cue)):
        out[name] = err[mask].mean().item() if mask.any() else float("nan")
    return out


def tokens(batch: Recall, sequence: int = 0) -> list[str]:
    """Labels for the T steps of one sequence: "·" for a quiet step, the value (e.g. "+0.62")
    at the store step, "cue" at the cue. For heat maps and animations."""
    B = batch.x.shape[1]
    if isinstance(sequence, bool) or not isinstance(sequence, int) or not 0 <= sequence < B:
        raise ValueError(f"expected sequence to be an int in 0 … {B - 1}, got {sequence!r}")
    labels = ["·"] * batch.x.shape[0]
    labels[int(batch.store_at[sequence])] = f"{batch.value[sequence].item():+.2f}"
    labels[int(batch.cue_at[sequence])] = "cue"
    return labels
