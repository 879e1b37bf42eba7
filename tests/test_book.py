"""The book's structure: every chapter is in the table of contents and committed without outputs."""
import json
import pathlib

from site_browser import toc_pages

ROOT = pathlib.Path(__file__).resolve().parents[1]
BOOK = ROOT / "book"


def toc_files():
    """Every file of _toc.yml, relative to the repository root and without suffix: ``book/intro``."""
    return [page.removesuffix(".html") for page in toc_pages(ROOT)]


def notebooks():
    return sorted(p for p in BOOK.rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)


def test_every_toc_entry_exists():
    for f in toc_files():
        candidates = [ROOT / (f + ext) for ext in (".md", ".ipynb")] + [ROOT / f]
        assert any(c.is_file() for c in candidates), f"_toc.yml lists {f}, which does not exist"


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
