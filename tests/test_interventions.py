"""lstmlib.layers.clamps: a clamped gate takes its fixed value, and nothing else changes."""
import pytest
import torch

import lstmlib
from lstmlib import cells
from lstmlib.layers.clamps import Clamp

T, B, D, H = 7, 4, 3, 5


def layer(**kwargs):
    torch.manual_seed(0)
    return lstmlib.LSTM(D, H, dtype=torch.float64, **kwargs)


def sequence():
    return torch.randn(T, B, D, dtype=torch.float64, generator=torch.Generator().manual_seed(1))


def reference(lstm, x, gate, value, where):
    """An independent loop over lstm_cell's equations that overwrites one gate where ``where``
    (T, B, H) is True."""
    h = torch.zeros(B, H, dtype=x.dtype)
    C = torch.zeros(B, H, dtype=x.dtype)
    H_ = lstm.hidden_size
    W_f, b_f = lstm.gate("f")
    W_i, b_i = lstm.gate("i")
    W_C, b_C = lstm.gate("C")
    W_o, b_o = lstm.gate("o")
    hs = []
    for t in range(x.shape[0]):
        v = torch.cat([h, x[t]], dim=1)
        put = lambda name, g: torch.where(where[t], torch.full_like(g, value), g) if name == gate else g
        f = put("f", torch.sigmoid(v @ W_f.T + b_f))
        i = put("i", torch.sigmoid(v @ W_i.T + b_i))
        g = put("C_tilde", torch.tanh(v @ W_C.T + b_C))
        C = f * C + i * g
        o = put("o", torch.sigmoid(v @ W_o.T + b_o))
        h = o * torch.tanh(C)
        hs.append(h)
    assert H_ == H
    return torch.stack(hs), C


@pytest.mark.parametrize("gate,value", [("f", 1.0), ("f", 0.0), ("i", 0.0), ("C_tilde", -0.5), ("o", 1.0)])
def test_a_clamped_run_equals_the_equations_with_that_gate_overwritten(gate, value):
    lstm, x = layer(), sequence()
    new = torch.zeros(T, B, dtype=torch.bool)
    new[2, 0] = new[5, 1] = new[3, 3] = True                      # different steps per sequence
    clamp = Clamp(gate, value, units=[1, 3], steps=new)
    where = clamp.mask(T, B, H)
    output, (h, C), gates = lstm(x, clamp=clamp, return_gates=True)
    expected, C_expected = reference(lstm, x, gate, value, where)
    torch.testing.assert_close(output, expected, atol=1e-12, rtol=0)
    torch.testing.assert_close(C, C_expected, atol=1e-12, rtol=0)
    assert (gates[gate][where] == value).all()
    assert where.sum() == 6                                        # 3 (t, b) places x 2 units


def test_a_clamp_that_applies_nowhere_changes_nothing():
    lstm, x = layer(), sequence()
    nowhere = torch.zeros(T, B, dtype=torch.bool)
    free, _ = lstm(x)                                              # the fast path
    clamped, _ = lstm(x, clamp=Clamp("f", 0.0, steps=nowhere))     # the readable path
    torch.testing.assert_close(clamped, free, atol=1e-12, rtol=0)


def test_never_forget_and_never_write_keeps_the_initial_cell_state():
    lstm, x = layer(), sequence()
    C0 = torch.randn(B, H, dtype=torch.float64)
    _, (_, C) = lstm(x, state=(torch.zeros(B, H, dtype=torch.float64), C0),
                     clamp=[Clamp("f", 1.0), Clamp("i", 0.0)])
    torch.testing.assert_close(C, C0, atol=0, rtol=0)


def test_a_shut_output_gate_gives_h_zero_at_those_steps_only():
    lstm, x = layer(), sequence()
    output, _, gates = lstm(x, clamp=Clamp("o", 0.0, steps=[4]), return_gates=True)
    assert (output[4] == 0).all()
    assert (output[3] != 0).all() and (output[5] != 0).all()


def test_the_later_of_two_overlapping_clamps_wins():
    lstm, x = layer(), sequence()
    _, _, gates = lstm(x, clamp=[Clamp("f", 0.0, units=[0, 1]), Clamp("f", 1.0, units=[1, 2])],
                       return_gates=True)
    assert (gates["f"][..., 0] == 0).all()
    assert (gates["f"][..., 1] == 1).all() and (gates["f"][..., 2] == 1).all()
    assert ((gates["f"][..., 3] > 0) & (gates["f"][..., 3] < 1)).all()


def test_gradients_flow_where_the_gate_is_free_and_not_into_a_gate_held_everywhere():
    lstm, x = layer(), sequence()
    output, _ = lstm(x, clamp=Clamp("f", 1.0))
    output.sum().backward()
    W_f, b_f = lstm.gate("f")
    assert lstm.W.grad[:H].abs().max() == 0                         # W_f never used
    assert lstm.W.grad[H:].abs().max() > 0


def test_batch_first_takes_the_step_mask_as_b_by_t():
    lstm = layer()
    first = layer(batch_first=True)
    first.load_state_dict(lstm.state_dict())
    x = sequence()
    mask = torch.zeros(T, B, dtype=torch.bool)
    mask[3, 0] = True
    _, _, a = lstm(x, clamp=Clamp("o", 1.0, steps=mask), return_gates=True)
    _, _, b = first(x.transpose(0, 1), clamp=Clamp("o", 1.0, steps=mask.T), return_gates=True)
    torch.testing.assert_close(b["o"].transpose(0, 1), a["o"], atol=0, rtol=0)


def test_the_output_gates_peephole_reads_the_clamped_cell_state():
    torch.manual_seed(0)
    peep = lstmlib.PeepholeLSTM(D, H, dtype=torch.float64, peepholes=("o",))
    with torch.no_grad():
        peep.p_o.fill_(2.0)
    x = sequence()
    _, _, g = peep(x, clamp=[Clamp("f", 0.0), Clamp("i", 0.0)], return_gates=True)  # C_t = 0
    assert (g["C_t"] == 0).all()
    W_o, b_o = peep.gate("o")
    h_prev = torch.zeros(T, B, H, dtype=x.dtype)                   # h_t = o_t ⊙ tanh(0) = 0
    o_expected = torch.sigmoid(torch.cat([h_prev, x], dim=2) @ W_o.T + b_o)      # p_o ⊙ 0 = 0
    torch.testing.assert_close(g["o"], o_expected, atol=1e-12, rtol=0)


def test_a_coupled_lstm_is_clamped_through_f_and_i_follows():
    torch.manual_seed(0)
    coupled = lstmlib.CoupledLSTM(D, H, dtype=torch.float64)
    _, _, g = coupled(sequence(), clamp=Clamp("f", 0.25, units=[2]), return_gates=True)
    assert (g["f"][..., 2] == 0.25).all() and (g["i"][..., 2] == 0.75).all()


def test_lstm_step_applies_fixed_entries_before_the_cell_update():
    a_t = torch.zeros(1, 4 * 2, dtype=torch.float64)                 # every gate 0.5, C̃ = 0
    C_prev = torch.ones(1, 2, dtype=torch.float64)
    mask = torch.tensor([[True, False]])
    h_t, C_t, (f_t, i_t, C_tilde, o_t) = cells.lstm_step(
        a_t, C_prev, fixed={"f": (mask, torch.ones(1, 2, dtype=torch.float64))})
    assert f_t.tolist() == [[1.0, 0.5]] and C_t.tolist() == [[1.0, 0.5]]


# ---------------------------------------------------------------------------------------------
# Clear errors
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("kwargs,error,message", [
    (dict(gate="x", value=1.0), ValueError, "unknown gate 'x' to clamp: expected one of ('f', 'i', 'C_tilde', 'o')"),
    (dict(gate="f", value=1.5), ValueError, "gate 'f' is a sigmoid: expected a value in [0, 1], got 1.5"),
    (dict(gate="f", value="1"), TypeError, "expected value to be a number, got str '1'"),
    (dict(gate="f", value=float("nan")), ValueError, "expected a finite value, got nan"),
    (dict(gate="f", value=1.0, units=3), TypeError, "expected units to be None or a sequence"),
    (dict(gate="f", value=1.0, units=[1.5]), TypeError, "non-empty sequence of int unit indices"),
    (dict(gate="f", value=1.0, steps=[]), TypeError, "non-empty sequence of int step indices"),
])
def test_a_bad_clamp_is_refused_when_it_is_made(kwargs, error, message):
    with pytest.raises(error) as info:
        Clamp(**kwargs)
    assert message in str(info.value)


@pytest.mark.parametrize("clamp,message", [
    (Clamp("f", 1.0, units=[5]), "expected unit indices in 0 … 4 (hidden_size 5), got 5"),
    (Clamp("f", 1.0, steps=[7]), "expected step indices in 0 … 6 (the input has T = 7), got 7"),
    (Clamp("f", 1.0, steps=torch.zeros(B, T, dtype=torch.bool)),
     "expected steps of shape (T, B) = (7, 4), like the input, got (4, 7)"),
    (Clamp("C_tilde", 1.0, steps=torch.zeros(T, B)), "expected steps to be a bool tensor, got dtype torch.float32"),
    (Clamp("C_tilde", 0.0, units=[0]), None),
])
def test_a_clamp_that_does_not_fit_the_input_is_refused(clamp, message):
    lstm, x = layer(), sequence()
    if message is None:
        lstm(x, clamp=clamp)
        return
    with pytest.raises((ValueError, TypeError)) as info:
        lstm(x, clamp=clamp)
    assert message in str(info.value)


def test_clamping_a_gate_the_layer_lacks_is_refused():
    x = sequence()
    with pytest.raises(ValueError, match="coupled .* has no input gate of its own: clamp 'f'"):
        lstmlib.CoupledLSTM(D, H, dtype=torch.float64)(x, clamp=Clamp("i", 0.0))
    with pytest.raises(ValueError, match=r"has no 'f' gate to clamp \(the row blocks of its W: \('i', 'C', 'o'\)\)"):
        layer(forget_gate=False)(x, clamp=Clamp("f", 1.0))
    with pytest.raises(ValueError, match=r"the candidate C̃_t is a tanh: expected a value in \[−1, 1\], got 2.0"):
        layer()(x, clamp=Clamp("C_tilde", 2.0))
    layer(input_activation=False)(x, clamp=Clamp("C_tilde", 2.0))       # NIAF: C̃_t is not squashed
    with pytest.raises(ValueError, match="clamp .* applies to the LSTM family, not to GRU"):
        lstmlib.GRU(D, H, dtype=torch.float64)(x, clamp=Clamp("f", 1.0))
    with pytest.raises(TypeError, match="expected clamp to be an lstmlib.layers.clamps.Clamp or a list of them, got dict"):
        layer()(x, clamp={"f": 1.0})
