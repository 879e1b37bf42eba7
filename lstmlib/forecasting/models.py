"""The trained forecasters of chapter 10: a linear model, LSTM and GRU, a small Transformer.

Every model maps a window of normalised past values to the next K values in one go (the
"direct" multi-step strategy), so one model gives the one-step forecast (its first output)
and the multi-step forecast (all K):

    model = build("LSTM", lookback=36, horizon=12, size=9)
    y_hat = model(x)                    # x: (B, L) -> y_hat: (B, K)
    parameter_count(model)

    DLinear      decomposition + two linear maps L -> K (Zeng et al. 2023)
    MLP          one hidden tanh layer on the window: the time-window network that Gers,
                 Eck & Schmidhuber (2001) compared LSTM with
    Recurrent    lstmlib's LSTM or GRU reads the window step by step; a linear readout of
                 h_T (T = L) gives the K values (lstmlib.models.LastStep)
    Transformer  torch.nn.TransformerEncoder over the window's steps, with sinusoidal
                 positional encoding (Vaswani et al. 2017); a linear readout of the last step

``build`` wraps each in :class:`Anchored`: the window's last value is subtracted before the
model and added back to its forecast (the normalisation of Zeng et al.'s NLinear), so a
model forecasts changes from the present level rather than levels it may never have seen
in training (CO₂ keeps rising out of the range of its training part).
"""
from __future__ import annotations

import math

import torch
from torch import nn

from .. import validate
from ..models import LastStep

KINDS = ("DLinear", "MLP", "LSTM", "GRU", "Transformer")


def _check_window(x, lookback: int):
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"expected a torch.Tensor window of shape (B, {lookback}), got {type(x).__name__}")
    if x.dim() != 2 or x.shape[1] != lookback:
        raise ValueError(f"expected a window of shape (B, {lookback}), got {tuple(x.shape)}")


class DLinear(nn.Module):
    """Zeng et al. (2023): split the window into a trend (a moving average over ``kernel``
    steps, the ends padded by repeating the end values) and the rest, map each to the K
    outputs with its own linear layer, and add: y_hat = W_t · trend + W_s · (x − trend) + b."""

    def __init__(self, lookback: int, horizon: int, kernel: int = 25):
        super().__init__()
        self.lookback = validate.positive_int("lookback", lookback)
        self.horizon = validate.positive_int("horizon", horizon)
        kernel = validate.positive_int("kernel", kernel)
        if kernel % 2 == 0:
            raise ValueError(f"expected an odd kernel (a centred moving average), got {kernel}")
        self.kernel = kernel
        self.trend = nn.Linear(lookback, horizon)
        self.rest = nn.Linear(lookback, horizon)

    def moving_average(self, x: torch.Tensor) -> torch.Tensor:
        """The trend: a centred moving average of each window, (B, L) -> (B, L)."""
        half = self.kernel // 2
        padded = torch.cat([x[:, :1].expand(-1, half), x, x[:, -1:].expand(-1, half)], dim=1)
        return padded.unfold(1, self.kernel, 1).mean(dim=2)             # (B, L)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        _check_window(x, self.lookback)
        trend = self.moving_average(x)                                   # (B, L)
        return self.trend(trend) + self.rest(x - trend)                  # (B, K)


class MLP(nn.Module):
    """A time-window network: y_hat = W_2 · tanh(W_1 · x + b_1) + b_2, ``hidden`` units."""

    def __init__(self, lookback: int, horizon: int, hidden: int):
        super().__init__()
        self.lookback = validate.positive_int("lookback", lookback)
        self.net = nn.Sequential(nn.Linear(lookback, validate.positive_int("hidden", hidden)),
                                 nn.Tanh(), nn.Linear(hidden, validate.positive_int("horizon", horizon)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        _check_window(x, self.lookback)
        return self.net(x)                               # (B, K)


class Recurrent(nn.Module):
    """An lstmlib recurrent layer (``"LSTM"`` or ``"GRU"``) over the window, one value per
    step, and a linear readout of its last hidden state h_T (T = L) to the K forecasts."""

    def __init__(self, layer: str, lookback: int, horizon: int, hidden_size: int, **layer_kwargs):
        super().__init__()
        if layer not in ("LSTM", "GRU"):
            raise ValueError(f"expected layer 'LSTM' or 'GRU', got {layer!r}")
        self.lookback = validate.positive_int("lookback", lookback)
        self.net = LastStep(layer, 1, hidden_size, horizon, **layer_kwargs)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        _check_window(x, self.lookback)
        return self.net(x.T.unsqueeze(2))                # (T, B, D) = (L, B, 1) -> (B, K)


class PositionalEncoding(nn.Module):
    """Sinusoidal positions (Vaswani et al. 2017), added to each step's vector; no parameters.

    PE[t, 2k] = sin(t / 10000^(2k/d)),  PE[t, 2k + 1] = cos(t / 10000^(2k/d)).
    """

    def __init__(self, d_model: int, max_len: int):
        super().__init__()
        d_model = validate.positive_int("d_model", d_model)
        if d_model % 2:
            raise ValueError(f"expected an even d_model (sine and cosine pairs), got {d_model}")
        t = torch.arange(validate.positive_int("max_len", max_len), dtype=torch.float32)[:, None]
        rate = torch.exp(-math.log(10000.0) * torch.arange(0, d_model, 2) / d_model)   # (d/2,)
        pe = torch.zeros(max_len, d_model)
        pe[:, 0::2], pe[:, 1::2] = torch.sin(t * rate), torch.cos(t * rate)
        self.register_buffer("pe", pe)                   # (max_len, d)

    def forward(self, e: torch.Tensor) -> torch.Tensor:
        """e: (B, L, d) -> e + PE[:L]."""
        return e + self.pe[:e.shape[1]]


class Transformer(nn.Module):
    """A small Transformer encoder forecaster: each value of the window becomes a d_model
    vector (a linear embedding), plus its position; ``layers`` encoder layers
    (``torch.nn.TransformerEncoderLayer``, ``heads`` attention heads, feed-forward width
    ``ff``, no dropout) mix the steps; a linear readout of the last step gives the K values."""

    def __init__(self, lookback: int, horizon: int, d_model: int = 8, heads: int = 2,
                 ff: int | None = None, layers: int = 1):
        super().__init__()
        self.lookback = validate.positive_int("lookback", lookback)
        d_model = validate.positive_int("d_model", d_model)
        if d_model % validate.positive_int("heads", heads):
            raise ValueError(f"expected d_model divisible by heads, got {d_model} and {heads}")
        self.embed = nn.Linear(1, d_model)
        self.position = PositionalEncoding(d_model, lookback)
        layer = nn.TransformerEncoderLayer(d_model, heads, ff or 2 * d_model, dropout=0.0,
                                           batch_first=True)
        self.encoder = nn.TransformerEncoder(layer, validate.positive_int("layers", layers),
                                             enable_nested_tensor=False)
        self.readout = nn.Linear(d_model, validate.positive_int("horizon", horizon))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        _check_window(x, self.lookback)
        e = self.position(self.embed(x.unsqueeze(2)))    # (B, L, d)
        return self.readout(self.encoder(e)[:, -1])      # (B, K), from the last step


class Anchored(nn.Module):
    """Forecast changes from the window's last value: y_hat = f(x − x_L) + x_L (NLinear's
    normalisation, Zeng et al. 2023). ``model`` is the wrapped forecaster."""

    def __init__(self, model: nn.Module):
        super().__init__()
        self.model = model

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        last = x[:, -1:]                                  # (B, 1)
        return self.model(x - last) + last                # (B, K)


def build(kind: str, lookback: int, horizon: int, size: int | None = None, anchored: bool = True,
          **kwargs) -> nn.Module:
    """A forecaster by name. ``size``: hidden_size H (LSTM, GRU), hidden units (MLP), d_model
    (Transformer, with 2 heads and ff = 2 · d_model unless given), kernel (DLinear)."""
    if kind not in KINDS:
        raise ValueError(f"unknown model {kind!r}: expected one of {KINDS}")
    if kind == "DLinear":
        model = DLinear(lookback, horizon, **({"kernel": size} if size else {}), **kwargs)
    elif kind == "Transformer":
        model = Transformer(lookback, horizon, **({"d_model": size} if size else {}), **kwargs)
    elif size is None:
        raise ValueError(f"expected a hidden size for {kind}, got size=None")
    elif kind == "MLP":
        model = MLP(lookback, horizon, size, **kwargs)
    else:
        model = Recurrent(kind, lookback, horizon, size, **kwargs)
    return Anchored(model) if anchored else model


def parameter_count(model: nn.Module) -> int:
    """The number of trained numbers (buffers such as positional encodings are not counted)."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


def size_for_budget(kind: str, lookback: int, horizon: int, budget: int,
                    sizes=range(1, 257), **kwargs) -> int:
    """The size (see :func:`build`) whose model has the parameter count closest to ``budget``
    (the smaller size on a tie). Counts grow with the size, so the search stops past it."""
    if kind == "DLinear":
        raise ValueError("DLinear's parameter count is fixed by lookback and horizon: 2 (L K + K)")
    budget = validate.positive_int("budget", budget)
    step = 2 if kind == "Transformer" else 1
    best = None
    for s in (s for s in sizes if s % step == 0):
        gap = abs(parameter_count(build(kind, lookback, horizon, s, **kwargs)) - budget)
        if best is not None and gap > best[0]:
            break
        if best is None or gap < best[0]:
            best = (gap, s)
    return best[1]
