"""Chapter 11's figures: a padded batch read at the right step and at the padded end, and a
one-step forecast that only lags.

    fig = padded_reads(x, lengths, output, b)     # one sequence's h_t, its end and the padding
    fig = lagged_forecast(result)                 # ch11_runs.lagged's forecast against the truth
"""
from __future__ import annotations

import numpy as np

from .. import plots, style


def padded_reads(output, lengths, b: int, units: int = 3):
    """Sequence b's hidden state over all T steps of a padded batch: the steps it has, its last
    valid step L_b − 1 (right) and the padded end T − 1 (``output[-1]``, wrong).

    ``output``: (T, B, H) of a layer run over the padded batch without packing; ``lengths`` (B,).
    """
    output = np.asarray(output)
    if output.ndim != 3:
        raise ValueError(f"expected output of shape (T, B, H), got {output.shape}")
    T, L = output.shape[0], int(lengths[b])
    fig, ax = plots.figure(height=3.0)
    t = np.arange(T)
    ax.axvspan(L - 0.5, T - 0.5, color=style.GREY, alpha=0.15, lw=0)
    ax.text((L + T - 1) / 2, 0.97, "padding (zeros)", transform=ax.get_xaxis_transform(), ha="center",
            va="top", fontsize=8, color=style.INK)
    for k in range(min(units, output.shape[2])):
        ax.plot(t, output[:, b, k], color=style.GATE["h"], lw=1.2, alpha=1 - 0.25 * k,
                label="$h_t$, three units" if k == 0 else None)
    ax.axvline(L - 1, color=style.MODEL["LSTM"], lw=1.5, label=f"last valid step, $L_b - 1$ = {L - 1}")
    ax.axvline(T - 1, color=style.GATE["f"], lw=1.5, ls="--", label=f"padded end, $T - 1$ = {T - 1}")
    ax.set_xlabel("step $t$")
    ax.set_ylabel("$h_t$ (unitless)")
    fig.legend(loc="outside upper center", ncol=3, fontsize=8)
    return fig


def lagged_forecast(result: dict, steps: int = 60):
    """The first ``steps`` forecasts after training: the truth x_{t+1}, the network's forecast
    of it, and the current value x_t it was given (the naive forecast)."""
    for key in ("now", "later", "forecast"):
        if key not in result:
            raise KeyError(f"expected the result of ch11_runs.lagged, with {key!r}")
    n = min(steps, len(result["later"]))
    t = np.arange(n)
    fig, ax = plots.figure(height=3.2)
    ax.plot(t + 1, result["later"][:n], color=style.GATE["h"], lw=1.6, label="truth $x_{t+1}$")
    ax.plot(t + 1, result["forecast"][:n], color=style.MODEL["LSTM"], lw=1.3, label="LSTM's forecast of $x_{t+1}$")
    ax.plot(t + 1, result["now"][:n], color=style.GATE["f"], lw=1.0, ls="--",
            label="$x_t$, the last value (naive forecast)")
    ax.set_xlabel("step after the training data")
    ax.set_ylabel("value (unitless)")
    fig.legend(loc="outside upper center", ncol=3, fontsize=8)
    return fig
