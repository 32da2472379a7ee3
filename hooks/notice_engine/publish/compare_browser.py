"""The compare page's Python: run in the reader's browser by Brython, and here by tests.

The page's script (assets/notice-compare.js) fetches the two versions' lists
(`compare/v/<date>.json`) and the texts of the sections that differ
(`compare/t/<key>.json`), all written by the build (publish/compare.py), and hands
them to `redline_html` as JSON text: data, parsed with `json`, never run. (The page's
one Python script imports this module and hands `redline_html` to that script.) The
comparison and the drawing are `render/redline_core`, the code `notice diff` and the
archive page run; nothing here decides what changed.
"""

from __future__ import annotations

import json

from ..render import redline_core

ID_PREFIX = "_changes-"        # the compare page's section anchors
HEADING_LEVEL = 3              # under the page's "Changes from … to …" heading


def redline_html(drawing: str, older: str, newer: str, texts: str) -> str:
    """The redline from the older version to the newer, as the archive page draws one.

    `drawing`: the redline's words in the page's language and its HTML pieces
    (templates/redline.html), as `{"labels": …, "pieces": …}`; `older`, `newer`: the two
    versions' lists; `texts`: key -> section file, for every key not in both lists
    (a key names one section's one text, so a section whose key both lists hold is
    unchanged, and its blocks are not needed to say so).
    """
    older_list, newer_list = json.loads(older)["sections"], json.loads(newer)["sections"]
    files = json.loads(texts)
    both = {key for _, key in older_list} & {key for _, key in newer_list}

    def sections(listed):
        return [redline_core.SectionText(section_id, "", ()) if key in both
                else section_text(files[key]) for section_id, key in listed]

    changes = redline_core.compare(sections(older_list), sections(newer_list))
    words = json.loads(drawing)
    return redline_core.to_html(changes, words["labels"], words["pieces"], id_prefix=ID_PREFIX,
                                heading_level=HEADING_LEVEL)


def section_text(data: dict) -> redline_core.SectionText:
    """A section file (compare/t/<key>.json) as the comparison reads it."""
    return redline_core.SectionText(data["id"], data["title"], tuple(data["blocks"]))


def section_file(text: redline_core.SectionText) -> str:
    """compare/t/<key>.json: what the comparison reads of one text of a section."""
    return json.dumps({"id": text.id, "title": text.title, "blocks": list(text.blocks)},
                      ensure_ascii=False, separators=(",", ":")) + "\n"

