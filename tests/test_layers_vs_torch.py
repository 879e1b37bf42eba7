"""lstmlib's RNN, LSTM and GRU compute exactly what torch.nn's layers compute.

Outputs, final states, and the gradients of a loss with respect to the inputs, the initial
state and every parameter, in float32 and float64, time-major and batch-first.
"""
import pytest
import torch
from torch import nn

import lstmlib
from conftest import tol

D, H, T, B = 3, 5, 7, 4
KINDS = {"rnn": (lstmlib.RNN, nn.RNN), "lstm": (lstmlib.LSTM, nn.LSTM), "gru": (lstmlib.GRU, nn.GRU)}

# Where each of torch's row blocks goes in ours (torch: LSTM i,f,g,o and GRU r,z,n;
# ours: LSTM f,i,C,o and GRU z,r,n). Written out here, independently of lstmlib.
BLOCK_PERM = {"rnn": [0], "lstm": [1, 0, 2, 3], "gru": [1, 0, 2]}


def to_ours(t, kind):
    """Reorder torch's stacked row blocks into lstmlib's order."""
    blocks = t.chunk(len(BLOCK_PERM[kind]), dim=0)
    return torch.cat([blocks[k] for k in BLOCK_PERM[kind]], dim=0)


def expected_grads(m, kind):
    """The gradients lstmlib's parameters must have, computed from torch's."""
    W = to_ours(torch.cat([m.weight_hh_l0.grad, m.weight_ih_l0.grad], dim=1), kind)
    # b = b_ih + b_hh, so ∂L/∂b = ∂L/∂b_ih (which equals ∂L/∂b_hh except in the GRU's n block)
    out = {"W": W, "b": to_ours(m.bias_ih_l0.grad, kind)}
    if kind == "gru":
        out["b_hn"] = m.bias_hh_l0.grad[2 * H:]
    return out


def run(layer, x, state, kind, torch_layout):
    if state is not None and torch_layout:
        state = tuple(s.unsqueeze(0) for s in state) if kind == "lstm" else state.unsqueeze(0)
    out, final = layer(x, state)
    if torch_layout:
        final = tuple(s.squeeze(0) for s in final) if kind == "lstm" else final.squeeze(0)
    return out, final


def flat(state):
    return list(state) if isinstance(state, tuple) else [state]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("given_state", [False, True])
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_equals_torch(kind, batch_first, given_state, dtype):
    ours_cls, torch_cls = KINDS[kind]
    m = torch_cls(D, H, batch_first=batch_first, dtype=dtype)
    ours = ours_cls.from_torch(m)
    assert ours.batch_first == batch_first and ours.W.dtype == dtype

    shape = (B, T, D) if batch_first else (T, B, D)
    x1 = torch.randn(shape, dtype=dtype, requires_grad=True)
    x2 = x1.detach().clone().requires_grad_(True)
    if given_state:
        s1 = [torch.randn(B, H, dtype=dtype, requires_grad=True) for _ in range(2 if kind == "lstm" else 1)]
        s2 = [s.detach().clone().requires_grad_(True) for s in s1]
        st1 = tuple(s1) if kind == "lstm" else s1[0]
        st2 = tuple(s2) if kind == "lstm" else s2[0]
    else:
        s1 = s2 = []
        st1 = st2 = None

    out_t, fin_t = run(m, x1, st1, kind, torch_layout=True)
    out_o, fin_o = run(ours, x2, st2, kind, torch_layout=False)
    atol = tol(dtype)
    assert out_o.shape == out_t.shape == ((B, T, H) if batch_first else (T, B, H))
    torch.testing.assert_close(out_o, out_t, atol=atol, rtol=0)
    for a, b in zip(flat(fin_o), flat(fin_t)):
        assert a.shape == (B, H)
        torch.testing.assert_close(a, b, atol=atol, rtol=0)

    # A loss that touches every output and the final state, with distinct weights.
    w = torch.randn(out_t.shape, dtype=dtype)
    loss_t = (out_t * w).sum() + sum((s ** 2).sum() for s in flat(fin_t))
    loss_o = (out_o * w).sum() + sum((s ** 2).sum() for s in flat(fin_o))
    loss_t.backward()
    loss_o.backward()
    torch.testing.assert_close(x2.grad, x1.grad, atol=atol * 10, rtol=0)
    for a, b in zip(s2, s1):
        torch.testing.assert_close(a.grad, b.grad, atol=atol * 10, rtol=0)
    expected = expected_grads(m, kind)
    assert set(expected) == {n for n, _ in ours.named_parameters()}
    for name, g in expected.items():
        torch.testing.assert_close(getattr(ours, name).grad, g, atol=atol * 10, rtol=0)


@pytest.mark.parametrize("kind", KINDS)
def test_to_torch_round_trip(kind):
    ours_cls, torch_cls = KINDS[kind]
    ours = ours_cls(D, H, init="torch")
    m = ours.to_torch()
    assert isinstance(m, torch_cls)
    x = torch.randn(T, B, D)
    torch.testing.assert_close(ours(x)[0], m(x)[0], atol=2e-6, rtol=0)
    back = ours_cls.from_torch(m)
    for name, p in ours.named_parameters():
        torch.testing.assert_close(getattr(back, name), p, atol=1e-7, rtol=0)


def test_a_relu_rnn_equals_torchs_both_ways():
    """nonlinearity="relu" (chapter 1's IRNN) is torch.nn.RNN's: from_torch and to_torch keep it."""
    torch.manual_seed(3)
    m = torch.nn.RNN(3, 5, nonlinearity="relu", dtype=torch.float64)
    x = torch.randn(7, 2, 3, dtype=torch.float64)
    layer = lstmlib.RNN.from_torch(m)
    assert layer.nonlinearity == "relu"
    torch.testing.assert_close(layer(x)[0], m(x)[0], atol=1e-12, rtol=0)
    back = layer.to_torch()
    assert back.nonlinearity == "relu"
    torch.testing.assert_close(back(x)[0], m(x)[0], atol=1e-12, rtol=0)


@pytest.mark.parametrize("kind", KINDS)
def test_gates_only_when_asked(kind):
    layer = KINDS[kind][0](D, H, batch_first=True)
    x = torch.randn(B, T, D)
    assert len(layer(x)) == 2
    out, state, gates = layer(x, return_gates=True)
    expected = {"rnn": {"h"}, "lstm": {"f", "i", "C_tilde", "o", "C_t"}, "gru": set("rzn")}[kind]
    assert set(gates) == expected
    for v in gates.values():
        assert v.shape == out.shape


def test_torch_init_matches_torch_statistics():
    """init='torch' draws from torch.nn.LSTM's distribution: weights within ±1/√H, and the summed
    bias within ±2/√H with its variance (2 · k²/3)."""
    torch.manual_seed(1)
    H_big = 256
    ours = lstmlib.LSTM(8, H_big, init="torch")
    k = 1 / H_big ** 0.5
    assert ours.W.abs().max() <= k
    assert ours.b.abs().max() <= 2 * k
    assert abs(ours.b.var().item() - 2 * k * k / 3) < 0.1 * 2 * k * k / 3


def test_course_init_sets_forget_bias():
    lstm = lstmlib.LSTM(3, 6)
    W_f, b_f = lstm.gate("f")
    assert torch.all(b_f == 1.0)
    assert torch.all(lstm.gate("i")[1] == 0) and torch.all(lstm.gate("o")[1] == 0)
    assert torch.all(lstmlib.LSTM(3, 6, forget_bias=3.0).gate("f")[1] == 3.0)
    assert W_f.shape == (6, 6 + 3)
