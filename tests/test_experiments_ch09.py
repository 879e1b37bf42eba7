"""Chapter 9's functions and its precomputed sweep (book/09_which_variant.ipynb).

The notebook checks its own claims (``lstmlib.claims``) in every run, and
``tests/test_other_runs.py`` and ``benchmarks/robustness.py`` run it with other seeds and other
CPUs. Here: the chapter's functions (bad input, small facts), the full sweep's results file
(made by the code as it is now: ``sweeps.load`` raises ``StaleResults`` otherwise, and then the
fix is to run ``.venv/bin/python benchmarks/odyssey.py`` again), a sample of its runs trained
again on this machine and checked against the spread the chapter states, and the quantitative
sentences of the exercises' solutions.
"""
import functools
import sys

import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch

from lstmlib.experiments import ch09, ch09_plots, ch09_results as R
from lstmlib.tasks import latch
from lstmlib.training import sweeps
from lstmlib.training.sweeps import ROOT

sys.path.insert(0, str(ROOT / "benchmarks"))
import odyssey  # noqa: E402

RESULTS = "benchmarks/results/odyssey.jsonl"


@functools.lru_cache(maxsize=None)
def every():
    return sweeps.load(RESULTS).rows


def base_runs():
    return R.at_base(every())


# --------------------------------------------------------------------------------------------
# The chapter's functions
# --------------------------------------------------------------------------------------------
def test_latch_targets_are_the_streams_targets():
    x, y = latch.LatchStream(B=1, generator=torch.Generator().manual_seed(28)).next(40)
    v, m = x[:, 0, 0], x[:, 0, 1]
    assert m.sum() >= 2
    assert torch.equal(R.latch_targets(v, m), y[:, 0, 0])
    with pytest.raises(ValueError, match="expected v and m of the same shape"):
        R.latch_targets(v, m[:-1])


def test_best_lr_chooses_on_other_seeds_than_it_reports():
    lr, chosen = R.best_lr(every(), "latch", "LSTM")
    assert chosen.n == len(R.REPORT_SEEDS)
    same = R.best_lr(every(), "latch", "LSTM", choose=range(10), report=None)
    assert same[1].n == 10
    with pytest.raises(ValueError, match="separate seeds"):
        R.best_lr(every(), "latch", "LSTM", choose=range(5), report=range(3, 8))
    with pytest.raises(ValueError, match="no run of"):
        R.best_lr([], "latch", "LSTM")


def test_the_equal_parameter_sizes():
    assert R.parameters("adding", "LSTM") == 1216
    counts = {v: R.parameters("adding", v, H) for v, H in R.EQUAL_PARAMETERS.items()}
    assert counts == {"CIFG": 1254, "GRU": 1152}


def test_bad_input_names_what_was_expected():
    with pytest.raises(ValueError, match="unknown task"):
        ch09.build("speech", "LSTM", 0)
    with pytest.raises(ValueError, match="unknown variant"):
        ch09.build("adding", "NP", 0)
    with pytest.raises(ValueError, match="no run matches"):
        R.errors_by_seed([], task="latch")
    with pytest.raises(ValueError, match="full grid"):
        R.variance_shares([dict(error=1.0, lr=0.1), dict(error=2.0, lr=0.1),
                           dict(error=1.0, lr=0.3)], ("lr",))


# --------------------------------------------------------------------------------------------
# The full sweep: current, complete, and reproduced on this machine
# --------------------------------------------------------------------------------------------
def test_the_figures_draw_rows_alone_one_panel_per_task():
    rng = np.random.default_rng(0)
    rows = [dict(task=t, variant=v, seed=s, lr=lr, hidden_size=H, steps=ch09.SETTINGS[t]["steps"],
                 error=float(rng.uniform(2.0, 2.5) if t == "words" else rng.uniform(0.01, 1)),
                 floor=1.9)
            for t in ch09.TASKS for v in ("LSTM", "NFG") for s in range(3)
            for lr in (0.01, 0.03) for H in (16, 32)]
    rows[0]["error"] = None                                   # a diverged run: a cross
    titles = [ch09_plots.TASK_TITLES[t] for t in ch09.TASKS]
    fig = ch09_plots.strip_plot(rows, lr=0.03, hidden_size=16)
    assert [ax.get_title() for ax in fig.axes] == titles
    assert [ax.get_title() for ax in ch09_plots.lr_plot(rows).axes] == titles
    trace = (np.linspace(0.5, 4.0, 50), np.linspace(1.0, 0.1, 50))
    fig = ch09_plots.trace_plot({"LSTM": trace, "NFG": trace})
    assert [line.get_linestyle() for line in fig.axes[0].lines] == ["-", "--"]
    plt.close("all")


def test_the_results_file_is_the_current_codes_and_complete():
    results = sweeps.load(RESULTS)                         # raises StaleResults if the code changed
    assert results.complete and results.header["planned"] == len(odyssey.planned_runs())
    assert results.command == odyssey.COMMAND
    assert results.header["sources"] == odyssey.sources()


def test_the_planned_runs():
    runs = odyssey.planned_runs()
    assert len(runs) == 10 * 3 * 5 * 10 + 2 * 3 * 5 * 10 + 10 * 3 * 5 == 1950
    assert len({sweeps.run_key(r) for r in runs}) == len(runs)


# A sample of the sweep's runs at the base settings, and the spread the chapter states for
# each: (task, variant, seed) -> (low, high) bounds on the error.
SAMPLE = {("latch", "NFG", 2): (0.7, np.inf),           # "above 0.7 on every seed"
          ("latch", "CIFG", 7): (0, 0.1),               # "below 0.1 on every seed"
          ("adding", "CIFG", 3): (0, 0.05),             # "below 0.05 on every seed"
          ("adding", "GRU", 8): (0, 0.1),               # "every GRU run below 0.1"
          ("adding", "RNN", 4): (0.85, np.inf),         # "every RNN run above 0.85"
          ("words", "LSTM", 6): (0, 0.25)}              # "within 0.25 of the floor"


@pytest.mark.slow
@pytest.mark.parametrize("task, variant, seed", list(SAMPLE))
def test_a_sample_of_the_sweep_reruns_within_the_stated_spread(task, variant, seed):
    torch.set_num_threads(1)
    rerun = ch09.one_run(task, variant, seed)
    stored = R.rows_where(base_runs(), task=task, variant=variant, seed=seed)[0]
    low, high = SAMPLE[task, variant, seed]
    error = rerun["error"] - (rerun["floor"] if task == "words" else 0)
    assert low < error < high
    # and within the spread of the ten stored runs of the same network, with a margin
    others = R.errors_by_seed(base_runs(), task=task, variant=variant)
    spread = max(others.std(ddof=1), 0.1 * others.mean())
    assert others.min() - 3 * spread < rerun["error"] < others.max() + 3 * spread
    if task == "words":
        assert rerun["floor"] == pytest.approx(stored["floor"], abs=1e-9)   # data, not training


# --------------------------------------------------------------------------------------------
# The exercises' solutions
# --------------------------------------------------------------------------------------------
def test_exercise_2_at_learning_rate_0_1():
    runs = [r for r in every() if r["lr"] == 0.1 and r["seed"] < 5 and r["hidden_size"] == 16
            and r["steps"] == ch09.SETTINGS[r["task"]]["steps"]]

    def at(task, variant):
        return R.errors_by_seed(runs, task=task, variant=variant)
    assert (at("adding", "CIFG") < 0.05).all()
    for task in ("latch", "words"):
        assert max(R.LIVE, key=lambda v: at(task, v).mean()) == "NFG"
    assert (at("latch", "NFG") > 0.7).sum() == 1            # not 3 of 5 any more
    assert 0.2 < at("latch", "NFG").min() and at("latch", "NFG").max() < 0.95
    assert (at("words", "NFG") - at("words", "LSTM") < 0.05).sum() >= 3


def test_exercise_3_how_many_seeds():
    a = R.errors_by_seed(base_runs(), task="words", variant="PH")
    b = R.errors_by_seed(base_runs(), task="words", variant="LSTM")
    d, s = abs(a.mean() - b.mean()), np.sqrt((a.var(ddof=1) + b.var(ddof=1)) / 2)
    assert abs(d - 0.011) < 0.001 and abs(s - 0.021) < 0.001
    assert 50 < 2 * (1.96 + 0.84) ** 2 * s ** 2 / d ** 2 < 70


def test_exercise_4_the_input_gate():
    at = {(t, v): R.errors_by_seed(base_runs(), task=t, variant=v)
          for t in ch09.TASKS for v in ("NIG", "LSTM")}
    assert (at["adding", "NIG"] > 0.9).all()
    assert at["latch", "NIG"].mean() > 2 * at["latch", "LSTM"].mean()
    assert abs(at["words", "NIG"].mean() - at["words", "LSTM"].mean()) < 0.02


@pytest.mark.slow
@pytest.mark.parametrize("seed", [0, 5, 10])
def test_exercise_1_the_nfgs_runaway_unit(seed):
    from lstmlib.training.seed import TEST, data_stream
    torch.set_num_threads(1)
    model, _ = ch09.train_model("latch", "NFG", seed=seed)
    x, _ = latch.LatchStream(1, data_stream(seed, TEST)).next(2000)
    with torch.no_grad():
        _, _, gates = model.model.rnn(x, return_gates=True)
    C = gates["C_t"][:, 0]                                               # (T, H)
    k = C[-1].abs().argmax()
    slope = (C[-1, k] - C[999, k]).item() / 1000
    written = (gates["i"] * gates["C_tilde"])[1000:, 0, k].mean().item()
    assert abs(slope - written) < 1e-3
    assert 0.2 < abs(slope) < 0.6 and C[-1, k].abs() > 300
