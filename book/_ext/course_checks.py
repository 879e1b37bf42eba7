"""The chapters' conventions for checks and exercises, applied to the notebooks and the site.

Check cells. Every quantitative sentence of a chapter is checked by ``lstmlib.claims`` in a
code cell of its own, just below it. Such a cell starts with a comment that says what it
checks, ``# Check: every GRU run with b_z = 3 learns temporal order``, and holds nothing but
the checks (and the names they need). :func:`fold` gives each one the metadata that folds
it, on the website (the ``hide-input`` tag, with the toggle labelled "Check: ...") and in
JupyterLab (``jupyter.source_hidden``), so that the text reads as a text and the proof is
one click away:

    .venv/bin/python scripts/fold_checks.py book/*.ipynb     # after editing a notebook

``tests/test_book.py`` fails on a check cell that is not folded, or on any other cell that
checks a claim.

Exercise numbers. The text of a chapter numbers its exercises 1, 2, ... and refers to them
as ``{ref}`ch08-ex-3```; Sphinx would number them across the whole book ("Exercise 31").
:func:`number_exercises_per_chapter` numbers them per page, so that the heading, the
reference and the text agree.
"""
from __future__ import annotations

import ast
import re

CHECK_COMMENT = re.compile(r"^# Check: (\S.*)$")
CLAIM_CALLS = ("check", "count")
PROMPT_HIDE = "Hide the check"


def claim_calls(source: str) -> int:
    """How many ``claims.check(...)`` / ``claims.count(...)`` calls a cell's code makes."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return 0
    return sum(isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute)
               and n.func.attr in CLAIM_CALLS and isinstance(n.func.value, ast.Name)
               and n.func.value.id == "claims" for n in ast.walk(tree))


def check_label(source: str) -> str | None:
    """The label of a check cell: its first line, ``# Check: <label>`` (None if it has none)."""
    first = source.lstrip("\n").split("\n", 1)[0]
    match = CHECK_COMMENT.match(first)
    return match.group(1).strip() if match else None


def is_check_cell(cell) -> bool:
    return cell.get("cell_type") == "code" and claim_calls("".join(cell.get("source", ""))) > 0


def folded_metadata(label: str) -> dict:
    """What a folded check cell carries: the tag, the toggle's labels, JupyterLab's fold."""
    return {"tags": ["hide-input"],
            "mystnb": {"code_prompt_show": f"Check: {label}", "code_prompt_hide": PROMPT_HIDE},
            "jupyter": {"source_hidden": True}}


def problems(cell) -> list[str]:
    """What is wrong with a check cell (an empty list: nothing)."""
    source = "".join(cell.get("source", ""))
    label = check_label(source)
    if label is None:
        return ["its first line is not a comment '# Check: <what it checks>'"]
    out = []
    meta = cell.get("metadata", {})
    want = folded_metadata(label)
    if "hide-input" not in meta.get("tags", []):
        out.append("it has no 'hide-input' tag")
    if meta.get("mystnb", {}) != want["mystnb"]:
        out.append(f"its toggle is not labelled {want['mystnb']['code_prompt_show']!r}")
    if meta.get("jupyter", {}).get("source_hidden") is not True:
        out.append("it is not folded in JupyterLab (jupyter.source_hidden)")
    tree = ast.parse(source)
    for node in ast.walk(tree):
        if isinstance(node, ast.Expr) and not (isinstance(node.value, ast.Call)
                                               and claim_calls(ast.unparse(node))):
            out.append(f"it does more than check: `{ast.unparse(node)[:60]}`")
        if isinstance(node, ast.Assert):
            out.append("it has a bare assert (use claims.check)")
    return out


def fold(nb: dict) -> int:
    """Give every check cell of a notebook (nbformat JSON) the folded metadata; how many changed.

    Raises:
        ValueError: a check cell has no ``# Check: ...`` first line.
    """
    changed = 0
    for i, cell in enumerate(nb["cells"]):
        if not is_check_cell(cell):
            continue
        label = check_label("".join(cell["source"]))
        if label is None:
            raise ValueError(f"cell {i} checks claims but does not start with "
                             f"'# Check: <what it checks>'")
        want = folded_metadata(label)
        meta = cell.setdefault("metadata", {})
        before = repr(meta)
        tags = meta.setdefault("tags", [])
        if "hide-input" not in tags:
            tags.append("hide-input")
        meta["mystnb"] = want["mystnb"]
        meta.setdefault("jupyter", {})["source_hidden"] = True
        changed += repr(meta) != before
    return changed


def number_exercises_per_chapter(app, env):
    """env-get-updated, after Sphinx numbered the figures: exercises 1, 2, ... on each page.

    Returns the pages whose numbers changed, so that Sphinx writes them again.
    """
    changed = []
    for docname, numbers in env.toc_fignumbers.items():
        exercises = numbers.get("exercise")
        if not exercises:
            continue
        per_page = {k: (i + 1,) for i, k in enumerate(sorted(exercises, key=exercises.get))}
        if per_page != exercises:
            numbers["exercise"] = per_page
            changed.append(docname)
    return changed


def sibling_reference(app, env, node, contnode):
    """missing-reference: resolve a chapter module's short reference to a sibling module
    (``ch01.exploding`` written in ``lstmlib.experiments.ch01_runs``) or to its chapter's
    main module (``forget_feedback`` written in ``ch06_plots`` means ``ch06.forget_feedback``)."""
    if node.get("refdomain") != "py" or "." not in (node.get("py:module") or ""):
        return None
    module, target = node["py:module"], node["reftarget"]
    package, name = module.rsplit(".", 1)
    chapter = name.split("_")[0]
    domain = env.get_domain("py")
    for full in (f"{package}.{target}", f"{package}.{chapter}.{target}"):
        found = domain.resolve_xref(env, node["refdoc"], app.builder, node["reftype"],
                                    full, node, contnode)
        if found is not None:
            return found
    return None
