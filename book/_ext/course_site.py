"""The website's own Sphinx extension: the API reference, Chinese marked as Chinese, one rule
for exercises, a build that does not depend on the caller's environment, two fixes to a stock
build.

Loaded from ``_config.yml`` (``sphinx: local_extensions: {course_site: book/_ext}``).

API reference (``course_api.py`` beside this file). ``book/api.md`` is an index with summary
tables; every module of ``lstmlib`` gets its own page, generated from the package when the
build starts, so a new module appears without editing a list. Each object is documented once,
under the name readers import it by, and its other names resolve to that entry.
lstmlib's docstrings are plain text, micrograd-style: an indented block after a paragraph is
an equation or a usage example laid out by hand, and ``max |C_t|`` is a formula.
reStructuredText would run the block's lines together and read ``|C_t|`` as a substitution,
so :func:`plain_text_docstrings` makes such blocks code blocks and escapes stray markup
before napoleon reads the Google-style sections (``Args:``, ``Returns:``).

Chinese (``course_lang.py``). Every run of Chinese text on every page is wrapped in
``lang="zh-Hans"``, so that browsers choose a Chinese font and screen readers a Chinese voice.

The kernels' environment (:func:`kernel_environment`). The notebooks the build executes get the
same environment whatever the caller set: no ``MPLBACKEND`` (a kernel then draws figures inline;
with ``MPLBACKEND=Agg`` from a headless shell ``plt.show()`` would draw nothing), one BLAS/OpenMP
thread, and ``LSTMLIB_PROGRESS=0`` (no progress bars on the pages).

References. Citations read "[Olah, 2015]" (``bibtex_reference_style: author_year``); the
bibliography labels its entries the same way, with the pybtex style ``author_year`` defined
here (``bibtex_default_style`` in ``_config.yml``), instead of numbering them [1], [2], ...

Exercises. Every ``{solution}`` (sphinx-exercise) is folded until the reader clicks it, in
every chapter, without each author remembering ``:class: dropdown``: we add that class here,
and sphinx-togglebutton folds it. Exercises are numbered per chapter, as the chapters' text
numbers them (``course_checks.py``, which also holds the rules for the folded check cells).

Fixes. ``tests/test_site.py`` opens every page in a real browser and fails on any console
error or failed request; without these two fixes it would fail on every page.

1. Inline scripts emitted twice. Sphinx 7.4 stores an inline script (``add_js_file(None,
   body=...)``) added after the builder started under the name ``None``, and adds it again
   under ``''`` before writing, so the two copies are not recognised as one. sphinx-thebe's
   ``const THEBE_JS_URL = ...`` then runs twice and the browser reports "Identifier
   'THEBE_JS_URL' has already been declared" on every page. We drop the second copy.

2. The site's root ``index.html``. The book's first page is ``book/intro``, so
   sphinx-external-toc writes ``index.html`` as a bare ``<meta>`` redirect. That page names
   no icon, so browsers request ``/favicon.ico`` and get a 404 (and naming the book's icon
   does not help: the redirect aborts its request). We write the redirect page ourselves,
   with an empty inline icon, a title and a link for browsers that do not redirect.
"""
from __future__ import annotations

import ast
import hashlib
import html
import inspect
import os
import re
import textwrap
from pathlib import Path

import course_api
import course_checks
import course_lang
from course_markup import escape_markup
from lstmlib.machines import KERNEL_ENV, KERNEL_ENV_REMOVED   # what every notebook run gets

PACKAGE = course_api.PACKAGE


def kernel_environment(environ=os.environ):
    """Give the notebooks this build executes the same environment whatever the caller set.

    The kernels are this process's children, so they inherit what is set here: no
    ``MPLBACKEND`` (ipykernel then chooses its inline backend, which draws every figure into
    the page; ``MPLBACKEND=Agg``, common on headless machines, makes ``plt.show()`` draw
    nothing), one BLAS/OpenMP thread (results that do not depend on the machine's cores), and
    no progress bars (``LSTMLIB_PROGRESS=0``: tqdm's widget would be an output of the page).
    """
    for name in KERNEL_ENV_REMOVED:
        environ.pop(name, None)
    environ.update(KERNEL_ENV)


LIST_ITEM = re.compile(r"^([-*+]|\d+[.)]|#\.)\s")


def plain_text_docstrings(app, what, name, obj, options, lines):
    """autodoc-process-docstring, before napoleon: read lstmlib's docstrings as plain text.

    - An indented block that follows a top-level line becomes a code block (Python if it
      parses as Python, plain text otherwise), unless that line is a napoleon section header
      (``Args:``), a list item, a field, a directive, or already ends in ``::``.
    - Elsewhere, ``|`` and a ``*`` that opens no emphasis are escaped: in plain text
      ``max |C_t|`` is a formula and ``lit(*parts)`` is a call, not reStructuredText markup.
      ````code````, roles such as ``:class:`LSTM```, and ``*emphasis*`` keep their meaning.
    """
    from sphinx.ext.napoleon.docstring import GoogleDocstring

    sections = set(GoogleDocstring("", app.config)._sections)
    out, i = [], 0
    while i < len(lines):
        line = lines[i]
        prev = [l for l in out if l.strip()]
        top = prev[-1] if prev else None
        if line.strip() and line[0] == " " and top is not None and top[0] != " ":
            end = i                                       # the block runs to the next top-level line
            while end < len(lines) and (not lines[end].strip() or lines[end][0] == " "):
                end += 1
            block = lines[i:end]
            text = top.strip()
            literal = text.endswith("::") or text.startswith(".. ")
            prose = (text.startswith(":") or LIST_ITEM.match(text)
                     or (text.endswith(":") and text[:-1].strip().lower() in sections))
            code = not (literal or prose)
            if code:
                language = "python" if _is_python(block) else "text"
                out += ([] if not out or not out[-1].strip() else [""]) + [
                    f".. code-block:: {language}", ""]
            out += [escape_markup(l) for l in block] if prose else block
            if code and end < len(lines):
                out.append("")                            # the paragraph after the block
            i = end
            continue
        out.append(line if line.startswith((".. ", ">>>")) else escape_markup(line))
        i += 1
    lines[:] = out


TYPE_FIELD = re.compile(r"^:type: (.*)$")
PLAIN_TYPE = re.compile(r"^[\w.\[\]|`~]+$")       # int, torch.Tensor, list[int], ``x``


def shapes_are_text(app, what, name, obj, options, lines):
    """autodoc-process-docstring, after napoleon: a property's shape stays in its sentence.

    The course's docstrings start with the shape: ``(T, B) bool: the informative steps``.
    Napoleon reads what comes before the first colon of a property's or attribute's docstring
    as its type (``:type: (T, B) bool``), and ``-n`` then fails on links to types ``T`` and
    ``B``. A "type" that is not a plain name (it has spaces, commas or parentheses) goes back
    in front of the description it came from.
    """
    if what not in ("property", "attribute"):
        return
    for k, line in enumerate(lines):
        m = TYPE_FIELD.match(line)
        if m and not PLAIN_TYPE.match(m.group(1).strip()):
            del lines[k]
            if k > 0 and not lines[k - 1].strip():
                del lines[k - 1]
            first = next((j for j, l in enumerate(lines) if l.strip()), None)
            if first is None:
                lines.append(m.group(1))
            else:
                lines[first] = f"{m.group(1)}: {lines[first].lstrip()}" if lines[first].strip() \
                    else m.group(1)
            return


def data_descriptions(app, what, name, obj, options, lines):
    """autodoc-process-docstring: data says what it is, not what its type is.

    autodoc gives a module-level value without a doc comment its type's docstring (a dict's
    "dict() -> new empty dictionary", an exercise's the whole Exercise class); the entry says
    instead what ``course_api.data_description`` says: its doc comment, or whose instance it is.
    """
    if what != "data" or obj is None or not lines:
        return
    type_doc = inspect.getdoc(type(obj)) or ""
    if "\n".join(lines).strip() == type_doc.strip():
        modname, _, attr = name.rpartition(".")
        lines[:] = course_api.data_description(modname, attr).splitlines()


def only_lstmlib_members(app, what, name, obj, skip, options):
    """autodoc-skip-member: of a class's inherited members, document lstmlib's own only.

    A layer subclasses ``torch.nn.Module`` and a drawing canvas may subclass matplotlib's
    ``Figure``: their hundreds of methods belong to those projects' documentation.
    """
    target = obj.fget if isinstance(obj, property) else obj
    module = getattr(target, "__module__", None)
    if what == "class" and isinstance(module, str) and module.split(".")[0] != PACKAGE:
        return True
    return None


def _is_python(block):
    try:
        ast.parse(textwrap.dedent("\n".join(block)))
    except SyntaxError:
        return False
    return True


def write_api_pages(app, config):
    """config-inited, before Sphinx looks for documents: one page per module, for a book that
    has the API index (a throwaway book of the tests has none, and gets no pages)."""
    if (Path(app.srcdir) / f"{course_api.INDEX}.md").is_file():
        course_api.write_pages(Path(app.srcdir))


def fill_api_index(app, docname, source):
    """source-read: replace the marker on the API index by the summary tables."""
    if course_api.SUMMARY_MARKER.search(source[0]):
        summary = course_api.summary_markdown()
        source[0] = course_api.SUMMARY_MARKER.sub(lambda _: summary, source[0])
        app.env.course_site_api = getattr(app.env, "course_site_api", {})
        app.env.course_site_api[docname] = _fingerprint(summary)


def api_index_outdated(app, env, added, changed, removed):
    """env-get-outdated: re-read the API index when a module or a summary line changed.

    Its summary tables and its list of pages (the ``glob`` of _toc.yml) come from the package,
    which Sphinx does not know the index depends on.
    """
    pages = getattr(env, "course_site_api", {})
    summary = _fingerprint(course_api.summary_markdown()) if pages else None
    return [doc for doc, seen in pages.items() if seen != summary]


def codeautolink_reads_exercise_titles():
    """Let sphinx-codeautolink read chapters that have exercises.

    sphinx-exercise puts an exercise's title (``exercise_title``, a subclass of docutils'
    ``title``) in the exercise node and its body in a ``section`` that has no title of its own.
    sphinx-codeautolink's reader keeps a stack of section titles, pushes on every node named
    ``title`` and pops on every section it leaves, so in a chapter with exercises it pops
    more than it pushed and the build stops with "IndexError: pop from empty list". Reading
    sphinx-exercise's titles as titles keeps the stack balanced (one push, one pop each).
    """
    from sphinx_codeautolink.extension.block import CodeBlockAnalyser

    # (Sphinx's add_node gives every visitor base class a no-op visit_<node>: set it on the
    # class itself.)
    for name in ("exercise_title", "solution_title"):
        setattr(CodeBlockAnalyser, f"visit_{name}", CodeBlockAnalyser.visit_title)


def codeautolink_keeps_links_of_unchanged_pages():
    """Let sphinx-codeautolink keep the links of pages a rebuild does not read again.

    Between builds it keeps each page's code names in ``codeautolink-cache.json``, but on
    reading that file back it drops every page whose source is not ``<page>.rst``: in this
    book, every chapter (``.ipynb``) and page (``.md``). A rebuild with nothing changed then
    wrote the chapters without a single link into the API reference. Keep every page whose
    source exists, whatever its suffix.
    """
    from sphinx_codeautolink.extension import cache

    read_rst_only = cache.DataCache.read

    def read(self):
        src_dir = self.src_dir
        # The original keeps a page when ``src_dir / (page + ".rst")`` exists: give it a path
        # whose ".rst" child exists exactly when the page's source does, in any suffix.
        self.src_dir = _AnySuffix(src_dir)
        try:
            read_rst_only(self)
        finally:
            self.src_dir = src_dir

    cache.DataCache.read = read


class _AnySuffix:
    """A source folder ``/`` a page name gives a path that exists when any source does."""

    SUFFIXES = (".rst", ".md", ".ipynb")

    def __init__(self, folder):
        self.folder = Path(folder)

    def __truediv__(self, name):
        page = str(name).removesuffix(".rst")
        for suffix in self.SUFFIXES:
            if (self.folder / (page + suffix)).exists():
                return self.folder / (page + suffix)
        return self.folder / name


def _fingerprint(text):
    return hashlib.sha256(text.encode()).hexdigest()


def _author_year_style():
    """A pybtex style: sorted by author and year like "plain", labelled "Olah, 2015"."""
    from pybtex.richtext import Text
    from pybtex.style.formatting.plain import Style as Plain
    from pybtex.style.labels import BaseLabelStyle

    def surname(person):
        return Text.from_latex(" ".join(person.prelast_names + person.last_names)).render_as("text")

    class AuthorYearLabels(BaseLabelStyle):
        def format_labels(self, sorted_entries):
            labels = []
            for entry in sorted_entries:
                people = entry.persons.get("author") or entry.persons.get("editor") or []
                names = [surname(p) for p in people]
                who = (names[0] if len(names) == 1 else " and ".join(names) if len(names) == 2
                       else f"{names[0]} et al." if names else entry.fields.get("title", entry.key))
                labels.append(f"{who}, {entry.fields.get('year', 'n.d.')}")
            for label in set(labels):                 # "Gers et al., 2000a", "... 2000b"
                where = [k for k, l in enumerate(labels) if l == label]
                if len(where) > 1:
                    for letter, k in zip("abcdefghij", where):
                        labels[k] += letter
            return iter(labels)

    class AuthorYear(Plain):
        default_label_style = AuthorYearLabels

    return AuthorYear


def fold_solutions(app, doctree):
    """doctree-read: give every sphinx-exercise solution the ``dropdown`` class."""
    from sphinx_exercise.nodes import solution_node, solution_start_node

    for node in doctree.findall(lambda n: isinstance(n, (solution_node, solution_start_node))):
        if "dropdown" not in node["classes"]:
            node["classes"].append("dropdown")


def one_document(app, doctree):
    """doctree-read: every node of a page belongs to the page's own document.

    A node made inside a nested parse (MyST's ``eval-rst`` block, as every API page has) keeps
    a reference to the throwaway document of that parse, whose settings still hold the build
    environment; Sphinx clears ``env`` only on the page's own document before pickling it. So
    each API page's pickled doctree carried the whole environment (sphinx-exercise keeps its
    nodes, and with them every chapter and its animations): 10.9 MB a page, 750 MB in all, and
    a warm rebuild spent 45 s unpickling them (to number figures). Pointing the nodes at the
    page's document keeps each doctree to its own page.
    """
    for node in doctree.findall():
        if getattr(node, "_document", None) not in (None, doctree):
            node._document = doctree


def drop_duplicate_scripts(app, pagename, templatename, context, doctree):
    """html-page-context: keep the first of several identical scripts."""
    scripts = context.get("script_files")
    if not scripts:
        return
    seen, unique = set(), []
    for js in scripts:
        key = (js.filename or "", js.priority, tuple(sorted(js.attributes.items())))
        if key not in seen:
            seen.add(key)
            unique.append(js)
    context["script_files"] = unique


def write_index_redirect(app, exception):
    """build-finished: write ``index.html`` as a redirect to the book's first page."""
    if exception is not None or app.builder.format != "html" or app.config.root_doc == "index":
        return
    target = f"{app.config.root_doc}.html"
    # An empty data: icon, not the book's: the redirect would abort that request half-way.
    icon = '  <link rel="icon" href="data:,">\n'
    title = html.escape(app.config.html_title or app.config.project)
    Path(app.outdir, "index.html").write_text(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n"
        '  <meta charset="utf-8">\n'
        f'  <meta http-equiv="refresh" content="0; url={target}">\n'
        f"  <title>{title}</title>\n{icon}"
        "</head>\n<body>\n"
        f'  <p><a href="{target}">{title}</a></p>\n'
        "</body>\n</html>\n",
        encoding="utf8",
    )


def setup(app):
    from pybtex.plugin import register_plugin

    kernel_environment()
    codeautolink_reads_exercise_titles()
    codeautolink_keeps_links_of_unchanged_pages()
    register_plugin("pybtex.style.formatting", "author_year", _author_year_style(), force=True)
    app.connect("config-inited", write_api_pages, priority=50)
    app.connect("source-read", fill_api_index)
    app.connect("autodoc-process-docstring", data_descriptions, priority=300)
    app.connect("autodoc-process-docstring", plain_text_docstrings, priority=400)
    app.connect("autodoc-process-docstring", shapes_are_text, priority=600)   # after napoleon
    app.connect("autodoc-skip-member", only_lstmlib_members)
    app.connect("env-get-outdated", api_index_outdated)
    # Before sphinx-codeautolink (priority 500) reads the Python domain into its inventory.
    app.connect("env-updated", course_api.register_aliases, priority=400)
    app.connect("doctree-read", fold_solutions)
    # After Sphinx's toctree collector (priority 500) has numbered them across the book.
    app.connect("env-get-updated", course_checks.number_exercises_per_chapter, priority=900)
    app.connect("missing-reference", course_checks.sibling_reference)
    app.connect("doctree-read", one_document, priority=900)
    app.connect("html-page-context", drop_duplicate_scripts, priority=900)
    # Before sphinx-external-toc's own redirect (priority 500), which then sees the file exists.
    app.connect("build-finished", write_index_redirect, priority=400)
    app.connect("build-finished", course_lang.mark_pages, priority=600)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
