"""The LSTM family's variants follow their equations, and the gate record is the real computation."""
import pytest
import torch

import lstmlib
from lstmlib.cells import gru_cell, lstm_cell, rnn_cell

D, H, T, B = 3, 5, 9, 4


def x_seq(dtype=torch.float64):
    return torch.randn(T, B, D, dtype=dtype)


def test_peephole_with_zero_peepholes_equals_lstm():
    lstm = lstmlib.LSTM(D, H, dtype=torch.float64)
    peep = lstmlib.PeepholeLSTM(D, H, dtype=torch.float64)
    with torch.no_grad():
        peep.W.copy_(lstm.W)
        peep.b.copy_(lstm.b)
        for g in "fio":
            getattr(peep, f"p_{g}").zero_()
    x = x_seq()
    out1, (h1, c1) = lstm(x)
    out2, (h2, c2) = peep(x)
    torch.testing.assert_close(out1, out2, atol=1e-12, rtol=0)
    torch.testing.assert_close(c1, c2, atol=1e-12, rtol=0)


@pytest.mark.parametrize("peepholes", [("f",), ("i",), ("o",), ("f", "o"), ("f", "i", "o")])
def test_peepholes_follow_their_equations(peepholes):
    """f_t and i_t read C_{t-1}; o_t reads C_t; each through a diagonal weight (H,)."""
    layer = lstmlib.PeepholeLSTM(D, H, peepholes=peepholes, dtype=torch.float64)
    for g in peepholes:
        assert getattr(layer, f"p_{g}").shape == (H,)
    for g in set("fio") - set(peepholes):
        assert not hasattr(layer, f"p_{g}")
    x = x_seq()
    out, (h, c), gates = layer(x, return_gates=True)
    W_f, b_f = layer.gate("f")
    W_i, b_i = layer.gate("i")
    W_C, b_C = layer.gate("C")
    W_o, b_o = layer.gate("o")
    p = {g: (getattr(layer, f"p_{g}") if g in peepholes else torch.zeros(H, dtype=torch.float64)) for g in "fio"}
    h_prev = torch.zeros(B, H, dtype=torch.float64)
    C_prev = torch.zeros(B, H, dtype=torch.float64)
    for t in range(T):
        hx = torch.cat([h_prev, x[t]], dim=1)
        f = torch.sigmoid(hx @ W_f.T + b_f + p["f"] * C_prev)
        i = torch.sigmoid(hx @ W_i.T + b_i + p["i"] * C_prev)
        C_tilde = torch.tanh(hx @ W_C.T + b_C)
        C = f * C_prev + i * C_tilde
        o = torch.sigmoid(hx @ W_o.T + b_o + p["o"] * C)
        h_prev, C_prev = o * torch.tanh(C), C
        for name, ref in zip(("f", "i", "C_tilde", "o", "C_t"), (f, i, C_tilde, o, C)):
            torch.testing.assert_close(gates[name][t], ref, atol=1e-12, rtol=0)
        torch.testing.assert_close(out[t], h_prev, atol=1e-12, rtol=0)


def test_peepholes_change_the_output():
    layer = lstmlib.PeepholeLSTM(D, H, dtype=torch.float64)
    x = x_seq()
    before = layer(x)[0]
    with torch.no_grad():
        layer.p_o.fill_(2.0)
    assert (layer(x)[0] - before).abs().max() > 1e-3


def test_coupled_gate_is_one_minus_forget():
    layer = lstmlib.CoupledLSTM(D, H, dtype=torch.float64)
    assert layer.blocks == ("f", "C", "o") and layer.W.shape == (3 * H, H + D)
    out, (h, c), g = layer(x_seq(), return_gates=True)
    torch.testing.assert_close(g["i"], 1 - g["f"], atol=1e-15, rtol=0)
    C_prev = torch.cat([torch.zeros(1, B, H, dtype=torch.float64), g["C_t"][:-1]])
    torch.testing.assert_close(g["C_t"], g["f"] * C_prev + (1 - g["f"]) * g["C_tilde"], atol=1e-12, rtol=0)


@pytest.mark.parametrize("cls,kwargs", [
    (lstmlib.LSTM, {}), (lstmlib.PeepholeLSTM, {}), (lstmlib.CoupledLSTM, {}),
    (lstmlib.LSTM, {"forget_gate": False}), (lstmlib.LSTM, {"input_gate": False}),
    (lstmlib.LSTM, {"output_gate": False}), (lstmlib.LSTM, {"input_activation": False}),
    (lstmlib.LSTM, {"output_activation": False}),
])
def test_gate_record_reproduces_the_state(cls, kwargs):
    """C_t = f ⊙ C_{t-1} + i ⊙ C̃_t and h_t = o ⊙ tanh(C_t), read off the recorded gates."""
    layer = cls(D, H, dtype=torch.float64, **kwargs)
    x = x_seq()
    c0 = torch.randn(B, H, dtype=torch.float64)
    h0 = torch.randn(B, H, dtype=torch.float64)
    out, (h, c), g = layer(x, (h0, c0), return_gates=True)
    C_prev = torch.cat([c0[None], g["C_t"][:-1]])
    torch.testing.assert_close(g["C_t"], g["f"] * C_prev + g["i"] * g["C_tilde"], atol=1e-12, rtol=0)
    squash = torch.tanh if layer.output_activation else (lambda v: v)
    torch.testing.assert_close(out, g["o"] * squash(g["C_t"]), atol=1e-12, rtol=0)
    torch.testing.assert_close(c, g["C_t"][-1], atol=0, rtol=0)
    torch.testing.assert_close(h, out[-1], atol=0, rtol=0)
    for gate, on in (("f", layer.forget_gate), ("i", layer.input_gate), ("o", layer.output_gate)):
        if not on:
            assert torch.all(g[gate] == 1)
    if not layer.input_activation:
        # C̃_t is the raw pre-activation W_C·[h_{t-1}, x_t] + b_C
        a_C = torch.cat([torch.cat([h0[None], out[:-1]]), x], dim=2) @ layer.gate("C")[0].T + layer.gate("C")[1]
        torch.testing.assert_close(g["C_tilde"], a_C, atol=1e-12, rtol=0)


def test_ablated_gates_have_no_weights():
    assert lstmlib.LSTM(D, H, forget_gate=False).blocks == ("i", "C", "o")
    assert lstmlib.LSTM(D, H, input_gate=False, output_gate=False).W.shape == (2 * H, H + D)


def test_fast_layers_equal_the_readable_cells():
    """The layers precompute the input projection and loop over a step function; stepping the
    textbook cells one by one gives the same numbers."""
    x = x_seq()
    lstm = lstmlib.PeepholeLSTM(D, H, peepholes=("f", "o"), dtype=torch.float64)
    out, (h, c) = lstm(x)
    h_t = C_t = torch.zeros(B, H, dtype=torch.float64)
    for t in range(T):
        h_t, C_t, _ = lstm_cell(x[t], h_t, C_t, lstm.W, lstm.b, **lstm.variant())
    torch.testing.assert_close(h_t, h, atol=1e-12, rtol=0)
    torch.testing.assert_close(C_t, c, atol=1e-12, rtol=0)

    gru = lstmlib.GRU(D, H, init="torch", dtype=torch.float64)
    out, h = gru(x)
    h_t = torch.zeros(B, H, dtype=torch.float64)
    for t in range(T):
        h_t, _ = gru_cell(x[t], h_t, gru.W, gru.b, gru.b_hn)
    torch.testing.assert_close(h_t, h, atol=1e-12, rtol=0)

    rnn = lstmlib.RNN(D, H, dtype=torch.float64)
    out, h = rnn(x)
    h_t = torch.zeros(B, H, dtype=torch.float64)
    for t in range(T):
        h_t = rnn_cell(x[t], h_t, rnn.W, rnn.b)
    torch.testing.assert_close(h_t, h, atol=1e-12, rtol=0)


def test_gru_gates_follow_torch_convention():
    gru = lstmlib.GRU(D, H, init="torch", dtype=torch.float64)
    x = x_seq()
    out, h, g = gru(x, return_gates=True)
    h_prev = torch.cat([torch.zeros(1, B, H, dtype=torch.float64), out[:-1]])
    torch.testing.assert_close(out, (1 - g["z"]) * g["n"] + g["z"] * h_prev, atol=1e-12, rtol=0)


def test_peephole_to_torch_warns_and_drops_peepholes():
    layer = lstmlib.PeepholeLSTM(D, H)
    with pytest.warns(UserWarning, match="drops the peephole"):
        m = layer.to_torch()
    with torch.no_grad():
        for g in "fio":
            getattr(layer, f"p_{g}").zero_()
    x = torch.randn(T, B, D)
    torch.testing.assert_close(layer(x)[0], m(x)[0], atol=2e-6, rtol=0)


def test_from_torch_into_peephole_starts_with_zero_peepholes():
    m = torch.nn.LSTM(D, H)
    layer = lstmlib.PeepholeLSTM.from_torch(m)
    x = torch.randn(T, B, D)
    torch.testing.assert_close(layer(x)[0], m(x)[0], atol=2e-6, rtol=0)


def test_gate_views_edit_the_layer():
    lstm = lstmlib.LSTM(D, H)
    with torch.no_grad():
        lstm.gate("o")[1].fill_(-7.0)
    assert torch.all(lstm.b[3 * H:] == -7.0)


def test_the_layer_and_both_paths_share_one_description_of_the_variant():
    from lstmlib.layers import Recurrent, fused, readable

    layer = lstmlib.CoupledLSTM(3, 4, peepholes=("f", "o"), output_activation=False)
    v = layer.as_variant()
    assert fused.Variant is readable.Variant                           # one class, used by both paths
    assert v == readable.Variant(("f", "C", "o"), ("f", "o"), coupled=True, output_activation=False)
    options = layer.variant()                                          # lstm_step's keyword arguments
    assert options["p_f"] is layer.p_f and options["p_o"] is layer.p_o and "p_i" not in options
    assert {k: options[k] for k in ("gates", "coupled", "input_activation", "output_activation")} == \
        dict(gates=("f", "C", "o"), coupled=True, input_activation=True, output_activation=False)
    assert all(isinstance(m, Recurrent) for m in (layer, lstmlib.GRU(3, 4), lstmlib.RNN(3, 4)))
