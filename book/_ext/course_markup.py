"""Stray reStructuredText markup in lstmlib's plain-text docstrings, escaped: one helper that the
site's docstring processing (``course_site.py``) and the API index's summary tables
(``course_api.py``) both use, so that neither imports the other for it.
"""
from __future__ import annotations

import re

# Spans whose markup is meant: ``literal``, :role:`target`, `interpreted`, *emphasis*, **strong**.
MEANT = re.compile(r"``.+?``|:[\w:.+-]+:`[^`]+`|`[^`]+`_{0,2}"
                   r"|(?<![\w*\\])\*\*?[^\s*](?:[^*]*?[^\s*\\])?\*\*?(?![\w*])")


def escape_markup(line):
    """Escape ``|`` and stray ``*`` outside the spans of :data:`MEANT`."""
    parts, last = [], 0
    for m in MEANT.finditer(line):
        parts += [re.sub(r"[|*]", r"\\\g<0>", line[last:m.start()]), m.group(0)]
        last = m.end()
    parts.append(re.sub(r"[|*]", r"\\\g<0>", line[last:]))
    return "".join(parts)
