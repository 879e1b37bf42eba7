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


# --------------------------------------------------------------------------------------------
# The claims protocol (CONTRIBUTING.md): a seed to change, checks that speak and are folded,
# exercises referred to as the site numbers them, a takeaway box.
# --------------------------------------------------------------------------------------------
import ast  # noqa: E402

import course_checks  # noqa: E402

from lstmlib import machines  # noqa: E402

CHAPTERS = [nb for nb in notebooks() if re.match(r"(\d\d|a\d)_", nb.name)]
EXERCISE_LABEL = re.compile(r"^:label: ((?:ch\d\d|a\d)-ex-(\d+))$", re.MULTILINE)
EXERCISE_REF = re.compile(r"\{ref\}`(?:([^`<]*?)\s*<)?((?:ch\d\d|a\d)-ex-(\d+))>?`")
EXERCISE_WORD = re.compile(r"\b[Ee]xercises? \d")


def cells(nb_path):
    nb = json.loads(nb_path.read_text(encoding="utf8"))
    return [dict(c, source="".join(c["source"])) for c in nb["cells"]]


def test_every_chapter_has_one_seed_line_to_change():
    import nbformat
    for nb in CHAPTERS:
        machines.set_seed(nbformat.read(nb, as_version=4), 7)       # raises unless exactly one
        first = next(c for c in cells(nb) if c["cell_type"] == "code")["source"]
        assert re.search(r"^SEED = 0$", first, re.MULTILINE), f"{nb.name}: the page's seed is not 0"


def test_no_notebook_has_a_bare_assert():
    """A claim that fails must say so in words (lstmlib.claims), not as a bare AssertionError."""
    found = []
    for nb in notebooks():
        for i, c in enumerate(cells(nb)):
            if c["cell_type"] == "code":
                tree = ast.parse(c["source"])
                found += [f"{nb.name} cell {i}: {ast.unparse(n)[:60]}"
                          for n in ast.walk(tree) if isinstance(n, ast.Assert)]
    assert not found, "use claims.check or claims.count instead of:\n  " + "\n  ".join(found)


def test_claims_are_checked_in_folded_cells_of_their_own():
    bad = []
    for nb in CHAPTERS:
        for i, c in enumerate(cells(nb)):
            if course_checks.is_check_cell(c):
                bad += [f"{nb.name} cell {i}: {p}" for p in course_checks.problems(c)]
            elif "hide-input" in c.get("metadata", {}).get("tags", []):
                bad.append(f"{nb.name} cell {i}: folded, but checks no claim")
    assert not bad, ("check cells must be folded and do nothing but check "
                     "(scripts/fold_checks.py folds them):\n  " + "\n  ".join(bad))


def test_every_chapter_checks_its_claims():
    for nb in CHAPTERS:
        assert sum(course_checks.is_check_cell(c) for c in cells(nb)) >= 3, nb.name


def test_exercises_are_referred_to_by_their_labels():
    """'exercise 3' in a chapter's text is {ref}`ch08-ex-3`, which the site numbers as the text."""
    labels = {}
    for nb in CHAPTERS:
        for c in cells(nb):
            if c["cell_type"] == "markdown":
                labels.update({m.group(1): (nb.name, int(m.group(2)))
                               for m in EXERCISE_LABEL.finditer(c["source"])})
    bad = []
    for nb in CHAPTERS:
        numbers = sorted(n for name, n in labels.values() if name == nb.name)
        assert numbers == list(range(1, len(numbers) + 1)), f"{nb.name}: exercises {numbers}"
        for i, c in enumerate(cells(nb)):
            if c["cell_type"] != "markdown":
                continue
            text = c["source"]
            for m in EXERCISE_REF.finditer(c["source"]):
                shown, target, n = m.group(1), m.group(2), int(m.group(3))
                if target not in labels:
                    bad.append(f"{nb.name} cell {i}: {{ref}} to {target}, which no chapter has")
                elif shown and not re.fullmatch(rf"[Ee]xercise {n}", shown.strip()):
                    bad.append(f"{nb.name} cell {i}: '{shown}' shown for {target}")
            rest = EXERCISE_REF.sub("", text)
            bad += [f"{nb.name} cell {i}: '{rest[m.start():m.start() + 30]}' is not a {{ref}}"
                    for m in EXERCISE_WORD.finditer(rest)]
    assert not bad, "\n  ".join(["refer to exercises as {ref}`chNN-ex-N`:"] + bad)


def test_every_chapter_ends_with_what_to_remember():
    for nb in CHAPTERS:
        text = "\n".join(c["source"] for c in cells(nb) if c["cell_type"] == "markdown")
        box = re.search(r"```\{admonition\} What to remember\n:class: tip\n(.*?)```", text, re.DOTALL)
        assert box, f"{nb.name}: no box 'What to remember'"
        items = [l for l in box.group(1).splitlines() if l.startswith("- ")]
        assert 2 <= len(items) <= 4, f"{nb.name}: 'What to remember' has {len(items)} items"
