"""lstmlib.plots: the course's colours, 700 px figures, labelled axes, and what a log axis cannot show."""
import numpy as np
import pytest

from lstmlib import plots, style


def test_smooth_is_a_moving_average_that_starts_with_what_is_there():
    np.testing.assert_allclose(plots.smooth([1, 3, 5, 7], 2), [1, 2, 4, 6])
    np.testing.assert_allclose(plots.smooth([1, 2, 3], 1), [1, 2, 3])
    with pytest.raises(ValueError, match="expected window to be a positive int, got 0"):
        plots.smooth([1, 2], 0)
    with pytest.raises(ValueError, match="expected a 1-d sequence"):
        plots.smooth(np.ones((2, 2)), 2)


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
