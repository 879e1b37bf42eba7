"""Helpers for the website's tests: build the book, serve it on 127.0.0.1, read it in Chromium.

Used by ``tests/test_site.py`` (every page in a real browser) and ``tests/test_site_build.py``
(what makes a build fail). The browser is Debian's ``chromium`` driven by Playwright; nothing
is downloaded (``playwright install`` is never needed).
"""
from __future__ import annotations

import contextlib
import html.parser
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]

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
               timeout: float = 1800) -> Build:
    """``jupyter-book build SOURCE -W -n --keep-going``, warnings as errors, as CI builds it.

    ``output`` is the ``--path-output`` folder (the html lands in ``output/_build/html``);
    ``fresh_env`` re-reads every page (``--all``), so that a warning of a page that did not
    change is reported again; notebooks are still taken from the execution cache.
    """
    output = Path(output or source)
    cmd = [jupyter_book(), "build", str(source), "-W", "-n", "--keep-going", "--path-output", str(output)]
    if fresh_env:
        cmd.append("--all")
    env = {**os.environ, "LSTMLIB_PROGRESS": "0", "PYDEVD_DISABLE_FILE_VALIDATION": "1"}
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
    return [str(Path(f).with_suffix("")) + ".html" for f in files]


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
