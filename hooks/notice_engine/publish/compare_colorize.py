"""The compare page's `_colorize`: what Brython's difflib imports from it, for a page
that never colours a diff.

Brython 3.15's difflib starts with `lazy from _colorize import can_colorize, get_theme`,
but Brython imports it eagerly, and the real `_colorize` (terminal colour themes) loads
dataclasses, ast, annotationlib and typing: about half of the wait before the page's
first comparison. Those two names serve only the coloured output of difflib's
unified_diff and context_diff; the redline uses SequenceMatcher alone
(tests/test_compare_files.py checks both), so the bundle serves this file under the
name `_colorize` (publish/brython_files.py). Never imported by the engine in CPython.
"""


def can_colorize(*, file=None) -> bool:
    """Colour is never on in a web page."""
    return False


def get_theme(*, tty_file=None, force_color=False, force_no_color=False):
    """No theme: only difflib's text diffs ask for one, and the page draws none."""
    raise NotImplementedError("the compare page draws no coloured text diff")
