"""The redline as an email shows it: HTML with inline styles, and plain text.

Mail clients drop <style> sheets and <section> elements unevenly, so the
archive's redline (`redline.to_html`, templates/redline.html) is drawn with the
inline styles below and <div> for <section>; and a plain-text part must read
well alone, so the text form marks deletions `[-…-]` and insertions `{+…+}`
(git's word-diff convention) with a legend in the reader's language, where
`redline.to_terminal` is English only.
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping

from ..render import redline
from ..render.redline import ADDED, INSERT, REMOVED, Redline
# The archive's own grouping of a section's blocks, so both forms show the same gaps.
from ..render.redline import gap_label, sections_label, sections_with_gaps, under_heading, with_gaps

WIDTH = 76
MUTED = "color:#57606a;"
STYLES = {      # CSS per tag name or ".class" of templates/redline.html
    "p": "margin:0 0 8px;line-height:1.5;",
    "h3": "font-size:16px;line-height:1.3;margin:0 0 8px;",
    "ins": "background:#dafbe1;color:#116329;text-decoration:underline;",
    "del": "background:#ffebe9;color:#82071e;text-decoration:line-through;",
    ".redline-legend": "font-size:13px;" + MUTED,
    ".redline-none": MUTED,
    ".redline-section": "border-left:3px solid #d0d7de;padding:0 0 0 12px;margin:16px 0;",
    ".redline-added": "border-left-color:#2da44e;",
    ".redline-removed": "border-left-color:#cf222e;",
    ".redline-status": "font-weight:normal;" + MUTED,
    ".redline-skip": "font-style:italic;" + MUTED,
    # Hidden from the eye, still read out by screen readers: "inserted: …", "deleted: …".
    ".redline-label": "font-size:0;line-height:0;",
}


def html(changes: Redline, labels: Mapping[str, str]) -> str:
    """Changed sections, each run of unchanged ones as one line; every tag styled inline;
    <section> becomes <div>."""
    return redline.to_html(changes, labels, include_unchanged=True, id_prefix="",
                           styles=STYLES, block="div")


def text(changes: Redline, labels: Mapping[str, str]) -> str:
    """Changed sections as wrapped plain text, headed by a legend; unchanged runs as one line."""
    if not changes.changed:
        return labels["no_changes"]
    lines = [f"[-…-] {labels['legend_deleted']}   {{+…+}} {labels['legend_inserted']}"]
    status = {ADDED: labels["added_section"], REMOVED: labels["removed_section"]}
    for section in sections_with_gaps(changes):
        if isinstance(section, int):
            lines += ["", f"… {sections_label(section, labels)} …"]
            continue
        title = section.title + (f" — {status[section.status]}" if section.status in status
                                 else "")
        lines += ["", f"== {title} =="]
        for item in with_gaps(under_heading(section)):
            if isinstance(item, int):
                lines.append(f"  … {gap_label(item, labels)} …")
            else:
                lines += textwrap.wrap("".join(_marked(op) for op in item.ops), WIDTH,
                                       break_long_words=False, break_on_hyphens=False) or [""]
    return "\n".join(lines)


def _marked(op: redline.Op) -> str:
    if op.kind == redline.EQUAL:
        return op.text
    return f"{{+{op.text}+}}" if op.kind == INSERT else f"[-{op.text}-]"

