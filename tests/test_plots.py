"""lstmlib.plots: the course's colours, 700 px figures, labelled axes, and what a log axis cannot show."""
import numpy as np
import pytest

from lstmlib import plots, style
from lstmlib.training.loop import smooth


def test_smooth_is_a_moving_average_that_starts_with_what_is_there():
    np.testing.assert_allclose(smooth([1, 3, 5, 7], 2), [1, 2, 4, 6])
    np.testing.assert_allclose(smooth([1, 2, 3], 1), [1, 2, 3])
    with pytest.raises(ValueError, match="expected window to be a positive int, got 0"):
        smooth([1, 2], 0)
    with pytest.raises(ValueError, match="expected a 1-d sequence"):
        smooth(np.ones((2, 2)), 2)


def test_a_curve_named_after_a_model_gets_its_colour():
    assert plots.model_colour("LSTM, trained") == style.MODEL["LSTM"]
    assert plots.model_colour("RNN") == style.MODEL["RNN"]
    assert plots.model_colour("something else") == style.INK


def test_learning_curves_are_700_px_wide_labelled_and_have_a_baseline():
    style.use()
    fig = plots.learning_curves({"RNN": [1.0, 0.5, 0.4], "LSTM": [1.0, 0.1, 0.01]}, baseline=1 / 6,
                                baseline_label="baseline", ylabel="MSE", log=True, window=2)
    assert fig.get_size_inches()[0] * fig.dpi == 700
    ax = fig.axes[0]
    assert ax.get_xlabel() == "training step" and ax.get_ylabel() == "MSE" and ax.get_yscale() == "log"
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == ["RNN", "LSTM", "baseline"]
    assert fig._repr_png_()[:8] == b"\x89PNG\r\n\x1a\n"


def test_by_distance_stops_a_line_where_the_value_underflowed():
    style.use()
    fig = plots.by_distance({"LSTM": ([1.0, 0.1, 0.0, 0.0], {"linestyle": "--"})}, ylabel="norm")
    line = fig.axes[0].get_lines()[0]
    y = np.asarray(line.get_ydata(), dtype=float)
    assert np.isnan(y[2:]).all() and line.get_linestyle() == "--" and line.get_color() == style.MODEL["LSTM"]
    assert fig.axes[0].get_xlabel() == "distance T − t (time steps)"
    with pytest.raises(TypeError, match="expected a non-empty dict"):
        plots.by_distance([1, 2], ylabel="norm")


def test_gate_heatmap_has_a_panel_per_gate_in_its_colour_and_the_tokens_on_the_x_axis():
    import torch

    import lstmlib

    style.use()
    torch.manual_seed(0)
    _, _, gates = lstmlib.LSTM(3, 8)(torch.randn(5, 2, 3), return_gates=True)
    tokens = ["the", "king", "sings", ".", "he"]
    fig = plots.gate_heatmap(gates, tokens, units=[0, 3, 5], names=("f", "C_tilde"), sequence=1)
    assert fig.get_size_inches()[0] * fig.dpi == 700
    panels = [ax for ax in fig.axes if ax.get_images()]
    assert len(panels) == 2 and len(fig.axes) == 4                     # two heat maps, two colour bars
    assert [t.get_text() for t in panels[-1].get_xticklabels()] == tokens
    assert [t.get_text() for t in panels[0].get_yticklabels()] == ["unit 0", "unit 3", "unit 5"]
    assert "x_t" in panels[-1].get_xlabel() and panels[0].get_title(loc="left") == "forget gate $f_t$"
    image = panels[0].get_images()[0]
    np.testing.assert_allclose(image.get_array(), gates["f"][:, 1, [0, 3, 5]].detach().numpy().T, rtol=1e-6)
    assert image.get_clim() == (0.0, 1.0) and panels[1].get_images()[0].get_clim() == (-1.0, 1.0)
    top = plots.gate_colormap("f")(1.0)
    assert np.allclose(top[:3], [int(style.GATE["f"][k:k + 2], 16) / 255 for k in (1, 3, 5)], atol=0.01)
    with pytest.raises(ValueError, match="expected 5 tokens \\(one per time step\\), got 4"):
        plots.gate_heatmap(gates, tokens[:4], units=[0])
    with pytest.raises(ValueError, match="gates has no entry 'z'"):
        plots.gate_heatmap(gates, tokens, units=[0], names=("z",))
    with pytest.raises(ValueError, match="expected unit indices in 0 … 7, got \\[8\\]"):
        plots.gate_heatmap(gates, tokens, units=[8])


def test_gate_heatmap_draws_the_write_in_the_cell_states_colour():
    """Chapter 4 adds the write i_t ⊙ C̃_t to the recorded gates and draws it as "w"."""
    import torch

    import lstmlib

    style.use()
    torch.manual_seed(0)
    _, _, gates = lstmlib.LSTM(2, 4)(torch.randn(6, 1, 2), return_gates=True)
    gates = dict(gates, w=gates["i"] * gates["C_tilde"])
    fig = plots.gate_heatmap(gates, list("abcdef"), units=[0, 2], names=("i", "w"))
    panels = [ax for ax in fig.axes if ax.get_images()]
    assert panels[1].get_title(loc="left") == "write $i_t \\odot \\tilde{C}_t$"
    image = panels[1].get_images()[0]
    assert image.get_clim() == (-1.0, 1.0)
    np.testing.assert_allclose(image.get_array(), gates["w"][:, 0, [0, 2]].detach().numpy().T, rtol=1e-6)
    top = plots.gate_colormap("w")(1.0)
    assert np.allclose(top[:3], [int(style.GATE["C_t"][k:k + 2], 16) / 255 for k in (1, 3, 5)], atol=0.01)
