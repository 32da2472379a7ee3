"""What the build writes for the compare page, and the Python that page runs.

The compare page runs publish/compare_browser.py under Brython in the reader's
browser (tests/test_compare.py drives it in Chromium); here the same module runs in
CPython on the very files the build writes, for every pair of versions, against
`redline.to_html` of `redline.compare`: what the archive page and `notice diff` use.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from support.history import first_notice, history_of

from notice_engine.publish import brython_files, compare, compare_browser
from notice_engine.render import redline

VERSIONS = 8


@pytest.fixture
def history(repo):
    """VERSIONS versions, each changing one section; a section added at the 3rd, one
    removed at the 5th (the contact section), one restored to an earlier text at the 7th."""
    first_notice(repo)
    repo.commit("First\n\nNotice-Change: material", date="2024-01-01T10:00:00+00:00")
    for k in range(2, VERSIONS + 1):
        if k == 3:
            repo.section("sharing", "Sharing", "We share nothing.")
            repo.manifest("intro", "sharing", "contact")
        elif k == 5:
            (repo.root / "notice" / "contact.md").unlink()
            repo.manifest("intro", "sharing")
        elif k == 7:
            repo.section("intro", "Introduction", "We keep your data safe.")    # the 1st text
        else:
            repo.section("intro", "Introduction", f"We keep your data safe, and say so {k} times.")
        repo.commit(f"Edit {k}\n\nNotice-Change: material", date=f"2024-01-{k:02d}T10:00:00+00:00")
    made = history_of(repo, today="2024-12-31")
    assert len(made.versions) == VERSIONS
    return made


def test_a_version_adds_one_list_and_one_file_per_section_it_changed(history):
    lists, made = compare.compare_files(history)
    texts = {path for path in made if path.startswith(f"{compare.TEXTS_DIR}/")}
    assert len(lists) == VERSIONS
    # two sections at first, then one new text per version, but for the restored one
    assert len(texts) == 2 + (VERSIONS - 1) - 1 - 1          # (removing writes nothing)
    assert set(made) - texts == set(brython_files.scripts())   # and nothing per pair
    for k in range(2, VERSIONS + 1):
        earlier = compare.compare_files(_first(history, k - 1))
        later = compare.compare_files(_first(history, k))
        added = (set(later[0]) | set(later[1])) - (set(earlier[0]) | set(earlier[1]))
        assert len(added) <= 2, (k, added)                    # its list, its section's text


@pytest.mark.parametrize("locale", ["en", "fr"])
def test_the_page_s_python_draws_the_archive_s_redline_from_the_build_s_files(history, locale):
    labels = redline.labels(locale)
    lists, made = compare.compare_files(history)
    files = {path.rpartition("/")[2].removesuffix(".json"): json.loads(make())
             for path, make in made.items() if path.startswith(f"{compare.TEXTS_DIR}/")}
    pairs = [(a, b) for i, a in enumerate(history.versions) for b in history.versions[i + 1:]]
    statuses = set()
    for older, newer in pairs:
        older_list = lists[f"{compare.VERSIONS_DIR}/{older.date.isoformat()}.json"]
        newer_list = lists[f"{compare.VERSIONS_DIR}/{newer.date.isoformat()}.json"]
        changes = redline.compare(older.text.sections, newer.text.sections)
        statuses |= {section.status for section in changes.sections}
        expected = redline.to_html(changes, labels, id_prefix=compare_browser.ID_PREFIX,
                                   heading_level=compare_browser.HEADING_LEVEL)
        drawn = compare_browser.redline_html(json.dumps(redline.html_drawing(labels)),
                                             older_list, newer_list, json.dumps(files))
        assert drawn == expected, (older.date, newer.date)
    assert statuses == {redline.ADDED, redline.REMOVED, redline.CHANGED, redline.UNCHANGED}


def test_the_page_s_python_needs_no_text_of_a_section_both_versions_share(history):
    older, newer = history.versions[0], history.versions[1]       # only intro changed
    lists, made = compare.compare_files(history)
    changed = {compare.section_key(s) for s in (older.text.sections[0], newer.text.sections[0])}
    files = {key: json.loads(made[f"{compare.TEXTS_DIR}/{key}.json"]()) for key in changed}
    drawn = compare_browser.redline_html(
        json.dumps(redline.html_drawing(redline.labels("en"))), compare.version_list(older),
        compare.version_list(newer), json.dumps(files))
    assert drawn == redline.to_html(redline.compare(older.text.sections, newer.text.sections),
                                    redline.labels("en"))


def _first(history, count):
    import dataclasses

    return dataclasses.replace(history, versions=history.versions[:count])


def test_the_page_s_colorize_covers_what_difflib_asks_of_it_and_the_redline_never_calls_it():
    """The bundle serves publish/compare_colorize.py as `_colorize`: Brython's difflib must
    import nothing else from it, and never from SequenceMatcher, the one part of difflib
    the redline uses (so a Brython upgrade or a new difflib call fails here, not on a
    reader's page)."""
    import ast
    import re
    from importlib import resources

    from brython import list_modules
    from notice_engine.publish import compare_colorize
    from notice_engine.render import redline_core

    stdlib = list_modules.parse_stdlib(str(resources.files("brython").joinpath("data")))
    difflib = stdlib["difflib"][1]
    asked = set()
    for names in re.findall(r"from _colorize import ([\w ,]+)", difflib):
        asked |= {name.strip() for name in names.split(",")}
    assert asked and asked <= set(vars(compare_colorize))
    matcher = re.search(r"^class SequenceMatcher\b.*?(?=^\S)", difflib, re.M | re.S).group(0)
    assert "def find_longest_match" in matcher and not any(name in matcher for name in asked)
    used = {node.attr for node in ast.walk(ast.parse(Path(redline_core.__file__).read_text(encoding="utf-8")))
            if isinstance(node, ast.Attribute) and getattr(node.value, "id", "") == "difflib"}
    assert used == {"SequenceMatcher"}
    assert "_colorize" in brython_files.OURS and "_colorize" not in brython_files.STDLIB
