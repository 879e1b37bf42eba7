"""Chinese text marked as Chinese: every run of it on every page goes inside ``lang="zh-Hans"``.

The course quotes the study notes in Chinese and gives every term in Chinese. A page is
``<html lang="en">``, so without a mark a browser renders those characters with an English
page's fonts (empty boxes where no fallback font covers them), and a screen reader reads them
with an English voice. Authors write Chinese as plain text; this module marks it.

It works on the HTML the build wrote (``build-finished``), so it reaches every place a page
shows text: the chapters and their code cells and outputs, the glossary, the notation page,
the sidebar, the headings, the "previous/next" links. Each run of Chinese text in the page's
text (never inside a tag, a script, a style sheet, a formula or an SVG) becomes
``<span lang="zh-Hans">...</span>``, unless an enclosing element already says ``lang="zh..."``.
A run is a stretch of Chinese characters and punctuation, with any Latin word written inside
it without a break (``传统RNN面临``), so that a quoted sentence is one span.

Only ``<title>`` keeps its Chinese unmarked: HTML allows no markup inside it, and a
``lang`` on it would declare the English part of "Glossary (术语表)" Chinese. The page's
heading, the sidebar and the links carry the marked title.

``book/_static/course.css`` names the fonts for ``:lang(zh)`` (Noto Sans CJK SC, PingFang SC,
Microsoft YaHei, ...): the readers' own, no web font.
"""
from __future__ import annotations

import re
from pathlib import Path

LANG = "zh-Hans"
# Han ideographs (with extension A and compatibility forms), CJK punctuation, fullwidth forms
# (，：（）), and the CJK radicals; not general punctuation (— “ ”), which English uses too.
CJK = "\u2e80-\u2fdf\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef"
HAS_CJK = re.compile(f"[{CJK}]")
RUN = re.compile(rf"[{CJK}]+(?:[ ]?[A-Za-z0-9_.+\-·]+[ ]?[{CJK}]+)*")
TAG = re.compile(r"<!--.*?-->|<!\[CDATA\[.*?\]\]>|<![^>]*>|<\?[^>]*>|</?[A-Za-z][^>]*>", re.S)
NAME = re.compile(r"</?([A-Za-z][\w:-]*)")
LANG_ATTR = re.compile(r"""\slang\s*=\s*["']?([\w-]+)""", re.I)
CLASS_ATTR = re.compile(r"""\sclass\s*=\s*["']([^"']*)["']""", re.I)
RAW_TEXT = {"script", "style", "textarea", "title", "template"}
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
        "track", "wbr", "param"}
# Text that must stay as it is: formulas (MathJax reads the TeX), SVG (no <span> there).
SKIP_TAGS = {"svg", "math", "mjx-container"}
SKIP_CLASSES = {"math", "MathJax", "MathJax_Preview"}


def _marked(text: str) -> str:
    return RUN.sub(lambda m: f'<span lang="{LANG}">{m.group(0)}</span>', text)


def mark_chinese(html: str) -> str:
    """``html`` with every run of Chinese text outside tags wrapped in ``lang="zh-Hans"``.

    Idempotent: text already inside an element whose ``lang`` starts with ``zh`` is left alone.
    """
    if not HAS_CJK.search(html):
        return html
    lower = html.lower()
    out, pos = [], 0
    stack: list[tuple[str, str | None, bool]] = []   # (tag, lang, skip) of the open elements
    while True:
        m = TAG.search(html, pos)
        text = html[pos:m.start() if m else len(html)]
        if text and HAS_CJK.search(text):
            lang = next((l for _, l, _ in reversed(stack) if l), "")
            skip = any(s for _, _, s in stack) or lang.lower().startswith("zh")
            text = text if skip else _marked(text)
        out.append(text)
        if not m:
            break
        tag = m.group(0)
        out.append(tag)
        pos = m.end()
        if tag.startswith(("<!", "<?")):
            continue
        name = NAME.match(tag).group(1).lower()
        if tag.startswith("</"):
            for k in range(len(stack) - 1, -1, -1):
                if stack[k][0] == name:
                    del stack[k:]
                    break
            continue
        if name in RAW_TEXT:                      # copy up to its end tag as it is
            end = lower.find(f"</{name}", pos)
            end = len(html) if end < 0 else end
            out.append(html[pos:end])
            pos = end
            continue
        if name in VOID or tag.endswith("/>"):
            continue
        lang = LANG_ATTR.search(tag)
        classes = set((CLASS_ATTR.search(tag) or [None, ""])[1].split())
        stack.append((name, lang.group(1) if lang else None,
                      name in SKIP_TAGS or bool(classes & SKIP_CLASSES)))
    return "".join(out)


def mark_pages(app, exception):
    """build-finished: mark the Chinese on every HTML page the build wrote."""
    if exception is not None or app.builder.format != "html":
        return
    outdir = Path(app.outdir)
    for path in outdir.rglob("*.html"):
        if path.relative_to(outdir).parts[0] in ("_static", "_sources", "_images"):
            continue
        text = path.read_text(encoding="utf8")
        marked = mark_chinese(text)
        if marked != text:
            path.write_text(marked, encoding="utf8")
