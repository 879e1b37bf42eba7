"""What the site's build does with a chapter, shown on a tiny throwaway book that uses the
course's own ``_config.yml``: a notebook that fails fails the build (the site never ships a
chapter without its outputs); a notebook that runs gets a download button, launch buttons once
a repository URL is set, and its plots' alt text from the cell metadata, whatever matplotlib
backend, thread settings or locale the caller's shell has."""
from __future__ import annotations

import html.parser
import json
import shutil

import pytest
import yaml

from site_browser import ROOT, alt_problem, build_book

PLOT = "import matplotlib.pyplot as plt\nplt.plot([0, 1, 2], [0, 1, 4])\nplt.show()"
ALT = "A curve rising from 0 to 4 over three points"


def notebook(*cells):
    def cell(source, alt=None):
        if source.startswith("#"):
            return {"cell_type": "markdown", "metadata": {}, "source": source}
        meta = {"mystnb": {"image": {"alt": alt}}} if alt else {}
        return {"cell_type": "code", "execution_count": None, "metadata": meta, "outputs": [], "source": source}

    return {"cells": [cell(*c) if isinstance(c, tuple) else cell(c) for c in cells],
            "metadata": {"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"}},
            "nbformat": 4, "nbformat_minor": 5}


def make_book(folder, chapter, config_changes=None):
    """A book with the course's _config.yml, an intro page and one notebook chapter."""
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    for key, value in (config_changes or {}).items():
        config.setdefault(key, {}).update(value)
    (folder / "_config.yml").write_text(yaml.safe_dump(config, allow_unicode=True))
    (folder / "book").mkdir()
    for part in ["_static", "_ext", "references.bib"]:
        src = ROOT / "book" / part
        (shutil.copytree if src.is_dir() else shutil.copy)(src, folder / "book" / part)
    (folder / "book" / "intro.md").write_text("# A throwaway book\n\nIt has one chapter.\n")
    (folder / "book" / "chapter.ipynb").write_text(json.dumps(chapter))
    (folder / "_toc.yml").write_text("format: jb-book\nroot: book/intro\nchapters:\n  - file: book/chapter\n")
    return folder


class _Tags(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.images, self.links = [], []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "img":
            self.images.append(attrs)
        elif tag == "a":
            self.links.append(attrs.get("href") or "")


def tags(path):
    parser = _Tags()
    parser.feed(path.read_text(encoding="utf8"))
    return parser


@pytest.mark.slow
def test_a_failing_notebook_fails_the_build(tmp_path):
    book = make_book(tmp_path, notebook("# A chapter that breaks", "x = 1",
                                        "raise RuntimeError('this chapter is broken on purpose')"))
    build = build_book(book)
    assert build.returncode != 0, "a notebook raised an exception, yet the site built:\n" + build.log[-3000:]
    assert "book/chapter" in build.log and "RuntimeError" in build.log, build.log[-3000:]


# A caller's shell as headless machines and CI images often have it: matplotlib's Agg backend
# (plt.show() draws nothing), many threads, a German locale (C where that one is missing).
HOSTILE = {"MPLBACKEND": "Agg", "OMP_NUM_THREADS": "4", "MKL_NUM_THREADS": "4",
           "LANG": "de_DE.UTF-8", "LC_ALL": None, "LSTMLIB_PROGRESS": None}


@pytest.mark.slow
def test_a_chapter_gets_download_and_launch_buttons_and_alt_text(tmp_path):
    repo = "https://github.com/example-org/lstm-course"
    book = make_book(tmp_path, notebook("# A chapter that runs", (PLOT, ALT), PLOT),
                     {"repository": {"url": repo, "branch": "main"},
                      "launch_buttons": {"binderhub_url": "https://mybinder.org",
                                         "colab_url": "https://colab.research.google.com"}})
    build = build_book(book, env=HOSTILE)     # the build gives its kernels one environment
    assert build.returncode == 0 and not build.warnings, "\n".join(build.warnings or build.log.splitlines()[-40:])
    page = tags(build.html / "book" / "chapter.html")

    assert any(h.endswith("_sources/book/chapter.ipynb") for h in page.links), "no .ipynb download button"
    assert (build.html / "_sources" / "book" / "chapter.ipynb").is_file()
    assert any(h.startswith("https://mybinder.org/v2/gh/example-org/lstm-course/main?") for h in page.links), \
        "no Binder button although binderhub_url and repository.url are set"
    assert any(h.startswith("https://colab.research.google.com/github/example-org/lstm-course/blob/main/book/chapter.ipynb")
               for h in page.links), "no Colab button although colab_url and repository.url are set"

    plots = [img for img in page.images if "_images" in img.get("src", "")]
    assert len(plots) == 2, page.images
    described, default = plots
    assert described.get("alt") == ALT and alt_problem(described.get("alt")) is None
    # Without metadata the alt text is the image's file path: the browser test refuses it.
    assert alt_problem(default.get("alt")) is not None, default


def test_the_course_sets_no_launch_button_yet():
    """Launch buttons appear only once a repository URL is set (see the README)."""
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    if config["repository"]["url"]:
        pytest.skip("the course's repository URL is set: its launch buttons are live")
    assert not config["launch_buttons"]["binderhub_url"] and not config["launch_buttons"]["colab_url"], \
        "a launch button is configured without a repository URL: it would point at nothing"
