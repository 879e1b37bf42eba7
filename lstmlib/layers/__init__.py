"""Sequence layers: RNN, LSTM (with its variants) and GRU, as ``torch.nn.Module``.

Each layer runs its cell from ``lstmlib.cells`` over time. The interface, common to all:

    layer = LSTM(input_size, hidden_size, batch_first=False)
    output, state = layer(x, state=None)                   # x: (T, B, D), output: (T, B, H)
    output, state, gates = layer(x, return_gates=True)     # gates[name]: (T, B, H)

``state`` is ``(h, c)`` for the LSTM family and ``h`` for RNN and GRU, each of shape (B, H).
This differs from ``torch.nn.LSTM``, whose states have a leading ``num_layers`` axis,
(num_layers, B, H): lstmlib layers are single-layer, so that axis is dropped.

Parameters use the book's names. ``W`` stacks one matrix per gate acting on [h_{t-1}, x_t]
(columns: the H columns for h_{t-1} first, then the D columns for x_t); ``b`` is one bias per
gate. ``torch.nn`` layers keep two biases (``bias_ih`` + ``bias_hh``); ``from_torch`` adds them.
An intervention (chapters 3-5) holds a gate at a fixed value: ``layer(x, clamp=Clamp(...))``,
see :mod:`lstmlib.layers.clamps`.

Modules: ``base`` (what the layers share, :class:`Recurrent`), ``rnn``, ``lstm`` (LSTM,
PeepholeLSTM, CoupledLSTM), ``readable`` (the LSTM's readable path and its ``Variant``), ``fused``
and ``fast_loops`` (its fast path), ``clamps`` (interventions), ``gru``; and, imported by name
(``from lstmlib.layers.stacks import Stack``), ``packing`` (padded batches of sequences of
different lengths, run as if packed) and ``stacks`` (``Stack`` and ``Bidirectional``:
torch.nn.LSTM's ``num_layers`` and ``bidirectional``; chapter 11).
"""
from .base import INITS, TORCH_GRU_ORDER, TORCH_LSTM_ORDER, Recurrent
from .gru import GRU
from .lstm import LSTM, CoupledLSTM, PeepholeLSTM
from .rnn import RNN

__all__ = ["RNN", "LSTM", "PeepholeLSTM", "CoupledLSTM", "GRU", "Recurrent", "INITS", "TORCH_LSTM_ORDER",
           "TORCH_GRU_ORDER"]
