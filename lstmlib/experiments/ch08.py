"""Chapter 8, the GRU: its parameters, its two conventions and one step by hand.

Used by ``book/08_gru.ipynb`` (Cho et al. 2014, the GRU; Colah 2015, whose figure the notes
follow). The chapter's GRU-against-LSTM training runs are in
:mod:`lstmlib.experiments.ch08_compare` and :mod:`lstmlib.experiments.ch08_sweep`.

    parameter_counts, matched_sizes    the layers' parameters; hidden sizes with equal budgets
    torch_equivalence                  lstmlib.GRU against torch.nn.GRU: outputs and gradients
    figure11_cell, figure11_run        the notes' figure 11 as code, both placements of r_t
    flip_z, conventions                one cell with z_t replaced by 1 − z_t; r_t moved: another
    worked_example                     the two-unit step of the text, by lstmlib.cells.gru_cell

``lstmlib.GRU`` follows ``torch.nn.GRU``: z_t weights the *old* state,
h_t = (1 − z_t) ⊙ n_t + z_t ⊙ h_{t-1}, and r_t multiplies W_nh·h_{t-1} + b_hn. The notes'
figure 11 writes h_t = (1 − z_t) ⊙ h_{t-1} + z_t ⊙ h̃_t with h̃_t = tanh(W·[r_t ⊙ h_{t-1}, x_t]).
"""
from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from ..cells import gru_cell
from ..layers import GRU
from ..models.readouts import LAYERS
from ..training.seed import PROBE, data_stream, seed_everything

# Hidden sizes whose recurrent layers have (nearly) the same number of parameters.
HIDDEN = {"LSTM": 32, "GRU": 37}
VARIANTS = ("LSTM", "GRU")


# ---------------------------------------------------------------------------------------------
# Parameters
# ---------------------------------------------------------------------------------------------
def _count(layer: str, input_size: int, hidden_size: int) -> int:
    return sum(p.numel() for p in LAYERS[layer](input_size, hidden_size).parameters())


def parameter_counts(input_size: int, sizes: dict = HIDDEN) -> dict:
    """Parameters of each recurrent layer, ``{"LSTM": n, "GRU": n}``, at the given hidden sizes.

    LSTM: W (4H, H + D) and b (4H,); GRU: W (3H, H + D), b (3H,) and b_hn (H,).
    """
    return {v: _count(v, input_size, sizes[v]) for v in VARIANTS}


def matched_sizes(input_size: int, lstm_size: int = HIDDEN["LSTM"]) -> int:
    """The GRU's hidden size whose layer comes closest to an LSTM layer of ``lstm_size`` units."""
    target = _count("LSTM", input_size, lstm_size)
    return min(range(1, 2 * lstm_size), key=lambda H: abs(_count("GRU", input_size, H) - target))


# ---------------------------------------------------------------------------------------------
# lstmlib.GRU against torch.nn.GRU
# ---------------------------------------------------------------------------------------------
@dataclass
class Equivalence:
    """Largest absolute differences between ``torch.nn.GRU`` and ``lstmlib.GRU.from_torch``."""
    output: float             # every h_t, (T, B, H)
    grad_x: float             # ∂L/∂x
    grad_W: float             # ∂L/∂W, torch's two weight matrices put into lstmlib's W
    grad_b: float             # ∂L/∂b and ∂L/∂b_hn, from torch's two bias vectors
    round_trip: float         # every h_t of ``GRU.from_torch(m).to_torch()`` against m's

    def largest(self) -> float:
        return max(self.output, self.grad_x, self.grad_W, self.grad_b, self.round_trip)


def _torch_to_ours(t: torch.Tensor, H: int) -> torch.Tensor:
    """torch.nn.GRU's row blocks r, z, n in lstmlib's order z, r, n."""
    return torch.cat([t[H:2 * H], t[:H], t[2 * H:]])


def torch_equivalence(seed: int, T: int = 20, B: int = 4, D: int = 3, H: int = 5) -> Equivalence:
    """Run a ``torch.nn.GRU`` (its own initialisation: every weight and bias random) and its
    copy ``lstmlib.GRU.from_torch`` on the same sequences, in float64, and compare the outputs
    and the gradients of the same loss with respect to the input and every parameter; then
    convert the copy back with ``to_torch()`` and compare its outputs too."""
    seed_everything(seed)
    m = nn.GRU(D, H, dtype=torch.float64)
    ours = GRU.from_torch(m)
    g = data_stream(seed, PROBE)
    x = torch.randn(T, B, D, generator=g, dtype=torch.float64)
    target = torch.randn(T, B, H, generator=g, dtype=torch.float64)
    x_torch, x_ours = x.clone().requires_grad_(), x.clone().requires_grad_()
    out_torch, _ = m(x_torch)                                  # (T, B, H)
    out_ours, _ = ours(x_ours)
    ((out_torch - target) ** 2).sum().backward()
    ((out_ours - target) ** 2).sum().backward()
    W = _torch_to_ours(torch.cat([m.weight_hh_l0.grad, m.weight_ih_l0.grad], dim=1), H)
    # b = b_ih + b_hh in the z and r blocks; in the n block b is torch's b_in, b_hn its b_hn.
    b = _torch_to_ours(m.bias_ih_l0.grad, H)
    b_hn = m.bias_hh_l0.grad[2 * H:]
    return Equivalence(
        output=(out_torch - out_ours).abs().max().item(),
        grad_x=(x_torch.grad - x_ours.grad).abs().max().item(),
        grad_W=(W - ours.W.grad).abs().max().item(),
        grad_b=max((b - ours.b.grad).abs().max().item(), (b_hn - ours.b_hn.grad).abs().max().item()),
        round_trip=(ours.to_torch()(x)[0] - out_torch).abs().max().item())


# ---------------------------------------------------------------------------------------------
# The notes' figure 11 as code
# ---------------------------------------------------------------------------------------------
def figure11_cell(x_t, h_prev, W, b, b_hn=None, reset="before"):
    """One GRU step in the notes' (and Colah's) convention, where z_t weights the candidate:

        z_t = σ(W_z·[h_{t-1}, x_t] + b_z),   r_t = σ(W_r·[h_{t-1}, x_t] + b_r)
        h̃_t = tanh(W_nh·(r_t ⊙ h_{t-1}) + W_nx·x_t + b_n)                  reset="before" (figure 11)
        h̃_t = tanh(W_nx·x_t + b_n + r_t ⊙ (W_nh·h_{t-1} + b_hn))           reset="after" (torch's)
        h_t = (1 − z_t) ⊙ h_{t-1} + z_t ⊙ h̃_t

    The figure has no biases; here each block keeps one, and "before" adds ``b_hn`` (if given)
    outside the reset gate, where it can only join b_n. W (3H, H + D) in blocks z, r, n.
    Returns ``(h_t, (z_t, r_t, h_tilde))``.
    """
    if reset not in ("before", "after"):
        raise ValueError(f"expected reset to be 'before' (figure 11) or 'after' (torch.nn.GRU), got {reset!r}")
    H = h_prev.shape[1]
    if W.shape != (3 * H, W.shape[1]) or b.shape != (3 * H,):
        raise ValueError(f"expected W (3H, H + D) and b (3H,) with H = {H}, got {tuple(W.shape)} and {tuple(b.shape)}")
    b_hn = torch.zeros_like(b[:H]) if b_hn is None else b_hn
    W_h, W_x = W[:, :H], W[:, H:]                          # (3H, H), (3H, D)
    a_x = x_t @ W_x.T + b                                  # (B, 3H)
    z_t = torch.sigmoid(a_x[:, :H] + h_prev @ W_h[:H].T)
    r_t = torch.sigmoid(a_x[:, H:2 * H] + h_prev @ W_h[H:2 * H].T)
    W_nh = W_h[2 * H:]                                     # (H, H)
    if reset == "before":
        h_tilde = torch.tanh(a_x[:, 2 * H:] + (r_t * h_prev) @ W_nh.T + b_hn)
    else:
        h_tilde = torch.tanh(a_x[:, 2 * H:] + r_t * (h_prev @ W_nh.T + b_hn))
    h_t = (1 - z_t) * h_prev + z_t * h_tilde
    return h_t, (z_t, r_t, h_tilde)


def figure11_run(x, W, b, b_hn=None, reset="before", h0=None):
    """:func:`figure11_cell` over a sequence x (T, B, D) from h0 (zeros): every h_t, (T, B, H)."""
    if x.dim() != 3:
        raise ValueError(f"expected x of shape (T, B, D), got {tuple(x.shape)}")
    H = W.shape[0] // 3
    h = torch.zeros(x.shape[1], H, dtype=W.dtype) if h0 is None else h0
    hs = []
    for x_t in x:
        h, _ = figure11_cell(x_t, h, W, b, b_hn, reset)
        hs.append(h)
    return torch.stack(hs)                                 # (T, B, H)


def flip_z(W: torch.Tensor, b: torch.Tensor):
    """W and b with the update gate's block negated (W_z → −W_z, b_z → −b_z): since
    σ(−a) = 1 − σ(a), the new z_t is 1 − the old one. Returns copies."""
    H = W.shape[0] // 3
    W, b = W.detach().clone(), b.detach().clone()
    W[:H] *= -1
    b[:H] *= -1
    return W, b


@dataclass
class Conventions:
    """What :func:`conventions` measured: largest |Δh_t| over every step, unit and sequence."""
    same_weights: float       # figure 11 (reset after) with lstmlib's weights as they are
    z_flipped: float          # figure 11 (reset after) with W_z → −W_z, b_z → −b_z
    reset_moved: float        # figure 11 (reset before), z flipped, b_hn = 0
    reset_moved_diagonal: float   # the same with W_nh diagonal: then the two placements agree
    typical: float            # median |h_t| of lstmlib's GRU, for scale


def conventions(seed: int, T: int = 30, B: int = 8, D: int = 3, H: int = 6) -> Conventions:
    """lstmlib's GRU (torch.nn.GRU's convention, torch's initialisation, b_hn = 0) against the
    notes' figure-11 cell, built from the same weights in four ways (see :class:`Conventions`)."""
    seed_everything(seed)
    layer = GRU(D, H, init="torch", dtype=torch.float64)
    with torch.no_grad():
        layer.b_hn.zero_()                                 # figure 11 has no b_hn
    x = torch.randn(T, B, D, generator=data_stream(seed, PROBE), dtype=torch.float64)
    with torch.no_grad():
        h, _ = layer(x)                                    # (T, B, H)
        W, b = layer.W.detach(), layer.b.detach()
        W_f, b_f = flip_z(W, b)
        W_diag = W_f.clone()
        W_diag[2 * H:, :H] = torch.diag(torch.diagonal(W_f[2 * H:, :H]))
        layer_diag = GRU(D, H, dtype=torch.float64)
        layer_diag.W.copy_(flip_z(W_diag, b_f)[0])
        layer_diag.b.copy_(b)
        layer_diag.b_hn.zero_()
        h_diag, _ = layer_diag(x)

        def gap(a, c):
            return (a - c).abs().max().item()
        return Conventions(
            same_weights=gap(figure11_run(x, W, b, reset="after"), h),
            z_flipped=gap(figure11_run(x, W_f, b_f, reset="after"), h),
            reset_moved=gap(figure11_run(x, W_f, b_f, reset="before"), h),
            reset_moved_diagonal=gap(figure11_run(x, W_diag, b_f, reset="before"), h_diag),
            typical=h.abs().median().item())


# ---------------------------------------------------------------------------------------------
# The worked example: two units, one step, numbers for a pencil
# ---------------------------------------------------------------------------------------------
def worked_example() -> dict:
    """The text's step: one input x_t = 1, two units, h_{t-1} = (0.5, −0.5).

    z_t = (σ(2), σ(−2)): unit 0 keeps its state, unit 1 takes the candidate. r_t = (σ(−4), σ(4))
    from x_t: unit 0's reset gate is shut, unit 1's open. W_nh = [[0, −2], [−2, 0]]: each unit's
    candidate reads the other unit; W_nx = 0, b_n = b_hn = 0. Returns the weights and every
    quantity of the step, by :func:`lstmlib.cells.gru_cell`, and the same step by the notes'
    figure-11 cell with W_z → −W_z, b_z → −b_z and r_t before W_nh (``figure11_*``).
    """
    H, D = 2, 1
    f64 = dict(dtype=torch.float64)
    W = torch.zeros(3 * H, H + D, **f64)                   # rows z, z, r, r, n, n; columns h, h, x
    b = torch.zeros(3 * H, **f64)
    b_hn = torch.zeros(H, **f64)
    b[0:2] = torch.tensor([2.0, -2.0])                     # z_t = σ(±2)
    W[2:4, H] = torch.tensor([-4.0, 4.0])                  # r_t = σ(∓4 · x_t)
    W[4:6, :H] = torch.tensor([[0.0, -2.0], [-2.0, 0.0]])  # W_nh: each candidate reads the other unit
    x_t = torch.tensor([[1.0]], **f64)                     # (1, D)
    h_prev = torch.tensor([[0.5, -0.5]], **f64)            # (1, H)
    h_t, (z_t, r_t, n_t) = gru_cell(x_t, h_prev, W, b, b_hn)
    u = h_prev @ W[2 * H:, :H].T + b_hn                    # W_nh·h_{t-1} + b_hn
    W_f, b_f = flip_z(W, b)
    h_fig, (z_fig, _, h_tilde_fig) = figure11_cell(x_t, h_prev, W_f, b_f, reset="before")
    return dict(W=W, b=b, b_hn=b_hn, x_t=x_t[0], h_prev=h_prev[0], z_t=z_t[0], r_t=r_t[0],
                u=u[0], r_u=(r_t * u)[0], n_t=n_t[0], h_t=h_t[0], figure11_z=z_fig[0],
                figure11_r_h=(r_t * h_prev)[0], figure11_h_tilde=h_tilde_fig[0], figure11_h=h_fig[0])
