"""Chapter 11, in practice with torch.nn: what the chapter computes exactly, in float64.

The chapter runs its short comparisons in its own cells, where the reader sees them; these
functions do the ones that loop over several variants. Each builds a ``torch.nn.LSTM`` from a
seed, runs it beside lstmlib's layers on the same numbers and returns what the chapter
asserts: that two ways are one (to float64 rounding) and how far a wrong way is off. The
trained networks are in :mod:`lstmlib.experiments.ch11_runs`.

    SIZES         D, H, T, B of the small layers shown
    forget_bias   torch's two bias vectors and four ways of setting the forget bias
    padding       packed, padded and alone, in one direction and both: which states agree
"""
from __future__ import annotations

import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from ..layers import LSTM
from ..layers.packing import last_valid
from ..layers.stacks import Stack

SIZES = dict(D=3, H=8, T=20, B=4)
LENGTHS = (20, 13, 7, 2)                      # the padded batch's lengths, one per sequence
F64 = torch.float64


def torch_lstm(seed: int, **kwargs) -> nn.LSTM:
    """A ``torch.nn.LSTM(D, H, **kwargs)`` in float64 with torch's own initialisation, from ``seed``."""
    torch.manual_seed(seed)
    return nn.LSTM(SIZES["D"], SIZES["H"], dtype=F64, **kwargs)


def inputs(seed: int, T: int = SIZES["T"], B: int = SIZES["B"]) -> torch.Tensor:
    """x (T, B, D) ~ N(0, 1) in float64."""
    return torch.randn(T, B, SIZES["D"], generator=torch.Generator().manual_seed(seed + 1), dtype=F64)


def _gap(a, b) -> float:
    return (a - b).abs().max().item()


def forget_bias(seed: int, value: float = 1.0) -> dict:
    """The forget gate's bias, b_f = bias_ih[H:2H] + bias_hh[H:2H], after four ways of setting it
    to ``value`` in a fresh ``nn.LSTM``, and untouched ("torch's start"): each way's b_f (H,)
    and the input gate's b_i (H,)."""
    H, ways = SIZES["H"], {}
    for way in ("torch's start", "right", "bias_ih only", "both", "first block"):
        m = torch_lstm(seed)
        with torch.no_grad():
            if way == "right":                   # the sum is what the gate sees
                m.bias_ih_l0[H:2 * H].fill_(value)
                m.bias_hh_l0[H:2 * H].zero_()
            elif way == "bias_ih only":          # bias_hh keeps its random U(-k, k)
                m.bias_ih_l0[H:2 * H].fill_(value)
            elif way == "torch's start":         # U(-k, k) in both vectors
                pass
            elif way == "both":                  # counted twice
                m.bias_ih_l0[H:2 * H].fill_(value)
                m.bias_hh_l0[H:2 * H].fill_(value)
            else:                                # the book's order f, i, C, o, but torch's is i, f, g, o
                m.bias_ih_l0[:H].fill_(value)
                m.bias_hh_l0[:H].zero_()
        layer = LSTM.from_torch(m)
        ways[way] = dict(b_f=layer.gate("f")[1].detach().clone(), b_i=layer.gate("i")[1].detach().clone())
    return ways


def padding(seed: int, lengths=LENGTHS) -> dict:
    """One padded batch run packed, padded, and each sequence alone, in one direction and both.

    For each: ``packed_gap`` (packed h_n against each sequence alone), per sequence the padded
    run's h_n against alone (``padded_gaps``), ``last_valid_gap`` (the forward direction read at
    each sequence's last step), ``backward_gaps`` (both directions: the padded run's backward
    half at step 0, which started in the padding) and ``ours_gap`` (lstmlib's Stack with lengths
    against torch's packed run)."""
    H, x = SIZES["H"], inputs(seed)
    lengths = torch.tensor(lengths)
    x = x * (torch.arange(x.shape[0]).unsqueeze(1) < lengths).unsqueeze(2)     # zeros on the padding
    out = {}
    for bi in (False, True):
        m = torch_lstm(seed, bidirectional=bi)
        alone = torch.stack([torch.cat(list(m(x[:L, b:b + 1])[1][0][:, 0]), dim=-1)
                             for b, L in enumerate(lengths.tolist())])                # (B, dirs·H)
        p_out, (p_h, _) = m(pack_padded_sequence(x, lengths, enforce_sorted=False))
        p_out, _ = pad_packed_sequence(p_out, total_length=x.shape[0])               # (T, B, dirs·H)
        padded, (h, _) = m(x)                                                         # no packing
        h = torch.cat(list(h), dim=-1)                                                # (B, dirs·H)
        ours, (o_h, _) = Stack.from_torch(m)(x, lengths)
        result = dict(packed_gap=_gap(torch.cat(list(p_h), dim=-1), alone),
                      padded_gaps=[_gap(h[b], alone[b]) for b in range(len(lengths))],
                      last_valid_gap=_gap(last_valid(padded, lengths)[:, :H], alone[:, :H]),
                      ours_gap=max(_gap(ours, p_out), _gap(o_h, p_h)))
        if bi:
            result["backward_gaps"] = [_gap(padded[0, b, H:], alone[b, H:]) for b in range(len(lengths))]
        out["both" if bi else "one"] = result
    return out
