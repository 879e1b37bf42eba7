"""The website, read the way its readers read it: built once, served on 127.0.0.1, opened page
by page in a real browser (Debian's Chromium, driven by Playwright).

The build is the CI build: ``jupyter-book build . -W -n --keep-going`` into ``_build`` (every
notebook executed, or taken from the execution cache when its code did not change), and any
warning fails it. Then, for every page:

- no console error or warning, no uncaught exception;
- no failed request, and no request to anything but 127.0.0.1 (the site works offline);
- every formula rendered by MathJax, served by the site itself, and no TeX left as text;
- every image loaded, with alt text that describes it (not a file name);
- every link into the site resolves, ``#anchor`` included;
- every run of Chinese text inside ``lang="zh-Hans"``, set in a Chinese font;
- the page loads in dark mode too.

And the features readers expect: folded exercise solutions that unfold, a download button on
every chapter, code cells whose lstmlib names link to the API reference, code and printed
output that fit the column, glossary entries that link to the chapters, the notes'
references, an API index with a summary of every name and one page per module.

Every test here builds or reads the site, so every one is marked slow (tests/conftest.py):
``bash scripts/test.sh -m "not slow"`` leaves them out.

Environment:
    LSTMLIB_SITE_OUTPUT       build into this folder instead of the repository (its _build/html)
    LSTMLIB_REQUIRE_BROWSER=1 fail, not skip, when Chromium is missing (.ci/run sets it)
    LSTMLIB_SCREENSHOTS=DIR   save a full-page screenshot of every page in light and dark mode
"""
from __future__ import annotations

import importlib
import json
import os
import re
import shutil
import urllib.parse
from pathlib import Path

import pytest

import course_api
from site_browser import (CHROMIUM_ARGS, COLUMN, ROOT, VIEWPORT, alt_problem, build_book,
                          chinese_problems, chromium, display_width, image_problems,
                          link_problems, link_reaches, lstmlib_names_in_code, math_problems,
                          notebook_pages, open_page, serve, shown_text_outputs, toc_pages)

# The pages Sphinx adds to the book's own.
EXTRA_PAGES = ["index.html", "genindex.html", "search.html"]
PAGES = toc_pages() + EXTRA_PAGES
CHAPTERS = notebook_pages()
NO_CHAPTER = [pytest.param(None, marks=pytest.mark.skip("no chapter yet"))]


# --------------------------------------------------------------------------------------------
# Fixtures: one build, one server, one browser per test session
# --------------------------------------------------------------------------------------------
@pytest.fixture(scope="session")
def site():
    """Build the book once, as CI does, and fail on any warning. Returns the Build."""
    output = Path(os.environ.get("LSTMLIB_SITE_OUTPUT", ROOT))
    shutil.rmtree(output / "_build" / "html", ignore_errors=True)   # no page left from an old build
    build = build_book(ROOT, output, fresh_env=True)
    assert build.returncode == 0 and not build.warnings, (
        f"the site build failed (exit code {build.returncode}) or warned:\n"
        + "\n".join(build.warnings or build.log.splitlines()[-40:]))
    print(f"\nsite built in {build.seconds:.1f} s into {build.html}")
    for line in re.findall(r"^.*Executed notebook in .*$", build.log, flags=re.MULTILINE):
        print("  " + line)
    return build


@pytest.fixture(scope="session")
def base_url(site):
    with serve(site.html) as url:
        yield url


@pytest.fixture(scope="session")
def browser():
    exe = chromium()
    if exe is None:
        message = ("Chromium is not installed, so the website cannot be tested in a browser: "
                   "run `apt-get install -y chromium` (Debian/Ubuntu)")
        if os.environ.get("LSTMLIB_REQUIRE_BROWSER") == "1":
            pytest.fail(message)
        pytest.skip(message)
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=exe, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def context(browser):
    ctx = browser.new_context(viewport=VIEWPORT)
    yield ctx
    ctx.close()


@pytest.fixture
def dark_context(browser):
    """A browser whose reader chose dark mode with the theme's switcher (kept in localStorage)."""
    ctx = browser.new_context(viewport=VIEWPORT, color_scheme="dark")
    ctx.add_init_script("localStorage.setItem('mode', 'dark'); localStorage.setItem('theme', 'dark');")
    yield ctx
    ctx.close()


def screenshot(page, name, mode):
    folder = os.environ.get("LSTMLIB_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name.replace('/', '_')}.{mode}.png"), full_page=True)


# --------------------------------------------------------------------------------------------
# The build
# --------------------------------------------------------------------------------------------
def test_every_built_page_is_checked(site):
    built = {str(p.relative_to(site.html)) for p in site.html.rglob("*.html")
             if not p.relative_to(site.html).parts[0].startswith("_")}
    unchecked = built - set(PAGES)
    assert not unchecked, f"pages built but not checked in the browser: {sorted(unchecked)}"
    missing = [p for p in PAGES if p not in built]
    assert not missing, f"pages the browser test expects but the build did not write: {missing}"


def test_a_rebuild_with_nothing_changed_executes_no_notebook(site):
    """What the execution cache promises: a notebook whose code did not change is not run again.

    (How long a rebuild takes is measured by ``benchmarks/run.py``, never asserted here: a time
    limit in a test fails on a busy machine.)
    """
    output = site.html.parents[1]
    rebuild = build_book(ROOT, output)
    assert rebuild.returncode == 0 and not rebuild.warnings, "\n".join(rebuild.warnings or rebuild.log.splitlines()[-40:])
    executed = re.findall(r"Executing notebook using.*|Executing: .*", rebuild.log)
    assert "Executing notebook" not in rebuild.log, ("a rebuild with nothing changed re-executed "
                                                   f"a notebook: the execution cache is not used\n{executed}")
    print(f"\nrebuild with nothing changed: {rebuild.seconds:.1f} s (first build of this session: "
          f"{site.seconds:.1f} s)")


def test_no_pickled_page_carries_the_build_environment(site):
    """course_site.one_document: each page's pickled doctree holds that page only. A node
    left pointing at a nested parse's document once pickled the whole environment, every
    chapter with it, into each API page (10.9 MB a page), and every rebuild unpickled them."""
    doctrees = sorted((site.html.parent / ".doctrees").rglob("*.doctree"))
    assert len(doctrees) >= len(PAGES) - len(EXTRA_PAGES), "the build kept no doctrees"
    carrying = [str(p.relative_to(site.html.parent)) for p in doctrees
                if b"BuildEnvironment" in p.read_bytes()]
    assert not carrying, f"these pickled pages carry the build environment: {carrying[:5]}"


def test_no_printed_line_is_wider_than_the_column(site):
    """What the executed chapters print, as the pages show it, fits the column
    (tests/test_book.py checks the code of every notebook)."""
    problems, checked = [], 0
    for chapter in CHAPTERS:
        for k, text in enumerate(shown_text_outputs((site.html / chapter).read_text(encoding="utf8"))):
            for line in text.splitlines():
                checked += 1
                if display_width(line) > COLUMN:
                    problems.append(f"{chapter} output {k}: {display_width(line)} columns: {line[:70]}")
    assert checked or not CHAPTERS, "no printed output found on the chapters' pages"
    assert not problems, f"printed lines wider than {COLUMN} columns:\n  " + "\n  ".join(problems)


def test_no_progress_bar_or_widget_on_any_page(site):
    """lstmlib.train's tqdm bar is for readers running a notebook: the site shows none."""
    for page in toc_pages():
        text = (site.html / page).read_text(encoding="utf8")
        assert "application/vnd.jupyter.widget" not in text, f"{page} holds a Jupyter widget"
        assert not re.search(r"\d+/\d+ \[\d\d:\d\d", text), f"{page} shows a progress bar"


def test_mathjax_and_fonts_come_from_the_site(site):
    """MathJax (with its fonts) is copied from the sphinx-mathjax-offline package into _static."""
    mathjax = site.html / "_static" / "mathjax"
    assert (mathjax / "tex-chtml.js").is_file()
    assert list(mathjax.rglob("*.woff*")), "MathJax's web fonts are missing from _static/mathjax"
    for page in toc_pages():
        text = (site.html / page).read_text(encoding="utf8")
        assert "cdn.jsdelivr.net" not in text and "mathjax@" not in text, f"{page} points MathJax at a CDN"


# --------------------------------------------------------------------------------------------
# Every page in the browser
# --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("page_path", PAGES)
def test_page_in_the_browser(page_path, site, base_url, context, dark_context):
    page, visit = open_page(context, f"{base_url}/{page_path}")
    problems = visit.problems()
    math, n_math = math_problems(page)
    images, n_images = image_problems(page)
    links, n_links = link_problems(page, base_url, site.html)
    chinese, n_chinese = chinese_problems(page)
    problems += math + images + links + chinese
    screenshot(page, page_path, "light")
    page.close()

    dark, dark_visit = open_page(dark_context, f"{base_url}/{page_path}")
    problems += [f"(dark mode) {p}" for p in dark_visit.problems()]
    if page_path != "index.html":
        theme = dark.evaluate("document.documentElement.dataset.theme")
        if theme != "dark":
            problems.append(f"dark mode was not applied (data-theme={theme!r})")
    screenshot(dark, page_path, "dark")
    dark.close()

    print(f"{page_path}: {n_math} formulas, {n_images} images, {n_links} internal links, "
          f"{n_chinese} runs of Chinese")
    assert not problems, f"{page_path}:\n  " + "\n  ".join(problems)


def test_root_redirects_to_the_first_page(base_url, context):
    page, visit = open_page(context, f"{base_url}/")
    assert page.url.endswith("/book/intro.html"), page.url
    assert not visit.problems(), visit.problems()


def test_search_works_offline(base_url, context):
    page, visit = open_page(context, f"{base_url}/search.html?q=forget+gate")
    page.wait_for_selector("#search-results li", timeout=20_000)
    hits = page.locator("#search-results li a").all_inner_texts()
    assert any("Glossary" in h or "Notation" in h for h in hits), hits
    assert not visit.problems(), visit.problems()


# --------------------------------------------------------------------------------------------
# Features readers expect
# --------------------------------------------------------------------------------------------
def test_solutions_are_folded_and_unfold(site, base_url, context):
    """Every exercise solution on the site starts folded, the same way, and opens on a click."""
    pages = [p for p in toc_pages() if 'class="solution' in (site.html / p).read_text(encoding="utf8")]
    assert pages, "no page has an exercise solution to check"
    for path in pages:
        page, visit = open_page(context, f"{base_url}/{path}")
        solutions = page.locator("div.solution")
        assert solutions.count() > 0, path
        for k in range(solutions.count()):
            solution = solutions.nth(k)
            classes = solution.get_attribute("class").split()
            assert "dropdown" in classes and "toggle-hidden" in classes, f"{path}: solution {k} is not folded: {classes}"
            body = solution.locator("section, .admonition-body, p").last
            assert not body.is_visible(), f"{path}: solution {k} is folded but its text shows"
            solution.locator("button.toggle-button").click()
            body.wait_for(state="visible", timeout=5_000)
            assert "toggle-hidden" not in solution.get_attribute("class").split()
        assert not visit.problems(), visit.problems()
        page.close()


@pytest.mark.parametrize("chapter", CHAPTERS or NO_CHAPTER)
def test_the_checks_are_folded_and_labelled(chapter, site, base_url, context):
    """Every check cell of the notebook is on the page as a closed toggle labelled "Check: ..."
    with the cell's own label, and opens on a click to show the claims it checks."""
    import course_checks
    cells = json.loads((ROOT / chapter).with_suffix(".ipynb").read_text(encoding="utf8"))["cells"]
    labels = [course_checks.check_label("".join(c["source"])) for c in cells
              if course_checks.is_check_cell(c)]
    assert labels, f"{chapter}: the notebook checks no claim"
    page, visit = open_page(context, f"{base_url}/{chapter}")
    toggles = page.locator("div.cell.tag_hide-input details.hide")
    assert toggles.count() == len(labels), (chapter, toggles.count(), len(labels))
    for k, label in enumerate(labels):
        toggle = toggles.nth(k)
        summary = toggle.locator("summary .collapsed").inner_text().strip()
        assert summary == f"Check: {label}", (chapter, k, summary)
        assert toggle.get_attribute("open") is None, f"{chapter}: check {k} is not folded"
        code = toggle.locator(".cell_input")
        assert not code.is_visible(), f"{chapter}: check {k} is folded but its code shows"
    first = toggles.nth(0)
    first.locator("summary").click()
    first.locator(".cell_input").wait_for(state="visible", timeout=5_000)
    assert "claims.check" in first.inner_text() or "claims.count" in first.inner_text()
    assert not visit.problems(), visit.problems()


EXERCISE_HEADING = re.compile(r"^Exercise (\d+)")


@pytest.mark.parametrize("chapter", CHAPTERS or NO_CHAPTER)
def test_exercise_references_lead_to_the_exercise_they_name(chapter, site):
    """The site numbers exercises per chapter, as the text does: a reference that reads
    "Exercise 3" leads to the exercise headed "Exercise 3", on its own chapter's page."""
    from bs4 import BeautifulSoup
    soup = BeautifulSoup((site.html / chapter).read_text(encoding="utf8"), "html.parser")
    headings = {}
    for ex in soup.select("div.exercise[id]"):
        title = ex.select_one(".admonition-title").get_text(" ", strip=True)
        headings[ex["id"]] = EXERCISE_HEADING.match(title).group(1)
    assert sorted(map(int, headings.values())) == list(range(1, len(headings) + 1)), headings
    for a in soup.select("article.bd-article a.reference.internal"):
        text = a.get_text(" ", strip=True)
        href = a.get("href", "")
        m = re.fullmatch(r"[Ee]xercise (\d+)", text)
        if m and href.startswith("#"):
            assert headings.get(href[1:]) == m.group(1), (chapter, text, href)


@pytest.mark.parametrize("chapter", CHAPTERS or NO_CHAPTER)
def test_chapter_has_download_button(chapter, site, base_url, context):
    """The chapter's notebook can be downloaded from its page, and it is the notebook itself."""
    page, visit = open_page(context, f"{base_url}/{chapter}")
    link = page.locator("a.btn[href$='.ipynb']")
    assert link.count() == 1, f"{chapter}: no .ipynb download button"
    response = page.request.get(link.evaluate("a => a.href"))
    assert response.ok, f"{chapter}: the download button's notebook answers HTTP {response.status}"
    assert '"cells"' in response.text() and '"nbformat"' in response.text()
    assert not visit.problems(), visit.problems()


@pytest.mark.parametrize("chapter", CHAPTERS or NO_CHAPTER)
def test_chapter_links_to_the_glossary(chapter, site):
    text = (site.html / chapter).read_text(encoding="utf8")
    assert "glossary.html#term-" in text, f"{chapter} never links a term to the glossary"


CODE_LINK = re.compile(r'<a class="sphinx-codeautolink-a" href="([^"]+)"')


@pytest.mark.parametrize("chapter", CHAPTERS or NO_CHAPTER)
def test_every_lstmlib_name_in_a_chapters_code_links_to_the_api(chapter, site):
    """sphinx-codeautolink: each lstmlib function, class or setting a code cell names
    (``recipes.adding_models``, ``lstmlib.LSTM``, ``tasks.adding_problem``) links to its entry."""
    text = (site.html / chapter).read_text(encoding="utf8")
    linked = {urllib.parse.unquote(h.partition("#")[2]) for h in CODE_LINK.findall(text)
              if "api/" in h}
    assert linked, f"{chapter}: no code links to the API reference"
    source = json.loads((ROOT / chapter).with_suffix(".ipynb").read_text(encoding="utf8"))
    expected = lstmlib_names_in_code(source)
    missing = sorted(n for n in expected if not link_reaches(n, linked))
    assert not missing, (f"{chapter}: these lstmlib names in code cells do not link to their "
                         f"API entry: {missing}")
    print(f"{chapter}: {len(expected)} lstmlib names, {len(linked)} API entries linked from code")


def test_glossary_entries_link_to_their_chapter(site, base_url, context):
    """Every glossary entry, in English and Chinese, links to the page that explains it."""
    page, visit = open_page(context, f"{base_url}/book/glossary.html")
    entries = page.evaluate("""() => [...document.querySelectorAll('dl.glossary > dt')].map(dt => {
        let dd = dt.nextElementSibling;
        while (dd && dd.tagName !== 'DD') dd = dd.nextElementSibling;
        const links = dd ? [...dd.querySelectorAll('a.reference.internal')].map(a => a.getAttribute('href')) : [];
        return {term: dt.textContent.trim(), links};
    })""")
    assert len(entries) >= 20, entries
    pages = set(toc_pages()) - {"book/glossary.html", "book/references.html"}
    for entry in entries:
        targets = {re.sub(r"#.*", "", "book/" + href) for href in entry["links"]}
        assert targets & pages, f"glossary entry {entry['term']!r} links to no page that explains it: {entry['links']}"
    terms = " ".join(e["term"] for e in entries)
    for chinese in ["输入门", "遗忘门", "输出门", "记忆单元", "细胞状态", "门控机制", "窥视孔连接", "长期依赖",
                    "梯度消失", "梯度爆炸"]:
        assert chinese in terms, f"the glossary lacks the notes' term {chinese}"
    assert not visit.problems(), visit.problems()


def test_references_hold_the_notes_references(site, base_url, context):
    page, visit = open_page(context, f"{base_url}/book/references.html")
    entries = page.locator("main [role='doc-biblioentry']").all_inner_texts()
    for title in ["Understanding LSTM Networks", "Long Short-Term Memory", "Recurrent Nets that Time and Count"]:
        assert any(title.lower() in e.lower() for e in entries), f"the references page lacks the notes' reference {title!r}"
    assert len(entries) >= len(re.findall(r"^@\w+\{", (ROOT / "book/references.bib").read_text(), re.M))
    assert not visit.problems(), visit.problems()


def test_the_package_page_shows_lstm_with_arguments_and_returns(site, base_url, context):
    page, visit = open_page(context, f"{base_url}/book/api/lstmlib.html")
    lstm = page.locator("dt[id='lstmlib.LSTM']")
    assert lstm.count() == 1, "the package's page does not document lstmlib.LSTM"
    signature = lstm.inner_text()
    for argument in ["input_size", "hidden_size", "batch_first", "forget_bias", "peepholes", "coupled"]:
        assert argument in signature, f"lstmlib.LSTM's signature lacks {argument}: {signature}"
    forward = page.locator("dt[id='lstmlib.LSTM.forward']")
    assert forward.count() == 1, "lstmlib.LSTM.forward is not documented"
    body = forward.locator("xpath=following-sibling::dd[1]").inner_text()
    assert "Returns" in body and "return_gates" in body and "(T, B, H)" in body, body
    assert not visit.problems(), visit.problems()


def test_every_module_has_its_page_with_every_name(site):
    """One page per module, found in the package (a new module gets its page unasked)."""
    modules = course_api.all_modules()
    assert {"lstmlib.experiments.ch01", "lstmlib.exercises", "lstmlib.diagrams"} <= set(modules)
    for module in modules:
        path = site.html / "book" / "api" / f"{module}.html"
        assert path.is_file(), f"{module} has no page"
        text = path.read_text(encoding="utf8")
        for name in course_api.documented_members(module, modules):
            assert f'id="{module}.{name}"' in text, f"{module}'s page does not document {name}"
    lstm_page = (site.html / "book" / "api" / "lstmlib.layers.lstm.html").read_text(encoding="utf8")
    assert 'id="lstmlib.LSTM"' not in lstm_page and "lstmlib.html#lstmlib.LSTM" in lstm_page, \
        "lstmlib.layers.lstm's page should point to lstmlib.LSTM, documented once on the package's page"


def test_the_api_index_summarises_every_name(site, base_url, context):
    """The index: a table of the modules, then every documented name with its one-line
    description, each linked to its entry on its module's page."""
    page, visit = open_page(context, f"{base_url}/book/api.html")
    rows = page.evaluate("""() => [...document.querySelectorAll('table.api-summary tr')].map(tr => {
        const a = tr.querySelector('td a');
        return a ? {href: a.getAttribute('href'), text: tr.cells[1].innerText.trim()} : null;
    }).filter(Boolean)""")
    targets = {urllib.parse.unquote(r["href"]): r["text"] for r in rows}
    modules = course_api.all_modules()
    for module in modules:
        assert f"api/{module}.html" in {t.partition("#")[0] for t in targets}, f"the index lacks {module}"
        for name in course_api.documented_members(module, modules):
            href = f"api/{module}.html#{module}.{name}"
            assert href in targets, f"the index's summary lacks {module}.{name}"
    for module in modules:                      # every docstring's first line is in the table
        for name in course_api.documented_members(module, modules):
            obj = getattr(importlib.import_module(module), name)
            if course_api._is_code(obj) and course_api.summary_line(obj):
                text = targets[f"api/{module}.html#{module}.{name}"]
                assert text and text != "-", f"{module}.{name} has a docstring but no description"
    import lstmlib
    first_words = course_api.summary_line(lstmlib.LSTM)[:25]
    assert targets["api/lstmlib.html#lstmlib.LSTM"].startswith(first_words), targets["api/lstmlib.html#lstmlib.LSTM"]
    assert not visit.problems(), visit.problems()


# --------------------------------------------------------------------------------------------
# The checks themselves
# --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("alt, ok", [
    ("Learning curves of the RNN and the LSTM on the adding problem", True),
    ("Forget-gate activations over 100 steps", True),
    (None, False), ("", False), ("  ", False),
    ("../_images/3f2a9c0d8e.png", False), ("figure.svg", False), ("_images/plot_1", False),
    ("Figure", False), ("loss_curve", False), ("Binder logo", True),
])
def test_alt_text_rule(alt, ok):
    assert (alt_problem(alt) is None) == ok, alt_problem(alt)
