"""The reference pages say what lstmlib does: every shape in the notation page's tables, and
the numbers of its text and its exercise, are checked against the real layers, models, tasks
and the NumPy backward pass. No build, no browser.

How the notation page is read: its tables "Symbol | Meaning | Shape | In lstmlib" sit under
"## " sections and "### " subsections. For every row, the code spans before the first ';' of
the last column are evaluated in a namespace built for that part of the page (the namespace
functions below build the real objects for the sizes ``SIZES``, then run the part's own
```python blocks), and each must have the shape of the Shape column. A row whose Shape is "—"
names an operation or a number: its expressions must still evaluate (the names exist), and a
row with nothing evaluable must be one of the few in ``UNCHECKED``.
"""
from __future__ import annotations

import ast
import re
import sys

import numpy as np
import pytest
import torch
from site_browser import ROOT

import lstmlib
import lstmlib.exercises
import lstmlib.experiments.a1
import lstmlib.models
import lstmlib.scratch.numpy_lstm
import lstmlib.scratch.numpy_train
import lstmlib.tasks.counting
import lstmlib.tasks.language
import lstmlib.tasks.long_lag
import lstmlib.tasks.recall
import lstmlib.tasks.timing
from lstmlib.cells import concat, gru_cell, lstm_cell, lstm_step, peep, rnn_cell
from lstmlib.experiments import ch08, ch09
from lstmlib.forecasting import data
from lstmlib.layers.clamps import Clamp

NOTATION = (ROOT / "book" / "notation.md").read_text(encoding="utf8")
# Distinct, so that a swapped size cannot pass. T >= 26 lets every task run with its chapter's
# defaults (delayed recall's cue comes as late as step 25); V is the language's vocabulary;
# a series of N = 25 values split 60/20/20 with L = 6 and K = 4 has exactly B = 2 test origins.
SIZES = {"T": 26, "B": 2, "D": 3, "H": 5, "K": 4, "L": 6, "N": 50, "V": 49}
# A role such as {mod}`x` is not code to run: the pattern consumes it, and only bare spans count.
CODE = re.compile(r"(\{[\w:-]+\})?`([^`]+)`")
PYTHON = re.compile(r"^```python\n(.*?)^```", flags=re.MULTILINE | re.DOTALL)

# (section, subsection): the least number of rows its table must have. "" is a section's part
# before its first subsection.
TABLES = {
    ("The LSTM", ""): 25,
    ("The LSTM", "What a layer returns"): 10,
    ("The LSTM", "Ablations and variants"): 10,
    ("The GRU", ""): 12,
    ("The plain RNN", ""): 6,
    ("Models and tasks", "The readout"): 5,
    ("Models and tasks", "The synthetic language"): 3,
    ("Models and tasks", "Long-time-lag tasks"): 4,
    ("Models and tasks", "Delayed recall"): 6,
    ("Models and tasks", "Timing tasks"): 3,
    ("Models and tasks", "Marked-value tasks"): 5,
    ("Models and tasks", "The latch stream and word text"): 5,
    ("Models and tasks", "Padded batches and both directions"): 5,
    ("Models and tasks", "Forecasting"): 12,
    ("The backward pass", ""): 25,
}
# The rows whose last column names nothing that can be evaluated: keep this list short.
UNCHECKED = {("The LSTM", "", r"$\odot$"), ("Models and tasks", "Forecasting", "$h$")}


# --------------------------------------------------------------------------------------------
# Reading the page
# --------------------------------------------------------------------------------------------
def sections(text, level=2):
    """{"title": body} for the text's sections at one heading level ("## " for level 2); with
    ``level=3``, the part before the first subsection is keyed "" (for a section's body)."""
    parts = re.split(rf"^{'#' * level} (.+)$", text, flags=re.MULTILINE)
    found = dict(zip(parts[1::2], parts[2::2]))
    return {"": parts[0], **found} if level > 2 else found


def code_spans(cell):
    """The code spans of a table cell that are not roles, in order."""
    return [code for role, code in CODE.findall(cell) if not role]


def cells(line):
    return [c.strip() for c in re.split(r"(?<!\\)\|", line.strip())[1:-1]]


def symbol_rows(body):
    """(symbol, lstmlib expressions, shape) for each row of the body's "Symbol | Meaning | Shape
    | In lstmlib" tables: the code spans before the first ';' of the last column."""
    rows, in_table = [], False
    for line in body.splitlines():
        if line.startswith("| Symbol | Meaning | Shape |"):
            in_table = True
            continue
        if not (in_table and line.startswith("|")):
            in_table = False
            continue
        row = cells(line)
        if set(row[0]) <= set("-| "):
            continue
        rows.append((row[0], code_spans(row[3].split(";")[0]), row[2]))
    return rows


def tables(text):
    """{(section, subsection): rows} for every part of the page that has a symbol table."""
    found = {}
    for section, body in sections(text).items():
        for subsection, part in sections(body, level=3).items():
            if symbol_rows(part):
                found[section, subsection] = symbol_rows(part)
    return found


def part_of_page(section, subsection):
    return sections(sections(NOTATION)[section], level=3)[subsection]


def shape(text):
    """The Shape column as a tuple: "(4H, H + D)" -> (20, 8)."""
    value = eval(re.sub(r"(\d)([A-Z])", r"\1*\2", text), {}, dict(SIZES))
    assert isinstance(value, tuple) and all(isinstance(n, int) for n in value), text
    return value


def evaluable(expr):
    try:
        ast.parse(expr, mode="eval")
    except SyntaxError:              # an operator such as `*`, not an expression
        return False
    return True


# --------------------------------------------------------------------------------------------
# The namespaces: the real objects, for the sizes above
# --------------------------------------------------------------------------------------------
def locals_of(fn, *args, **kwargs):
    """Call ``fn``; return its result and its local variables as they were when it returned,
    read from the frame on its return event. So the page's names for what happens inside a
    function (the per-step names of the backward pass) are proven to be the code's names."""
    seen = {}

    def on_return(frame, event, arg):
        if event == "return":
            seen.update(frame.f_locals)
        return on_return

    def on_call(frame, event, arg):
        return on_return if frame.f_code is fn.__code__ else None

    before = sys.gettrace()
    sys.settrace(on_call)
    try:
        result = fn(*args, **kwargs)
    finally:
        sys.settrace(before)
    assert seen, f"{fn.__qualname__} did not return"
    return result, seen


def base_namespace():
    T, B, D, H = SIZES["T"], SIZES["B"], SIZES["D"], SIZES["H"]
    torch.manual_seed(0)
    x = torch.randn(T, B, D)
    t = 1                                              # any step
    return {**SIZES, "torch": torch, "np": np, "lstmlib": lstmlib, "concat": concat,
            "x": x, "t": t, "x_t": x[t], "h_prev": torch.randn(B, H), "C_prev": torch.randn(B, H)}


def lstm_namespace(ns):
    D, H, x, x_t, h_prev, C_prev = (ns[k] for k in ("D", "H", "x", "x_t", "h_prev", "C_prev"))
    lstm = lstmlib.LSTM(D, H)
    a_t = concat(h_prev, x_t) @ lstm.W.T + lstm.b                          # (B, 4H)
    (h_t, C_t, (f_t, i_t, C_tilde, o_t)), step = locals_of(lstm_step, a_t, C_prev)
    assert torch.equal(h_t, lstm_cell(x_t, h_prev, C_prev, lstm.W, lstm.b)[0])
    _, kept = locals_of(lstmlib.exercises.forget_step.reference, x_t, h_prev, C_prev, lstm.W, lstm.b)
    output, (h, c), gates = lstm(x, return_gates=True)
    ns.update(lstm=lstm, a_t=a_t, a=step["a"], h_t=h_t, C_t=C_t, f_t=f_t, i_t=i_t,
              C_tilde=C_tilde, o_t=o_t, C_kept=kept["C_kept"], output=output, h=h, c=c,
              gates=gates, ph=lstmlib.PeepholeLSTM(D, H), peep=peep,
              cifg=lstmlib.CoupledLSTM(D, H))


def gru_namespace(ns):
    gru = lstmlib.GRU(ns["D"], ns["H"])
    h_t, (z_t, r_t, n_t) = gru_cell(ns["x_t"], ns["h_prev"], gru.W, gru.b, gru.b_hn)
    output, h, gates = gru(ns["x"], return_gates=True)
    _, figure = locals_of(ch08.figure11_cell, ns["x_t"], ns["h_prev"], gru.W, gru.b)
    ns.update(gru=gru, h_t=h_t, z_t=z_t, r_t=r_t, n_t=n_t, output=output, h=h, gates=gates,
              h_tilde=figure["h_tilde"])


def rnn_namespace(ns):
    rnn = lstmlib.RNN(ns["D"], ns["H"])
    output, h = rnn(ns["x"])
    ns.update(rnn=rnn, h_t=rnn_cell(ns["x_t"], ns["h_prev"], rnn.W, rnn.b), output=output, h=h)


def backward_namespace(ns):
    """The NumPy LSTM's forward and backward pass on small arrays, with the local variables of
    both (the last step each computed: t = T − 1 forward, t = 0 backward)."""
    T, B, D, H, K = (ns[k] for k in "TBDHK")
    rng = np.random.default_rng(0)
    x = rng.standard_normal((T, B, D))
    dhs = rng.standard_normal((T, B, H))
    params = lstmlib.scratch.numpy_train.init_with_readout(D, H, out=K)
    lstm = {"W": params["W"], "b": params["b"]}
    (hs, _, cache), forward = locals_of(lstmlib.scratch.numpy_lstm.forward, x, lstm)
    (grads, dx, _), backward = locals_of(lstmlib.scratch.numpy_lstm.backward, dhs, cache, with_inputs=True)
    _, mse = locals_of(lstmlib.scratch.numpy_train.last_step_mse, params, x, rng.standard_normal((B, K)))
    ns.update(forward)
    ns.update(backward)
    ns.update(x=x, dhs=dhs, params=params, lstm=lstm, hs=hs, grads=grads, dx=dx, dy=mse["dy"])


SECTIONS = {"The LSTM": lstm_namespace, "The GRU": gru_namespace, "The plain RNN": rnn_namespace,
            "The backward pass": backward_namespace}


def namespace(section, subsection=""):
    """The names a part of the page uses: the real objects for ``SIZES``, then whatever the
    part's own code blocks define (they are run here, so they run as printed)."""
    ns = base_namespace()
    if section in SECTIONS:
        SECTIONS[section](ns)
    for block in PYTHON.findall(part_of_page(section, subsection)):
        exec(block, ns)
    if subsection == "Forecasting":                  # the page's B: the origins of a part
        assert len(ns["problem"].origins("test")) == SIZES["B"]
    return ns


# --------------------------------------------------------------------------------------------
# The tests
# --------------------------------------------------------------------------------------------
def test_the_notation_page_has_its_tables():
    found = {part: len(rows) for part, rows in tables(NOTATION).items()}
    assert set(found) == set(TABLES), found
    short = {part: n for part, n in found.items() if n < TABLES[part]}
    assert not short, f"tables with fewer rows than expected: {short}"


@pytest.mark.parametrize("part", list(TABLES), ids=lambda part: " - ".join(filter(None, part)))
def test_every_shape_on_the_notation_page_is_lstmlibs(part):
    ns = namespace(*part)
    where = ": ".join(filter(None, part))
    checked = 0
    for symbol, expressions, shape_text in tables(NOTATION)[part]:
        runnable = [e for e in expressions if evaluable(e)]
        if shape_text == "—":                            # an operation or a number
            for expr in runnable:
                eval(expr, ns)                           # the name exists
            assert runnable or (*part, symbol) in UNCHECKED, (
                f"{where}: the row {symbol} names nothing that can be evaluated")
            continue
        expected = shape(shape_text)                     # "(4H,)" -> (20,)
        assert expressions, f"{where}: the row {symbol}, shape {shape_text}, names nothing in lstmlib"
        for expr in expressions:
            value = eval(expr, ns)
            assert hasattr(value, "shape"), f"{where}: `{expr}` is a {type(value).__name__}, not an array"
            assert tuple(value.shape) == expected, (
                f"{where}: `{expr}` has shape {tuple(value.shape)}, the page says {shape_text}")
            checked += 1
    assert checked


def size_rows():
    """(letter, lstmlib expressions) for each row of the Sizes table."""
    rows = []
    for line in sections(NOTATION)["Sizes"].splitlines():
        row = cells(line) if line.startswith("| $") else None
        if row:
            rows.append((row[0].strip("$"), code_spans(row[2].split(";")[0])))
    return rows


def test_every_size_on_the_notation_page_is_lstmlibs():
    ns = namespace("Models and tasks", "Forecasting")          # problem, series
    ns.update(namespace("Models and tasks", "The readout"))    # model
    ns.update(namespace("The LSTM", "What a layer returns"))   # lstm, x
    letters = dict(size_rows())
    assert set(letters) == set(SIZES), f"the Sizes table has {sorted(letters)}"
    for letter, expressions in letters.items():
        assert expressions, f"the size {letter} names nothing in lstmlib"
        for expr in expressions:
            assert eval(expr, ns) == SIZES[letter], f"`{expr}` is not {letter}"
    used = {name for rows in tables(NOTATION).values() for _, _, text in rows if text != "—"
            for name in re.findall(r"[A-Za-z]+", text)}
    assert used <= set(SIZES), f"shapes use {sorted(used - set(SIZES))}, which the Sizes table lacks"


def test_locals_of_reads_a_functions_last_locals():
    def f(n):
        total = 0
        for k in range(n):
            total += k
        return total

    result, seen = locals_of(f, 4)
    assert result == 6 and seen == {"n": 4, "total": 6, "k": 3}


def test_return_gates_keys_are_the_pages():
    for section, layer in [("The LSTM", lstmlib.LSTM(3, 5)), ("The GRU", lstmlib.GRU(3, 5))]:
        named = set(re.findall(r'gates\["(\w+)"\]', sections(NOTATION)[section]))
        _, _, gates = layer(torch.randn(4, 2, 3), return_gates=True)
        assert named == set(gates), f"{section}: the page names gates {sorted(named)}, the layer returns {sorted(gates)}"


def test_the_pages_other_claims():
    D, H, B = 3, 5, 2
    lstm = lstmlib.LSTM(D, H)
    W_f, b_f = lstm.gate("f")
    with torch.no_grad():                            # "views, not copies"
        W_f[0, 0] = 123.0
    assert lstm.W[0, 0] == 123.0
    assert torch.all(b_f == 1.0)                     # default forget-gate bias 1
    assert lstm.blocks == ("f", "i", "C", "o")
    assert lstmlib.GRU(D, H).blocks == ("z", "r", "n")
    assert tuple(lstmlib.CoupledLSTM(D, H).W.shape) == (3 * H, H + D)
    assert tuple(lstmlib.LSTM(D, H, peepholes=("o",)).p_o.shape) == (H,)
    assert not hasattr(lstmlib.LSTM(D, H, peepholes=("o",)), "p_f")
    with pytest.raises(ValueError, match="num_layers"):   # torch's (1, B, H) state is refused
        lstm(torch.randn(4, B, D), state=(torch.zeros(1, B, H), torch.zeros(1, B, H)))


def test_the_pages_clamp_sentence():
    T, B, D, H = 6, 2, 3, 8
    lstm, x = lstmlib.LSTM(D, H), torch.randn(T, B, D)
    mask = torch.rand(T, B, generator=torch.Generator().manual_seed(0)) < 0.5
    _, _, gates = lstm(x, clamp=Clamp("f", 1.0, units=[3, 7], steps=mask), return_gates=True)
    held = gates["f"][..., [3, 7]]                               # (T, B, 2)
    assert (held[mask] == 1).all() and (held[~mask] != 1).all()
    for gate in ("f", "i", "C_tilde", "o"):                            # the gate names it takes
        lstm(x, clamp=Clamp(gate, 0.5, steps=[0, 2]))
    model = lstmlib.models.EveryStep("LSTM", D, H, 1)
    assert model(x, clamp=Clamp("o", 1.0)).shape == (T, B, 1)


def test_the_pages_numbers():
    """The numbers the page quotes from the chapters' modules."""
    assert len(lstmlib.tasks.language.VOCAB) == 49
    co2, sunspots = data.co2(), data.sunspots()
    assert len(co2) == 444 and co2.period == 12 and sunspots.period is None
    assert data.unemployment().period is None and data.mackey_glass(30).period is None
    assert data.elnino().period == data.elec_equip().period == 12
    assert data.MACKEY_GLASS["tau"] == 17
    assert (data.MACKEY_GLASS["beta"], data.MACKEY_GLASS["gamma"], data.MACKEY_GLASS["n"]) == (0.2, 0.1, 10)
    assert lstmlib.tasks.recall.STORE == (2, 6) and lstmlib.tasks.recall.CUE == (16, 25)
    assert lstmlib.tasks.timing.START == (0, 10) and lstmlib.tasks.counting.MARKERS == (2, 6)
    assert lstmlib.experiments.a1.CHECK["eps"] == 1e-6
    assert abs(np.finfo(np.float64).eps - 2.2e-16) < 1e-17 and abs(np.finfo(np.float32).eps - 1.2e-7) < 1e-8
    assert lstmlib.tasks.long_lag.TEMPORAL_SYMBOLS == ("a", "b", "c", "d", "X", "Y", "B", "E")
    assert lstmlib.tasks.long_lag.TEMPORAL_CLASSES == ("XX", "XY", "YX", "YY")
    alphabet = lstmlib.tasks.words.ALPHABET
    assert lstmlib.tasks.latch.LatchStream(1, torch.Generator()).p_marker == 0.1
    assert len(alphabet) == 21 and alphabet[-1] == " " and all(c.isalpha() for c in alphabet[:-1])
    x, y = lstmlib.tasks.timing.periodic(30, 4, period=10, shape="square")
    s = x[..., 0].argmax(0)                                      # the start step
    assert (x[..., 0].sum(0) == 1).all() and (s < 10).all()
    for b in range(4):                                           # 5 steps +1, 5 steps -1
        assert y[s[b]:s[b] + 5, b].eq(1).all() and y[s[b] + 5:s[b] + 10, b].eq(-1).all()


def test_the_ablations_are_chapter_9s():
    """Each row of "Ablations and variants" builds the layer chapter 9 trains under that name."""
    D, H = SIZES["D"], SIZES["H"]
    rows = tables(NOTATION)["The LSTM", "Ablations and variants"]
    assert [name for name, _, _ in rows] == list(ch09.VARIANTS)
    for name, (expr,), _ in rows:
        assert expr.endswith(".W"), expr
        page = eval(expr[:-len(".W")], {"lstmlib": lstmlib, "D": D, "H": H})
        layer, kwargs = ch09.VARIANTS[name]
        assert repr(page) == repr(getattr(lstmlib, layer)(D, H, **kwargs)), name


def test_the_exercise_numbers():
    lstm, ref = lstmlib.LSTM(3, 8), torch.nn.LSTM(3, 8)
    solution = NOTATION[NOTATION.index("```{solution} notation-count"):]
    assert tuple(lstm.W.shape) == (32, 11) and "(32, 11)" in solution
    assert tuple(lstm.b.shape) == (32,) and "(32,)" in solution
    assert tuple(lstm.gate("f")[0].shape) == (8, 11) and "(8, 11)" in solution
    ours = sum(p.numel() for p in lstm.parameters())
    theirs = sum(p.numel() for p in ref.parameters())
    assert ours == 384 and f"= {ours}" in solution
    assert theirs == 416 and f"= {theirs}" in solution
    assert tuple(ref.weight_ih_l0.shape) == (32, 3) and tuple(ref.weight_hh_l0.shape) == (32, 8)
