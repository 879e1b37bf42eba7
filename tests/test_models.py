"""lstmlib.models: a recurrent layer read out from its last hidden state, or from every one."""
import pytest
import torch

import lstmlib
from lstmlib.models import LastStep, accuracy


@pytest.mark.parametrize("layer", ["RNN", "LSTM", "GRU", "PeepholeLSTM", "CoupledLSTM"])
def test_the_readout_sees_only_the_last_hidden_state(layer):
    torch.manual_seed(0)
    model = LastStep(layer, input_size=3, hidden_size=5, output_size=4)
    x = torch.randn(7, 2, 3)                                       # (T, B, D)
    y_hat = model(x)
    assert y_hat.shape == (2, 4)
    h_T = model.rnn(x)[0][-1]                                      # (B, H)
    torch.testing.assert_close(y_hat, model.readout(h_T))


def test_layer_keyword_arguments_reach_the_layer():
    model = LastStep("LSTM", 2, 4, forget_bias=3.0)
    assert isinstance(model.rnn, lstmlib.LSTM)
    torch.testing.assert_close(model.rnn.gate("f")[1].detach(), torch.full((4,), 3.0))


def test_accuracy_counts_the_argmax():
    logits = torch.tensor([[2.0, 0.0], [0.0, 1.0], [3.0, 4.0], [1.0, 0.0]])
    assert accuracy(logits, torch.tensor([0, 1, 0, 1])) == 0.5


def test_bad_arguments():
    with pytest.raises(ValueError, match="unknown layer 'Transformer'"):
        LastStep("Transformer", 2, 4)
    with pytest.raises(ValueError, match="expected output_size to be a positive int, got 0"):
        LastStep("RNN", 2, 4, output_size=0)
    with pytest.raises(ValueError, match=r"expected logits \(B, K\) and labels \(B,\)"):
        accuracy(torch.zeros(3, 2), torch.zeros(4, dtype=torch.long))


def test_every_step_reads_out_every_h_t_and_last_step_the_last():
    from lstmlib.layers.clamps import Clamp
    from lstmlib.models import EveryStep

    torch.manual_seed(0)
    every = EveryStep("LSTM", 4, 6, 3)
    last = LastStep("LSTM", 4, 6, 3)
    last.load_state_dict(every.state_dict())
    x = torch.randn(5, 2, 4)
    y = every(x)
    assert y.shape == (5, 2, 3)
    torch.testing.assert_close(y[-1], last(x))
    output, _ = every.rnn(x)
    torch.testing.assert_close(y, every.readout(output))
    held = every(x, clamp=Clamp("o", 0.0))                 # h_t = 0: only the readout's bias is left
    torch.testing.assert_close(held, every.readout.bias.expand(5, 2, 3))
