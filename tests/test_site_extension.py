"""The website's Sphinx extension (book/_ext/course_site.py), piece by piece, without a build."""
from __future__ import annotations

import sys
from types import SimpleNamespace

import pytest

from site_browser import ROOT

sys.path.insert(0, str(ROOT / "book" / "_ext"))
import course_site  # noqa: E402


@pytest.fixture
def app():
    """Just enough of a Sphinx app for napoleon's section list."""
    from sphinx.ext.napoleon import Config
    return SimpleNamespace(config=Config(napoleon_custom_sections=["Returns"]))


def process(app, text):
    lines = text.split("\n")
    course_site.plain_text_docstrings(app, "function", "f", None, {}, lines)
    return lines


def test_an_equation_block_becomes_text_code(app):
    lines = process(app, "One LSTM step.\n\n    f_t = σ(W_f·[h_{t-1}, x_t] + b_f)\n    C_t = f_t ⊙ C_{t-1}\n"
                         "Returns the state.")
    assert lines[:5] == ["One LSTM step.", "", ".. code-block:: text", "", "    f_t = σ(W_f·[h_{t-1}, x_t] + b_f)"]
    assert lines[-2:] == ["", "Returns the state."]        # the paragraph after stays a paragraph


def test_a_usage_example_becomes_python_code(app):
    lines = process(app, "Use it as\n\n    lstm = LSTM(3, 8)\n    output, (h, c) = lstm(x)")
    assert ".. code-block:: python" in lines


def test_napoleon_sections_lists_and_literal_blocks_are_left_alone(app):
    text = ("Train it.\n\nArgs:\n    model: maps x to y.\n    steps: how many.\n\n"
            "- a list item\n  continued\n\nAlready literal::\n\n    x = 1")
    assert process(app, text) == text.split("\n")


def test_plain_text_markup_is_escaped_but_meant_markup_is_kept():
    esc = course_site.escape_markup
    assert esc("scaled by max |C_t| over the sequence") == r"scaled by max \|C_t\| over the sequence"
    assert esc("lit(*parts) -> bool") == r"lit(\*parts) -> bool"
    assert esc("z_t weights the *old* state") == "z_t weights the *old* state"
    assert esc("a ``|x| = 1`` and :class:`lstmlib.LSTM`") == "a ``|x| = 1`` and :class:`lstmlib.LSTM`"


def test_bibliography_labels_read_like_the_citations():
    from pybtex.database import parse_string

    bib = parse_string(r"""
        @misc{a, author = {Olah, Christopher}, title = {A}, year = {2015}}
        @misc{b, author = {Hochreiter, Sepp and Schmidhuber, J{\"u}rgen}, title = {B}, year = {1997}}
        @misc{c, author = {Gers, F. and Schmidhuber, J. and Cummins, F.}, title = {C}, year = {2000}}
        @misc{d, author = {Gers, F. and Eck, D. and Schmidhuber, J.}, title = {D}, year = {2000}}
    """, "bibtex")
    style = course_site._author_year_style()()
    labels = {entry.key: entry.label for entry in style.format_entries(bib.entries.values())}
    assert labels["a"] == "Olah, 2015"
    assert labels["b"] == "Hochreiter and Schmidhuber, 1997"
    assert {labels["c"], labels["d"]} == {"Gers et al., 2000a", "Gers et al., 2000b"}


def test_the_api_page_lists_every_module():
    import re

    import lstmlib

    modules = course_site.package_modules()
    listed = ["lstmlib." + m for m in re.findall(r"^\s{4}(\w+)\s{2,}\S", lstmlib.__doc__, re.MULTILINE)]
    assert "lstmlib.layers" in listed and "lstmlib.LSTM" not in modules
    assert [m for m in modules if m in listed] == [m for m in listed if m in modules]   # the docstring's order
    text = course_site.modules_markdown()
    for module in modules:
        assert f"### `{module}`" in text and f".. automodule:: {module}" in text
    assert ":exclude-members: LSTM, PeepholeLSTM, CoupledLSTM" in text   # lstmlib.layers.lstm
    assert "{py:func}`lstmlib.train`" in text and "{py:class}`lstmlib.LSTM`" in text
