"""lstmlib.diagrams: every figure renders cleanly, reads as the notes' figure, and rejects bad names.

Render time is a benchmark to report, not a test: nothing here asserts a speed.
"""
import base64
import io
import itertools
import re
import warnings

import matplotlib
import pytest
import torch
from matplotlib.figure import Figure
from matplotlib.patches import Ellipse, FancyBboxPatch, PathPatch, Polygon
from matplotlib.text import Text

import lstmlib
from lstmlib import diagrams, style
from lstmlib.diagrams import canvas

PNG = b"\x89PNG\r\n\x1a\n"


def render(fig) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()


def texts(fig):
    """The visible, non-empty text of a figure with its box in pixels (drawn once first)."""
    fig.canvas.draw()
    r = fig.canvas.get_renderer()
    return [(t.get_text(), t.get_window_extent(r)) for t in fig.findobj(Text)
            if t.get_visible() and t.get_text().strip()]


def wires(fig):
    """The wires (open paths) of a diagram, in pixels."""
    return [p.get_path().transformed(p.get_transform()) for p in fig.findobj(PathPatch) if not p.get_fill()]


def layer_boxes(fig):
    """Layer boxes (rounded rectangles, not the module frame), by edge colour."""
    return [p for p in fig.findobj(FancyBboxPatch) if p.get_width() < 2]


def hexcolor(c):
    return matplotlib.colors.to_hex(c).upper()


# --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", diagrams.FIGURES)
def test_every_figure_renders_to_png_without_warnings(name):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fig = getattr(diagrams, name)()
        png = render(fig)
    assert isinstance(fig, Figure)
    assert png.startswith(PNG)
    width_px = fig.get_size_inches()[0] * fig.dpi
    assert width_px <= style.WIDTH_IN * style.DPI + 1e-6, f"{name} is {width_px} px wide"
    assert hexcolor(fig.get_facecolor()) == "#FFFFFF", "figures are drawn on an opaque white panel"
    assert fig.get_facecolor()[3] == 1.0
    assert fig._repr_png_().startswith(PNG), "a notebook cell shows the figure as a PNG"


@pytest.mark.parametrize("name", diagrams.FIGURES)
def test_no_text_overlaps_text_or_crosses_a_wire(name):
    fig = getattr(diagrams, name)()
    found = texts(fig)
    for (a, ba), (b, bb) in itertools.combinations(found, 2):
        assert not ba.overlaps(bb), f"{name}: label {a!r} overlaps label {b!r}"
    paths = wires(fig)
    for s, box in found:
        inner = box.padded(-1.0)                     # a pixel of anti-aliasing is not a crossing
        for path in paths:
            assert not path.intersects_bbox(inner, filled=False), f"{name}: a wire crosses the label {s!r}"


@pytest.mark.parametrize("name", diagrams.FIGURES)
def test_every_label_fits_in_the_figure(name):
    fig = getattr(diagrams, name)()
    W, H = fig.canvas.get_width_height()
    for s, box in texts(fig):
        assert box.x0 >= 0 and box.y0 >= 0 and box.x1 <= W and box.y1 <= H, f"{name}: {s!r} is cut off"


@pytest.mark.parametrize("name", ["lstm_module", "gru_module", "lstm_chain"])
def test_the_course_style_does_not_change_a_figure(name):
    """A chapter calls style.use() first; the diagrams set every size and colour themselves."""
    plain = render(getattr(diagrams, name)())
    with matplotlib.rc_context(style.RC), warnings.catch_warnings():
        warnings.simplefilter("error")
        fig = getattr(diagrams, name)()
        assert render(fig) == plain
        assert render(fig) == plain, "saving twice (a notebook shows it, the reader saves it) changes nothing"


@pytest.mark.parametrize("name", diagrams.FIGURES)
def test_arrows_meet_the_shapes_they_point_to(name):
    """Every arrow head ends on the edge of a layer box or an operation's circle, or outside every
    module's frame (a vector leaving the module: C_t, h_t, or into the next step of a chain)."""
    fig = getattr(diagrams, name)()
    heads = [p.get_xy()[0] for p in fig.findobj(Polygon) if len(p.get_xy()) in (3, 4)]   # tip first
    boxes = layer_boxes(fig)
    frames = [p for p in fig.findobj(FancyBboxPatch) if p.get_width() >= 2]
    ops = fig.findobj(Ellipse)
    assert heads, f"{name} has no arrows"
    tol = 0.03                                                  # module units (about 1.5 px)

    def on_box(x, y, b):
        x0, y0, x1, y1 = b.get_x(), b.get_y(), b.get_x() + b.get_width(), b.get_y() + b.get_height()
        inside = x0 - tol <= x <= x1 + tol and y0 - tol <= y <= y1 + tol
        return inside and min(abs(x - x0), abs(x - x1), abs(y - y0), abs(y - y1)) <= tol

    def on_op(x, y, e):
        (cx, cy), a, b = e.center, e.width / 2, e.height / 2
        return abs(((x - cx) / a) ** 2 + ((y - cy) / b) ** 2 - 1) <= 2 * tol / min(a, b)

    def outside_frames(x, y):
        return not any(f.get_x() < x < f.get_x() + f.get_width() and f.get_y() < y < f.get_y() + f.get_height()
                       for f in frames)

    for x, y in heads:
        assert (any(on_box(x, y, b) for b in boxes) or any(on_op(x, y, e) for e in ops)
                or outside_frames(x, y)), f"{name}: an arrow ends at ({x:.2f}, {y:.2f}), touching nothing"


def test_every_figure_and_the_animation_have_alt_text():
    assert set(diagrams.ALT) == set(diagrams.FIGURES) | {"animate_lstm"}
    for name, alt in diagrams.ALT.items():
        sentences = [s for s in re.split(r"(?<=[.!?])\s+", alt.strip()) if s]
        assert 20 < len(alt) < 600 and 1 <= len(sentences) <= 2, f"ALT[{name!r}] should be one or two sentences"


# --------------------------------------------------------------------------------------------
# One visual language: the same gate in the same place and colour in every figure.
LSTM_FIGURES = ["lstm_module", "forget_gate", "input_gate", "cell_update", "output_gate", "peephole_lstm",
                "coupled_lstm", "lstm_chain"]


def places(fig):
    """Where each layer box sits (data units), keyed by its edge colour (greyed-out boxes: by place only)."""
    return {(round(p.get_x(), 6), round(p.get_y(), 6), round(p.get_width(), 6), round(p.get_height(), 6)):
            hexcolor(p.get_edgecolor()) for p in layer_boxes(fig)}


def test_a_gate_sits_in_the_same_place_in_every_lstm_figure():
    module = places(diagrams.lstm_module())
    where = {color: place for place, color in module.items()}
    assert set(where) == {style.GATE[g].upper() for g in ("f", "i", "C_tilde", "o")}
    for name in LSTM_FIGURES[1:-1]:
        fig_places = places(getattr(diagrams, name)())
        assert set(fig_places) <= set(module), f"{name}: a layer box moved"
        for place, color in fig_places.items():
            assert color in (module[place], canvas.DIM), f"{name}: the box at {place} changed colour"
    chain = places(diagrams.lstm_chain())               # three modules, 11 units apart, boxes grown
    xs = sorted({round(p[0] + p[2] / 2, 6) for p in chain})
    module_xs = sorted(round(p[0] + p[2] / 2, 6) for p in module)
    step = diagrams.chains.W + diagrams.chains.GAP
    assert xs == sorted(round(x + k * step, 6) for k in range(3) for x in module_xs)


def test_the_module_figures_share_one_scale():
    """A layer box is as large on the page in the RNN, LSTM and GRU figures."""
    def box_px(fig):
        fig.canvas.draw()
        return tuple(round(v) for v in layer_boxes(fig)[0].get_window_extent().size)
    sizes = {name: box_px(getattr(diagrams, name)()) for name in ("rnn_module", "lstm_module", "gru_module")}
    assert len(set(sizes.values())) == 1, sizes


def test_gate_colours_are_the_course_palette():
    edges = {hexcolor(p.get_edgecolor()) for p in layer_boxes(diagrams.lstm_module())}
    assert edges == {style.GATE[g].upper() for g in ("f", "i", "C_tilde", "o")}
    gru = {hexcolor(p.get_edgecolor()) for p in layer_boxes(diagrams.gru_module())}
    assert {style.GATE["z"].upper(), style.GATE["n"].upper(), style.INK.upper()} == gru   # r: yellow fill, ink edge
    fills = {hexcolor(p.get_facecolor()) for p in layer_boxes(diagrams.gru_module())}
    assert diagrams.gru.R_FILL.upper() in fills


# --------------------------------------------------------------------------------------------
# highlight= and peepholes=
def lit_boxes(fig):
    return {hexcolor(p.get_edgecolor()) for p in layer_boxes(fig) if hexcolor(p.get_edgecolor()) != canvas.DIM}


@pytest.mark.parametrize("parts, gates", [
    (("forget",), ("f",)), (("input",), ("i", "C_tilde")), (("output",), ("o",)), (("cell_state",), ()),
    (("update",), ()), (("forget", "output"), ("f", "o")), (diagrams.PARTS, ("f", "i", "C_tilde", "o"))])
def test_highlight_colours_its_parts_and_greys_the_rest(parts, gates):
    fig = diagrams.lstm_module(highlight=parts)
    assert lit_boxes(fig) == {style.GATE[g].upper() for g in gates}
    n_dim = sum(hexcolor(p.get_edgecolor()) == canvas.DIM for p in layer_boxes(fig))
    assert n_dim == 4 - len(gates)


@pytest.mark.parametrize("fn, part", [("cell_state_line", "cell_state"), ("forget_gate", "forget"),
                                      ("input_gate", "input"), ("cell_update", "update"), ("output_gate", "output")])
def test_each_step_figure_is_the_module_with_its_part_highlighted(fn, part):
    assert render(getattr(diagrams, fn)()) == render(diagrams.lstm_module(highlight=(part,)))


def test_highlight_accepts_one_name_or_any_iterable():
    a = render(diagrams.lstm_module(highlight="forget"))
    assert a == render(diagrams.lstm_module(highlight=["forget"])) == render(diagrams.lstm_module(highlight={"forget"}))
    assert a != render(diagrams.lstm_module())


def test_highlight_rejects_unknown_names_listing_the_valid_ones():
    with pytest.raises(ValueError, match="unknown part 'forgett'") as e:
        diagrams.lstm_module(highlight=("forgett",))
    for name in ("cell_state", "forget", "input", "update", "output"):
        assert repr(name) in str(e.value)
    with pytest.raises(ValueError, match="at least one part"):
        diagrams.lstm_module(highlight=())
    with pytest.raises(TypeError, match="expected highlight to be None, a part name or an iterable"):
        diagrams.lstm_module(highlight=3)
    with pytest.raises(TypeError, match="part names \\(str\\)"):
        diagrams.lstm_module(highlight=[1])


def orange_wires(fig):
    return sum(hexcolor(p.get_edgecolor()) == style.GATE["C_t"].upper() for p in fig.findobj(PathPatch))


@pytest.mark.parametrize("peepholes", [(), ("f",), ("i",), ("o",), ("f", "o"), ("f", "i", "o")])
def test_each_peephole_is_one_wire_from_the_cell_state(peepholes):
    base = orange_wires(diagrams.lstm_module())          # the cell state's 3 segments and its copy to tanh
    fig = diagrams.peephole_lstm(peepholes)
    assert orange_wires(fig) == base + len(peepholes)
    equations = [s for s, _ in texts(fig) if s.startswith("$") and "=" in s]
    assert [re.search(r"p_(\w)", eq).group(1) for eq in equations] == list(peepholes)   # p ⊙ C: diagonal
    assert all(("C_t +" in eq) == eq.startswith("$o_t") for eq in equations)           # o reads C_t, f and i C_{t-1}


def test_peepholes_reject_unknown_gates_listing_the_valid_ones():
    with pytest.raises(ValueError, match=r"unknown peephole gate 'C_tilde': expected a subset of \('f', 'i', 'o'\)"):
        diagrams.peephole_lstm(("f", "C_tilde"))
    with pytest.raises(TypeError, match=r"tuple of gate names from \('f', 'i', 'o'\)"):
        diagrams.peephole_lstm("fio")


def test_coupled_lstm_has_no_input_gate_layer():
    assert lit_boxes(diagrams.coupled_lstm()) == {style.GATE[g].upper() for g in ("f", "C_tilde", "o")}
    assert "1−" in [s for s, _ in texts(diagrams.coupled_lstm())]


def test_gru_follows_the_notes_convention_and_says_how_pytorch_differs():
    eqs = [s for s, _ in texts(diagrams.gru_module())]
    assert r"$h_t = (1 - z_t) \odot h_{t-1} + z_t \odot \tilde{h}_t$" in eqs
    assert "1 minus" in diagrams.ALT["gru_module"] and "PyTorch" in diagrams.ALT["gru_module"]
    assert "1 − this z_t" in diagrams.gru_module.__doc__ + diagrams.gru.__doc__


# --------------------------------------------------------------------------------------------
# The animation
def frames(anim):
    return re.findall(r'frames\[\d+\] = "data:image/png;base64,(.*?)"', anim.data, re.S)


@pytest.mark.parametrize("cls", [lstmlib.LSTM, lstmlib.PeepholeLSTM, lstmlib.CoupledLSTM])
def test_animation_is_html_with_one_frame_per_step(cls):
    T, D = 4, 3
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        anim = diagrams.animate_lstm(cls(D, 5), torch.randn(T, D))
    assert anim._repr_html_() == anim.data and isinstance(anim.data, str)
    found = frames(anim)
    assert len(found) == anim.n_frames == T == anim.data.count("data:image/png;base64,")
    pngs = [base64.b64decode(f.replace("\\\n", "")) for f in found]
    assert all(p.startswith(PNG) for p in pngs)
    assert len(set(pngs)) == T, "every step shows different activations"


def test_animation_frames_keep_their_size_under_the_course_style():
    with matplotlib.rc_context(style.RC), warnings.catch_warnings():   # savefig.dpi = 100 there
        warnings.simplefilter("error")
        anim = diagrams.animate_lstm(lstmlib.LSTM(2, 4), torch.randn(2, 2), dpi=80)
    png = base64.b64decode(frames(anim)[0].replace("\\\n", ""))
    from PIL import Image
    assert Image.open(io.BytesIO(png)).size[0] == 560


def test_animation_accepts_T_1_D_and_batch_first_layers():
    x = torch.randn(3, 2)
    a = diagrams.animate_lstm(lstmlib.LSTM(2, 4), x[:, None])
    b = diagrams.animate_lstm(lstmlib.LSTM(2, 4, batch_first=True), x)
    assert len(frames(a)) == len(frames(b)) == 3


def test_animation_shows_the_layers_own_gates():
    """The bars are the layer's activations: a forget bias of +8 fills the f box (σ ≈ 1), −8 empties it."""
    from lstmlib.diagrams.animation import _run
    x = torch.randn(3, 2)
    for bias, full in ((8.0, True), (-8.0, False)):
        lstm = lstmlib.LSTM(2, 4, forget_bias=bias)
        with torch.no_grad():
            lstm.W.zero_()
        rec = _run(lstm, x)
        assert torch.allclose(rec["f"], torch.full((3, 4), float(torch.sigmoid(torch.tensor(bias)))).double())
        assert (rec["f"] > 0.99).all() == full
    lstm = lstmlib.LSTM(2, 4)
    out, (h, c), gates = lstm(x[:, None], return_gates=True)
    rec = _run(lstm, x)
    assert torch.allclose(rec["h"], out[:, 0].double()) and torch.allclose(rec["C_t"], gates["C_t"][:, 0].double())


def test_animation_rejects_bad_input():
    lstm, D = lstmlib.LSTM(3, 4), 3
    with pytest.raises(TypeError, match="expected an lstmlib.LSTM .* got GRU"):
        diagrams.animate_lstm(lstmlib.GRU(D, 4), torch.randn(4, D))
    with pytest.raises(TypeError, match="expected x to be a torch.Tensor .* got list"):
        diagrams.animate_lstm(lstm, [[0.0] * D] * 4)
    with pytest.raises(ValueError, match=r"one sequence: .* got \(4, 2, 3\) \(a batch of 2\)"):
        diagrams.animate_lstm(lstm, torch.randn(4, 2, D))
    with pytest.raises(ValueError, match=r"got rank 1"):
        diagrams.animate_lstm(lstm, torch.randn(D))
    with pytest.raises(ValueError, match=r"expected x of shape \(T, 3\) .* got \(4, 5\)"):
        diagrams.animate_lstm(lstm, torch.randn(4, 5))
    with pytest.raises(ValueError, match="max_steps=40"):
        diagrams.animate_lstm(lstm, torch.randn(41, D))
    with pytest.raises(TypeError, match="expected x of dtype torch.float32"):
        diagrams.animate_lstm(lstm, torch.randn(4, D, dtype=torch.float64))
    with pytest.raises(ValueError, match="expected units to be 1 to 12 distinct indices in \\[0, 4\\)"):
        diagrams.animate_lstm(lstm, torch.randn(4, D), units=[0, 4])


@pytest.mark.parametrize("cls", [lstmlib.LSTM, lstmlib.PeepholeLSTM, lstmlib.CoupledLSTM])
def test_animation_frames_have_no_overlapping_text(cls):
    from lstmlib.diagrams.animation import _figure
    lstm = cls(3, 5)
    fig, frame, T = _figure(lstm, torch.randn(12, 3), tuple(range(5)), dpi=80)
    frame(T - 1)                                   # the longest clock text, "t = 12 of 12"
    found = texts(fig)
    for (a, ba), (b, bb) in itertools.combinations(found, 2):
        assert not ba.overlaps(bb), f"label {a!r} overlaps label {b!r}"
    W, H = fig.canvas.get_width_height()
    assert all(b.x0 >= 0 and b.y0 >= 0 and b.x1 <= W and b.y1 <= H for _, b in found)
    assert W == 560, "7 in at 80 dpi"


def test_animation_html_is_self_contained():
    """The site works offline: the player's HTML requests nothing (matplotlib's to_jshtml loads
    Font Awesome from a CDN; offline_html replaces its icons with text) and its image has alt text."""
    lstm = lstmlib.LSTM(2, 4)
    html = diagrams.animate_lstm(lstm, torch.randn(3, 2)).data
    assert "<link" not in html and not re.search(r'(?:href|src)="https?:', html)
    assert "font-awesome" not in html and 'class="fa ' not in html
    assert html.count("<button") == html.count('<span aria-hidden="true">') == 9
    alt = re.search(r'<img alt="([^"]+)" id=', html).group(1)
    assert "LSTM" in alt and "3 steps" in alt and "cell state" in alt


def test_animation_labels_each_frame_and_takes_its_own_alt_text():
    from lstmlib.diagrams.animation import _figure
    lstm = lstmlib.LSTM(3, 5)
    tokens = ["the", "queen", "sings"]
    fig, frame, T = _figure(lstm, torch.randn(3, 3), tuple(range(5)), dpi=80, labels=tokens)
    frame(1)
    assert "t = 2 of 3:  x_t = 'queen'" in [t for t, _ in texts(fig)]
    found = texts(fig)
    for (a, ba), (b, bb) in itertools.combinations(found, 2):
        assert not ba.overlaps(bb), f"label {a!r} overlaps label {b!r}"
    html = diagrams.animate_lstm(lstm, torch.randn(3, 3), labels=tokens, alt="An LSTM reads 'the queen sings'.").data
    assert re.search(r'<img alt="An LSTM reads \'the queen sings\'." id=', html.replace("&#x27;", "'"))
    with pytest.raises(ValueError, match="expected labels to be 3 strings, one per step, got 2 items"):
        diagrams.animate_lstm(lstm, torch.randn(3, 3), labels=["a", "b"])
    with pytest.raises(TypeError, match="expected labels to be a sequence of 3 strings"):
        diagrams.animate_lstm(lstm, torch.randn(3, 3), labels="abc")
    with pytest.raises(TypeError, match="expected alt to be a non-empty str"):
        diagrams.animate_lstm(lstm, torch.randn(3, 3), alt="")
