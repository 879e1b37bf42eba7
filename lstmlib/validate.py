"""Argument checks shared by the recurrent layers.

Every check raises ``TypeError`` (wrong kind of object) or ``ValueError`` (right kind,
wrong shape/dtype/device/value) with a message that names what was expected and what came.
Nothing is broadcast silently: a state of shape ``(1, B, H)`` (torch's layout) is refused
with a hint instead of being squeezed.
"""
from __future__ import annotations

from numbers import Integral

import torch


def positive_int(name: str, value) -> int:
    """Check a count or a size (``steps``, ``hidden_size``): an int (NumPy's too), at least 1.
    Returns it as a Python int."""
    if isinstance(value, bool) or not isinstance(value, Integral):
        raise TypeError(f"expected {name} to be a positive int, got {type(value).__name__} {value!r}")
    if value <= 0:
        raise ValueError(f"expected {name} to be a positive int, got {value}")
    return int(value)


def sequence(x, input_size: int, batch_first: bool, like: torch.Tensor) -> None:
    """Check a sequence input: a floating tensor of shape (T, B, D), or (B, T, D) if batch_first.

    ``like`` is a parameter of the layer; the input must share its dtype and device.
    """
    layout = "(B, T, {})" if batch_first else "(T, B, {})"
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"expected input to be a torch.Tensor of shape {layout.format(input_size)}, "
                        f"got {type(x).__name__}")
    if x.dim() != 3:
        raise ValueError(f"expected input of rank 3 with shape {layout.format(input_size)}, "
                         f"got rank {x.dim()} with shape {tuple(x.shape)}")
    if x.shape[2] != input_size:
        raise ValueError(f"expected input of shape {layout.format(input_size)}, "
                         f"got {layout.format(x.shape[2])} (full shape {tuple(x.shape)})")
    if x.shape[0] == 0 or x.shape[1] == 0:
        raise ValueError(f"expected at least one time step and one sequence, got input of shape {tuple(x.shape)}")
    same_dtype_device("input", x, like)


def batch_axis(state, T: int, B: int, batch_first: bool) -> None:
    """Name the commonest layout mistake: a state for B sequences given with an input whose axes
    are swapped ((B, T, D) to a time-major layer, or (T, B, D) to a batch_first one). Then the
    state's batch matches the input's time axis T instead of its batch axis B (chapter 11)."""
    h = state[0] if isinstance(state, (tuple, list)) and state else state
    if not isinstance(h, torch.Tensor) or h.dim() != 2 or T == B or h.shape[0] != T:
        return
    if batch_first:
        said, fix = "(B, T, D), batch_first=True", "time-major (T, B, D)? Pass batch_first=False"
    else:
        said, fix = "(T, B, D)", "batch-first (B, T, D)? Pass batch_first=True"
    raise ValueError(f"expected a state for B = {B} sequences (the input read as {said}), got one for "
                     f"{h.shape[0]}, which is the input's number of steps T: is the input {fix} "
                     f"to the layer, or x.transpose(0, 1)")


def same_dtype_device(name: str, t: torch.Tensor, like: torch.Tensor) -> None:
    """Refuse a tensor whose dtype or device differs from the layer's parameters."""
    if t.dtype != like.dtype:
        raise TypeError(f"expected {name} of dtype {like.dtype} (the layer's parameters), got {t.dtype}; "
                        f"convert one of them, e.g. layer.to({t.dtype}) or {name}.to({like.dtype})")
    if t.device != like.device:
        raise ValueError(f"expected {name} on device {like.device} (the layer's parameters), got {t.device}")


def hidden_tensor(name: str, t, batch: int, hidden_size: int, like: torch.Tensor) -> None:
    """Check one state tensor (h or c): shape (B, H), same dtype/device as the layer."""
    if not isinstance(t, torch.Tensor):
        raise TypeError(f"expected {name} to be a torch.Tensor of shape ({batch}, {hidden_size}), "
                        f"got {type(t).__name__}")
    if tuple(t.shape) != (batch, hidden_size):
        hint = ""
        if t.dim() == 3 and t.shape[0] == 1 and tuple(t.shape[1:]) == (batch, hidden_size):
            hint = " (torch.nn layers use (num_layers, B, H); lstmlib uses (B, H): pass it as state[0])"
        raise ValueError(f"expected {name} of shape ({batch}, {hidden_size}), got {tuple(t.shape)}{hint}")
    same_dtype_device(name, t, like)


def lstm_state(state, batch: int, hidden_size: int, like: torch.Tensor):
    """Check an LSTM-family state ``(h, c)``; returns it as a tuple."""
    if isinstance(state, torch.Tensor) or not isinstance(state, (tuple, list)) or len(state) != 2:
        got = f"a tensor of shape {tuple(state.shape)}" if isinstance(state, torch.Tensor) else (
            f"a {type(state).__name__} of length {len(state)}" if isinstance(state, (tuple, list))
            else type(state).__name__)
        raise TypeError(f"expected state to be a tuple (h, c) of two tensors of shape "
                        f"({batch}, {hidden_size}), got {got}")
    h, c = state
    hidden_tensor("h", h, batch, hidden_size, like)
    hidden_tensor("c", c, batch, hidden_size, like)
    return h, c


def single_state(state, batch: int, hidden_size: int, like: torch.Tensor, layer: str):
    """Check an RNN/GRU state ``h`` (one tensor, no cell state)."""
    if isinstance(state, (tuple, list)):
        raise TypeError(f"expected state of {layer} to be one tensor h of shape ({batch}, {hidden_size}), "
                        f"got a {type(state).__name__} of length {len(state)} ({layer} has no cell state; "
                        f"only the LSTM family takes (h, c))")
    hidden_tensor("h", state, batch, hidden_size, like)
    return state


def gate_subset(name: str, gates, allowed: tuple[str, ...]) -> tuple[str, ...]:
    """Check a collection of gate names such as ``peepholes=("f", "o")``."""
    if isinstance(gates, str) or not isinstance(gates, (tuple, list, set, frozenset)):
        raise TypeError(f"expected {name} to be a tuple of gate names from {allowed}, got {gates!r}")
    unknown = [g for g in gates if g not in allowed]
    if unknown:
        raise ValueError(f"unknown {name} gate {unknown[0]!r}: expected a subset of {allowed}, got {tuple(gates)!r}")
    if len(set(gates)) != len(tuple(gates)):
        raise ValueError(f"expected each {name} gate at most once, got {tuple(gates)!r}")
    return tuple(g for g in allowed if g in gates)  # canonical order
