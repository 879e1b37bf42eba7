"""torch.nn.LSTM in practice as exercises with checkers (chapter 11).

    last_valid_state(output, lengths) -> h_last          each sequence's output at its last step
    reverse_padded(x, lengths) -> x_rev                  each sequence reversed within its length
    bidirectional(x, forward_layer, backward_layer) -> output     two lstmlib layers, both ways
    summary(h_n, num_layers, bidirectional) -> h_summary the top layer's last state(s) from h_n
    forget_bias(bias_ih, bias_hh, value) -> (bias_ih, bias_hh)    b_f = value in torch's two biases

Shapes are time-major (T, B, ...), as lstmlib's layers and torch.nn.LSTM without batch_first use.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch

from ..layers import LSTM
from .checker import Exercise, Mistake, Verdict, _name, _wrap

T, B, H, D = 6, 4, 3, 2
F64 = torch.float64


def _lengths(generator):
    """B lengths in 1 … T, the first always T and one always shorter than T − 1."""
    lengths = torch.randint(1, T + 1, (B,), generator=generator)
    lengths[0], lengths[1] = T, torch.randint(1, T - 1, (1,), generator=generator)
    return lengths


def _padded(generator, size):
    lengths = _lengths(generator)
    x = torch.randn(T, B, size, generator=generator, dtype=F64)
    return x * (torch.arange(T).unsqueeze(1) < lengths).unsqueeze(2), lengths     # zeros on the padding


@dataclass
class PracticeExercise(Exercise):
    """An exercise whose known mistakes may return another shape than the answer (``h_n[-1]``
    where two directions are expected), so they are looked for even after a shape problem.

    ``any_split``: the two outputs are torch's two bias vectors, and any answer whose sum
    ``bias_ih + bias_hh`` equals the reference's is right, since a gate sees only the sum."""

    any_split: bool = False

    def diagnose(self, fn):
        verdict = super().diagnose(fn)
        if verdict.correct or verdict.mistake is not None:
            return verdict
        answers = self._answers(fn)
        if answers is None:
            return verdict
        for m in self.mistakes:
            if self._matches(m, answers):
                return Verdict(False, _wrap(f"Not yet. {m.message}"), m.name)
        if self.any_split and self._same_sums(answers):
            return Verdict(True, _wrap(f"Correct. {self.title}: {_name(fn)} splits the bias "
                                       "differently from the reference, but bias_ih + bias_hh, "
                                       "the only thing the gates see, is the same."))
        return verdict

    def _answers(self, fn):
        """fn's answers on every test case as tuples of tensors, or None if it fails on one."""
        try:
            answers = [self._as_tuple(fn(*self._case(k))) for k in range(self.cases)]
        except Exception:  # noqa: BLE001 (super().diagnose has said what went wrong)
            return None
        ok = all(len(a) == len(self.outputs) and all(isinstance(t, torch.Tensor) for t in a) for a in answers)
        return answers if ok else None

    def _same_sums(self, answers):
        for k, a in enumerate(answers):
            e = self.reference(*self._case(k))
            if a[0].shape != e[0].shape or a[1].shape != e[1].shape:
                return False
            if (a[0] + a[1] - e[0] - e[1]).abs().max() > 1e-6:
                return False
        return True


# --- 1. the last valid state ------------------------------------------------------------------
def last_valid_reference(output, lengths):
    B = output.shape[1]
    return output[lengths - 1, torch.arange(B)]   # output[L_b - 1, b]


last_valid_state = PracticeExercise(
    title="The last valid state of a padded batch",
    signature="last_valid_state(output, lengths)",
    outputs=("h_last",),
    reference=last_valid_reference,
    inputs=lambda g: dict(zip(("output", "lengths"), _padded(g, H))),
    shapes={"h_last": "(B, H)"},
    mistakes=[
        Mistake("output[-1]", lambda output, lengths: output[-1],
                "output[-1] is every sequence's output at step T − 1, which for a shorter sequence "
                "lies in its padding. Take output[L_b − 1, b] for each sequence b."),
        Mistake("first step", lambda output, lengths: output[0],
                "output[0] is the first step; the last valid one of sequence b is output[L_b − 1, b]."),
    ],
    hints=["Sequence b ends at step lengths[b] − 1: its last valid output is output[lengths[b] − 1, b].",
           "Index both axes at once: output[lengths - 1, torch.arange(B)] picks one step per sequence."],
)


# --- 2. reversing within each length ------------------------------------------------------------
def reverse_reference(x, lengths):
    T = x.shape[0]
    t = torch.arange(T).unsqueeze(1)                        # (T, 1)
    source = torch.where(t < lengths, lengths - 1 - t, t)   # (T, B)
    return x.gather(0, source.unsqueeze(2).expand_as(x))


reverse_padded = PracticeExercise(
    title="Reverse each sequence within its length",
    signature="reverse_padded(x, lengths)",
    outputs=("x_rev",),
    reference=reverse_reference,
    inputs=lambda g: dict(zip(("x", "lengths"), _padded(g, D))),
    shapes={"x_rev": "(T, B, D)"},
    mistakes=[
        Mistake("flip", lambda x, lengths: x.flip(0),
                "x.flip(0) reverses the padding too: a shorter sequence then starts with zeros, and "
                "a backward layer would read the padding before the sequence. Reverse only steps "
                "0 … L_b − 1 and leave the padding after them."),
        Mistake("flip batch", lambda x, lengths: x.flip(1),
                "x.flip(1) reverses the order of the sequences in the batch (axis 1), not time (axis 0)."),
    ],
    hints=["At step t < L_b the reversed sequence b holds x[L_b − 1 − t, b]; at t >= L_b it keeps "
           "x[t, b] (padding).",
           "Build the index of the step to read, (T, B), with torch.where, and use x.gather(0, ...)."],
)


# --- 3. both directions from two layers ---------------------------------------------------------
def bidirectional_reference(x, forward_layer, backward_layer):
    out_f, _ = forward_layer(x)              # reads x_0 ... x_{T-1}
    out_b, _ = backward_layer(x.flip(0))     # reads x_{T-1} ... x_0
    return torch.cat([out_f, out_b.flip(0)], dim=2)


def _layers(generator):
    torch.manual_seed(int(torch.randint(0, 2**31 - 1, (1,), generator=generator)))
    x = torch.randn(T, B, D, generator=generator, dtype=F64)
    return dict(x=x, forward_layer=LSTM(D, H, dtype=F64), backward_layer=LSTM(D, H, dtype=F64))


def _unflipped(x, forward_layer, backward_layer):
    return torch.cat([forward_layer(x)[0], backward_layer(x.flip(0))[0]], dim=2)


bidirectional = PracticeExercise(
    title="A bidirectional layer from two lstmlib layers",
    signature="bidirectional(x, forward_layer, backward_layer)",
    outputs=("output",),
    reference=bidirectional_reference,
    inputs=_layers,
    shapes={"output": "(T, B, 2H)"},
    mistakes=[
        Mistake("not flipped back", _unflipped,
                "The backward half is in the backward layer's own order: its step t read "
                "x_{T-1-t}. Flip it back with .flip(0) so that step t holds h←_t, which has read "
                "x_t … x_{T-1}."),
        Mistake("not reversed", lambda x, f, b: torch.cat([f(x)[0], b(x)[0]], dim=2),
                "The backward layer read x forwards: give it x.flip(0), then flip its output back."),
        Mistake("one layer twice", lambda x, f, b: torch.cat([f(x)[0], f(x.flip(0))[0].flip(0)], dim=2),
                "Both halves come from forward_layer: the backward direction has weights of its own, "
                "backward_layer (torch's weight_ih_l0_reverse)."),
        Mistake("halves swapped", lambda x, f, b: torch.cat([b(x.flip(0))[0].flip(0), f(x)[0]], dim=2),
                "The two halves are swapped: torch puts the forward direction first, "
                "output_t = [h→_t, h←_t]."),
    ],
    hints=["Run forward_layer on x and backward_layer on x.flip(0) (time is axis 0).",
           "Flip the backward output back with .flip(0) and concatenate on the last axis: "
           "torch.cat([out_f, out_b.flip(0)], dim=2)."],
)


# --- 4. the summary in h_n ---------------------------------------------------------------------
def summary_reference(h_n, num_layers, bidirectional):
    if bidirectional:                    # (num_layers * 2, B, H)
        return torch.cat([h_n[-2], h_n[-1]], dim=1)
    return h_n[-1]                       # the top layer's last state


def _h_n(generator):
    num_layers = int(torch.randint(1, 4, (1,), generator=generator))
    both = bool(torch.rand(1, generator=generator) < 0.5)
    return dict(h_n=torch.randn(num_layers * (2 if both else 1), B, H, generator=generator, dtype=F64),
                num_layers=num_layers, bidirectional=both)


summary = PracticeExercise(
    title="The top layer's summary in h_n",
    signature="summary(h_n, num_layers, bidirectional)",
    outputs=("h_summary",),
    reference=summary_reference,
    inputs=_h_n,
    shapes={"h_summary": "(B, H) or (B, 2H)"},
    mistakes=[
        Mistake("h_n[-1]", lambda h_n, L, bi: h_n[-1],
                "h_n[-1] is only the top layer's backward direction when bidirectional=True. h_n "
                "holds (layer, direction) pairs in order l0, l0_reverse, l1, ...: the top layer "
                "is h_n[-2] (forward) and h_n[-1] (backward)."),
        Mistake("first layer", lambda h_n, L, bi: torch.cat([h_n[0], h_n[1]], dim=1) if bi else h_n[0],
                "That is the first layer's state: in a stack the summary is the top layer's, the "
                "last entries of h_n."),
        Mistake("directions swapped", lambda h_n, L, bi: torch.cat([h_n[-1], h_n[-2]], dim=1) if bi else h_n[-1],
                "The two directions are in the wrong order: forward first, then backward."),
    ],
    hints=["h_n has one entry per layer and direction: (num_layers * directions, B, H), the "
           "directions of one layer next to each other, forward first.",
           "Bidirectional: torch.cat([h_n[-2], h_n[-1]], dim=1); one direction: h_n[-1]."],
)


# --- 5. the forget-gate bias in torch's two vectors -----------------------------------------------
def forget_bias_reference(bias_ih, bias_hh, value):
    H = bias_ih.shape[0] // 4            # torch's blocks: i, f, g, o
    bias_ih, bias_hh = bias_ih.clone(), bias_hh.clone()
    bias_ih[H:2 * H] = value             # the forget gate's block
    bias_hh[H:2 * H] = 0.0               # the gate sees the sum
    return bias_ih, bias_hh


def _biases(generator):
    k = H ** -0.5                                    # torch's U(-1/sqrt(H), 1/sqrt(H))
    return dict(bias_ih=(torch.rand(4 * H, generator=generator, dtype=F64) * 2 - 1) * k,
                bias_hh=(torch.rand(4 * H, generator=generator, dtype=F64) * 2 - 1) * k,
                value=float(torch.randint(1, 4, (1,), generator=generator)))


def _set(block, ih=True, hh=0.0):
    def fn(bias_ih, bias_hh, value):
        bias_ih, bias_hh = bias_ih.clone(), bias_hh.clone()
        rows = slice(block * H, (block + 1) * H)
        bias_ih[rows] = value if ih else bias_ih[rows]
        if hh is not None:
            bias_hh[rows] = value if hh == "value" else hh
        return bias_ih, bias_hh
    return fn


forget_bias = PracticeExercise(
    title="The forget-gate bias of a torch.nn.LSTM",
    signature="forget_bias(bias_ih, bias_hh, value)",
    outputs=("bias_ih", "bias_hh"),
    reference=forget_bias_reference,
    inputs=_biases,
    shapes={"bias_ih": "(4H,)", "bias_hh": "(4H,)"},
    any_split=True,
    mistakes=[
        Mistake("bias_hh left", _set(1, hh=None),
                "bias_ih's forget block is the value, but bias_hh's keeps its random start, so the "
                "gate sees value + bias_hh[H:2H], off by up to 1/sqrt(H). Set bias_hh's block to 0."),
        Mistake("both set", _set(1, hh="value"),
                "Both vectors' forget blocks hold the value, so the gate sees twice the value: "
                "b_f = bias_ih[H:2H] + bias_hh[H:2H]."),
        Mistake("candidate block", _set(2),
                "Rows 2H:3H are the candidate g (C̃_t) in torch's order i, f, g, o. The forget "
                "gate's rows are H:2H."),
        Mistake("bias_hh all zero", lambda bias_ih, bias_hh, value: _set(1)(bias_ih, torch.zeros_like(bias_hh), value),
                "The forget gate's bias is right, but all of bias_hh is 0, so the other gates lost "
                "their share of the bias. Set only bias_hh[H:2H] to 0."),
        Mistake("book order", _set(0),
                "Rows 0:H are the input gate in torch's order i, f, g, o (the book's order f, i, "
                "C, o is lstmlib's). The forget gate's rows are H:2H."),
    ],
    hints=["torch keeps two bias vectors of 4H, both added: the forget gate sees "
           "bias_ih[H:2H] + bias_hh[H:2H].",
           "Set bias_ih[H:2H] to the value and bias_hh[H:2H] to 0, on clones of the vectors."],
)
