"""Progress bars for the long loops, the training steps and a sweep's runs: shown only to a person.

A bar is a ``tqdm`` bar (``tqdm.auto``: a widget in JupyterLab, a text bar in a terminal) when a
person is watching (a terminal or a Jupyter kernel) and never otherwise: not in a pipe, and not
when ``LSTMLIB_PROGRESS=0``, which the website's build and the test suite set.

    bar = progress_bar(steps, desc="training", unit="step")    # None when nobody is watching
"""
from __future__ import annotations

import os
import sys
import warnings


def interactive() -> bool:
    """True in a terminal or a Jupyter kernel; False in pipes, CI and when LSTMLIB_PROGRESS=0."""
    if os.environ.get("LSTMLIB_PROGRESS") == "0":
        return False
    return "ipykernel" in sys.modules or sys.stderr.isatty()


def progress_bar(total: int, desc: str, unit: str, initial: int = 0, show: bool | None = None):
    """A tqdm bar over ``total`` items, or None when it is not to be shown.

    show: True or False decides; None (the default) shows it only when :func:`interactive`.
    The bar is tqdm.auto's widget in a Jupyter kernel and a text bar on stderr elsewhere.
    """
    if not (interactive() if show is None else bool(show)):
        return None
    with warnings.catch_warnings():
        # tqdm.auto picks the notebook bar in a kernel; it warns only if ipywidgets is missing,
        # and requirements.txt installs it. Never let a bar's import warn in a reader's cell.
        warnings.simplefilter("ignore")
        from tqdm.auto import tqdm
    options = dict(total=total, initial=initial, unit=unit, desc=desc, leave=True, dynamic_ncols=True,
                   file=sys.stderr)
    try:
        return tqdm(**options)
    except ImportError:              # a kernel without ipywidgets: the text bar
        from tqdm.std import tqdm as text_bar
        return text_bar(**options)
