"""Helpers for the website's tests: build the book, serve it on 127.0.0.1, read it in Chromium.

Used by ``tests/test_site.py`` (every page in a real browser) and ``tests/test_site_build.py``
(what makes a build fail). The browser is Debian's ``chromium`` driven by Playwright; nothing
is downloaded (``playwright install`` is never needed).
"""
from __future__ import annotations

import ast
import contextlib
import fnmatch
import html
import html.parser
import importlib
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import unicodedata
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "book" / "_ext"))
import course_api  # noqa: E402
import course_site  # noqa: E402

# Without the background-networking flags Chromium calls Google's servers at start-up.
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
VIEWPORT = {"width": 1280, "height": 900}
ANSI = re.compile(r"\x1b\[[0-9;]*m")


# --------------------------------------------------------------------------------------------
# Building
# --------------------------------------------------------------------------------------------
@dataclass
class Build:
    returncode: int
    log: str
    seconds: float
    html: Path

    @property
    def warnings(self) -> list[str]:
        """Lines of the build log where Sphinx reports a warning or an error ("WARNING: ...").

        A kernel's own log lines ("[IPKernelApp] WARNING | ...") are not the site's warnings.
        """
        return [line for line in self.log.splitlines()
                if re.search(r"\b(WARNING|ERROR|CRITICAL|SEVERE):", line)]


def jupyter_book() -> str:
    """The ``jupyter-book`` command of the environment that runs the tests."""
    exe = Path(sys.executable).with_name("jupyter-book")
    return str(exe) if exe.exists() else (shutil.which("jupyter-book") or "jupyter-book")


def build_book(source: Path, output: Path | None = None, fresh_env: bool = False,
               timeout: float = 1800, env: dict | None = None) -> Build:
    """``jupyter-book build SOURCE -W -n --keep-going``, warnings as errors, as CI builds it.

    ``output`` is the ``--path-output`` folder (the html lands in ``output/_build/html``);
    ``fresh_env`` re-reads every page (``--all``), so that a warning of a page that did not
    change is reported again; notebooks are still taken from the execution cache. ``env``
    adds to (or, with a value of None, removes from) the environment the build runs in.
    """
    output = Path(output or source)
    cmd = [jupyter_book(), "build", str(source), "-W", "-n", "--keep-going", "--path-output", str(output)]
    if fresh_env:
        cmd.append("--all")
    env = {**os.environ, "PYDEVD_DISABLE_FILE_VALIDATION": "1", **(env or {})}
    env = {k: v for k, v in env.items() if v is not None}
    start = time.perf_counter()
    run = subprocess.run(cmd, cwd=source, env=env, capture_output=True, text=True, timeout=timeout)
    seconds = time.perf_counter() - start
    log = ANSI.sub("", run.stdout + run.stderr)
    return Build(run.returncode, log, seconds, output / "_build" / "html")


def toc_pages(root: Path = ROOT) -> list[str]:
    """Every page of ``_toc.yml``, as paths relative to the html folder: ``book/intro.html``."""
    toc = yaml.safe_load((root / "_toc.yml").read_text())
    files = [toc["root"]]

    def walk(node):
        if isinstance(node, dict):
            if "file" in node:
                files.append(node["file"])
            for key, value in node.items():
                if key != "file":
                    walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk({k: v for k, v in toc.items() if k != "root"})
    pages = [str(Path(f).with_suffix("")) + ".html" for f in files]
    globs = []
    walk_globs(toc, globs)
    for pattern in globs:              # the API reference's pages, one per module (book/api/*)
        pages += sorted(f"{d}.html" for d in glob_documents(root, pattern))
    return pages


def walk_globs(node, found):
    if isinstance(node, dict):
        if "glob" in node:
            found.append(node["glob"])
        for value in node.values():
            walk_globs(value, found)
    elif isinstance(node, list):
        for value in node:
            walk_globs(value, found)


def glob_documents(root: Path, pattern: str) -> list[str]:
    """The documents a ``glob`` of _toc.yml stands for: the files there, and the API pages the
    build will generate (course_api.py writes them when the build starts, so a fresh clone
    has none yet)."""
    found = {str(p.relative_to(root).with_suffix("")) for p in root.glob(pattern)
             if p.suffix in (".md", ".ipynb")}
    found |= {course_api.page_docname(m) for m in course_api.all_modules()}
    return sorted(d for d in found if fnmatch.fnmatch(d, pattern))


def notebook_pages(root: Path = ROOT) -> list[str]:
    """The pages of ``_toc.yml`` that are notebooks (the chapters)."""
    return [p for p in toc_pages(root) if (root / p).with_suffix(".ipynb").exists()]


# --------------------------------------------------------------------------------------------
# Serving
# --------------------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def serve(directory: Path):
    """Serve ``directory`` with ``python -m http.server`` on 127.0.0.1; yields the base URL."""
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "http.server", "--bind", "127.0.0.1", "--directory", str(directory), str(port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 20
        while True:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
                break
            if server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"http.server on port {port} did not start (exit code {server.poll()})")
            time.sleep(0.1)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.terminate()                       # this server only, by its PID
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


# --------------------------------------------------------------------------------------------
# The browser
# --------------------------------------------------------------------------------------------
def chromium() -> str | None:
    """Path of Debian's Chromium (``apt-get install -y chromium``), or None."""
    return shutil.which("chromium") or shutil.which("chromium-browser")


@dataclass
class Visit:
    """What happened while one page loaded: everything the browser complained about."""
    url: str
    console: list[str] = field(default_factory=list)     # console errors and warnings
    errors: list[str] = field(default_factory=list)      # uncaught exceptions
    failed: list[str] = field(default_factory=list)      # failed requests, HTTP errors
    outside: list[str] = field(default_factory=list)     # requests that left 127.0.0.1

    def problems(self) -> list[str]:
        return ([f"console: {m}" for m in self.console] + [f"page error: {m}" for m in self.errors]
                + [f"failed request: {m}" for m in self.failed]
                + [f"request outside the site: {m}" for m in self.outside])


def is_local(url: str) -> bool:
    parts = urllib.parse.urlsplit(url)
    return parts.scheme in ("data", "blob", "about") or parts.hostname == "127.0.0.1"


def open_page(context, url: str):
    """Open ``url`` in a new page of ``context``, recording every problem; returns (page, visit).

    Requests that would leave 127.0.0.1 are recorded and aborted, so nothing leaves the machine.
    """
    visit = Visit(url)
    page = context.new_page()

    def route(r):
        if is_local(r.request.url):
            r.continue_()
        else:
            visit.outside.append(r.request.url)
            r.abort()

    page.route("**/*", route)
    page.on("console", lambda m: visit.console.append(f"[{m.type}] {m.text} ({m.location.get('url')})")
            if m.type in ("error", "warning") else None)
    page.on("pageerror", lambda e: visit.errors.append(str(e)))
    page.on("requestfailed", lambda r: visit.failed.append(f"{r.url}: {r.failure}")
            if is_local(r.url) else None)
    page.on("response", lambda r: visit.failed.append(f"{r.url}: HTTP {r.status}") if r.status >= 400 else None)
    page.goto(url, wait_until="load")
    page.wait_for_load_state("networkidle")
    return page, visit


# --------------------------------------------------------------------------------------------
# What a page must satisfy
# --------------------------------------------------------------------------------------------
IMAGE_FILE = re.compile(r"\.(png|jpe?g|gif|svg|webp|pdf|bmp)\b|_images/|^[\w./\\-]+$", re.IGNORECASE)
PLACEHOLDER_ALT = {"image", "figure", "plot", "graph", "chart", "output", "png", "svg", "img", "picture"}


def alt_problem(alt: str | None) -> str | None:
    """Why ``alt`` does not describe an image (None if it does).

    Descriptive alt text is words: at least two of them ("Binder logo"; a plot's alt text
    says what it shows), not a file name or path (the default alt of a notebook's plot is
    its file path), not a placeholder such as "figure".
    """
    if alt is None:
        return "no alt attribute"
    text = alt.strip()
    if not text:
        return "empty alt text"
    if IMAGE_FILE.search(text):
        return f"alt text looks like a file name: {text!r}"
    if text.lower().rstrip(".") in PLACEHOLDER_ALT:
        return f"alt text is a placeholder: {text!r}"
    if len(re.findall(r"\w+", text)) < 2:
        return f"alt text too short to describe the image: {text!r}"
    return None


RAW_TEX = re.compile(r"(?<![\w$])\$\$?[^$\s][^$]*?\$\$?(?![\w$])|\\\(|\\\)|\\\[|\\\]|\\begin\{")

MATH_JS = """async () => {
    const math = [...document.querySelectorAll('.math')];
    if (math.length && window.MathJax && MathJax.startup && MathJax.startup.promise) {
        await MathJax.startup.promise;
    }
    const skip = 'pre, code, script, style, mjx-container, .math, textarea, .highlight, dt.sig';
    const walker = document.createTreeWalker(document.querySelector('main') || document.body,
                                             NodeFilter.SHOW_TEXT);
    const text = [];
    while (walker.nextNode()) {
        const el = walker.currentNode.parentElement;
        if (el && !el.closest(skip)) text.push(walker.currentNode.textContent);
    }
    return {
        math: math.length,
        unrendered: math.filter(m => !m.querySelector('mjx-container')).map(m => m.textContent.slice(0, 80)),
        errors: [...document.querySelectorAll('mjx-merror')].map(e => e.getAttribute('data-mjx-error') || e.textContent),
        mathjax_src: [...document.scripts].map(s => s.src).filter(s => /mathjax/i.test(s)),
        text: text.join(' '),
    };
}"""

IMAGES_JS = """async () => {
    const images = [...document.images];
    for (const img of images) { img.loading = 'eager'; img.scrollIntoView(); }
    await Promise.all(images.map(img => img.complete ? null :
        new Promise(done => { img.addEventListener('load', done); img.addEventListener('error', done); })));
    window.scrollTo(0, 0);
    return images.map(img => ({src: img.currentSrc || img.src, alt: img.getAttribute('alt'),
                               width: img.naturalWidth}));
}"""

LINKS_JS = """() => [...document.querySelectorAll('a[href]')].map(a => ({
    raw: a.getAttribute('href'), href: a.href, text: a.textContent.trim().slice(0, 60)}))"""


def math_problems(page) -> tuple[list[str], int]:
    """MathJax rendered every formula, from the site's own copy; no TeX is left as text."""
    info = page.evaluate(MATH_JS)
    problems = [f"formula not rendered by MathJax: {t!r}" for t in info["unrendered"]]
    problems += [f"MathJax error: {e!r}" for e in info["errors"]]
    if info["math"]:
        if not info["mathjax_src"]:
            problems.append("the page has formulas but loads no MathJax")
        problems += [f"MathJax not served by the site: {s}" for s in info["mathjax_src"] if not is_local(s)]
    for m in RAW_TEX.finditer(info["text"]):
        context = info["text"][max(0, m.start() - 30):m.end() + 30]
        problems.append(f"TeX left as text: {m.group(0)!r} in {context!r}")
    return problems, info["math"]


def image_problems(page) -> tuple[list[str], int]:
    """Every image loaded and has descriptive alt text."""
    images = page.evaluate(IMAGES_JS)
    problems = []
    for img in images:
        if img["width"] == 0:
            problems.append(f"image did not load: {img['src'][:120]}")
        why = alt_problem(img["alt"])
        if why:
            problems.append(f"image {img['src'][:120]}: {why}")
    return problems, len(images)


class _Anchors(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.ids = set()

    def handle_starttag(self, tag, attrs):
        for key, value in attrs:
            if key == "id" or (key == "name" and tag == "a"):
                self.ids.add(value)


def anchors(path: Path, _cache={}) -> set[str]:
    """The ids (link targets) in an html file."""
    key = (path, path.stat().st_mtime)
    if key not in _cache:
        parser = _Anchors()
        parser.feed(path.read_text(encoding="utf8"))
        _cache[key] = parser.ids
    return _cache[key]


def link_problems(page, base_url: str, html_dir: Path) -> tuple[list[str], int]:
    """Every link into the site names a file that exists and, after '#', an id on that page."""
    problems, checked = [], 0
    for link in page.evaluate(LINKS_JS):
        raw, href = link["raw"], link["href"]
        if raw in ("#", "") or raw.startswith(("javascript:", "mailto:")) or not href.startswith(base_url + "/"):
            continue
        checked += 1
        parts = urllib.parse.urlsplit(href)
        path = urllib.parse.unquote(parts.path).lstrip("/")
        target = html_dir / path
        if path == "" or path.endswith("/"):
            target = target / "index.html"
        if not target.is_file():
            problems.append(f"link {raw!r} ({link['text']!r}) points to a missing file {path}")
            continue
        fragment = urllib.parse.unquote(parts.fragment)
        if fragment and target.suffix == ".html" and fragment not in anchors(target):
            problems.append(f"link {raw!r} ({link['text']!r}): no id {fragment!r} on {path}")
    return problems, checked


# --------------------------------------------------------------------------------------------
# Chinese text
# --------------------------------------------------------------------------------------------
CHINESE_JS = """() => {
    const cjk = /[\\u2e80-\\u2fdf\\u3000-\\u303f\\u3400-\\u4dbf\\u4e00-\\u9fff\\uf900-\\ufaff\\ufe30-\\ufe4f\\uff00-\\uffef]/;
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    const unmarked = [], fonts = new Set();
    let runs = 0;
    while (walker.nextNode()) {
        const node = walker.currentNode, el = node.parentElement;
        if (!el || !cjk.test(node.textContent) || el.closest('script, style, template')) continue;
        runs++;
        const marked = el.closest('[lang]');
        if (!marked || !/^zh/i.test(marked.getAttribute('lang'))) {
            unmarked.push(node.textContent.trim().slice(0, 50));
        } else {
            fonts.add(getComputedStyle(el).fontFamily);
        }
    }
    return {runs, unmarked, fonts: [...fonts]};
}"""
CHINESE_FONT = "Noto Sans CJK SC"


def chinese_problems(page) -> tuple[list[str], int]:
    """Every text node holding Chinese is inside an element with ``lang="zh..."`` and is set in
    the course's Chinese font stack (book/_static/course.css). ``<title>`` is not in the body:
    HTML allows no markup in it (book/_ext/course_lang.py)."""
    info = page.evaluate(CHINESE_JS)
    problems = [f"Chinese text outside lang=zh-Hans: {t!r}" for t in info["unmarked"]]
    problems += [f"Chinese text set in {f!r}, not the Chinese font stack" for f in info["fonts"]
                 if CHINESE_FONT not in f]
    return problems, info["runs"]


# --------------------------------------------------------------------------------------------
# Notebooks: what a reader sees of their code and output
# --------------------------------------------------------------------------------------------
COLUMN = 79                   # characters a code line or printed line may take on the site


def display_width(line: str) -> int:
    """Columns a line takes in a monospace font: a Chinese character takes two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in line.expandtabs(4))


OUTPUT_TEXT = re.compile(r'<div class="output (?:stream|text_plain)[^"]*"><div class="highlight">'
                         r'<pre>(.*?)</pre>', re.S)


def shown_text_outputs(page_html: str) -> list[str]:
    """The text of every printed output (streams, plain-text results) a chapter's page shows."""
    return [html.unescape(re.sub(r"<[^>]+>", "", m)) for m in OUTPUT_TEXT.findall(page_html)]


def lstmlib_names_in_code(nb: dict) -> dict[str, str]:
    """{documented name: how the code wrote it} for each lstmlib function, class or documented
    setting that a notebook's code cells name through a module (``recipes.adding_models``,
    ``lstmlib.LSTM``) or import by name: what sphinx-codeautolink must link to its entry."""
    source = "\n".join("\n".join(l for l in "".join(c["source"]).splitlines()
                                 if not l.lstrip().startswith(("%", "!")))
                       for c in nb.get("cells", []) if c.get("cell_type") == "code")
    tree = ast.parse(source)
    aliases: dict[str, str] = {}                     # name in the notebook -> dotted path
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                if a.name.split(".")[0] == course_api.PACKAGE:
                    aliases[(a.asname or a.name).split(".")[0]] = a.asname and a.name or a.name.split(".")[0]
        elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == course_api.PACKAGE:
            for a in node.names:
                aliases[a.asname or a.name] = f"{node.module}.{a.name}"
    found = {}
    for node in ast.walk(tree):
        chain = []
        while isinstance(node, ast.Attribute):
            chain.insert(0, node.attr)
            node = node.value
        if not isinstance(node, ast.Name) or node.id not in aliases:
            continue
        written = ".".join([node.id, *chain])
        name = documented_name(aliases[node.id], chain)
        if name:
            found.setdefault(name, written)
    return found


def link_reaches(name: str, targets: set[str]) -> bool:
    """Whether a code reference to the entry ``name`` is linked: to the entry itself, or, as
    sphinx-codeautolink does for ``numpy_train.Adam.step`` or ``exercises.forget_step.check``,
    to a member of it or of its class (``lstmlib.exercises.Exercise.check`` for an Exercise)."""
    owners = {name}
    obj = course_api._lookup(name)
    cls = type(obj)
    if obj is not None and not course_api._is_code(obj) and \
            str(cls.__module__).startswith(course_api.PACKAGE + "."):
        where = course_api.home(cls, course_api.all_modules())
        if where:
            owners.add(f"{where}.{course_api._public_name(cls, where)}")
    return any(t == name or any(t.startswith(o + ".") for o in owners) for t in targets)


def documented_name(path: str, chain: list[str]) -> str | None:
    """The API entry of ``path`` followed by ``chain``: the first object along it that is not
    a module, under the name it is documented by; None if the reference does not document it."""
    modules = course_api.all_modules()
    parts = path.split(".") + chain
    try:
        obj = importlib.import_module(parts[0])
    except ImportError:
        return None
    owner = parts[0]
    for k, part in enumerate(parts[1:], start=1):
        if not hasattr(obj, part):
            return None
        value = getattr(obj, part)
        if isinstance(value, type(sys)):
            obj, owner = value, value.__name__
            continue
        if course_api._is_code(value):
            home = course_api.home(value, modules)
            return f"{home}.{course_api._public_name(value, home)}" if home else None
        documented = part in course_api.documented_members(owner, modules) if owner in modules else False
        return f"{owner}.{part}" if documented else None
    return None
