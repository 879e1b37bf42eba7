"""Bad input raises ValueError or TypeError naming what was expected and what came."""
import pytest
import torch

import lstmlib

D, H, T, B = 3, 5, 6, 2
LAYERS = [lstmlib.RNN, lstmlib.LSTM, lstmlib.PeepholeLSTM, lstmlib.CoupledLSTM, lstmlib.GRU]
LSTM_FAMILY = [lstmlib.LSTM, lstmlib.PeepholeLSTM, lstmlib.CoupledLSTM]


@pytest.mark.parametrize("cls", LAYERS)
def test_wrong_feature_size(cls):
    with pytest.raises(ValueError, match=r"expected input of shape \(T, B, 3\), got \(T, B, 4\)"):
        cls(D, H)(torch.randn(T, B, 4))
    with pytest.raises(ValueError, match=r"expected input of shape \(B, T, 3\), got \(B, T, 4\)"):
        cls(D, H, batch_first=True)(torch.randn(B, T, 4))


@pytest.mark.parametrize("cls", LAYERS)
@pytest.mark.parametrize("shape", [(T, D), (D,), (1, T, B, D)])
def test_wrong_rank(cls, shape):
    with pytest.raises(ValueError, match=rf"expected input of rank 3 .* got rank {len(shape)}"):
        cls(D, H)(torch.randn(*shape))


@pytest.mark.parametrize("cls", LAYERS)
def test_not_a_tensor(cls):
    with pytest.raises(TypeError, match="expected input to be a torch.Tensor .* got list"):
        cls(D, H)([[[0.0] * D]])
    with pytest.raises(TypeError, match="got ndarray"):
        import numpy as np
        cls(D, H)(np.zeros((T, B, D), dtype=np.float32))


@pytest.mark.parametrize("cls", LAYERS)
def test_empty_sequence(cls):
    with pytest.raises(ValueError, match="at least one time step"):
        cls(D, H)(torch.randn(0, B, D))


@pytest.mark.parametrize("cls", LAYERS)
def test_dtype_mismatch(cls):
    with pytest.raises(TypeError, match="expected input of dtype torch.float32 .* got torch.float64"):
        cls(D, H)(torch.randn(T, B, D, dtype=torch.float64))
    with pytest.raises(TypeError, match="got torch.int64"):
        cls(D, H)(torch.zeros(T, B, D, dtype=torch.long))


@pytest.mark.parametrize("cls", LAYERS)
def test_device_mismatch(cls):
    layer = cls(D, H, device="meta")
    with pytest.raises(ValueError, match="expected input on device meta .* got cpu"):
        layer(torch.randn(T, B, D))


@pytest.mark.parametrize("cls", LSTM_FAMILY)
def test_lstm_state_errors(cls):
    layer, x = cls(D, H), torch.randn(T, B, D)
    h = torch.zeros(B, H)
    with pytest.raises(TypeError, match=r"expected state to be a tuple \(h, c\) .* got a tensor"):
        layer(x, h)
    with pytest.raises(TypeError, match="got a tuple of length 1"):
        layer(x, (h,))
    with pytest.raises(ValueError, match=r"expected c of shape \(2, 5\), got \(2, 4\)"):
        layer(x, (h, torch.zeros(B, 4)))
    with pytest.raises(ValueError, match=r"expected h of shape \(2, 5\), got \(1, 2, 5\) \(torch.nn layers use"):
        layer(x, (h[None], h))
    with pytest.raises(ValueError, match=r"expected h of shape \(2, 5\), got \(5,\)"):
        layer(x, (h[0], h))                       # no silent broadcasting over the batch
    with pytest.raises(TypeError, match="expected c of dtype torch.float32"):
        layer(x, (h, h.double()))
    with pytest.raises(TypeError, match="expected h to be a torch.Tensor"):
        layer(x, ([0.0] * H, h))


@pytest.mark.parametrize("cls", [lstmlib.RNN, lstmlib.GRU])
def test_single_state_errors(cls):
    layer, x = cls(D, H), torch.randn(T, B, D)
    h = torch.zeros(B, H)
    with pytest.raises(TypeError, match=r"one tensor h of shape \(2, 5\), got a tuple of length 2 .*no cell state"):
        layer(x, (h, h))
    with pytest.raises(ValueError, match=r"expected h of shape \(2, 5\), got \(3, 5\)"):
        layer(x, torch.zeros(3, H))
    with pytest.raises(TypeError, match="expected h of dtype torch.float32"):
        layer(x, h.double())


def test_unknown_peephole_gate():
    with pytest.raises(ValueError, match=r"unknown peephole gate 'c': expected a subset of \('f', 'i', 'o'\)"):
        lstmlib.PeepholeLSTM(D, H, peepholes=("f", "c"))
    with pytest.raises(TypeError, match="expected peephole to be a tuple of gate names"):
        lstmlib.PeepholeLSTM(D, H, peepholes="fio")
    with pytest.raises(ValueError, match="at most once"):
        lstmlib.PeepholeLSTM(D, H, peepholes=("f", "f"))


@pytest.mark.parametrize("kwargs,pattern", [
    ({"coupled": True, "forget_gate": False}, "needs the forget gate"),
    ({"coupled": True, "input_gate": False}, "already replaces the input gate"),
    ({"coupled": True, "peepholes": ("i",)}, "cannot have an 'i' peephole"),
    ({"output_gate": False, "peepholes": ("o",)}, "peephole 'o' needs that gate"),
    ({"input_gate": False, "peepholes": ("i",)}, "peephole 'i' needs the input gate"),
    ({"forget_gate": 0}, "expected forget_gate to be a bool, got int"),
    ({"init": "xavier"}, r"unknown init 'xavier': expected one of \('course', 'torch'\)"),
    ({"init": "torch", "forget_bias": 2.0}, "forget_bias applies to init='course'"),
])
def test_inconsistent_lstm_options(kwargs, pattern):
    with pytest.raises((ValueError, TypeError), match=pattern):
        lstmlib.LSTM(D, H, **kwargs)


@pytest.mark.parametrize("cls", LAYERS)
def test_bad_sizes(cls):
    with pytest.raises(TypeError, match="expected input_size to be a positive int, got float 3.0"):
        cls(3.0, H)
    with pytest.raises(ValueError, match="expected hidden_size to be a positive int, got 0"):
        cls(D, 0)
    with pytest.raises(TypeError, match="expected batch_first to be a bool"):
        cls(D, H, batch_first="yes")


def test_from_torch_errors():
    with pytest.raises(TypeError, match="expected a torch.nn.LSTM, got GRU"):
        lstmlib.LSTM.from_torch(torch.nn.GRU(D, H))
    with pytest.raises(ValueError, match="single-layer unidirectional .* num_layers=2"):
        lstmlib.LSTM.from_torch(torch.nn.LSTM(D, H, num_layers=2))
    with pytest.raises(ValueError, match="bidirectional=True"):
        lstmlib.GRU.from_torch(torch.nn.GRU(D, H, bidirectional=True))
    with pytest.raises(ValueError, match="without projection"):
        lstmlib.LSTM.from_torch(torch.nn.LSTM(D, H, proj_size=2))
    with pytest.raises(ValueError, match=r"expected nonlinearity to be one of \('tanh', 'relu'\), got 'sigmoid'"):
        lstmlib.RNN(D, H, nonlinearity="sigmoid")
    with pytest.raises(ValueError, match="has no torch.nn.LSTM equivalent"):
        lstmlib.CoupledLSTM(D, H).to_torch()
    with pytest.raises(ValueError, match=r"unknown gate 'x': this layer's W holds \('f', 'i', 'C', 'o'\)"):
        lstmlib.LSTM(D, H).gate("x")
