"""lstmlib.analysis.gradients: the Jacobians by distance are autograd's, and ∏ f is the cell state's direct path."""
import pytest
import torch
from torch.autograd.functional import jacobian

import lstmlib
from lstmlib.analysis import gradients
from lstmlib.layers import fused


def small(layer_cls, **kwargs):
    torch.manual_seed(3)
    layer = layer_cls(2, 3, **kwargs).double()
    x = torch.randn(6, 2, 2, dtype=torch.float64)                  # (T, S, D)
    return layer, x


def reference(layer, x, t, of, wrt):
    """∂(of)_T/∂(wrt)_t for each sequence, by restarting the layer at step t with autograd.functional."""
    T, S = x.shape[:2]
    hs, Cs = gradients.states(layer, x)
    out = []
    for s in range(S):
        h_t = hs[t][s:s + 1].detach()
        C_t = Cs[t][s:s + 1].detach() if Cs is not None else None

        def f(v):
            state = (v, C_t) if wrt == "h" else (h_t, v)
            if Cs is None:
                state = v
            _, end = layer(x[t:, s:s + 1], state)
            if Cs is None:
                return end[0]
            return (end[0] if of == "h" else end[1])[0]

        out.append(jacobian(f, h_t if wrt == "h" else C_t)[:, 0, :])
    return torch.stack(out)                                         # (S, H, H)


@pytest.mark.parametrize("layer_cls,of,wrt", [(lstmlib.RNN, "h", "h"), (lstmlib.GRU, "h", "h"),
                                               (lstmlib.LSTM, "h", "h"), (lstmlib.LSTM, "C", "C"),
                                               (lstmlib.LSTM, "h", "C"), (lstmlib.LSTM, "C", "h")])
def test_jacobians_equal_autograd_functional(layer_cls, of, wrt):
    layer, x = small(layer_cls)
    J = gradients.jacobians(layer, x, of=of, wrt=wrt)
    T = x.shape[0]
    assert J.shape == (T + 1, x.shape[1], 3, 3)
    for t in (0, 2, 5):
        torch.testing.assert_close(J[T - t], reference(layer, x, t, of, wrt), atol=1e-10, rtol=1e-8)
    eye = torch.eye(3, dtype=J.dtype).expand(x.shape[1], 3, 3)
    torch.testing.assert_close(J[0], eye if of == wrt else torch.zeros_like(eye))   # h_T and C_T are separate coordinates


@pytest.mark.parametrize("of,wrt", [("h", "h"), ("C", "C"), ("h", "C"), ("C", "h")])
def test_the_fast_lstm_path_and_the_readable_one_give_the_same_jacobians(of, wrt):
    layer, x = small(lstmlib.LSTM)
    J_fast = gradients.jacobians(layer, x, of=of, wrt=wrt)
    with fused.disabled():
        J_readable = gradients.jacobians(layer, x, of=of, wrt=wrt)
    torch.testing.assert_close(J_fast, J_readable, atol=1e-12, rtol=1e-10)


def test_states_are_the_layers_outputs_and_cell_states():
    layer, x = small(lstmlib.LSTM)
    hs, Cs = gradients.states(layer, x)
    output, (h_T, C_T) = layer(x)
    assert len(hs) == len(Cs) == x.shape[0] + 1 and not hs[0].any() and not Cs[0].any()
    torch.testing.assert_close(torch.stack(hs[1:]), output.detach())
    torch.testing.assert_close(Cs[-1], C_T.detach())
    rnn, x = small(lstmlib.RNN)
    hs, Cs = gradients.states(rnn, x)
    assert Cs is None and len(hs) == x.shape[0] + 1


def test_with_h_detached_the_cell_state_jacobian_is_the_product_of_forget_gates():
    layer, x = small(lstmlib.LSTM, forget_bias=2.0)
    _, _, gates = layer(x, return_gates=True)
    P = gradients.forget_product(gates["f"].detach())              # (T + 1, S, H)
    J = gradients.jacobians(layer, x, of="C", wrt="C", detach_h=True)
    torch.testing.assert_close(J, torch.diag_embed(P), atol=1e-12, rtol=1e-10)


def test_forget_product_by_distance():
    f = torch.tensor([[[0.5]], [[0.9]], [[0.8]]])                  # f_1, f_2, f_3: (T=3, B=1, H=1)
    P = gradients.forget_product(f)[:, 0, 0]
    torch.testing.assert_close(P, torch.tensor([1.0, 0.8, 0.72, 0.36]))


def test_frobenius_by_distance_averages_over_sequences():
    J = torch.zeros(2, 2, 3, 3)
    J[1, 0] = torch.eye(3)                                         # norm √3 for one sequence, 0 for the other
    torch.testing.assert_close(gradients.frobenius_by_distance(J), torch.tensor([0.0, 3 ** 0.5 / 2]))


def test_bad_arguments():
    rnn, x = small(lstmlib.RNN)
    with pytest.raises(ValueError, match="expected of to be one of \\('h', 'C'\\), got 'c'"):
        gradients.jacobians(rnn, x, of="c")
    with pytest.raises(ValueError, match="has no cell state"):
        gradients.jacobians(rnn, x, of="C", wrt="C")
    with pytest.raises(ValueError, match="detach_h=True needs a cell state"):
        gradients.jacobians(rnn, x, detach_h=True)
    with pytest.raises(TypeError, match="expected an lstmlib recurrent layer, got LSTM"):
        gradients.states(torch.nn.LSTM(2, 3), x)
    with pytest.raises(ValueError, match="expected forget gates of shape \\(T, B, H\\)"):
        gradients.forget_product(torch.ones(3, 4))
    with pytest.raises(ValueError, match="expected Jacobians of shape"):
        gradients.frobenius_by_distance(torch.ones(3, 4, 5))
