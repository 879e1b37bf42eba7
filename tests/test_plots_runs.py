"""lstmlib.plots.runs: every run shown, in the models' colours, 700 px wide, labelled, and
clear errors for input it cannot draw."""
import numpy as np
import pytest
from matplotlib.colors import to_hex

from lstmlib import plots, style


def results():
    return {("sum", "LSTM"): [0.03, 0.18, 0.05, 0.13, 0.04],
            ("sum", "CoupledLSTM"): [0.008, 0.009, 0.009, 0.014, 0.011],
            ("last", "LSTM"): [0.007, 0.013, 0.005], ("last", "CoupledLSTM"): [0.004, 0.003, 0.003]}


def test_a_strip_plot_shows_every_run_in_its_models_colour_with_a_median_bar():
    style.use()
    fig = plots.strips(results(), ylabel="MSE / baseline", log=True, baseline=1.0,
                               group_labels={"sum": "the sum"})
    assert fig.get_size_inches()[0] * fig.dpi == 700
    ax = fig.axes[0]
    dots = ax.collections[0::2]                                    # scatter, median bar, scatter, ...
    assert [len(d.get_offsets()) for d in dots] == [5, 5, 3, 3]
    assert to_hex(dots[0].get_facecolor()[0]) == style.MODEL["LSTM"].lower()
    assert to_hex(dots[1].get_facecolor()[0]) == style.MODEL["CoupledLSTM"].lower()
    bar = ax.collections[1].get_segments()[0]
    assert bar[0][1] == pytest.approx(np.median(results()["sum", "LSTM"]))
    xs = dots[0].get_offsets()[:, 0]
    assert (xs < 0).all() and (dots[2].get_offsets()[:, 0] > 0.5).all()   # sum left, last right
    assert [t.get_text() for t in ax.get_xticklabels()] == ["the sum", "last"]
    assert ax.get_ylabel() == "MSE / baseline" and ax.get_yscale() == "log"
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == ["LSTM", "CoupledLSTM", "baseline"]
    assert fig._repr_png_()[:8] == b"\x89PNG\r\n\x1a\n"


def test_the_strip_plots_jitter_is_the_same_every_time():
    a = plots.strips(results(), ylabel="y").axes[0].collections[0].get_offsets()
    b = plots.strips(results(), ylabel="y").axes[0].collections[0].get_offsets()
    np.testing.assert_array_equal(a, b)


def test_strips_refuse_what_they_cannot_draw():
    with pytest.raises(TypeError, match="non-empty dict"):
        plots.strips({}, ylabel="y")
    with pytest.raises(TypeError, match=r"\(group, variant\) pairs"):
        plots.strips({"LSTM": [1.0]}, ylabel="y")
    with pytest.raises(ValueError, match=r"non-empty 1-d sequence of values for \('sum', 'LSTM'\)"):
        plots.strips({("sum", "LSTM"): []}, ylabel="y")


def test_the_gate_plane_draws_the_coupled_diagonal_and_names_the_corners():
    style.use()
    rng = np.random.default_rng(0)
    f = rng.uniform(size=50)
    fig = plots.gate_plane({"LSTM": (f, rng.uniform(size=50)), "CoupledLSTM (CIFG)": (f, 1 - f)},
                                   between={"LSTM": (f[:10], f[:10])})
    assert len(fig.axes) == 2 and fig.get_size_inches()[0] * fig.dpi == 700
    left, right = fig.axes
    assert left.get_xlabel() == "forget gate $f_t$" and left.get_ylabel() == "input gate $i_t$"
    assert right.get_title() == "CoupledLSTM (CIFG)"
    line = right.get_lines()[0]
    np.testing.assert_array_equal(line.get_xdata(), [0, 1])
    np.testing.assert_array_equal(line.get_ydata(), [1, 0])
    assert {t.get_text() for t in left.texts} == {"keep", "overwrite", "keep and write"}
    assert len(left.collections) == 2 and len(right.collections) == 1   # grey "between" only on the left
    assert to_hex(right.collections[0].get_facecolor()[0]) == style.MODEL["CoupledLSTM"].lower()
    assert fig._repr_png_()[:8] == b"\x89PNG\r\n\x1a\n"


def test_the_gate_plane_refuses_mismatched_gates():
    with pytest.raises(ValueError, match="same 1-d shape for 'LSTM'"):
        plots.gate_plane({"LSTM": (np.zeros(3), np.zeros(4))})
    with pytest.raises(TypeError, match="non-empty dict"):
        plots.gate_plane([])


def test_strips_take_colours_for_variants_that_are_not_models():
    fig = plots.strips({("a", "$p_o$ only"): [1.0, 0.0], ("a", "LSTM"): [1.0]}, ylabel="y",
                               colours={"$p_o$ only": style.GATE["o"]})
    dots = fig.axes[0].collections[0::2]
    assert to_hex(dots[0].get_facecolor()[0]) == style.GATE["o"].lower()
    assert to_hex(dots[1].get_facecolor()[0]) == style.MODEL["LSTM"].lower()     # the default


def test_the_gate_plane_can_draw_every_panels_markers_in_one_colour():
    f = np.linspace(0, 1, 20)
    fig = plots.gate_plane({"LSTM": (f, f), "CoupledLSTM (CIFG)": (f, 1 - f)},
                                   colour=style.GATE["f"])
    for ax in fig.axes:
        assert to_hex(ax.collections[0].get_facecolor()[0]) == style.GATE["f"].lower()


def sweep_results():
    return {("sum", "LSTM"): {0.01: [0.05, 0.04, 0.2], 0.02: [0.1, 0.3, 0.06]},
            ("sum", "CoupledLSTM"): {0.01: [0.02, 0.03, 0.02], 0.02: [0.01, 0.02, 0.015]},
            ("last", "LSTM"): {0.01: [0.01, 0.02, 0.01], 0.02: [0.005, 0.004, 0.006]}}


def test_the_lr_sweep_shows_every_run_a_median_line_and_the_chosen_rate():
    style.use()
    fig = plots.lr_sweep(sweep_results(), ylabel="MSE / baseline",
                                 chosen={("sum", "CoupledLSTM"): 0.02},
                                 panel_labels={"sum": "the sum"})
    assert len(fig.axes) == 2 and fig.get_size_inches()[0] * fig.dpi == 700
    left, right = fig.axes
    assert left.get_title() == "the sum" and right.get_title() == "last"
    assert left.get_xscale() == "log" and left.get_yscale() == "log"
    assert left.get_ylabel() == "MSE / baseline" and left.get_xlabel() == "learning rate"
    lines = left.get_lines()
    np.testing.assert_allclose(lines[0].get_ydata(), [0.05, 0.1])             # the medians
    assert to_hex(lines[1].get_color()) == style.MODEL["CoupledLSTM"].lower()
    dots = [c for c in left.collections if len(c.get_offsets()) == 3]
    assert len(dots) == 4                                                  # every run, per lr
    ring = [c for c in left.collections if len(c.get_offsets()) == 1]
    assert ring and ring[0].get_offsets()[0][1] == pytest.approx(0.015)
    labels = [t.get_text() for t in left.get_legend().get_texts()]
    assert labels == ["LSTM", "CoupledLSTM", "chosen learning rate"]
    assert fig._repr_png_()[:8] == b"\x89PNG\r\n\x1a\n"


def test_the_lr_sweep_refuses_what_it_cannot_draw():
    with pytest.raises(TypeError, match="non-empty dict"):
        plots.lr_sweep({}, ylabel="y")
    with pytest.raises(TypeError, match=r"\(panel, variant\) pairs"):
        plots.lr_sweep({"LSTM": {0.01: [1.0]}}, ylabel="y")
    with pytest.raises(ValueError, match="non-empty 1-d"):
        plots.lr_sweep({("a", "LSTM"): {0.01: []}}, ylabel="y")
