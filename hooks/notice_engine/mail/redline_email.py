"""The redline as an email shows it: HTML with inline styles, and plain text.

Mail clients drop <style> sheets and <section> elements unevenly, so the
archive's redline (`redline.to_html`, from templates/redline.html) is drawn with
the inline styles below and <div> for <section>; and a plain-text part must read
well alone, so the text form marks deletions `[-…-]` and insertions `{+…+}`
(git's word-diff convention) with a legend in the reader's language, where
`redline.to_terminal` is English only.
"""

from __future__ import annotations

from collections.abc import Mapping

from ..render import redline
from ..render.redline import Redline

WIDTH = 76
MUTED = "color:#57606a;"
PARAGRAPH = "margin:0 0 8px;line-height:1.5;"
SKIP = PARAGRAPH + "font-style:italic;" + MUTED
SECTION = "border-left:3px solid #d0d7de;padding:0 0 0 12px;margin:16px 0;"
# The inline style of each kind of element of the redline's HTML: the `{css[kind]}` of
# templates/redline.html, and "section_<status>" for a section; a kind left out (the
# wrapper, "redline") gets none.
STYLES = {
    "legend": PARAGRAPH + "font-size:13px;" + MUTED,
    "none": PARAGRAPH + MUTED,
    "heading": "font-size:16px;line-height:1.3;margin:0 0 8px;",
    "block": PARAGRAPH,
    "skip": SKIP,
    "unchanged_run": SKIP,
    "status": "font-weight:normal;" + MUTED,
    "ins": "background:#dafbe1;color:#116329;text-decoration:underline;",
    "del": "background:#ffebe9;color:#82071e;text-decoration:line-through;",
    # Hidden from the eye, still read out by screen readers: "inserted: …", "deleted: …".
    "label": "font-size:0;line-height:0;",
    "section_added": SECTION + "border-left-color:#2da44e;",
    "section_removed": SECTION + "border-left-color:#cf222e;",
    "section_changed": SECTION,
    "section_unchanged": SECTION,
}


def html(changes: Redline, labels: Mapping[str, str]) -> str:
    """Changed sections, each run of unchanged ones as one line; every tag styled inline;
    <section> becomes <div>."""
    return redline.to_html(changes, labels, include_unchanged=True, id_prefix="",
                           styles=STYLES, block="div")


def text(changes: Redline, labels: Mapping[str, str]) -> str:
    """Changed sections as wrapped plain text, headed by a legend; unchanged runs as one line
    (templates/redline.txt, form "email")."""
    return redline.to_text(changes, labels, WIDTH)
