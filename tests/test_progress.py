"""lstmlib.training.progress: the training loop's bar and a sweep's bar follow one rule, shown when a
person is watching (a terminal or a Jupyter kernel) and never with LSTMLIB_PROGRESS=0."""
import io
import sys
import warnings

import pytest
import torch

import lstmlib
from lstmlib.training import loop, progress, sweeps


class Terminal(io.StringIO):
    """A stderr that says it is a terminal, as when a person runs a script."""

    def isatty(self):
        return True


def at_a_terminal(monkeypatch):
    """stderr a terminal, LSTMLIB_PROGRESS unset. Called in the test itself: pytest resets
    sys.stderr to its own capture after a fixture runs."""
    err = Terminal()
    monkeypatch.setattr(sys, "stderr", err)
    monkeypatch.delenv("LSTMLIB_PROGRESS", raising=False)
    return err


@pytest.fixture
def source(tmp_path, monkeypatch):
    monkeypatch.setattr(sweeps, "ROOT", tmp_path)
    (tmp_path / "script.py").write_text("VERSION = 1\n")
    return tmp_path


RUNS = [dict(seed=s) for s in range(3)]


def sweep(progress=None, path="r.jsonl"):
    return sweeps.run(path, "demo", RUNS, lambda seed: dict(score=seed), sources=["script.py"], progress=progress)


def test_both_bars_come_from_one_helper():
    assert loop.progress_bar is progress.progress_bar is sweeps.progress_bar


def test_a_sweep_shows_its_bar_in_a_terminal(source, monkeypatch):
    terminal = at_a_terminal(monkeypatch)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert sweep().complete
    text = terminal.getvalue()
    assert "demo" in text and "3/3" in text and "run" in text, text


def test_a_sweep_shows_no_bar_with_lstmlib_progress_0(source, monkeypatch):
    terminal = at_a_terminal(monkeypatch)
    monkeypatch.setenv("LSTMLIB_PROGRESS", "0")
    assert sweep().complete
    assert terminal.getvalue() == ""
    assert sweep(progress=True, path="s.jsonl").complete                  # asked for explicitly
    assert "3/3" in terminal.getvalue()


def test_a_sweep_shows_no_bar_in_a_pipe(source, monkeypatch):
    err = io.StringIO()                                                  # not a terminal
    monkeypatch.setattr(sys, "stderr", err)
    monkeypatch.delenv("LSTMLIB_PROGRESS", raising=False)
    monkeypatch.delitem(sys.modules, "ipykernel", raising=False)         # a plugin may have loaded it
    assert sweep().complete and err.getvalue() == ""
    assert sweep(progress=False, path="s.jsonl").complete and err.getvalue() == ""


def test_training_follows_the_same_rule(monkeypatch):
    terminal = at_a_terminal(monkeypatch)
    model = torch.nn.Linear(1, 1)
    batch = lambda: (torch.ones(2, 1), torch.zeros(2, 1))              # noqa: E731
    lstmlib.train(model, batch, steps=2)
    assert "training" in terminal.getvalue() and "2/2" in terminal.getvalue()
    monkeypatch.setenv("LSTMLIB_PROGRESS", "0")
    before = terminal.getvalue()
    lstmlib.train(model, batch, steps=2)
    assert terminal.getvalue() == before
