"""lstmlib's layout: packages by role, imports running one way, small modules and functions.

The order below is the package docstring's: a module may import from its own package and from
any package listed after its own, never from one listed before. No module imports another
package's private names, and nothing imports a chapter's code except the chapters (and
``book/_ext``, which documents them).
"""
import ast
from pathlib import Path

import pytest

import lstmlib

ROOT = Path(lstmlib.__file__).resolve().parent
ORDER = ["experiments", "exercises", "forecasting", "analysis", "plots", "diagrams", "models",
         "scratch", "training", "tasks", "layers", "cells", "style", "claims", "machines",
         "validate"]
MAX_MODULE_LINES, MAX_FUNCTION_LINES = 300, 60


def modules():
    return sorted(p for p in ROOT.rglob("*.py"))


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def role(module: str) -> str:
    return module.split(".")[1] if "." in module else "lstmlib"


def imports(path: Path):
    """(imported module, [names]) for every lstmlib import in the file, made absolute."""
    here = module_name(path)
    package = here if path.name == "__init__.py" else here.rsplit(".", 1)[0]
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[:len(base) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target.split(".")[0] == "lstmlib":
                for a in node.names:
                    sub = f"{target}.{a.name}"
                    path_of = ROOT.parent / sub.replace(".", "/")
                    if path_of.is_dir() or path_of.with_suffix(".py").exists():
                        yield sub, []                    # a module imported by name
                    else:
                        yield target, [a.name]
        elif isinstance(node, ast.Import):
            for a in node.names:
                if a.name.split(".")[0] == "lstmlib":
                    yield a.name, []


def test_the_package_has_about_fifteen_top_level_entries_listed_in_its_docstring():
    entries = sorted(p.stem for p in ROOT.iterdir()
                     if (p.suffix == ".py" and p.name != "__init__.py") or (p / "__init__.py").exists())
    assert sorted(entries) == sorted(ORDER)
    doc = lstmlib.__doc__
    for name in ORDER:
        assert f"\n    {name} " in doc, f"the package docstring does not list {name}"


@pytest.mark.parametrize("path", modules(), ids=lambda p: str(p.relative_to(ROOT.parent)))
def test_imports_run_one_way_and_use_no_private_name_of_another_package(path):
    here = module_name(path)
    mine = role(here)
    if mine == "lstmlib":
        return                              # the package's own __init__ re-exports from below
    for target, names in imports(path):
        theirs = role(target)
        if theirs in ("lstmlib", mine):
            continue
        assert ORDER.index(theirs) > ORDER.index(mine), \
            f"{here} (role {mine}) imports {target} (role {theirs}), which comes before it"
        private = [n for n in names if n.startswith("_")]
        assert not private, f"{here} imports private names {private} from another package, {target}"


@pytest.mark.parametrize("path", modules(), ids=lambda p: str(p.relative_to(ROOT.parent)))
def test_modules_and_functions_are_small(path):
    text = path.read_text()
    assert len(text.splitlines()) <= MAX_MODULE_LINES, \
        f"{path.name}: {len(text.splitlines())} lines, more than {MAX_MODULE_LINES}"
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body[1:] if (isinstance(node.body[0], ast.Expr) and
                                     isinstance(getattr(node.body[0], "value", None), ast.Constant)) else node.body
            lines = body[-1].end_lineno - body[0].lineno + 1 if body else 0
            assert lines <= MAX_FUNCTION_LINES, \
                f"{path.name}: {node.name} has {lines} lines of body, more than {MAX_FUNCTION_LINES}"


def test_the_site_extensions_do_not_import_each_other_in_a_cycle():
    ext = ROOT.parent / "book" / "_ext"
    graph = {}
    for p in ext.glob("*.py"):
        tree = ast.parse(p.read_text())
        graph[p.stem] = {n.module if isinstance(n, ast.ImportFrom) else a.name
                         for n in ast.walk(tree) if isinstance(n, (ast.Import, ast.ImportFrom))
                         for a in (n.names if isinstance(n, ast.Import) else [n])
                         if (n.module if isinstance(n, ast.ImportFrom) else a.name) in
                         {q.stem for q in ext.glob("*.py")}}
    for a, deps in graph.items():
        for b in deps:
            assert a not in graph.get(b, ()), f"book/_ext: {a} and {b} import each other"


@pytest.mark.parametrize("path", sorted((ROOT / "experiments").glob("*.py")), ids=lambda p: p.name)
def test_a_chapters_modules_import_only_their_own_chapter(path):
    """How a task is trained lives in the library (lstmlib.models.recipes), not in another
    chapter's module: chNN_x imports chNN and chNN_y, never chMM."""
    mine = path.stem.split("_")[0]
    for target, _ in imports(path):
        if target.startswith("lstmlib.experiments."):
            theirs = target.split(".")[2].split("_")[0]
            assert theirs == mine, f"{path.name} imports {target}, another chapter's module"
