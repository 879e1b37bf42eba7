"""The book's structure: every chapter is in the table of contents and committed without outputs."""
import json
import pathlib
import re

from site_browser import COLUMN, display_width, toc_pages  # noqa: I001 (puts book/_ext on the path)

import course_api  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parents[1]
BOOK = ROOT / "book"


def toc_files():
    """Every file of _toc.yml, relative to the repository root and without suffix: ``book/intro``."""
    return [page.removesuffix(".html") for page in toc_pages(ROOT)]


def notebooks():
    return sorted(p for p in BOOK.rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)


def test_every_toc_entry_exists():
    generated = {course_api.page_docname(m) for m in course_api.all_modules()}   # by the build
    for f in toc_files():
        candidates = [ROOT / (f + ext) for ext in (".md", ".ipynb")] + [ROOT / f]
        assert f in generated or any(c.is_file() for c in candidates), \
            f"_toc.yml lists {f}, which does not exist"


def test_every_notebook_is_in_the_toc():
    listed = {str(pathlib.Path(f).with_suffix("")) for f in toc_files()}
    for nb in notebooks():
        rel = str(nb.relative_to(ROOT).with_suffix(""))
        assert rel in listed, f"{rel}.ipynb is not listed in _toc.yml, so the website would not show it"


def test_notebooks_are_committed_without_outputs():
    for nb in notebooks():
        cells = json.loads(nb.read_text())["cells"]
        dirty = [i for i, c in enumerate(cells)
                 if c["cell_type"] == "code" and (c.get("outputs") or c.get("execution_count"))]
        assert not dirty, f"{nb.name}: code cells {dirty} carry outputs; clear them before committing"


def test_notebook_kernels_are_python3():
    for nb in notebooks():
        meta = json.loads(nb.read_text())["metadata"]
        assert meta.get("kernelspec", {}).get("name") == "python3", f"{nb.name}: kernel is not python3"


# --------------------------------------------------------------------------------------------
# Code that fits the column: the site's code column shows 79 characters without scrolling.
# --------------------------------------------------------------------------------------------
FENCE = re.compile(r"^(\s*)(`{3,}|~{3,})(.*)$")


def fenced_code(markdown: str):
    """The lines of a Markdown cell's fenced code blocks (```python ... ```), not its prose.

    A fence whose info string is a directive (````{exercise}) holds Markdown, which may hold
    code blocks of its own.
    """
    lines, stack = [], []                     # open fences: (marker, holds code)
    for line in markdown.splitlines():
        m = FENCE.match(line)
        closes = (m and stack and not m.group(3).strip() and m.group(2)[0] == stack[-1][0][0]
                  and len(m.group(2)) >= len(stack[-1][0]))
        if closes:
            stack.pop()
        elif stack and stack[-1][1]:
            lines.append(line)
        elif m:
            stack.append((m.group(2), not m.group(3).strip().startswith("{")))
    return lines


def too_wide(nb_path: pathlib.Path):
    """(cell index, width, line) of every code line wider than the column."""
    cells = json.loads(nb_path.read_text(encoding="utf8"))["cells"]
    found = []
    for i, cell in enumerate(cells):
        source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        lines = source.splitlines() if cell["cell_type"] == "code" else fenced_code(source)
        found += [(i, display_width(l), l) for l in lines if display_width(l) > COLUMN]
    return found


def test_no_code_line_is_wider_than_the_column():
    problems = [f"{nb.relative_to(ROOT)} cell {i}: {w} columns: {line.strip()[:60]}"
                for nb in notebooks() for i, w, line in too_wide(nb)]
    assert not problems, (f"{len(problems)} code lines are wider than {COLUMN} columns:\n  "
                          + "\n  ".join(problems))


def test_the_width_rule_itself():
    assert display_width("x" * 79) == 79 and display_width("术语表") == 6
    md = ("Text that is long " * 10 + "\n```python\nok = 1\n```\n````{exercise}\n:label: x\n"
          + "Prose " * 20 + "\n```python\nalso = 2\n```\n````\n" + "More prose " * 10)
    assert fenced_code(md) == ["ok = 1", "also = 2"]
