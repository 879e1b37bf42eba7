"""The website's Sphinx extension (book/_ext/course_site.py, course_api.py, course_lang.py), piece
by piece, without a build."""
from __future__ import annotations

import sys
from types import SimpleNamespace

import pytest
from site_browser import ROOT

sys.path.insert(0, str(ROOT / "book" / "_ext"))
import course_api  # noqa: E402
import course_lang  # noqa: E402
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


# --------------------------------------------------------------------------------------------
# The API reference (course_api.py)
# --------------------------------------------------------------------------------------------
def test_every_module_is_found_in_the_package_in_the_docstrings_order():
    import re

    import lstmlib

    modules = course_api.package_modules()
    listed = ["lstmlib." + m for m in re.findall(r"^\s{4}(\w+)\s{2,}\S", lstmlib.__doc__, re.MULTILINE)]
    assert "lstmlib.layers" in listed and "lstmlib.LSTM" not in modules
    assert [m for m in modules if m in listed] == [m for m in listed if m in modules]   # the docstring's order
    assert {"lstmlib.experiments.ch01", "lstmlib.experiments.ch02", "lstmlib.exercises.checker",
            "lstmlib.diagrams.figures"} <= set(modules)                   # subpackages' modules too
    assert course_api.all_modules()[0] == "lstmlib"


def test_each_object_is_documented_once_under_its_shortest_name():
    import lstmlib
    from lstmlib import diagrams, exercises
    from lstmlib.layers.lstm import LSTM

    modules = course_api.all_modules()
    assert course_api.home(LSTM, modules) == "lstmlib"                 # not lstmlib.layers(.lstm)
    assert course_api.home(diagrams.forget_gate, modules) == "lstmlib.diagrams"
    assert course_api.home(exercises.Exercise, modules) == "lstmlib.exercises"
    assert course_api.home(lstmlib.tasks.adding_problem, modules) == "lstmlib.tasks"
    assert "LSTM" in course_api.documented_members("lstmlib", modules)
    assert course_api.documented_members("lstmlib.layers.lstm", modules) == []
    assert ("LSTM", "lstmlib.LSTM") in course_api.elsewhere("lstmlib.layers.lstm", modules)
    assert "forget_gate" not in course_api.documented_members("lstmlib.diagrams.figures", modules)
    everything = [f"{m}.{n}" for m in modules for n in course_api.documented_members(m, modules)]
    objects = [id(course_api._lookup(name)) for name in everything
               if course_api._has_identity(course_api._lookup(name))]
    assert len(objects) == len(set(objects)), "an object is documented on two pages"


def test_settings_are_documented_with_their_values_and_instances_by_their_class():
    modules = course_api.all_modules()
    assert "EXPLODING" in course_api.documented_members("lstmlib.experiments.ch01", modules)
    assert "TRAIN" not in course_api.documented_members("lstmlib.experiments.ch01", modules)  # imported
    assert course_api.is_literal({"T": 100, "lr": 0.03}) and not course_api.is_literal(object())
    assert course_api.data_description("lstmlib.exercises", "forget_step") == \
        "An instance of :class:`lstmlib.exercises.Exercise`."
    page = course_api.module_page("lstmlib.exercises", modules)
    assert ".. autodata:: lstmlib.exercises.forget_step\n      :no-value:" in page


def test_the_data_entry_never_shows_its_types_docstring():
    lines = (dict.__doc__ or "").splitlines()
    course_site.data_descriptions(None, "data", "lstmlib.experiments.ch01.EXPLODING", {"T": 1}, {}, lines)
    assert lines == []
    lines = ["A comment that describes it."]
    course_site.data_descriptions(None, "data", "lstmlib.x.Y", {"T": 1}, {}, lines)
    assert lines == ["A comment that describes it."]


def test_module_pages_and_the_index_are_generated_from_the_package(tmp_path):
    modules = course_api.write_pages(tmp_path)
    folder = tmp_path / course_api.API_DIR
    pages = sorted(p.stem for p in folder.glob("*.md"))
    assert pages == sorted(modules)
    ch01 = (folder / "lstmlib.experiments.ch01.md").read_text()
    assert ch01.startswith(course_api.GENERATED)
    assert ".. automodule:: lstmlib.experiments.ch01" in ch01
    assert ".. autofunction:: lstmlib.experiments.ch01.exploding" in ch01
    assert ".. autodata:: lstmlib.experiments.ch01.EXPLODING" in ch01
    train = (folder / "lstmlib.training.loop.md").read_text()
    assert ":no-index:" not in train.split(".. autodata::")[0]   # no package exports a name "loop"
    assert "{py:func}`lstmlib.train`" in train and "{py:class}`lstmlib.History`" in train
    assert "- {doc}`lstmlib.experiments.ch01 <lstmlib.experiments.ch01>`" in \
        (folder / "lstmlib.experiments.md").read_text()

    before = {p: p.stat().st_mtime_ns for p in folder.glob("*.md")}
    stale = folder / "lstmlib.gone.md"
    stale.write_text(course_api.GENERATED + "\n# `lstmlib.gone`\n")
    (folder / "notes.md").write_text("# Not generated: kept\n")
    course_api.write_pages(tmp_path)
    assert not stale.exists() and (folder / "notes.md").exists()
    assert {p: p.stat().st_mtime_ns for p in folder.glob("lstmlib*.md")} == before, \
        "an unchanged page was rewritten (Sphinx would read it again)"

    index = course_api.summary_markdown()
    for module in modules:
        assert f":doc:`{module} <api/{module}>`" in index
        for name in course_api.documented_members(module, modules):
            assert f":py:obj:`{name} <{module}.{name}>`" in index
    assert "``solution``" not in index or ":meth:`solution`" not in index


def test_summary_lines_lose_their_roles_and_escape_markup():
    class Stream:
        """``B`` streams; :meth:`next` returns |x| and *args."""
    assert course_api.summary_text(Stream) == r"``B`` streams; ``next`` returns \|x\| and \*args."


def test_every_other_public_name_of_an_entry_is_an_alias():
    import lstmlib

    names = course_api.public_names(course_api.all_modules())
    assert {"lstmlib.LSTM", "lstmlib.layers.LSTM", "lstmlib.layers.lstm.LSTM"} <= names[id(lstmlib.LSTM)]
    from sphinx.domains.python import ObjectEntry

    objects = {"lstmlib.LSTM": ObjectEntry("book/api/lstmlib", "lstmlib.LSTM", "class", False),
               "lstmlib.LSTM.forward": ObjectEntry("book/api/lstmlib", "lstmlib.LSTM.forward", "method", False)}
    env = SimpleNamespace(get_domain=lambda name: SimpleNamespace(objects=objects))
    course_api.register_aliases(None, env)
    assert objects["lstmlib.layers.lstm.LSTM"] == ObjectEntry("book/api/lstmlib", "lstmlib.LSTM", "class", True)
    assert objects["lstmlib.layers.lstm.LSTM.forward"].node_id == "lstmlib.LSTM.forward"
    assert objects["lstmlib.layers.LSTM"].aliased


# --------------------------------------------------------------------------------------------
# Chinese marked as Chinese (course_lang.py)
# --------------------------------------------------------------------------------------------
ZH = '<span lang="zh-Hans">'


def test_every_run_of_chinese_text_is_marked():
    mark = course_lang.mark_chinese
    assert mark("<p>Glossary (术语表)</p>") == f"<p>Glossary ({ZH}术语表</span>)</p>"
    # a quoted sentence is one run, Latin words written inside it included
    assert mark("<em>“传统RNN面临的长期依赖问题。”</em>") == f"<em>“{ZH}传统RNN面临的长期依赖问题。</span>”</em>"
    # two terms in an English sentence are two runs
    assert mark("<li>input gate (输入门) and forget gate (遗忘门)</li>").count(ZH) == 2
    # in code: inside Pygments' spans
    assert mark('<span class="s1">\'输入门\'</span>') == f'<span class="s1">\'{ZH}输入门</span>\'</span>'


def test_what_must_stay_as_it_is_stays():
    mark = course_lang.mark_chinese
    for html in ['<title>Glossary (术语表)</title>', '<script>const a = "术语" < b;</script>',
                 '<style>.x::after { content: "术" }</style>', '<img alt="术语表" src="a.png">',
                 '<span class="math notranslate">\\(\\text{门}\\)</span>', '<svg><text>门</text></svg>',
                 '<p lang="zh-Hans">已经标记</p>', '<p>English only</p>', '<!-- 注释 -->']:
        assert mark(html) == html, html
    once = mark("<p>门 <b>细胞状态</b></p>")
    assert mark(once) == once                          # idempotent: a rebuild marks nothing twice
    assert mark("<p>x</p><script>if (a<b) { s = '门'; }</script><p>门</p>") == \
        f"<p>x</p><script>if (a<b) {{ s = '门'; }}</script><p>{ZH}门</span></p>"


def test_the_css_names_a_chinese_font_stack_and_no_web_font():
    css = (ROOT / "book" / "_static" / "course.css").read_text(encoding="utf8")
    rule = css[css.index(":lang(zh) {"):]
    rule = rule[:rule.index("}")]
    for font in ("Noto Sans CJK SC", "PingFang SC", "Microsoft YaHei"):
        assert font in rule
    assert "@font-face" not in css and "@import" not in css and "://" not in css


# --------------------------------------------------------------------------------------------
# The build's kernels get one environment
# --------------------------------------------------------------------------------------------
def test_the_kernels_environment_does_not_depend_on_the_callers():
    env = {"MPLBACKEND": "Agg", "OMP_NUM_THREADS": "8", "LANG": "de_DE.UTF-8", "PATH": "/bin"}
    course_site.kernel_environment(env)
    assert "MPLBACKEND" not in env                        # ipykernel's inline backend draws
    assert env["OMP_NUM_THREADS"] == env["MKL_NUM_THREADS"] == env["OPENBLAS_NUM_THREADS"] == "1"
    assert env["LSTMLIB_PROGRESS"] == "0"
    assert env["PATH"] == "/bin" and env["LANG"] == "de_DE.UTF-8"


def test_codeautolink_reads_a_chapter_with_exercises():
    """sphinx-exercise's title-less sections no longer unbalance sphinx-codeautolink's reader."""
    from docutils import nodes
    from docutils.frontend import get_default_settings
    from docutils.parsers.rst import Parser
    from docutils.utils import new_document
    from sphinx_codeautolink.extension.block import CodeBlockAnalyser
    from sphinx_exercise.nodes import exercise_enumerable_node, exercise_title

    nodes._add_node_class_names(["exercise_title", "solution_title"])   # as Sphinx's add_node does
    course_site.codeautolink_reads_exercise_titles()
    doc = new_document("chapter", get_default_settings(Parser))
    outer = nodes.section(ids=["exercises"])
    body = nodes.section(ids=["exercise-content"])
    body += nodes.paragraph(text="Do it.")
    exercise = exercise_enumerable_node()
    exercise += exercise_title(text="Exercise")
    exercise += body
    outer += nodes.title(text="Exercises")
    outer += exercise
    doc += outer
    visitor = CodeBlockAnalyser.__new__(CodeBlockAnalyser)
    nodes.SparseNodeVisitor.__init__(visitor, doc)
    visitor.title_stack, visitor.concat_section, visitor.skip = [], False, None
    doc.walkabout(visitor)                      # before the fix: IndexError: pop from empty list
    assert visitor.title_stack == []


def test_a_propertys_shape_first_line_is_text_not_a_type(app):
    """(T, B) bool: ... would be read by napoleon as the type "(T, B) bool", linking T and B."""
    from sphinx.ext.napoleon.docstring import GoogleDocstring

    def docstring(text):
        lines = text.split("\n")
        course_site.plain_text_docstrings(app, "property", "x.R.marked", None, {}, lines)
        lines[:] = GoogleDocstring(lines, app.config, what="property", name="x.R.marked").lines()
        course_site.shapes_are_text(app, "property", "x.R.marked", None, {}, lines)
        return lines

    shaped = docstring("(T, B) bool: the informative steps, where the marker is 1.")
    assert not any(l.startswith(":type:") for l in shaped), shaped
    assert "(T, B) bool: the informative steps, where the marker is 1." in shaped
    typed = docstring("int: the number of units.")          # a plain type stays napoleon's
    assert ":type: int" in typed


def test_a_class_entry_documents_lstmlibs_members_not_torchs():
    import lstmlib

    members = course_api.class_members(lstmlib.LSTM)
    assert {"forward", "gate", "from_torch", "to_torch"} <= set(members)     # gate: the base class's
    assert not {"training", "call_super_init", "dump_patches", "zero_grad"} & set(members)
    assert not {"add_note", "with_traceback", "args"} & set(course_api.class_members(lstmlib.Diverged))
    assert {"loss", "grad_norm", "seconds"} <= set(course_api.class_members(lstmlib.History))


def test_attributes_a_docstring_describes_are_not_documented_twice():
    class Problem:
        """A problem.

        Attributes:
            series: the series, with a long description
                that runs on.
            split (Split): the split.

        More text: not an attribute.
        """
        series: int
        lookback: int

        @property
        def split(self):
            """The split."""

    assert course_api.attributes_section(Problem) == {"series", "split"}
    Problem.__module__ = "lstmlib.example"
    assert course_api.class_members(Problem) == ["lookback"]
