"""Chapter 11, in practice with torch.nn: what the chapter computes exactly, in float64.

Every function builds a ``torch.nn.LSTM`` from a seed, runs it beside lstmlib's layers on the
same numbers and returns the largest differences, so that the chapter can assert that two
ways are one (to float64 rounding) and that a wrong way differs. The trained networks are in
:mod:`lstmlib.experiments.ch11_runs`.

    SIZES         D, H, T, B of the small layers shown
    layouts       (T, B, D) against batch_first, and an input with its axes swapped
    forget_bias   torch's two bias vectors and four ways of setting the forget bias
    stack         num_layers=2 against two lstmlib layers, dropout in train and eval mode
    directions    bidirectional=True against two layers, what output[-1] holds
    padding       packed, padded and alone: which states agree
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


def layouts(seed: int) -> dict:
    """The same LSTM on (T, B, D) and on batch_first input, and on x with its axes swapped.

    The swapped run reads sequence b's step t as step b of sequence t: it mixes the batch and
    never looks back along a sequence. Found by changing x_0 of sequence 0 and seeing what moves.
    """
    m = torch_lstm(seed)
    m_bf = torch_lstm(seed, batch_first=True)                       # the same weights
    x = inputs(seed)                                                # (T, B, D)
    output, (h_n, c_n) = m(x)                                       # (T, B, H), (1, B, H)
    out_bf, (h_bf, _) = m_bf(x.transpose(0, 1))                     # (B, T, H), (1, B, H)
    swapped, _ = m(x.transpose(0, 1))                               # read as T = B, B = T
    nudged = x.clone()
    nudged[0, 0] += 1.0                                             # sequence 0, step 0
    moved = (m(nudged)[0] - output).abs()                           # (T, B, H)
    moved_swapped = (m(nudged.transpose(0, 1))[0] - swapped).abs()  # (B, T, H) as torch returns it
    return dict(shapes=dict(output=tuple(output.shape), h_n=tuple(h_n.shape), c_n=tuple(c_n.shape),
                            output_bf=tuple(out_bf.shape), h_n_bf=tuple(h_bf.shape),
                            swapped=tuple(swapped.shape)),
                batch_first_gap=_gap(out_bf.transpose(0, 1), output), h_n_gap=_gap(h_bf, h_n),
                swapped_gap=_gap(swapped.transpose(0, 1), output),
                last_gap=_gap(output[-1], h_n[-1]),
                own_later=moved[1:, 0].max().item(),               # right: sequence 0 later on
                swapped_own_later=moved_swapped[0, 1:].max().item(),   # swapped: the same places
                swapped_other=moved_swapped[1:, 0].max().item())    # swapped: other sequences


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


def stack(seed: int, dropout: float = 0.5) -> dict:
    """``nn.LSTM(num_layers=2)`` against two lstmlib layers chained by hand, and its dropout."""
    m = torch_lstm(seed, num_layers=2)
    x = inputs(seed)
    output, (h_n, c_n) = m(x)                                       # (T, B, H), (2, B, H)
    layer_0, layer_1 = (LSTM.from_torch(m, layer=k) for k in (0, 1))
    out_0, (h_0, _) = layer_0(x)                                    # layer 0 reads x_t
    out_1, (h_1, _) = layer_1(out_0)                                # layer 1 reads layer 0's h_t
    d = torch_lstm(seed, num_layers=2, dropout=dropout)             # the same weights, and dropout
    d.train()
    torch.manual_seed(seed)
    train_a, (train_h, _) = d(x)
    train_b, _ = d(x)
    d.eval()
    eval_out, (eval_h, _) = d(x)
    return dict(stacked_gap=_gap(output, out_1), h_n_gaps=[_gap(h_n[0], h_0), _gap(h_n[1], h_1)],
                stack_gap=_gap(Stack.from_torch(m)(x)[0], output),
                train_calls_gap=_gap(train_a, train_b), eval_gap=_gap(eval_out, output),
                train_eval_gap=_gap(train_a, eval_out),
                layer_0_train_eval_gap=_gap(train_h[0], eval_h[0]))


def directions(seed: int) -> dict:
    """``bidirectional=True`` against a forward layer and a layer run on x reversed, and what
    ``output[-1]`` holds of each direction."""
    H = SIZES["H"]
    m = torch_lstm(seed, bidirectional=True)
    x = inputs(seed)
    output, (h_n, _) = m(x)                                         # (T, B, 2H), (2, B, H)
    forward, backward = LSTM.from_torch(m, reverse=False), LSTM.from_torch(m, reverse=True)
    out_f, _ = forward(x)                                           # (T, B, H)
    out_b, _ = backward(x.flip(0))                                  # step t of it is x_{T-1-t}
    by_hand = torch.cat([out_f, out_b.flip(0)], dim=2)              # (T, B, 2H)
    first_step_only, _ = backward(x[-1:])                           # the backward layer after x_{T-1} alone
    nudged = x.clone()
    nudged[0] += 1.0                                                # change x_0 of every sequence
    out_n, (h_n_n, _) = m(nudged)
    return dict(by_hand_gap=_gap(by_hand, output), stack_gap=_gap(Stack.from_torch(m)(x)[0], output),
                last_backward_is_one_step=_gap(output[-1, :, H:], first_step_only[0]),
                h_n_forward_gap=_gap(h_n[0], output[-1, :, :H]),
                h_n_backward_gap=_gap(h_n[1], output[0, :, H:]),
                x0_moves_last_backward=_gap(out_n[-1, :, H:], output[-1, :, H:]),
                x0_moves_h_n_backward=_gap(h_n_n[1], h_n[1]))


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
