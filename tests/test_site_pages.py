"""The reference pages say what lstmlib does: every shape in the notation page's tables and
every number in its exercise is checked against the real layers. No build, no browser."""
from __future__ import annotations

import re

import pytest
import torch

import lstmlib
from lstmlib.cells import concat, gru_cell, lstm_cell, rnn_cell
from site_browser import ROOT

NOTATION = (ROOT / "book" / "notation.md").read_text(encoding="utf8")
SIZES = {"T": 7, "B": 2, "D": 3, "H": 5}           # distinct, so a swapped size cannot pass
CODE = re.compile(r"(?<![}`])`([^`]+)`")            # a code span, not a role such as {mod}`x`


def sections(text):
    """{"## title": body} for the page's second-level sections."""
    parts = re.split(r"^## (.+)$", text, flags=re.MULTILINE)
    return dict(zip(parts[1::2], parts[2::2]))


def symbol_rows(body):
    """(lstmlib expressions, shape) for each row of the section's "Symbol | Meaning | Shape |
    In lstmlib" tables: the code spans before the first ';' of the last column."""
    rows, in_table = [], False
    for line in body.splitlines():
        if line.startswith("| Symbol | Meaning | Shape |"):
            in_table = True
            continue
        if not (in_table and line.startswith("|")):
            in_table = False
            continue
        cells = [c.strip() for c in re.split(r"(?<!\\)\|", line.strip())[1:-1]]
        if set(cells[0]) <= set("-| "):
            continue
        rows.append((CODE.findall(cells[3].split(";")[0]), cells[2]))
    return rows


def namespace(section):
    """The names a section's table uses, computed by lstmlib for the sizes above."""
    T, B, D, H = SIZES["T"], SIZES["B"], SIZES["D"], SIZES["H"]
    torch.manual_seed(0)
    x = torch.randn(T, B, D)
    x_t, h_prev, C_prev = x[0], torch.randn(B, H), torch.randn(B, H)
    if section == "The LSTM":
        lstm = lstmlib.LSTM(D, H)
        h_t, C_t, (f_t, i_t, C_tilde, o_t) = lstm_cell(x_t, h_prev, C_prev, lstm.W, lstm.b)
        output, (h, c), gates = lstm(x, return_gates=True)
        peep = lstmlib.PeepholeLSTM(D, H)
        return locals()
    if section == "The GRU":
        gru = lstmlib.GRU(D, H)
        h_t, (z_t, r_t, n_t) = gru_cell(x_t, h_prev, gru.W, gru.b, gru.b_hn)
        output, h, gates = gru(x, return_gates=True)
        return locals()
    if section == "The plain RNN":
        rnn = lstmlib.RNN(D, H)
        h_t = rnn_cell(x_t, h_prev, rnn.W, rnn.b)
        output, h = rnn(x)
        return locals()
    raise KeyError(section)


TABLE_SECTIONS = ["The LSTM", "The GRU", "The plain RNN"]


def test_the_notation_page_has_its_tables():
    found = {s: len(symbol_rows(b)) for s, b in sections(NOTATION).items() if symbol_rows(b)}
    assert set(found) == set(TABLE_SECTIONS), found
    assert found["The LSTM"] >= 25 and found["The GRU"] >= 8 and found["The plain RNN"] >= 3, found


@pytest.mark.parametrize("section", TABLE_SECTIONS)
def test_every_shape_on_the_notation_page_is_lstmlibs(section):
    ns = {"concat": concat, "torch": torch, **namespace(section)}
    checked = 0
    for expressions, shape in symbol_rows(sections(NOTATION)[section]):
        if shape == "—":                                 # an operation, not a tensor
            continue
        expected = eval(re.sub(r"(\d)([A-Z])", r"\1*\2", shape), {}, dict(SIZES))   # "(4H,)" -> (20,)
        assert expressions, f"{section}: a row with shape {shape} names nothing in lstmlib"
        for expr in expressions:
            value = eval(expr, ns)
            assert tuple(value.shape) == expected, f"{section}: `{expr}` has shape {tuple(value.shape)}, the page says {shape}"
            checked += 1
    assert checked


def test_return_gates_keys_are_the_pages():
    for section, layer in [("The LSTM", lstmlib.LSTM(3, 5)), ("The GRU", lstmlib.GRU(3, 5))]:
        named = set(re.findall(r'gates\["(\w)"\]', sections(NOTATION)[section]))
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
    with pytest.raises(ValueError, match="num_layers"):   # torch's (1, B, H) state is refused
        lstm(torch.randn(4, B, D), state=(torch.zeros(1, B, H), torch.zeros(1, B, H)))


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
