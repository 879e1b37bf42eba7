"""lstmlib.layers.packing and lstmlib.layers.stacks compute what torch.nn.LSTM computes with
num_layers, bidirectional, batch_first and a packed batch of sequences of different lengths
(chapter 11); LSTM.from_torch copies any layer and direction of such a module; and a layer
given an input with its axes swapped, and a state, names the mistake (lstmlib.validate.batch_axis).

Everything is compared with torch.nn in float64, to 1e-12: outputs, both states, and the
gradients of a loss with respect to the input and the initial state. torch's packed runs use
``pack_padded_sequence(..., enforce_sorted=False)`` and ``pad_packed_sequence``. Every error
path is checked for the key words of its message.
"""
import numpy as np
import pytest
import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

import lstmlib
from lstmlib.layers.packing import check_lengths, last_valid, reverse_padded, run_packed, valid_mask
from lstmlib.layers.stacks import Bidirectional, Stack, stacked

D, H, T, B = 3, 4, 6, 4
F64 = torch.float64
EXACT = 1e-12
LENGTHS = (6, 2, 4, 2)                 # the full length, a repeated length, one in between

# Where each of torch's LSTM row blocks (i, f, g, o) goes in lstmlib's (f, i, C, o), written
# out here independently of lstmlib.
LSTM_PERM = [1, 0, 2, 3]


def gap(a, b):
    return (a - b).abs().max().item()


def noisy(*shape, seed=1):
    """Inputs ~ N(0, 1) in float64, the padding too (not zeros): a right packed run never reads it."""
    return torch.randn(*shape, dtype=F64, generator=torch.Generator().manual_seed(seed))


def torch_run(m, x, lengths=None, state=None):
    """torch's own run, packed when ``lengths`` is given: output (padded with zeros) and state."""
    if lengths is None:
        return m(x, state)
    packed = pack_padded_sequence(x, torch.as_tensor(lengths), batch_first=m.batch_first, enforce_sorted=False)
    out, state = m(packed, state)
    out, _ = pad_packed_sequence(out, batch_first=m.batch_first, total_length=x.shape[1 if m.batch_first else 0])
    return out, state


def alone(layer, x, lengths):
    """Each sequence run alone over its own steps: its last state (h, c), each (B, H)."""
    finals = [layer(x[:L, b:b + 1])[1] for b, L in enumerate(lengths)]
    return tuple(torch.cat(s) for s in zip(*finals))


# ---------------------------------------------------------------------------------------------
# Stack and Bidirectional against torch.nn.LSTM
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("num_layers", [1, 2, 3])
@pytest.mark.parametrize("bidirectional", [False, True])
@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("lengths", [None, LENGTHS], ids=["full", "packed"])
def test_a_stack_from_torch_computes_what_torch_nn_lstm_computes(num_layers, bidirectional, batch_first, lengths):
    m = nn.LSTM(D, H, num_layers=num_layers, bidirectional=bidirectional, batch_first=batch_first, dtype=F64)
    stack = Stack.from_torch(m)
    assert len(stack.layers) == num_layers and stack.batch_first == batch_first
    assert all(isinstance(layer, Bidirectional) == bidirectional for layer in stack.layers)
    x = noisy(*((B, T, D) if batch_first else (T, B, D)))
    out_t, (h_t, c_t) = torch_run(m, x, lengths)
    out_o, (h_o, c_o) = stack(x, lengths)
    directions = 2 if bidirectional else 1
    assert out_o.shape == out_t.shape == ((B, T, directions * H) if batch_first else (T, B, directions * H))
    assert h_o.shape == c_o.shape == h_t.shape == (num_layers * directions, B, H)
    assert max(gap(out_o, out_t), gap(h_o, h_t), gap(c_o, c_t)) < EXACT


def test_with_lengths_the_output_is_zero_on_the_padding_and_the_padding_is_never_read():
    m = nn.LSTM(D, H, num_layers=2, bidirectional=True, dtype=F64)
    stack = Stack.from_torch(m)
    x = noisy(T, B, D)
    out, (h, c) = stack(x, LENGTHS)
    other = x.clone()
    mask = valid_mask(LENGTHS, T)                                    # (T, B)
    other[~mask] = 100.0                                             # new padding
    out_2, (h_2, c_2) = stack(other, LENGTHS)
    assert max(gap(out, out_2), gap(h, h_2), gap(c, c_2)) == 0.0
    assert out[~mask].abs().max() == 0.0
    assert out[mask].abs().min() > 0.0


def test_a_stack_of_lstmlib_layers_with_lengths_gives_each_sequence_its_own_last_state():
    layers = [lstmlib.LSTM(D, H, dtype=F64), lstmlib.LSTM(H, H, dtype=F64)]
    stack = Stack(layers)
    x = noisy(T, B, D)
    _, (h_n, c_n) = stack(x, LENGTHS)
    for b, L in enumerate(LENGTHS):
        _, (h_alone, c_alone) = stack(x[:L, b:b + 1])                 # (2, 1, H) each
        assert max(gap(h_n[:, b], h_alone[:, 0]), gap(c_n[:, b], c_alone[:, 0])) < EXACT
    h_0, c_0 = alone(layers[0], x, LENGTHS)
    assert max(gap(h_n[0], h_0), gap(c_n[0], c_0)) < EXACT


def test_a_bidirectional_pair_equals_a_forward_layer_and_a_layer_on_each_sequence_reversed():
    f, b = lstmlib.LSTM(D, H, dtype=F64), lstmlib.LSTM(D, H, dtype=F64)
    both = Bidirectional(f, b)
    x = noisy(T, B, D)
    output, (h_n, c_n) = both(x, LENGTHS)
    for seq, L in enumerate(LENGTHS):
        one = x[:L, seq:seq + 1]
        out_f, (h_f, _) = f(one)
        out_b, (h_b, c_b) = b(one.flip(0))
        assert gap(output[:L, seq, :H], out_f[:, 0]) < EXACT
        assert gap(output[:L, seq, H:], out_b[:, 0].flip(0)) < EXACT
        assert gap(h_n[0, seq], h_f[0]) < EXACT and gap(h_n[1, seq], h_b[0]) < EXACT
        assert gap(c_n[1, seq], c_b[0]) < EXACT
        assert gap(h_n[1, seq], output[0, seq, H:]) < EXACT        # the backward summary is at step 0


def _gru_from_singles(num_layers, bidirectional):
    """An nn.GRU(num_layers=, bidirectional=) and lstmlib copies of each of its layers, made
    from single-layer nn.GRUs (GRU.from_torch copies single layers only)."""
    directions = 2 if bidirectional else 1
    m = nn.GRU(D, H, num_layers=num_layers, bidirectional=bidirectional, dtype=F64)
    layers = []
    for k in range(num_layers):
        pair = []
        for r in range(directions):
            single = nn.GRU(D if k == 0 else directions * H, H, dtype=F64)
            suffix = f"_l{k}" + ("_reverse" if r else "")
            with torch.no_grad():
                for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
                    getattr(m, name + suffix).copy_(getattr(single, name + "_l0"))
            pair.append(lstmlib.GRU.from_torch(single))
        layers.append(Bidirectional(*pair) if bidirectional else pair[0])
    return m, Stack(layers)


@pytest.mark.parametrize("bidirectional", [False, True])
def test_a_stack_of_gru_layers_computes_what_torch_nn_gru_computes(bidirectional):
    m, stack = _gru_from_singles(2, bidirectional)
    x = noisy(T, B, D)
    for lengths in (None, LENGTHS):
        out_t, h_t = torch_run(m, x, lengths)
        out_o, h_o = stack(x, lengths)
        assert isinstance(h_o, torch.Tensor) and h_o.shape == h_t.shape
        assert max(gap(out_o, out_t), gap(h_o, h_t)) < EXACT


def test_stacked_puts_layer_states_on_a_new_first_axis():
    h, c = torch.randn(B, H), torch.randn(B, H)
    s = stacked([(h, c), (2 * h, 2 * c)])
    assert isinstance(s, tuple) and s[0].shape == (2, B, H)
    assert torch.equal(s[0][1], 2 * h) and torch.equal(s[1][0], c)
    single = stacked([h, 3 * h])
    assert single.shape == (2, B, H) and torch.equal(single[1], 3 * h)


# ---------------------------------------------------------------------------------------------
# Dropout in a Stack
# ---------------------------------------------------------------------------------------------
def test_dropout_acts_between_layers_in_training_mode_only():
    m = nn.LSTM(D, H, num_layers=3, dropout=0.5, dtype=F64)
    stack = Stack.from_torch(m)
    assert stack.dropout.p == 0.5
    x = noisy(T, B, D)
    stack.eval()
    m.eval()
    out_eval, (h_eval, _) = stack(x)
    assert gap(out_eval, m(x)[0]) < EXACT                              # eval: no dropout at all
    stack.train()
    torch.manual_seed(5)
    out_train, (h_train, c_train) = stack(x)
    # By hand: dropout on each layer's output before the next layer reads it, none on the
    # input and none on the last layer's output; the same random numbers from the same seed.
    torch.manual_seed(5)
    y, hs = x, []
    for k, layer in enumerate(stack.layers):
        if k:
            y = nn.functional.dropout(y, 0.5, training=True)
        y, (h, _) = layer(y)
        hs.append(h)
    assert gap(out_train, y) < EXACT
    assert gap(h_train, torch.stack(hs)) < EXACT
    assert gap(h_train[0], h_eval[0]) < EXACT                         # layer 0 reads x undropped
    assert gap(h_train[1], h_eval[1]) > 1e-3                          # layer 1 reads a dropped input
    assert (out_train == 0).sum() == 0                                 # the top output is not dropped
    torch.manual_seed(6)
    assert gap(stack(x)[0], out_train) > 1e-3                          # each call draws anew


def test_a_single_layer_stacks_dropout_changes_nothing_in_training_mode():
    stack = Stack([lstmlib.LSTM(D, H, dtype=F64)], dropout=0.9)
    x = noisy(T, B, D)
    stack.train()
    assert gap(stack(x)[0], stack.layers[0](x)[0]) == 0.0


# ---------------------------------------------------------------------------------------------
# run_packed: gradients, states, other layers
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("lengths", [LENGTHS, (1, 1, 1, 1), (6, 6, 6, 6), (3, 6, 1, 5)],
                         ids=["repeated", "ones", "full", "distinct"])
def test_the_gradients_through_run_packed_equal_torchs_packed_run(lengths):
    m = nn.LSTM(D, H, dtype=F64)
    layer = lstmlib.LSTM.from_torch(m)
    x = noisy(T, B, D)
    h_0, c_0 = torch.randn(B, H, dtype=F64), torch.randn(B, H, dtype=F64)
    grads = []
    for run in ("torch", "ours"):
        xs, h, c = (t.clone().requires_grad_(True) for t in (x, h_0, c_0))
        if run == "torch":
            out, (h_n, c_n) = torch_run(m, xs, lengths, (h[None], c[None]))
            h_n, c_n = h_n[0], c_n[0]
        else:
            out, (h_n, c_n) = run_packed(layer, xs, lengths, state=(h, c))
        loss = (out.sin() * torch.arange(1.0, H + 1, dtype=F64)).sum() + (h_n ** 2).sum() + c_n.tanh().sum()
        loss.backward()
        grads.append((out, h_n, c_n, xs.grad, h.grad, c.grad))
    for a, b in zip(*grads):
        assert gap(a, b) < EXACT
    assert grads[1][3].abs().max() > 0


def test_the_gradient_of_a_packed_bidirectional_stack_equals_torchs():
    m = nn.LSTM(D, H, num_layers=2, bidirectional=True, dtype=F64)
    stack = Stack.from_torch(m)
    x = noisy(T, B, D)
    x_t, x_o = x.clone().requires_grad_(True), x.clone().requires_grad_(True)
    out_t, (h_t, _) = torch_run(m, x_t, LENGTHS)
    out_o, (h_o, _) = stack(x_o, LENGTHS)
    (out_t.cos().sum() + h_t.sum()).backward()
    (out_o.cos().sum() + h_o.sum()).backward()
    assert gap(x_o.grad, x_t.grad) < EXACT
    padding = ~valid_mask(LENGTHS, T)
    assert x_o.grad[padding].abs().max() == 0.0                       # the padding is not read


@pytest.mark.parametrize("kind", ["GRU", "RNN"])
def test_run_packed_runs_other_lstmlib_layers_as_torch_runs_them_packed(kind):
    m = getattr(nn, kind)(D, H, dtype=F64)
    layer = getattr(lstmlib, kind).from_torch(m)
    x = noisy(T, B, D)
    h_0 = torch.randn(B, H, dtype=F64)
    out_t, h_t = torch_run(m, x, LENGTHS, h_0[None])
    out_o, h_o = run_packed(layer, x, LENGTHS, state=h_0)
    assert isinstance(h_o, torch.Tensor) and h_o.shape == (B, H)
    assert max(gap(out_o, out_t), gap(h_o, h_t[0])) < EXACT


def test_run_packed_without_lengths_is_the_layer_itself():
    layer = lstmlib.LSTM(D, H, dtype=F64)
    x = noisy(T, B, D)
    out, (h, c) = run_packed(layer, x)
    out_2, (h_2, c_2) = layer(x)
    assert max(gap(out, out_2), gap(h, h_2), gap(c, c_2)) == 0.0


def test_run_packed_accepts_lengths_as_a_list_a_tuple_or_a_numpy_array():
    layer = lstmlib.LSTM(D, H, dtype=F64)
    x = noisy(T, B, D)
    reference = run_packed(layer, x, torch.tensor(LENGTHS))[0]
    for lengths in (list(LENGTHS), LENGTHS, np.array(LENGTHS), torch.tensor(LENGTHS, dtype=torch.int32)):
        assert gap(run_packed(layer, x, lengths)[0], reference) == 0.0


# ---------------------------------------------------------------------------------------------
# last_valid, reverse_padded, valid_mask, check_lengths
# ---------------------------------------------------------------------------------------------
def test_last_valid_reads_each_sequence_at_its_own_last_step():
    output = torch.randn(T, B, H, dtype=F64)
    picked = last_valid(output, LENGTHS)
    assert picked.shape == (B, H)
    for b, L in enumerate(LENGTHS):
        assert torch.equal(picked[b], output[L - 1, b])
    assert torch.equal(last_valid(output, [T] * B), output[-1])


def test_for_one_direction_the_padded_runs_last_valid_output_is_each_sequences_last_state():
    layer = lstmlib.LSTM(D, H, dtype=F64)
    x = noisy(T, B, D)
    output, _ = layer(x)                                           # no packing: the padding is read
    h_alone, _ = alone(layer, x, LENGTHS)
    assert gap(last_valid(output, LENGTHS), h_alone) < EXACT
    assert gap(output[-1, 1], h_alone[1]) > 1e-3                    # output[-1] is not


def test_reverse_padded_reverses_within_each_length_and_leaves_the_padding():
    x = torch.randn(T, B, D, dtype=F64)
    rev = reverse_padded(x, LENGTHS)
    for b, L in enumerate(LENGTHS):
        assert torch.equal(rev[:L, b], x[:L, b].flip(0))
        assert torch.equal(rev[L:, b], x[L:, b])
    assert torch.equal(reverse_padded(rev, LENGTHS), x)               # its own inverse
    assert torch.equal(reverse_padded(x), x.flip(0))                  # no lengths: all of length T
    two_d = torch.arange(T * B).reshape(T, B)                         # (T, B): any trailing axes
    assert torch.equal(reverse_padded(two_d, LENGTHS)[:, 1], torch.tensor([5, 1, 9, 13, 17, 21]))
    four_d = torch.randn(T, B, 2, 3)
    assert torch.equal(reverse_padded(four_d, LENGTHS)[:4, 2], four_d[:4, 2].flip(0))


def test_valid_mask_marks_the_steps_of_each_sequence():
    mask = valid_mask(LENGTHS, T)
    assert mask.shape == (T, B) and mask.dtype == torch.bool
    assert mask.sum(0).tolist() == list(LENGTHS)
    assert mask[:2, 1].all() and not mask[2:, 1].any()


def test_check_lengths_returns_a_long_tensor():
    for given in (list(LENGTHS), np.array(LENGTHS, dtype=np.int32), torch.tensor(LENGTHS, dtype=torch.int16)):
        lengths = check_lengths(given, T, B)
        assert lengths.dtype == torch.long and lengths.tolist() == list(LENGTHS)


@pytest.mark.parametrize("lengths, error, words", [
    ([6.0, 2.0, 4.0, 2.0], TypeError, r"expected lengths to be B = 4 integers, got a torch.float32 tensor"),
    (torch.tensor([6.0, 2.0, 4.0, 2.0], dtype=F64), TypeError, r"got a torch.float64 tensor of shape \(4,\)"),
    ([True, True, False, True], TypeError, r"integers, got a torch.bool tensor"),
    ([[6, 2], [4, 2]], TypeError, r"of shape \(2, 2\)"),
    ([6, 2, 4], ValueError, r"expected one length per sequence, B = 4, got 3"),
    ([6, 2, 4, 2, 1], ValueError, r"expected one length per sequence, B = 4, got 5"),
    ([6, 0, 4, 2], ValueError, r"expected lengths between 1 and T = 6 \(the padded length\), got 0 to 6"),
    ([7, 2, 4, 2], ValueError, r"expected lengths between 1 and T = 6 \(the padded length\), got 2 to 7"),
    ([6, -1, 4, 2], ValueError, r"got -1 to 6"),
], ids=["floats", "float64", "bools", "2-D", "too few", "too many", "zero", "over T", "negative"])
def test_bad_lengths_are_refused_everywhere_they_are_taken(lengths, error, words):
    layer = lstmlib.LSTM(D, H, dtype=F64)
    x = torch.randn(T, B, D, dtype=F64)
    calls = [lambda: check_lengths(lengths, T, B), lambda: run_packed(layer, x, lengths),
             lambda: last_valid(x, lengths), lambda: reverse_padded(x, lengths),
             lambda: Stack([layer])(x, lengths), lambda: Bidirectional(layer, layer)(x, lengths)]
    for call in calls:
        with pytest.raises(error, match=words):
            call()


def test_bad_tensors_are_refused():
    layer = lstmlib.LSTM(D, H, dtype=F64)
    with pytest.raises(TypeError, match=r"expected x to be a torch.Tensor of shape \(T, B, ...\), got list"):
        run_packed(layer, [[1.0]], LENGTHS)
    with pytest.raises(TypeError, match=r"expected output to be a torch.Tensor of shape \(T, B, ...\), got ndarray"):
        last_valid(np.zeros((T, B, H)), LENGTHS)
    with pytest.raises(ValueError, match=r"expected x of shape \(T, B, ...\), got shape \(6,\)"):
        reverse_padded(torch.zeros(T), LENGTHS)
    with pytest.raises(ValueError, match=r"expected output of shape \(T, B, ...\), got shape \(6,\)"):
        last_valid(torch.zeros(T), [1])


def test_run_packed_refuses_a_torch_layer_and_a_batch_first_layer():
    x = torch.randn(T, B, D, dtype=F64)
    with pytest.raises(TypeError, match=r"expected an lstmlib layer \(lstmlib.layers.Recurrent\), got LSTM"):
        run_packed(nn.LSTM(D, H, dtype=F64), x, LENGTHS)
    with pytest.raises(ValueError, match=r"run_packed takes time-major input \(T, B, D\): use a layer with "
                                         r"batch_first=False"):
        run_packed(lstmlib.LSTM(D, H, batch_first=True, dtype=F64), x, LENGTHS)


# ---------------------------------------------------------------------------------------------
# Stack and Bidirectional: what they refuse
# ---------------------------------------------------------------------------------------------
def test_bidirectional_refuses_a_non_layer_two_kinds_of_layer_and_two_sizes():
    lstm = lstmlib.LSTM(D, H)
    with pytest.raises(TypeError, match="expected forward_layer to be an lstmlib layer, got LSTM"):
        Bidirectional(nn.LSTM(D, H), lstm)
    with pytest.raises(TypeError, match="expected backward_layer to be an lstmlib layer, got Linear"):
        Bidirectional(lstm, nn.Linear(D, H))
    with pytest.raises(TypeError, match="expected two layers of one kind, got LSTM and GRU"):
        Bidirectional(lstm, lstmlib.GRU(D, H))
    with pytest.raises(TypeError, match="expected two layers of one kind, got LSTM and PeepholeLSTM"):
        Bidirectional(lstm, lstmlib.PeepholeLSTM(D, H))
    with pytest.raises(ValueError, match=r"expected two layers of the same sizes \(input, hidden\), "
                                         r"got \(3, 4\) and \(3, 5\)"):
        Bidirectional(lstm, lstmlib.LSTM(D, H + 1))
    with pytest.raises(ValueError, match=r"got \(3, 4\) and \(2, 4\)"):
        Bidirectional(lstm, lstmlib.LSTM(D - 1, H))


def test_a_bidirectional_pair_of_batch_first_layers_is_refused_when_built():
    with pytest.raises(ValueError, match="forward_layer has batch_first=True: a Bidirectional's layers are time-major"):
        Bidirectional(lstmlib.LSTM(D, H, batch_first=True), lstmlib.LSTM(D, H, batch_first=True))


def test_stack_refuses_what_is_not_a_list_of_matching_time_major_layers():
    lstm = lstmlib.LSTM(D, H)
    with pytest.raises(TypeError, match="expected a non-empty list of layers, got list"):
        Stack([])
    with pytest.raises(TypeError, match="expected a non-empty list of layers, got LSTM"):
        Stack(lstm)
    with pytest.raises(TypeError, match="expected layer 1 to be an lstmlib layer or Bidirectional, got LSTM"):
        Stack([lstm, nn.LSTM(H, H)])
    with pytest.raises(ValueError, match=r"layer 0 has batch_first=True: a Stack's layers are time-major "
                                         r"\(set batch_first on the Stack instead\)"):
        Stack([lstmlib.LSTM(D, H, batch_first=True)])
    with pytest.raises(ValueError, match="layer 1 has batch_first=True"):
        Stack([lstm, lstmlib.LSTM(H, H, batch_first=True)])
    with pytest.raises(ValueError, match="layer 1 expects inputs of size 3, but layer 0 outputs 4"):
        Stack([lstm, lstmlib.LSTM(D, H)])
    both = Bidirectional(lstmlib.LSTM(D, H), lstmlib.LSTM(D, H))
    with pytest.raises(ValueError, match="layer 1 expects inputs of size 4, but layer 0 outputs 8"):
        Stack([both, lstmlib.LSTM(H, H)])
    Stack([both, lstmlib.LSTM(2 * H, H)])                              # 2H is right after a pair
    for dropout in (1.0, -0.1, True, "0.5", None):
        with pytest.raises(ValueError, match=r"expected dropout to be a probability in \[0, 1\)"):
            Stack([lstm], dropout=dropout)
    with pytest.raises(TypeError, match="expected batch_first to be a bool, got str"):
        Stack([lstm], batch_first="yes")


def test_a_stack_refuses_an_input_that_is_not_three_dimensional():
    with pytest.raises(ValueError, match=r"expected input of shape \(T, B, D\), got \(6, 3\)"):
        Stack([lstmlib.LSTM(D, H)])(torch.randn(T, D))
    with pytest.raises(ValueError, match=r"expected input of shape \(B, T, D\), got list"):
        Stack([lstmlib.LSTM(D, H)], batch_first=True)([1.0])


def test_stack_from_torch_refuses_other_modules_and_a_projection():
    with pytest.raises(TypeError, match="expected a torch.nn.LSTM, got GRU"):
        Stack.from_torch(nn.GRU(D, H))
    with pytest.raises(ValueError, match="expected an nn.LSTM without projection, got proj_size=2"):
        Stack.from_torch(nn.LSTM(D, H, num_layers=2, proj_size=2))


# ---------------------------------------------------------------------------------------------
# LSTM.from_torch: any layer and direction of a stack
# ---------------------------------------------------------------------------------------------
def _ours(t):
    """torch's stacked row blocks (i, f, g, o) in lstmlib's order (f, i, C, o)."""
    blocks = t.chunk(4, dim=0)
    return torch.cat([blocks[k] for k in LSTM_PERM], dim=0)


def test_from_torch_copies_layer_k_and_its_reverse_direction():
    m = nn.LSTM(D, H, num_layers=3, bidirectional=True, batch_first=True, dtype=F64)
    for k in range(3):
        for reverse in (False, True):
            layer = lstmlib.LSTM.from_torch(m, layer=k, reverse=reverse)
            suffix = f"_l{k}" + ("_reverse" if reverse else "")
            W_ih, W_hh = getattr(m, "weight_ih" + suffix), getattr(m, "weight_hh" + suffix)
            b = getattr(m, "bias_ih" + suffix) + getattr(m, "bias_hh" + suffix)
            assert layer.input_size == (D if k == 0 else 2 * H) and layer.hidden_size == H
            assert layer.batch_first and layer.W.dtype == F64
            assert torch.equal(layer.W, _ours(torch.cat([W_hh, W_ih], dim=1)))
            assert torch.equal(layer.b, _ours(b))
    first = lstmlib.LSTM.from_torch(m, reverse=False)                  # layer 0 by default
    assert torch.equal(first.W, lstmlib.LSTM.from_torch(m, layer=0).W)


def test_layers_copied_one_by_one_and_chained_by_hand_compute_torchs_stack():
    m = nn.LSTM(D, H, num_layers=3, bidirectional=True, dtype=F64)
    x = noisy(T, B, D)
    output, (h_n, c_n) = m(x)
    y, hs, cs = x, [], []
    for k in range(3):
        f, b = (lstmlib.LSTM.from_torch(m, layer=k, reverse=r) for r in (False, True))
        out_f, (h_f, c_f) = f(y)
        out_b, (h_b, c_b) = b(y.flip(0))
        y = torch.cat([out_f, out_b.flip(0)], dim=2)
        hs += [h_f, h_b]
        cs += [c_f, c_b]
    assert max(gap(y, output), gap(torch.stack(hs), h_n), gap(torch.stack(cs), c_n)) < EXACT


def test_a_single_layer_module_is_copied_with_or_without_layer_0():
    m = nn.LSTM(D, H, dtype=F64)
    assert torch.equal(lstmlib.LSTM.from_torch(m).W, lstmlib.LSTM.from_torch(m, layer=0).W)
    assert torch.equal(lstmlib.LSTM.from_torch(m).W, lstmlib.LSTM.from_torch(m, layer=0, reverse=False).W)


def test_from_torch_refuses_a_stack_without_layer_a_layer_out_of_range_and_a_missing_direction():
    two = nn.LSTM(D, H, num_layers=2)
    with pytest.raises(ValueError, match=r"expected a single-layer unidirectional nn.LSTM, got num_layers=2, "
                                         r"bidirectional=False; copy one of its layers with layer= and reverse=, "
                                         r"or all with lstmlib.layers.Stack"):
        lstmlib.LSTM.from_torch(two)
    with pytest.raises(ValueError, match="got num_layers=1, bidirectional=True"):
        lstmlib.LSTM.from_torch(nn.LSTM(D, H, bidirectional=True))
    for layer in (2, -1, True, 1.0, "1"):
        with pytest.raises(ValueError, match=r"expected layer to be an int in \[0, 2\) \(num_layers\), got "):
            lstmlib.LSTM.from_torch(two, layer=layer)
    with pytest.raises(ValueError, match=r"reverse=True needs a bidirectional nn.LSTM, got bidirectional=False"):
        lstmlib.LSTM.from_torch(two, layer=1, reverse=True)
    with pytest.raises(ValueError, match=r"reverse=True needs a bidirectional nn.LSTM"):
        lstmlib.LSTM.from_torch(nn.LSTM(D, H), reverse=True)
    with pytest.raises(ValueError, match="expected an nn.LSTM without projection, got proj_size=2"):
        lstmlib.LSTM.from_torch(nn.LSTM(D, H, proj_size=2))
    with pytest.raises(ValueError, match="proj_size=2"):
        lstmlib.LSTM.from_torch(nn.LSTM(D, H, num_layers=2, proj_size=2), layer=1)
    with pytest.raises(TypeError, match="expected a torch.nn.LSTM, got GRU"):
        lstmlib.LSTM.from_torch(nn.GRU(D, H), layer=0)


def test_the_single_layer_copies_of_gru_and_rnn_refuse_a_stack():
    with pytest.raises(ValueError, match="expected a single-layer unidirectional nn.GRU, got num_layers=2"):
        lstmlib.GRU.from_torch(nn.GRU(D, H, num_layers=2))
    with pytest.raises(ValueError, match="expected a single-layer unidirectional nn.RNN, got num_layers=1, "
                                         "bidirectional=True"):
        lstmlib.RNN.from_torch(nn.RNN(D, H, bidirectional=True))


# ---------------------------------------------------------------------------------------------
# An input with its axes swapped, given with a state (lstmlib.validate.batch_axis)
# ---------------------------------------------------------------------------------------------
def _state(kind, n):
    h = torch.zeros(n, H, dtype=F64)
    return (h, h.clone()) if kind == "LSTM" else h


@pytest.mark.parametrize("kind", ["LSTM", "GRU"])
def test_a_batch_first_input_to_a_time_major_layer_with_a_state_is_named(kind):
    layer = getattr(lstmlib, kind)(D, H, dtype=F64)
    x = torch.randn(B, T, D, dtype=F64)                                # (B, T, D), the layer reads (T, B, D)
    with pytest.raises(ValueError, match=r"expected a state for B = 6 sequences \(the input read as "
                                         r"\(T, B, D\)\), got one for 4, which is the input's number of "
                                         r"steps T: is the input batch-first \(B, T, D\)\? Pass "
                                         r"batch_first=True to the layer, or x.transpose\(0, 1\)"):
        layer(x, state=_state(kind, B))


@pytest.mark.parametrize("kind", ["LSTM", "GRU"])
def test_a_time_major_input_to_a_batch_first_layer_with_a_state_is_named(kind):
    layer = getattr(lstmlib, kind)(D, H, batch_first=True, dtype=F64)
    x = torch.randn(T, B, D, dtype=F64)                                # (T, B, D), the layer reads (B, T, D)
    with pytest.raises(ValueError, match=r"expected a state for B = 6 sequences \(the input read as "
                                         r"\(B, T, D\), batch_first=True\), got one for 4, which is the "
                                         r"input's number of steps T: is the input time-major \(T, B, D\)\? "
                                         r"Pass batch_first=False to the layer, or x.transpose\(0, 1\)"):
        layer(x, state=_state(kind, B))


@pytest.mark.parametrize("kind", ["LSTM", "GRU"])
@pytest.mark.parametrize("batch_first", [False, True])
def test_no_false_alarm_when_t_equals_b_or_the_state_is_right(kind, batch_first):
    m = getattr(nn, kind)(D, H, batch_first=batch_first, dtype=F64)
    layer = getattr(lstmlib, kind).from_torch(m)
    for steps, batch in ((B, B), (T, B), (1, B)):                      # T == B, the usual, one step
        x = torch.randn(*((batch, steps) if batch_first else (steps, batch)), D, dtype=F64)
        state = _state(kind, batch)
        state = tuple(s + 0.5 for s in state) if kind == "LSTM" else state + 0.5
        out, final = layer(x, state=state)
        torch_state = tuple(s[None] for s in state) if kind == "LSTM" else state[None]
        out_t, final_t = m(x, torch_state)
        assert gap(out, out_t) < EXACT
        if kind == "LSTM":
            assert gap(final[0], final_t[0][0]) < EXACT
        else:
            assert gap(final, final_t[0]) < EXACT


def test_a_state_of_another_wrong_batch_gets_the_ordinary_message():
    layer = lstmlib.LSTM(D, H, dtype=F64)
    x = torch.randn(T, B, D, dtype=F64)
    with pytest.raises(ValueError, match=r"expected h of shape \(4, 4\), got \(5, 4\)$"):
        layer(x, state=_state("LSTM", 5))
    with pytest.raises(ValueError, match=r"torch.nn layers use \(num_layers, B, H\)"):
        layer(x, state=tuple(s[None] for s in _state("LSTM", B)))


def test_without_a_state_a_swapped_input_runs_silently_as_torch_runs_it():
    """Nothing can tell (B, T, D) from (T, B, D) without a state: both layers mix the batch."""
    m = nn.LSTM(D, H, dtype=F64)
    x = torch.randn(B, T, D, dtype=F64)
    out, _ = lstmlib.LSTM.from_torch(m)(x)
    assert out.shape == (B, T, H) and gap(out, m(x)[0]) < EXACT
