"""Chapter 5, step 3, decide what to output: the output gate on the delayed-recall task.

Used by ``book/05_output_gate.ipynb`` and re-checked over five more seeds by
``tests/test_claims_ch05.py`` (Hochreiter & Schmidhuber 1997; Colah 2015; Greff et al. 2017).
The chapter's language model and its probes are in :mod:`lstmlib.experiments.ch05_language`.

    worked_example                 the two-unit, three-step example of the text, by lstm_step
    recall_model, train_recall     an LSTM on the delayed-recall task (lstmlib.recall)
    recall_batch, held_out_errors  probe and test sequences; mean squared errors by place
    record, example                gates and h_t for heat maps; a sequence worth showing
    route                          how the trained network keeps the value quiet and lets it out
    leak                           the intervention: o_t held at 1 before the cue
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from .. import recall
from ..cells import concat, lstm_step
from ..interventions import Clamp
from ..models import EveryStep
from ..seed import seed_everything
from ..train import train
from .common import PROBE, TEST, TRAIN, data_stream

# The delayed-recall task and its network. output_bias: where the output gates start
# (None: lstmlib's default b_o = 0, o_t ≈ 0.5; SHUT = −3: o_t ≈ 0.05, shut).
RECALL = dict(T=30, hidden_size=16, batch=64, lr=1e-2, clip=1.0, steps=600)
SHUT = -3.0
ANSWER_UNITS = 3          # the units with the largest share in the answer at the cue


# ---------------------------------------------------------------------------------------------
# The worked example: two units, three steps, W_h = 0 so every pre-activation is read off x_t
# ---------------------------------------------------------------------------------------------
def worked_example():
    """The text's example: inputs (value, store, cue); unit 0 keeps its output gate shut
    until the cue, unit 1 keeps it open. Returns ``(W, b, x, steps)`` where ``steps`` holds,
    per time step, the pre-activations ``a`` (2, 4 blocks f, i, C, o → (4, 2)), the gates and
    the new ``C_t`` and ``h_t``, each (2,), as computed by :func:`lstmlib.cells.lstm_step`.
    """
    H, D = 2, 3
    W = torch.zeros(4 * H, H + D, dtype=torch.float64)        # rows f, i, C, o; columns h, x
    b = torch.zeros(4 * H, dtype=torch.float64)
    VALUE, STORE_, CUE_ = H + 0, H + 1, H + 2                  # columns of x_t in [h_{t-1}, x_t]
    b[0:2] = 4.0                                               # f: keep (σ(4) = 0.982)
    b[2:4], W[2:4, STORE_] = -4.0, 8.0                         # i: open at the store step only
    W[4:6, VALUE] = 2.0                                        # C̃ = tanh(2 · value)
    b[6], W[6, CUE_] = -4.0, 8.0                               # o, unit 0: shut, open at the cue
    b[7] = 4.0                                                 # o, unit 1: always open
    x = torch.tensor([[0.5, 1.0, 0.0], [0.0, 0.0, 0.0], [0.0, 0.0, 1.0]], dtype=torch.float64)
    h, C = torch.zeros(1, H, dtype=torch.float64), torch.zeros(1, H, dtype=torch.float64)
    steps = []
    for x_t in x:
        a_t = concat(h, x_t[None]) @ W.T + b                   # (1, 4H)
        h, C, (f_t, i_t, C_tilde, o_t) = lstm_step(a_t, C)
        steps.append(dict(a=a_t.view(4, H), f_t=f_t[0], i_t=i_t[0], C_tilde=C_tilde[0],
                          C_t=C[0], o_t=o_t[0], tanh_C=torch.tanh(C[0]), h_t=h[0]))
    return W, b, x, steps


# ---------------------------------------------------------------------------------------------
# Delayed recall
# ---------------------------------------------------------------------------------------------
def recall_model(seed: int, output_bias: float | None = None,
                 hidden_size: int = RECALL["hidden_size"]) -> EveryStep:
    """An LSTM with a readout at every step for delayed recall (3 inputs, 1 output).

    output_bias: the output gates' bias b_o at the start (None: lstmlib's default, 0).
    """
    seed_everything(seed)
    model = EveryStep("LSTM", len(recall.FEATURES), hidden_size, 1)
    if output_bias is not None:
        with torch.no_grad():
            model.rnn.gate("o")[1].fill_(float(output_bias))
    return model


def train_recall(model: EveryStep, seed: int, steps: int = RECALL["steps"], T: int = RECALL["T"],
                 batch: int = RECALL["batch"], lr: float = RECALL["lr"], clip: float = RECALL["clip"]):
    """Train on delayed recall with :func:`lstmlib.recall.loss` (Adam, clipping). Returns History."""
    return train(model, recall.batches(T, batch, data_stream(seed, TRAIN)), steps=steps,
                 loss=recall.loss, lr=lr, clip=clip)


def recall_batch(seed: int, n: int = 500, stream: int = PROBE, T: int = RECALL["T"]) -> recall.Recall:
    """Fresh delayed-recall sequences to look inside the network with (PROBE) or test it (TEST)."""
    return recall.delayed_recall(T, n, generator=data_stream(seed, stream))


def held_out_errors(model: EveryStep, seed: int, n: int = 1000) -> dict:
    """Mean squared errors before, at and after the cue on ``n`` fresh sequences."""
    batch = recall_batch(seed, n, stream=TEST)
    with torch.no_grad():
        return recall.errors(model(batch.x), batch)


def record(model: EveryStep, x: torch.Tensor) -> dict:
    """The recorded gates of ``model.rnn`` on x (``return_gates=True``) and h_t as ``"h"``:
    f, i, g (C̃_t), o, c (C_t) and h, each (T, B, H), for :func:`lstmlib.plots.gate_heatmap`."""
    with torch.no_grad():
        output, _, gates = model.rnn(x, return_gates=True)
    return dict(gates, h=output)


def example(batch: recall.Recall, at_least: float = 0.7) -> int:
    """The first sequence of the batch whose value is at least ``at_least`` in size (so that
    it shows on a heat map)."""
    big = (batch.value.abs() >= at_least).nonzero().flatten()
    if len(big) == 0:
        raise ValueError(f"no sequence of this batch has |v| >= {at_least}")
    return int(big[0])


def _slope(y: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
    """The least-squares slope through 0 of y on v along dim 0: how much of v is in y."""
    return (y * v[:, None]).sum(0) / (v ** 2).sum()


def _corr(a: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
    """Pearson correlation of each column of a (N, H) with v (N,)."""
    a, v = a - a.mean(0), v - v.mean()
    return (a * v[:, None]).sum(0) / (a.norm(dim=0) * v.norm()).clamp_min(1e-12)


SETTLE = 4                # steps after the store by which every answer unit holds the value


@dataclass
class Route:
    """How a trained network answers the delayed-recall task (:func:`route`).

    units: the answer units, largest share first; share: (H,) each unit's share of the
    answer at the cue (the slope of w_k · h_k on v; they add up to about 1); hold: the
    smallest |corr(C_t, v)| over the answer units at t = t_v + d for d = 0 … 9 (each sequence
    from its own store step; every wait is at least 10 steps), then at t = t_c − 1; o_wait,
    o_cue: (H,) the mean o_t while holding (t_v ≤ t < t_c) and at the cue; gross, net: while
    holding, the sum over units of |share of v in w_k · h_k| and |share of v in the output
    itself| (near 0 when the output is quiet); o_part, C_part: how much of the answer's jump
    at the cue comes from o_t changing and how much from C_t changing (they add up to the
    jump, about 1).
    """
    units: list
    share: np.ndarray
    hold: np.ndarray
    o_wait: np.ndarray
    o_cue: np.ndarray
    gross: float
    net: float
    o_part: float
    C_part: float

    def holds_after(self, settle: int = SETTLE) -> float:
        """The smallest |corr(C_t, v)| of any answer unit from ``settle`` steps after the store
        to the step before the cue."""
        return float(self.hold[settle:].min())


def route(model: EveryStep, batch: recall.Recall, k: int = ANSWER_UNITS) -> Route:
    """Look inside a trained network: which units carry the answer, how the cell state holds
    the value, what the output gates do while waiting and at the cue, and where the answer's
    jump at the cue comes from.

    The readout is y_t = Σ_k w_k h_k(t) + b_y with h_k = o_k ⊙ tanh(C_k). From the step
    before the cue to the cue, Δ(o tanh C) = Δo · tanh C_before + o_cue · Δtanh C exactly, so
    the jump splits into a part from the output gate and a part from the cell state.
    """
    gates = record(model, batch.x)                                        # each (T, B, H)
    w = model.readout.weight[0].detach()                                  # (H,)
    v, T, B = batch.value, batch.x.shape[0], batch.x.shape[1]
    cols = torch.arange(B)
    share = _slope(gates["h"][batch.cue_at, cols] * w, v)                 # (H,)
    units = share.argsort(descending=True)[:k].tolist()
    C = gates["c"][:, :, units]                                           # (T, B, k)
    if int((batch.cue_at - batch.store_at).min()) < 10:
        raise ValueError("route expects every wait to last at least 10 steps (recall.STORE, CUE)")
    steps = [batch.store_at + d for d in range(10)] + [batch.cue_at - 1]
    hold = np.array([_corr(C[t, cols], v).abs().min().item() for t in steps])
    o = gates["o"]
    waiting = (gates["h"] * w)[batch.holding]                             # (N, H): w_k h_k
    per_unit = _slope(waiting, v[None, :].expand(T, B)[batch.holding])
    before, at = batch.cue_at - 1, batch.cue_at
    o0, o1 = o[before, cols], o[at, cols]                                 # (B, H)
    c0, c1 = torch.tanh(gates["c"][before, cols]), torch.tanh(gates["c"][at, cols])
    o_part = _slope(((o1 - o0) * c0 * w).sum(1, keepdim=True), v).item()
    C_part = _slope(((c1 - c0) * o1 * w).sum(1, keepdim=True), v).item()
    return Route(units, share.numpy(), hold, o[batch.holding].mean(0).numpy(),
                 o[batch.at_cue].mean(0).numpy(), per_unit.abs().sum().item(),
                 per_unit.sum().abs().item(), o_part, C_part)


@dataclass
class Leak:
    """One run of :func:`leak`: ``before``, the MSE over the steps before the cue (target 0);
    ``last``, the MSE at the step before the cue alone; ``corr``, the correlation of the
    output at that step with the value v; ``at``, the MSE at the cue."""
    before: float
    last: float
    corr: float
    at: float


LEAK_RUNS = ("free", "units, t = t_c - 1", "units, t < t_c", "others, t < t_c")


def leak_table(leaks: dict) -> str:
    """:func:`leak`'s runs as a table that fits the book's column: the MSE before the cue, at
    the step before it, and the correlation of that step's output with v (none when free)."""
    lines = [f"{'o_t held at 1':20s} {'MSE before cue':>15s} {'at t_c - 1':>11s} {'corr with v':>12s}"]
    for name, r in leaks.items():
        corr = "—" if name == "free" else f"{r.corr:+.2f}"
        lines.append(f"{name:20s} {r.before:15.4f} {r.last:11.4f} {corr:>12s}")
    return "\n".join(lines)


def leak(model: EveryStep, batch: recall.Recall, units: list, others: list | None = None) -> dict:
    """The intervention: hold o_t = 1 for ``units`` before the cue, rerun the trained network
    on the same sequences, and measure what comes out too early.

    Returns ``{run: Leak}`` for the runs ``LEAK_RUNS``: unclamped; o_t = 1 for ``units`` at
    the step before the cue only (each sequence its own step); the same at every step before
    the cue; and, as a control, o_t = 1 at every step before the cue for as many ``others``
    (default: the units with the smallest share in the answer, by :func:`route`).
    """
    units = list(units)
    if others is None:
        share = route(model, batch, k=len(units)).share
        others = [u for u in np.argsort(np.abs(share)).tolist() if u not in units][:len(units)]
    last = batch.steps == (batch.cue_at[None, :] - 1)                       # (T, B)
    clamps = {"free": None,
              "units, t = t_c - 1": Clamp("o", 1.0, units=units, steps=last),
              "units, t < t_c": Clamp("o", 1.0, units=units, steps=batch.before_cue),
              "others, t < t_c": Clamp("o", 1.0, units=list(others), steps=batch.before_cue)}
    out = {}
    for name, clamp in clamps.items():
        with torch.no_grad():
            y_hat = model(batch.x, clamp=clamp)                              # (T, B, 1)
        e = recall.errors(y_hat, batch)
        y_last = y_hat[batch.cue_at - 1, torch.arange(len(batch.value)), 0]  # (B,) at t_c − 1
        out[name] = Leak(before=e["before"], last=(y_last ** 2).mean().item(),
                         corr=_corr(y_last[:, None], batch.value).item(), at=e["at"])
    return out
