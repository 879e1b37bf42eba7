"""Layers stacked and run in both directions, as ``torch.nn.LSTM(num_layers=, bidirectional=)``
computes them (chapter 11).

A stack of L layers feeds layer k's output sequence to layer k + 1 as its input: layer 0 reads
x_t (D), every later one reads the hidden states h_t of the layer below (H, or 2H when both
directions are concatenated). ``dropout`` acts between layers only, in training mode: not on
the input, not on the last layer's output, not on the states (torch.nn.LSTM's rule).

A bidirectional layer (Schuster & Paliwal 1997) runs one layer forward over each sequence and
another over it reversed, and concatenates their outputs step by step:
output_t = [h→_t, h←_t], (T, B, 2H). The backward layer's last state is its state after
reading step 0, so ``output[-1]`` holds h←_{T-1}, the backward layer's *first* step.

    stack = Stack.from_torch(torch.nn.LSTM(3, 8, num_layers=2, bidirectional=True))
    output, (h_n, c_n) = stack(x, lengths)    # output (T, B, 2H); h_n, c_n (2·2, B, H)

States come back in torch's layout (L·directions, B, H), forward before backward within a layer.
"""
from __future__ import annotations

import torch
from torch import nn

from .base import Recurrent
from .lstm import LSTM
from .packing import reverse_padded, run_packed


class Bidirectional(nn.Module):
    """``forward_layer`` run over each sequence, ``backward_layer`` over it reversed (within its
    length when ``lengths`` is given), outputs concatenated: (T, B, 2H); states (2, B, H)."""

    def __init__(self, forward_layer: Recurrent, backward_layer: Recurrent):
        super().__init__()
        for name, layer in (("forward_layer", forward_layer), ("backward_layer", backward_layer)):
            if not isinstance(layer, Recurrent):
                raise TypeError(f"expected {name} to be an lstmlib layer, got {type(layer).__name__}")
            if layer.batch_first:
                raise ValueError(f"{name} has batch_first=True: a Bidirectional's layers are time-major "
                                 f"(T, B, D); give a Stack batch_first=True instead")
        if type(forward_layer) is not type(backward_layer):
            raise TypeError(f"expected two layers of one kind, got {type(forward_layer).__name__} and "
                            f"{type(backward_layer).__name__}")
        sizes = [(m.input_size, m.hidden_size) for m in (forward_layer, backward_layer)]
        if sizes[0] != sizes[1]:
            raise ValueError(f"expected two layers of the same sizes (input, hidden), got {sizes[0]} and {sizes[1]}")
        self.forward_layer, self.backward_layer = forward_layer, backward_layer
        self.input_size, self.hidden_size = sizes[0]
        self.batch_first = False

    def forward(self, x: torch.Tensor, lengths=None):
        """x (T, B, D) -> output (T, B, 2H), state: each tensor (2, B, H), forward then backward."""
        out_f, state_f = run_packed(self.forward_layer, x, lengths)             # (T, B, H)
        out_b, state_b = run_packed(self.backward_layer, reverse_padded(x, lengths), lengths)
        output = torch.cat([out_f, reverse_padded(out_b, lengths)], dim=2)       # (T, B, 2H)
        return output, stacked([state_f, state_b])


class Stack(nn.Module):
    """Layers run one on top of the other: each reads the output sequence of the one below.

    ``layers``: lstmlib layers or :class:`Bidirectional` pairs, each reading what the one below
    returns. ``dropout``: probability of zeroing an element of each layer's output before the
    next layer reads it, in training mode only. ``batch_first`` applies to input and output.
    """

    def __init__(self, layers, dropout: float = 0.0, batch_first: bool = False):
        super().__init__()
        if not isinstance(layers, (list, tuple)) or not layers:
            raise TypeError(f"expected a non-empty list of layers, got {type(layers).__name__}")
        for k, layer in enumerate(layers):
            if not isinstance(layer, (Recurrent, Bidirectional)):
                raise TypeError(f"expected layer {k} to be an lstmlib layer or Bidirectional, got "
                                f"{type(layer).__name__}")
            if layer.batch_first:
                raise ValueError(f"layer {k} has batch_first=True: a Stack's layers are time-major "
                                 f"(set batch_first on the Stack instead)")
        for k in range(1, len(layers)):
            below = _output_size(layers[k - 1])
            if layers[k].input_size != below:
                raise ValueError(f"layer {k} expects inputs of size {layers[k].input_size}, but layer "
                                 f"{k - 1} outputs {below}")
        if isinstance(dropout, bool) or not isinstance(dropout, (int, float)) or not 0 <= dropout < 1:
            raise ValueError(f"expected dropout to be a probability in [0, 1), got {dropout!r}")
        if not isinstance(batch_first, bool):
            raise TypeError(f"expected batch_first to be a bool, got {type(batch_first).__name__}")
        self.layers = nn.ModuleList(layers)
        self.dropout = nn.Dropout(float(dropout))
        self.batch_first = batch_first

    def forward(self, x: torch.Tensor, lengths=None):
        """x (T, B, D), or (B, T, D) if batch_first -> output like x with the last layer's size,
        state: each tensor (L·directions, B, H) in torch's layout. ``lengths``: see
        :func:`lstmlib.layers.packing.run_packed`."""
        if not isinstance(x, torch.Tensor) or x.dim() != 3:
            raise ValueError(f"expected input of shape {'(B, T, D)' if self.batch_first else '(T, B, D)'}, "
                             f"got {tuple(x.shape) if isinstance(x, torch.Tensor) else type(x).__name__}")
        if self.batch_first:
            x = x.transpose(0, 1)                                  # (T, B, D)
        states = []
        for k, layer in enumerate(self.layers):
            if k:
                x = self.dropout(x)                                # between layers only
            if isinstance(layer, Bidirectional):
                x, state = layer(x, lengths)                       # (T, B, 2H)
            else:
                x, state = run_packed(layer, x, lengths)           # (T, B, H)
                state = stacked([state])
            states.append(state)
        state = tuple(torch.cat(s) for s in zip(*states)) if isinstance(states[0], tuple) else torch.cat(states)
        return (x.transpose(0, 1) if self.batch_first else x), state

    @classmethod
    def from_torch(cls, m: nn.LSTM) -> "Stack":
        """Copy every layer and direction of a ``torch.nn.LSTM`` (no projection), its dropout and
        its batch_first. Each layer is :meth:`lstmlib.LSTM.from_torch` of one ``_l{k}`` suffix."""
        if not isinstance(m, nn.LSTM):
            raise TypeError(f"expected a torch.nn.LSTM, got {type(m).__name__}")
        layers = []
        for k in range(m.num_layers):
            pair = [LSTM.from_torch(m, layer=k, reverse=r) for r in ((False, True) if m.bidirectional else (False,))]
            for layer in pair:
                layer.batch_first = False
            layers.append(Bidirectional(*pair) if m.bidirectional else pair[0])
        return cls(layers, dropout=m.dropout, batch_first=m.batch_first)


def stacked(states: list):
    """Per-layer states, each (B, H) or a tuple of them, stacked on a new first axis: (n, B, H)."""
    if isinstance(states[0], tuple):
        return tuple(torch.stack(s) for s in zip(*states))
    return torch.stack(states)


def _output_size(layer) -> int:
    return 2 * layer.hidden_size if isinstance(layer, Bidirectional) else layer.hidden_size
