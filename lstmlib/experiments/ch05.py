"""Chapter 5, step 3, decide what to output: the output gate on the delayed-recall task.

Used by ``book/05_output_gate.ipynb``, whose checks state what every run shares
(``benchmarks/robustness.py`` runs the chapter over seeds and numeric environments);
``tests/test_experiments_ch05.py`` tests these functions and the exercises' solutions
(Hochreiter & Schmidhuber 1997; Colah 2015; Greff et al. 2017). The language model of
exercise 4 and its probes are in :mod:`lstmlib.experiments.ch05_language`; the intervention
(o_t held before the cue) in :mod:`lstmlib.experiments.ch05_leak`, its figure in
:mod:`lstmlib.experiments.ch05_plots`.

    worked_example                 the two-unit, three-step example of the text, by lstm_step
    recall_model, train_recall     an LSTM on the delayed-recall task (lstmlib.tasks.recall)
    recall_runs, train_runs        runs from each start, b_o = 0 and −3, in one models.Pack
    recall_batch, held_out_errors  probe and test sequences; mean squared errors by place
    silent_errors                  the same errors of a network that never answers
    record, example                gates and h_t for heat maps; a sequence worth showing
    route, route_table             how the trained network keeps the value quiet and lets it out
"""
from __future__ import annotations

import copy
from dataclasses import dataclass

import numpy as np
import torch

from .. import validate
from ..analysis.stats import pearson
from ..cells import concat, lstm_step
from ..models.packed import Pack
from ..models.readouts import EveryStep
from ..tasks import recall
from ..training.loop import train
from ..training.seed import PROBE, TEST, TRAIN, data_stream, seed_everything

# The delayed-recall task and its network. output_bias: where the output gates start
# (None: lstmlib's default b_o = 0, o_t ≈ 0.5, half open; SHUT = −3: o_t ≈ 0.05, shut).
RECALL = dict(T=30, hidden_size=16, batch=64, lr=1e-2, clip=1.0, steps=600)
SHUT = -3.0
RUNS = 4                  # runs from each start that the chapter trains side by side
STARTS = ("half-open", "shut")
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
    """Train on delayed recall with :func:`lstmlib.tasks.recall.loss` (Adam, clipping). Returns History."""
    return train(model, recall.cued_batches(T, batch, data_stream(seed, TRAIN)), steps=steps,
                 loss=recall.loss, lr=lr, clip=clip)


# ---------------------------------------------------------------------------------------------
# Several runs from each start, side by side
# ---------------------------------------------------------------------------------------------
def recall_runs(seed: int, runs: int = RUNS) -> dict:
    """``runs`` untrained networks from each start: ``{"half-open": [...], "shut": [...]}``.

    Run j of the two starts has the same random weights except the output gates' bias b_o
    (0, or ``SHUT``); run 0 of the half-open start is ``recall_model(seed)``.
    """
    validate.positive_int("runs", runs)
    seed_everything(seed)
    half_open = [EveryStep("LSTM", len(recall.FEATURES), RECALL["hidden_size"], 1)
                 for _ in range(runs)]
    shut = [copy.deepcopy(m) for m in half_open]
    with torch.no_grad():
        for m in shut:
            m.rnn.gate("o")[1].fill_(SHUT)
    return dict(zip(STARTS, (half_open, shut)))


class _AdamClipEach(torch.optim.Adam):
    """Adam on a :class:`lstmlib.models.packed.Pack` that first clips each model's gradient on its
    own (:meth:`Pack.clip_each`), so that every model trains as it would alone."""

    def __init__(self, pack: Pack, lr: float, clip: float):
        super().__init__(pack.parameters(), lr=lr)
        self.pack, self.clip = pack, clip

    def step(self, closure=None):
        self.pack.clip_each(self.clip)
        return super().step(closure)


def train_runs(runs: dict, seed: int, steps: int = RECALL["steps"], T: int = RECALL["T"],
               batch: int = RECALL["batch"], lr: float = RECALL["lr"], clip: float = RECALL["clip"]):
    """Train every network of ``runs`` (:func:`recall_runs`) on delayed recall, all at once.

    They train side by side in one :class:`lstmlib.models.packed.Pack` on the same mini-batches, each
    exactly as :func:`train_recall` trains one network alone (the pack's loss is the sum of
    theirs, and each one's gradient is clipped to ``clip`` on its own). Returns the History.
    """
    if not isinstance(runs, dict) or not runs:
        raise TypeError(f"expected runs as {{start: [networks]}}, got {type(runs).__name__}")
    pack = Pack([m for networks in runs.values() for m in networks])
    history = train(pack, recall.cued_batches(T, batch, data_stream(seed, TRAIN)), steps=steps,
                    loss=pack.loss(recall.loss), optimizer=_AdamClipEach(pack, lr, clip), clip=None)
    pack.unpack()
    return history


def recall_batch(seed: int, n: int = 500, stream: int = PROBE, T: int = RECALL["T"]) -> recall.Recall:
    """Fresh delayed-recall sequences to look inside the network with (PROBE) or test it (TEST)."""
    return recall.delayed_recall(T, n, generator=data_stream(seed, stream))


def held_out_errors(model: EveryStep, seed: int, n: int = 1000) -> dict:
    """Mean squared errors before, at and after the cue on ``n`` fresh sequences."""
    batch = recall_batch(seed, n, stream=TEST)
    with torch.no_grad():
        return recall.errors_by_place(model(batch.x), batch)


def silent_errors(seed: int, n: int = 1000) -> dict:
    """The mean squared errors of a network that never answers (ŷ_t = 0 at every step) on the
    ``n`` sequences :func:`held_out_errors` tests with: at the cue, E[v²] = 1/3 on average
    (``recall.SILENT_BASELINE``), the baseline to beat."""
    batch = recall_batch(seed, n, stream=TEST)
    return recall.errors_by_place(torch.zeros_like(batch.y), batch)


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


SETTLE = 4                # steps after the store by which every answer unit holds the value


@dataclass
class Route:
    """How a trained network answers the delayed-recall task (:func:`route`).

    units: the answer units, largest share first; share: (H,) each unit's share of the
    answer at the cue (the slope of w_k · h_k on v; they add up to about 1); hold: (11, k)
    |corr(C_t, v)| of each answer unit at t = t_v + d for d = 0 … 9 (each sequence from its
    own store step; every wait is at least 10 steps), then at t = t_c − 1; o_wait, o_cue:
    (H,) the mean o_t while holding (t_v ≤ t < t_c) and at the cue; gross, net: while
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

    def holds_after(self, settle: int = SETTLE, units: int = ANSWER_UNITS) -> float:
        """The smallest |corr(C_t, v)| of the first ``units`` answer units from ``settle`` steps
        after the store to the step before the cue."""
        return float(self.hold[settle:, :units].min())

    def best_hold(self, settle: int = SETTLE) -> float:
        """How well the answer unit that holds the value best holds it: the largest, over the
        answer units, of the smallest |corr(C_t, v)| from ``settle`` steps after the store to
        the step before the cue."""
        return float(self.hold[settle:].min(0).max())


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
    C = gates["C_t"][:, :, units]                                           # (T, B, k)
    if int((batch.cue_at - batch.store_at).min()) < 10:
        raise ValueError("route expects every wait to last at least 10 steps (recall.STORE, CUE)")
    steps = [batch.store_at + d for d in range(10)] + [batch.cue_at - 1]
    hold = torch.stack([pearson(C[t, cols], v).abs() for t in steps]).numpy()    # (11, k)
    o = gates["o"]
    waiting = (gates["h"] * w)[batch.holding]                             # (N, H): w_k h_k
    per_unit = _slope(waiting, v[None, :].expand(T, B)[batch.holding])
    before, at = batch.cue_at - 1, batch.cue_at
    o0, o1 = o[before, cols], o[at, cols]                                 # (B, H)
    c0, c1 = torch.tanh(gates["C_t"][before, cols]), torch.tanh(gates["C_t"][at, cols])
    o_part = _slope(((o1 - o0) * c0 * w).sum(1, keepdim=True), v).item()
    C_part = _slope(((c1 - c0) * o1 * w).sum(1, keepdim=True), v).item()
    return Route(units, share.numpy(), hold, o[batch.holding].mean(0).numpy(),
                 o[batch.at_cue].mean(0).numpy(), per_unit.abs().sum().item(),
                 per_unit.sum().abs().item(), o_part, C_part)


def route_table(routes: dict) -> str:
    """:func:`route` for every run (``{start: [Route, ...]}``) as a table for the book's column:
    the answer units' mean o_t while holding and at the cue, the shares of the answer's jump
    at the cue from o_t and from C_t, and while holding, how much of v their terms carry
    (summed size) and how much the output carries."""
    lines = [f"{'start':10s}{'run':>4s}{'o_t holding':>13s}{'o_t at cue':>11s}"
             f"{'jump: o_t':>11s}{'C_t':>6s}{'terms':>8s}{'output':>9s}"]
    for start, per_run in routes.items():
        for j, r in enumerate(per_run):
            u = r.units
            lines.append(f"{start:10s}{j:4d}{r.o_wait[u].mean():13.2f}{r.o_cue[u].mean():11.2f}"
                         f"{r.o_part:11.2f}{r.C_part:6.2f}{r.gross:8.2f}{r.net:9.3f}")
    return "\n".join(lines)
