"""A model run over consecutive chunks of one endless stream, its state carried from chunk to
chunk and detached (truncated backpropagation through time; chapter 9's latch stream,
:class:`lstmlib.tasks.latch.LatchStream`).

    model = Carried(EveryStep("LSTM", 2, 16, 1))
    y_hat = model(x)                  # starts from the state the previous call ended in

``detach=False`` keeps the graph of every earlier chunk attached, as a training loop that
forgets ``.detach()`` does: the second ``backward()`` then fails with torch's "Trying to
backward through the graph a second time" (chapter 11 reproduces it).
"""
from __future__ import annotations

import torch
from torch import nn


class Carried(nn.Module):
    """A model run over consecutive chunks of a stream, its state carried across calls.

    ``model`` is a :class:`lstmlib.models.EveryStep`. Each call starts from the state the
    previous call ended in, detached from its graph (truncated backpropagation through time),
    so the state is never reset; :meth:`reset` starts afresh (as at a stream's beginning).
    ``detach=False`` carries the state with its graph (the mistake of the module docstring).
    """

    def __init__(self, model: nn.Module, detach: bool = True):
        super().__init__()
        if not (hasattr(model, "rnn") and hasattr(model, "readout")):
            raise TypeError(f"expected an EveryStep model (with .rnn and .readout), got {type(model).__name__}")
        if not isinstance(detach, bool):
            raise TypeError(f"expected detach to be a bool, got {type(detach).__name__}")
        self.model, self.detach = model, detach
        self.state = None

    def reset(self) -> None:
        self.state = None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """y_hat_t at every step of the chunk x (T, B, D): (T, B, output_size)."""
        if self.state is not None:
            h = self.state[0] if isinstance(self.state, tuple) else self.state
            if x.dim() == 3 and x.shape[1] != h.shape[0]:
                raise ValueError(f"expected chunks of {h.shape[0]} streams (the carried state's batch), "
                                 f"got {x.shape[1]}; call reset() to start new streams")
        output, state = self.model.rnn(x, state=self.state)                  # (T, B, H)
        if self.detach:                                                      # truncate the graph here
            state = tuple(s.detach() for s in state) if isinstance(state, tuple) else state.detach()
        self.state = state
        return self.model.readout(output)
