"""The trained forecasters of chapter 10: a linear model, an MLP, LSTM and GRU, a patch
Transformer.

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
    PatchTST     torch.nn.TransformerEncoder over patches of the window, a flatten head
                 (Nie et al. 2023)

``build`` wraps each in :class:`Anchored`: the window's last value is subtracted before the
model and added back to its forecast (the normalisation of Zeng et al.'s NLinear), so a
model forecasts changes from the present level rather than levels it may never have seen
in training (CO₂ keeps rising out of the range of its training part). "DLinear" in the
chapter's tables is therefore DLinear with NLinear's anchoring.
"""
from __future__ import annotations

import torch
from torch import nn

from .. import validate
from ..models.readouts import LastStep

KINDS = ("DLinear", "MLP", "LSTM", "GRU", "PatchTST")


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


class PatchTST(nn.Module):
    """A patch Transformer (PatchTST, Nie et al. 2023): the window, padded at its end by
    repeating its last value ``stride`` times, is cut into patches of ``patch`` values every
    ``stride`` steps; each patch becomes a ``d_model`` vector (a linear embedding) plus a
    learned position vector; ``layers`` encoder layers (``torch.nn.TransformerEncoderLayer``,
    ``heads`` heads, feed-forward width 2 · d_model, no dropout) mix the patches; a flatten
    head maps all patch vectors at once to the K values.

    Patches give each token a piece of local shape rather than one number, and the flatten
    head reads every position, not only the last: the two changes with which Nie et al. made
    a Transformer beat DLinear. (Their RevIN normalisation is the anchoring of
    :class:`Anchored` here, which every model gets.)
    """

    def __init__(self, lookback: int, horizon: int, d_model: int = 16, patch: int = 8,
                 stride: int = 4, heads: int = 2, layers: int = 1):
        super().__init__()
        self.lookback = validate.positive_int("lookback", lookback)
        self.patch = validate.positive_int("patch", patch)
        self.stride = validate.positive_int("stride", stride)
        d_model = validate.positive_int("d_model", d_model)
        if d_model % validate.positive_int("heads", heads):
            raise ValueError(f"expected d_model divisible by heads, got {d_model} and {heads}")
        if patch > lookback:
            raise ValueError(f"expected a patch of at most the lookback {lookback}, got {patch}")
        self.patches = (lookback - patch) // stride + 2          # with the end padding
        self.embed = nn.Linear(patch, d_model)
        self.position = nn.Parameter(torch.empty(self.patches, d_model).uniform_(-0.02, 0.02))
        layer = nn.TransformerEncoderLayer(d_model, heads, 2 * d_model, dropout=0.0,
                                           batch_first=True)
        self.encoder = nn.TransformerEncoder(layer, validate.positive_int("layers", layers),
                                             enable_nested_tensor=False)
        self.head = nn.Linear(self.patches * d_model, validate.positive_int("horizon", horizon))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        _check_window(x, self.lookback)
        padded = torch.cat([x, x[:, -1:].expand(-1, self.stride)], dim=1)   # (B, L + S)
        tokens = padded.unfold(1, self.patch, self.stride)                  # (B, N, P)
        e = self.embed(tokens) + self.position                              # (B, N, d)
        return self.head(self.encoder(e).flatten(1))                        # (B, K)


def patching(lookback: int) -> dict:
    """The patch length and stride for a lookback: a stride of L // 8 (at least 1) and
    patches twice as long, overlapping by half, as in Nie et al. (about 8 to 11 patches)."""
    stride = max(1, validate.positive_int("lookback", lookback) // 8)
    return dict(patch=2 * stride, stride=stride)


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
    (PatchTST, with 2 heads, ff = 2 · d_model and :func:`patching` unless given), kernel
    (DLinear)."""
    if kind not in KINDS:
        raise ValueError(f"unknown model {kind!r}: expected one of {KINDS}")
    if kind == "DLinear":
        model = DLinear(lookback, horizon, **({"kernel": size} if size else {}), **kwargs)
    elif kind == "PatchTST":
        kwargs = {**patching(lookback), **kwargs}
        model = PatchTST(lookback, horizon, **({"d_model": size} if size else {}), **kwargs)
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
    step = 2 if kind == "PatchTST" else 1
    best = None
    for s in (s for s in sizes if s % step == 0):
        gap = abs(parameter_count(build(kind, lookback, horizon, s, **kwargs)) - budget)
        if best is not None and gap > best[0]:
            break
        if best is None or gap < best[0]:
            best = (gap, s)
    return best[1]
