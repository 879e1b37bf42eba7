"""The training loop and the seeding helper."""
import io
import os
import random
import sys
import warnings

import numpy as np
import pytest
import torch
from torch import nn

import lstmlib
from lstmlib.training.progress import interactive


class LastStep(nn.Module):
    """An LSTM with a linear readout of its last hidden state."""

    def __init__(self, D=1, H=8):
        super().__init__()
        self.lstm = lstmlib.LSTM(D, H)
        self.out = nn.Linear(H, 1)

    def forward(self, x):
        return self.out(self.lstm(x)[0][-1])


def first_value_batch(g, T=5, B=32):
    """Recall the first value of a sequence at its end."""
    x = torch.rand(T, B, 1, generator=g)
    return x, x[0]


def test_training_lowers_the_loss_and_records_history():
    g = lstmlib.seed_everything(0)
    model = LastStep()
    h = lstmlib.train(model, lambda: first_value_batch(g), steps=300, lr=1e-2, progress=False)
    assert len(h.loss) == len(h.grad_norm) == 300 and h.seconds > 0
    assert np.mean(h.loss[:10]) > 0.05
    assert np.mean(h.loss[-20:]) < 0.1 * np.mean(h.loss[:10])
    assert not model.training


def test_clipping_limits_the_update():
    g = lstmlib.seed_everything(1)
    model = LastStep()
    lstmlib.train(model, lambda: first_value_batch(g), steps=1, clip=1e-3, optimizer="sgd",
                  lr=1.0, progress=False)
    # after clipping the global norm to 1e-3, one SGD step of lr 1 moves parameters by at most 1e-3
    lstmlib.seed_everything(1)
    model2 = LastStep()                              # the same initial weights
    moved = torch.sqrt(sum(((a - b) ** 2).sum() for a, b in zip(model.parameters(), model2.parameters())))
    assert 0 < moved.item() <= 1e-3 + 1e-9


def test_nan_loss_raises_a_clear_error():
    model = LastStep()
    x = torch.full((3, 4, 1), float("nan"))
    with pytest.raises(FloatingPointError, match="the loss became nan at step 1 of 5") as err:
        lstmlib.train(model, lambda: (x, torch.zeros(4, 1)), steps=5, progress=False)
    assert err.value.step == 1


def test_bad_arguments():
    model = LastStep()
    with pytest.raises(ValueError, match="unknown loss 'l1'"):
        lstmlib.train(model, lambda: None, steps=1, loss="l1")
    with pytest.raises(ValueError, match="unknown optimizer 'rmsprop'"):
        lstmlib.train(model, lambda: None, steps=1, optimizer="rmsprop")
    with pytest.raises(ValueError, match="expected steps to be a positive int, got 0"):
        lstmlib.train(model, lambda: None, steps=0)
    with pytest.raises(TypeError, match="expected model to be a torch.nn.Module"):
        lstmlib.train(lambda x: x, lambda: None, steps=1)
    with pytest.raises(TypeError, match="expected make_batch to be a callable"):
        lstmlib.train(model, [1, 2], steps=1)


def test_progress_shown_only_when_asked(monkeypatch):
    g = lstmlib.seed_everything(0)
    err = io.StringIO()
    monkeypatch.setattr(sys, "stderr", err)
    with warnings.catch_warnings():
        warnings.simplefilter("error")                       # no warning from the bar either
        lstmlib.train(LastStep(), lambda: first_value_batch(g), steps=3, progress=False)
        assert err.getvalue() == ""
        lstmlib.train(LastStep(), lambda: first_value_batch(g), steps=3, progress=True)
    text = err.getvalue()
    assert "training" in text and "3/3" in text and "loss" in text, text     # tqdm's text bar
    monkeypatch.setenv("LSTMLIB_PROGRESS", "0")
    assert interactive() is False


def run_in_a_kernel(source, progress):
    """Execute one cell in a fresh python3 kernel, as JupyterLab or the site build would."""
    nbformat = pytest.importorskip("nbformat")
    from nbclient import NotebookClient

    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source)])
    env = {k: v for k, v in os.environ.items() if k != "LSTMLIB_PROGRESS"}
    if progress is not None:
        env["LSTMLIB_PROGRESS"] = progress
    NotebookClient(nb, timeout=120, kernel_name="python3").execute(env=env)
    return nb.cells[0].outputs


TRAIN_CELL = """
import warnings
warnings.simplefilter("always")
import torch, lstmlib
from lstmlib.models import LastStep
model = LastStep("LSTM", 1, 4)
x = torch.rand(5, 8, 1)
history = lstmlib.train(model, lambda: (x, x[0]), steps=20)
"""


def test_in_jupyter_progress_is_a_tqdm_widget_without_a_warning():
    outputs = run_in_a_kernel(TRAIN_CELL, progress=None)
    widgets = [o for o in outputs if "application/vnd.jupyter.widget-view+json" in o.get("data", {})]
    assert len(widgets) == 1, outputs
    assert "training" in widgets[0]["data"]["text/plain"]     # its text form, for other front ends
    assert not [o for o in outputs if o.get("name") == "stderr"], outputs     # no warning, no text bar


def test_the_site_builds_and_tests_setting_progress_off_get_no_output():
    assert run_in_a_kernel(TRAIN_CELL, progress="0") == []


def test_seed_everything_makes_runs_repeat():
    def draw():
        g = lstmlib.seed_everything(42)
        return random.random(), np.random.rand(), torch.rand(1).item(), torch.rand(1, generator=g).item()
    assert draw() == draw()
    with pytest.raises(TypeError, match="expected seed to be an int"):
        lstmlib.seed_everything(1.5)
    with pytest.raises(ValueError, match="non-negative"):
        lstmlib.seed_everything(-1)
