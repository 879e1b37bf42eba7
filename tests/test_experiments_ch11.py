"""Chapter 11's models, task and functions (book/11_in_practice.ipynb): a state carried with or
without its graph (lstmlib.models.Carried), the readout of a padded batch at each sequence's
last valid step (lstmlib.models.padded), the first-minus-last task (lstmlib.tasks.padded), and
the chapter's functions (lstmlib.experiments.ch11 and ch11_runs).

The chapter's own claims are checked in the notebook (lstmlib.claims). Here each function is
checked against a computation written out independently, on tiny sizes; the trained runs of
ch11_runs are left to the notebook, except the lagged forecast (slow).
"""
import math

import numpy as np
import pytest
import torch
from torch import nn

from lstmlib.experiments import ch11, ch11_runs
from lstmlib.layers.packing import last_valid
from lstmlib.models import Carried, EveryStep
from lstmlib.models.padded import PaddedLastStep
from lstmlib.tasks import latch, padded
from lstmlib.training.loop import train

F64 = torch.float64
SECOND_BACKWARD = "Trying to backward through the graph a second time"


def gap(a, b):
    return (a - b).abs().max().item()


# ---------------------------------------------------------------------------------------------
# Carried: detach or not
# ---------------------------------------------------------------------------------------------
def _chunks(n, B=3, T=5, seed=0):
    stream = latch.LatchStream(B, torch.Generator().manual_seed(seed))
    return [stream.next(T) for _ in range(n)]


def test_without_detach_the_second_backward_raises_torchs_error():
    model = Carried(EveryStep("LSTM", 2, 4, 1), detach=False)
    (x1, y1), (x2, y2) = _chunks(2)
    ((model(x1) - y1) ** 2).mean().backward()
    assert model.state[0].grad_fn is not None                      # the state keeps its graph
    with pytest.raises(RuntimeError, match=SECOND_BACKWARD):
        ((model(x2) - y2) ** 2).mean().backward()


def test_undetached_returns_torchs_message():
    message = ch11_runs.undetached(0)
    assert SECOND_BACKWARD in message and "retain_graph=True" in message


def test_with_detach_it_trains_and_each_chunk_backpropagates_within_itself():
    torch.manual_seed(0)
    model = Carried(EveryStep("LSTM", 2, 4, 1))
    assert model.detach is True                                    # the default
    chunks = iter(_chunks(30))
    before = [p.detach().clone() for p in model.parameters()]
    history = train(model, lambda: next(chunks), steps=30, progress=False)
    assert len(history.loss) == 30 and np.isfinite(history.loss).all()
    assert all(gap(p, q) > 0 for p, q in zip(model.parameters(), before))
    assert all(s.grad_fn is None and not s.requires_grad for s in model.state)
    # The gradient of the next chunk's loss is that of the chunk alone from the carried state.
    (x, y), = _chunks(1, seed=1)
    start = tuple(s.clone() for s in model.state)
    model.zero_grad()
    ((model(x) - y) ** 2).mean().backward()
    carried = [p.grad.clone() for p in model.parameters()]
    model.zero_grad()
    output, _ = model.model.rnn(x, state=start)
    ((model.model.readout(output) - y) ** 2).mean().backward()
    assert all(gap(a, p.grad) < 1e-6 for a, p in zip(carried, model.parameters()))


def test_carried_chunks_compute_what_the_whole_stream_computes_at_once():
    torch.manual_seed(0)
    inner = EveryStep("LSTM", 2, 4, 1).double()
    chunks = [x.double() for x, _ in _chunks(4)]
    for detach in (True, False):
        model = Carried(inner, detach=detach)
        pieces = torch.cat([model(x) for x in chunks])
        assert gap(pieces, inner(torch.cat(chunks))) < 1e-12
    model.reset()
    assert model.state is None
    assert gap(model(chunks[1]), inner(chunks[1])) == 0.0          # reset: from zeros again


def test_carried_refuses_a_detach_that_is_not_a_bool_a_model_without_a_readout_and_new_streams():
    for detach in (1, "no", None):
        with pytest.raises(TypeError, match=f"expected detach to be a bool, got {type(detach).__name__}"):
            Carried(EveryStep("LSTM", 2, 4, 1), detach=detach)
    with pytest.raises(TypeError, match=r"expected an EveryStep model \(with .rnn and .readout\), got LSTM"):
        Carried(nn.LSTM(2, 4))
    model = Carried(EveryStep("LSTM", 2, 4, 1))
    model(torch.zeros(5, 3, 2))
    with pytest.raises(ValueError, match=r"expected chunks of 3 streams \(the carried state's batch\), got 2; "
                                         r"call reset\(\) to start new streams"):
        model(torch.zeros(5, 2, 2))


# ---------------------------------------------------------------------------------------------
# PaddedLastStep
# ---------------------------------------------------------------------------------------------
LENGTHS = torch.tensor([7, 3, 5, 1])
T, B = 7, 4


def _batch(D=2, seed=0):
    x = torch.randn(T, B, D, generator=torch.Generator().manual_seed(seed), dtype=F64)
    return x * (torch.arange(T).unsqueeze(1) < LENGTHS).unsqueeze(2)


def test_the_readout_is_at_each_sequences_last_valid_step_as_if_it_ran_alone():
    torch.manual_seed(0)
    model = PaddedLastStep(2, 5, 3).double()
    x = _batch()
    y_hat = model((x, LENGTHS))
    assert y_hat.shape == (B, 3)
    for b, L in enumerate(LENGTHS.tolist()):
        out, _ = model.rnn(x[:L, b:b + 1])                          # sequence b alone
        assert gap(y_hat[b], model.readout(out[-1, 0])) < 1e-12
    assert gap(y_hat[1], model.readout(model.rnn(x)[0][-1, 1])) > 1e-4    # not the padded end


def test_a_learned_start_equals_the_zero_start_before_training_and_gets_gradients():
    torch.manual_seed(0)
    zero = PaddedLastStep(2, 5, 1).double()
    learned = PaddedLastStep(2, 5, 1, learned_start=True).double()
    learned.load_state_dict(zero.state_dict(), strict=False)
    assert zero.start(B) is None and not hasattr(zero, "h_0")
    h_0, c_0 = learned.start(B)
    assert h_0.shape == c_0.shape == (B, 5) and h_0.stride(0) == 0        # expanded, not copied
    x = _batch()
    y_hat = learned((x, LENGTHS))
    assert gap(y_hat, zero((x, LENGTHS))) == 0.0
    (y_hat ** 2).sum().backward()
    assert learned.h_0.grad.shape == (5,) and learned.h_0.grad.abs().max() > 0
    assert learned.c_0.grad.abs().max() > 0
    names = {name for name, _ in learned.named_parameters()}
    assert {"h_0", "c_0"} <= names


def test_a_given_state_replaces_the_start():
    torch.manual_seed(0)
    model = PaddedLastStep(2, 5, 1, learned_start=True).double()
    x = _batch()
    state = (torch.randn(B, 5, dtype=F64), torch.randn(B, 5, dtype=F64))
    output, _ = model.rnn(x, state=state)
    assert gap(model((x, LENGTHS), state=state), model.readout(last_valid(output, LENGTHS))) == 0.0


def test_padded_last_step_trains_on_first_minus_last_through_lstmlib_train():
    torch.manual_seed(0)
    g = torch.Generator().manual_seed(0)
    model = PaddedLastStep(1, 4, 1, learned_start=True)

    def make_batch():
        x, lengths, y = padded.first_minus_last(8, g, T=6, min_length=2)
        return (x, lengths), y
    history = train(model, make_batch, steps=20, progress=False)
    assert len(history.loss) == 20 and np.isfinite(history.loss).all()
    assert model.h_0.detach().abs().max() > 0                       # the start moved


def test_padded_last_step_refuses_a_bad_batch_and_batch_first():
    model = PaddedLastStep(2, 5, 1).double()
    x = _batch()
    with pytest.raises(TypeError, match=r"expected the batch as a pair \(x, lengths\), got Tensor"):
        model(x)
    with pytest.raises(TypeError, match=r"expected the batch as a pair \(x, lengths\), got tuple"):
        model((x, LENGTHS, LENGTHS))
    with pytest.raises(ValueError, match=r"expected lengths between 1 and T = 7 \(the padded length\), got 0 to 7"):
        model((x, torch.tensor([7, 0, 5, 1])))
    with pytest.raises(ValueError, match="expected one length per sequence, B = 4, got 3"):
        model((x, torch.tensor([7, 3, 5])))
    with pytest.raises(TypeError, match="expected lengths to be B = 4 integers, got a torch.float32 tensor"):
        model((x, LENGTHS.float()))
    with pytest.raises(ValueError, match=r"expected input of shape \(T, B, 2\), got \(T, B, 3\)"):
        model((_batch(D=3), LENGTHS))
    with pytest.raises(ValueError, match=r"PaddedLastStep reads time-major batches \(T, B, D\): batch_first "
                                         r"must be False"):
        PaddedLastStep(2, 5, 1, batch_first=True)
    with pytest.raises(TypeError, match="expected learned_start to be a bool, got int"):
        PaddedLastStep(2, 5, 1, learned_start=1)
    with pytest.raises(ValueError, match="expected output_size to be a positive int, got 0"):
        PaddedLastStep(2, 5, 0)


# ---------------------------------------------------------------------------------------------
# The task: first minus last
# ---------------------------------------------------------------------------------------------
def test_first_minus_last_pads_with_zeros_and_targets_the_first_value_minus_the_last():
    x, lengths, y = padded.first_minus_last(64, torch.Generator().manual_seed(3), T=9, min_length=3)
    assert x.shape == (9, 64, 1) and lengths.shape == (64,) and y.shape == (64, 1)
    assert lengths.dtype == torch.long and x.dtype == y.dtype == torch.float32
    assert 3 <= lengths.min() and lengths.max() <= 9
    assert set(lengths.tolist()) == set(range(3, 10))              # every length drawn, 64 draws of 7
    for b, L in enumerate(lengths.tolist()):
        seq = x[:, b, 0]
        assert (seq[L:] == 0).all() and (seq[:L] != 0).all()
        assert (seq[:L].abs() <= 1).all()
        assert y[b, 0].item() == pytest.approx(seq[0].item() - seq[L - 1].item(), abs=1e-7)


def test_first_minus_last_draws_from_its_generator_and_defaults_to_the_chapters_sizes():
    a = padded.first_minus_last(5, torch.Generator().manual_seed(1))
    b = padded.first_minus_last(5, torch.Generator().manual_seed(1))
    assert all(torch.equal(s, t) for s, t in zip(a, b))
    assert a[0].shape == (padded.PADDED["T"], 5, 1) and a[1].min() >= padded.PADDED["min_length"]
    x, lengths, y = padded.first_minus_last(6, torch.Generator().manual_seed(2), T=4, min_length=4)
    assert (lengths == 4).all() and gap(y[:, 0], x[0, :, 0] - x[3, :, 0]) == 0.0
    x, lengths, y = padded.first_minus_last(6, torch.Generator().manual_seed(2), T=3, min_length=1)
    ones = lengths == 1
    assert ones.any() and (y[ones] == 0).all()                      # L = 1: the first value is the last


def test_first_minus_last_refuses_bad_arguments():
    g = torch.Generator().manual_seed(0)
    with pytest.raises(ValueError, match="expected B to be a positive int, got 0"):
        padded.first_minus_last(0, g)
    with pytest.raises(TypeError, match="expected T to be a positive int, got float 2.5"):
        padded.first_minus_last(4, g, T=2.5)
    with pytest.raises(ValueError, match="expected min_length <= T = 5, got 6"):
        padded.first_minus_last(4, g, T=5, min_length=6)
    with pytest.raises(ValueError, match="expected min_length to be a positive int, got 0"):
        padded.first_minus_last(4, g, min_length=0)
    with pytest.raises(TypeError, match="expected generator to be a torch.Generator, got int"):
        padded.first_minus_last(4, 0)


# ---------------------------------------------------------------------------------------------
# lstmlib.experiments.ch11
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("value", [1.0, 2.5])
def test_forget_bias_the_four_ways_give_the_gate_what_the_chapter_says(value):
    H = ch11.SIZES["H"]
    m = ch11.torch_lstm(0)                                          # the same start as each way's
    f, i = slice(H, 2 * H), slice(0, H)                             # torch's rows: i, f, g, o
    start_f = (m.bias_ih_l0[f] + m.bias_hh_l0[f]).detach()
    start_i = (m.bias_ih_l0[i] + m.bias_hh_l0[i]).detach()
    ways = ch11.forget_bias(0, value)
    assert list(ways) == ["torch's start", "right", "bias_ih only", "both", "first block"]
    assert gap(ways["torch's start"]["b_f"], start_f) < 1e-15
    assert gap(ways["right"]["b_f"], torch.full((H,), value, dtype=F64)) == 0.0
    assert gap(ways["bias_ih only"]["b_f"], value + m.bias_hh_l0[f].detach()) < 1e-15
    assert gap(ways["both"]["b_f"], torch.full((H,), 2 * value, dtype=F64)) == 0.0
    assert gap(ways["first block"]["b_i"], torch.full((H,), value, dtype=F64)) == 0.0
    assert gap(ways["first block"]["b_f"], start_f) < 1e-15
    for way in ("torch's start", "right", "bias_ih only", "both"):
        assert gap(ways[way]["b_i"], start_i) < 1e-15                # the input gate untouched


def test_padding_packed_and_last_valid_are_exact_and_the_padded_end_is_not():
    pad = ch11.padding(0)
    for direction in ("one", "both"):
        r = pad[direction]
        assert r["packed_gap"] < 1e-12 and r["ours_gap"] < 1e-12 and r["last_valid_gap"] < 1e-12
        assert r["padded_gaps"][0] < 1e-12                          # the full-length sequence
        assert min(r["padded_gaps"][1:]) > 1e-3                    # the shorter ones
    assert pad["both"]["backward_gaps"][0] < 1e-12
    assert min(pad["both"]["backward_gaps"][1:]) > 1e-4
    assert "backward_gaps" not in pad["one"]


def test_padding_of_sequences_all_of_the_full_length_is_exact_everywhere():
    T = ch11.SIZES["T"]
    pad = ch11.padding(1, lengths=(T, T, T, T))
    assert max(pad["both"]["padded_gaps"] + pad["both"]["backward_gaps"]) < 1e-12
    short = ch11.padding(1, lengths=(T, 1, 1, 5))
    assert short["one"]["ours_gap"] < 1e-12 and short["both"]["ours_gap"] < 1e-12


# ---------------------------------------------------------------------------------------------
# lstmlib.experiments.ch11_runs
# ---------------------------------------------------------------------------------------------
def test_the_stateless_floor_is_the_formula_and_the_test_streams_are_near_it():
    s = ch11_runs.STREAM
    q, W = 1 - s["p_marker"], s["window"]
    # (1/3) · (1/W) · Σ_{t=0}^{W-1} q^(t+1), the geometric sum written in closed form
    closed = (1 / 3) * q * (1 - q ** W) / (1 - q) / W
    for seed in (0, 1):
        floor = ch11_runs.stateless_floor(seed)
        assert floor["expected"] == pytest.approx(closed, rel=1e-12)
        assert floor["test"] == pytest.approx(closed, rel=0.1)


def test_stream_error_is_the_mean_squared_target_for_a_network_that_answers_zero():
    s = ch11_runs.STREAM
    torch.manual_seed(0)
    inner = EveryStep("LSTM", 2, 4, 1)
    with torch.no_grad():
        inner.readout.weight.zero_()
        inner.readout.bias.zero_()
    stream = latch.LatchStream(s["test_streams"], torch.Generator().manual_seed(20_000 + 3), s["p_marker"])
    squares = [stream.next(s["window"])[1].pow(2).mean().item() for _ in range(s["test_chunks"])]
    expected = float(np.mean(squares[s["burn_in"]:]))
    for reset in (False, True):
        assert ch11_runs.stream_error(Carried(inner), 3, reset=reset) == pytest.approx(expected, rel=1e-6)


def test_stream_error_carries_the_state_unless_told_to_reset():
    torch.manual_seed(0)
    model = Carried(EveryStep("LSTM", 2, 4, 1))
    carried, reset = (ch11_runs.stream_error(model, 0, reset=r) for r in (False, True))
    assert carried != reset
    assert 0 < min(carried, reset) and max(carried, reset) < 2


def test_persistent_is_the_ar1_recursion_from_its_stationary_start():
    phi, N = ch11_runs.LAGGED["phi"], ch11_runs.LAGGED["N"]
    x = ch11_runs.persistent(0)
    assert x.shape == (N,)
    eps = torch.randn(N, generator=torch.Generator().manual_seed(40_000), dtype=F64).numpy()
    assert x[0] == pytest.approx(eps[0] / math.sqrt(1 - phi ** 2))
    assert np.abs(x[1:] - phi * x[:-1] - eps[1:]).max() < 1e-12
    white = torch.randn(50, generator=torch.Generator().manual_seed(40_000), dtype=F64).numpy()
    assert np.array_equal(ch11_runs.persistent(0, N=50, phi=0.0), white)    # φ = 0: the noise itself


def test_persistent_has_roughly_the_statistics_of_an_ar1_series():
    """Over five seeds: variance 1/(1 − φ²) = 10.3 and lag-1 correlation φ = 0.95, roughly."""
    phi = ch11_runs.LAGGED["phi"]
    series = [ch11_runs.persistent(seed) for seed in range(5)]
    variances = [x.var() for x in series]
    correlations = [np.corrcoef(x[:-1], x[1:])[0, 1] for x in series]
    assert 0.5 < np.mean(variances) / (1 / (1 - phi ** 2)) < 1.5
    assert all(0.88 < r < 0.99 for r in correlations), correlations
    assert abs(np.mean([x.mean() for x in series])) < 2
    residuals = np.concatenate([x[1:] - phi * x[:-1] for x in series])
    assert residuals.std() == pytest.approx(1, abs=0.05)


@pytest.mark.slow
def test_the_lagged_forecast_follows_the_last_value():
    lag = ch11_runs.lagged(0)
    assert len(lag["now"]) == len(lag["later"]) == len(lag["forecast"]) == 249
    x = ch11_runs.persistent(0)
    assert np.array_equal(lag["now"], x[750:-1]) and np.array_equal(lag["later"], x[751:])
    assert lag["naive_mse"] == pytest.approx(np.mean((x[750:-1] - x[751:]) ** 2))
    assert lag["corr_now"] > lag["corr_next"] and lag["corr_now"] > 0.98
    assert lag["mse"] / lag["naive_mse"] > 0.9

