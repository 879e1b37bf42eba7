"""Batches of sequences of different lengths, padded to one length T (chapter 11).

A batch of sequences of lengths L_b is stored as one tensor (T, B, D), T = max L_b, each
sequence followed by T − L_b steps of padding. A layer run over the whole tensor goes on
stepping through the padding, so its last output ``output[-1]`` is not sequence b's last
state when L_b < T. These functions do what ``torch.nn.utils.rnn.pack_padded_sequence`` does
for ``torch.nn.LSTM``:

    lengths = torch.tensor([5, 3, 2])            # (B,)
    output, state = run_packed(lstm, x, lengths) # state: each sequence's own last state
    h_last = last_valid(output, lengths)         # (B, H): output[L_b − 1, b]
    x_rev = reverse_padded(x, lengths)           # each sequence reversed, padding left in place
"""
from __future__ import annotations

import torch

from .base import Recurrent


def check_lengths(lengths, T: int, B: int) -> torch.Tensor:
    """Check ``lengths``: B integers in [1, T], a sequence or a tensor; returns a long (B,) tensor."""
    if not isinstance(lengths, torch.Tensor):
        lengths = torch.as_tensor(lengths)
    if lengths.dtype.is_floating_point or lengths.dtype == torch.bool or lengths.dim() != 1:
        raise TypeError(f"expected lengths to be B = {B} integers, got a {lengths.dtype} tensor of "
                        f"shape {tuple(lengths.shape)}")
    if lengths.shape[0] != B:
        raise ValueError(f"expected one length per sequence, B = {B}, got {lengths.shape[0]}")
    if lengths.numel() and (lengths.min() < 1 or lengths.max() > T):
        raise ValueError(f"expected lengths between 1 and T = {T} (the padded length), got "
                         f"{lengths.min().item()} to {lengths.max().item()}")
    return lengths.to(torch.long).cpu()


def valid_mask(lengths, T: int) -> torch.Tensor:
    """(T, B) booleans: True where step t belongs to sequence b (t < L_b), False on padding."""
    lengths = check_lengths(lengths, T, len(lengths))
    return torch.arange(T).unsqueeze(1) < lengths.unsqueeze(0)      # (T, 1) < (1, B) -> (T, B)


def last_valid(output: torch.Tensor, lengths) -> torch.Tensor:
    """Each sequence's output at its own last step: ``output[L_b − 1, b]``, (B, H).

    ``output`` (T, B, H) is time-major, as the layers return it. ``output[-1]`` is this only
    for sequences of the full length T.
    """
    _check_padded("output", output)
    T, B = output.shape[0], output.shape[1]
    lengths = check_lengths(lengths, T, B).to(output.device)
    return output[lengths - 1, torch.arange(B, device=output.device)]    # (B, H)


def reverse_padded(x: torch.Tensor, lengths=None) -> torch.Tensor:
    """Each sequence's first L_b steps in reverse order, its padding left where it was.

    Without ``lengths`` (every sequence of length T) this is ``x.flip(0)``. x: (T, B, ...)."""
    _check_padded("x", x)
    if lengths is None:
        return x.flip(0)
    T, B = x.shape[0], x.shape[1]
    lengths = check_lengths(lengths, T, B).to(x.device)
    t = torch.arange(T, device=x.device).unsqueeze(1)                    # (T, 1)
    source = torch.where(t < lengths, lengths - 1 - t, t)                # (T, B): step read at t
    source = source.reshape(T, B, *([1] * (x.dim() - 2))).expand_as(x)
    return x.gather(0, source)


def run_packed(layer: Recurrent, x: torch.Tensor, lengths=None, state=None):
    """Run ``layer`` over a padded batch as if each sequence were run alone.

    Returns ``(output, state)`` like the layer: output (T, B, H) with zeros on the padding (as
    ``pad_packed_sequence`` returns it), state each sequence's state after its own last step
    L_b − 1. The sequences are run in segments between distinct lengths, each segment over the
    sequences still running, as a ``PackedSequence`` is. ``lengths=None``: all of length T.
    """
    if not isinstance(layer, Recurrent):
        raise TypeError(f"expected an lstmlib layer (lstmlib.layers.Recurrent), got {type(layer).__name__}")
    if layer.batch_first:
        raise ValueError("run_packed takes time-major input (T, B, D): use a layer with batch_first=False")
    if lengths is None:
        return layer(x, state=state)
    _check_padded("x", x)
    T, B = x.shape[0], x.shape[1]
    lengths = check_lengths(lengths, T, B).to(x.device)
    state = layer.initial_state(B) if state is None else layer._check_state(state, B)
    pieces, start = [], 0
    for end in sorted(set(lengths.tolist())):
        running = (lengths >= end).nonzero().squeeze(1)                  # (B_running,)
        out, new = layer(x[start:end, running], state=_rows(state, running))   # (end - start, B_running, H)
        pieces.append(out.new_zeros(end - start, B, out.shape[2]).index_copy(1, running, out))
        state = _put_rows(state, running, new)
        start = end
    if start < T:
        pieces.append(pieces[-1].new_zeros(T - start, B, pieces[-1].shape[2]))
    return torch.cat(pieces), state                                       # (T, B, H)


def _rows(state, rows):
    return tuple(s[rows] for s in state) if isinstance(state, tuple) else state[rows]


def _put_rows(state, rows, new):
    if isinstance(state, tuple):
        return tuple(s.index_copy(0, rows, n) for s, n in zip(state, new))
    return state.index_copy(0, rows, new)


def _check_padded(name, t):
    if not isinstance(t, torch.Tensor):
        raise TypeError(f"expected {name} to be a torch.Tensor of shape (T, B, ...), got {type(t).__name__}")
    if t.dim() < 2:
        raise ValueError(f"expected {name} of shape (T, B, ...), got shape {tuple(t.shape)}")
