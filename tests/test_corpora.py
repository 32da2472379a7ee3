"""Real published notices and their histories (../shared/corpora), imported and built.

Each corpus holds every version of a real notice with the date it landed. What a
reader saw of a version is what a CommonMark renderer (markdown-it-py, the
oracle here) shows for it; after `notice import` the engine must show the same
words, keep every anchor the page had, and date a version on each day those words
changed, none dropped. The texts are read at test time, never copied here.
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from markdown_it import MarkdownIt

from conftest import SHARED, NoticeRepo, page_words
from notice_engine.history import walk as history
from notice_engine.render.edition import render_edition
from notice_engine.sources.importer import import_notice
from notice_engine.sources.markdown import front_matter, visible_text
from notice_engine.render.sections import Renderer
from notice_engine.sources.notice import WorkTree, read_notice

CORPORA = SHARED / "corpora"
NOTICES = {                      # corpus folder -> the notice file's name in a test repository
    "apache-privacy-policy": "privacy.md",
    "letsencrypt-privacy-policy/en": "privacy.md",
    "login-gov-privacy-act-statement/en": "privacy.md",
    "mozilla-focus-privacy-notice/en": "privacy.md",
    "mozilla-websites-privacy-notice/en": "privacy.md",
}
TIMEZONE = "America/Los_Angeles"
_ORACLE = MarkdownIt("commonmark").enable("table")
_ATTRIBUTE_LIST = re.compile(r"\{:[^}\n]*\}|\{#[\w-]+\}")
_LEFT_OUT = re.compile(r":(\d+): left out ")


def corpus(name: str) -> list[dict]:
    folder = CORPORA / name
    if not (folder / "history.json").is_file():
        pytest.skip(f"{folder} is absent: the real-notice corpora live in ../shared beside the "
                    "checkout")
    entries = json.loads((folder / "history.json").read_text(encoding="utf-8"))
    return [dict(e, text=(folder / e["file"]).read_bytes() if e["file"] else None)
            for e in entries if e["first_parent"]]


def oracle_words(data: bytes, left_out: set[int]) -> list[str]:
    """What a reader of the original saw: CommonMark's rendering, front matter and kramdown
    attribute lists (never shown by the sites that published them) taken out, the front matter's
    title first (the page's heading on a Jekyll or Hugo site), and the lines
    the import leaves out on purpose (the "Last updated" line: the site prints its own)."""
    lines = data.decode("utf-8-sig").replace("\r\n", "\n").replace("\r", "\n").split("\n")
    meta = front_matter("original", lines)
    kept = [line for number, line in enumerate(lines, start=1)
            if number > meta.body_start and number not in left_out]
    title = str(meta.data.get("title") or "").split()        # a Jekyll or Hugo page's heading
    return title + visible_text(_ORACLE.render(_ATTRIBUTE_LIST.sub("", "\n".join(kept)))).split()


def link_targets(data: bytes) -> list[str]:
    """Where the links go: a reader follows them, so a new target is a new version too."""
    tokens = _ORACLE.parse(data.decode("utf-8-sig"))
    return [str(child.attrGet("href")) for token in tokens for child in token.children or ()
            if child.type == "link_open" and not str(child.attrGet("href")).startswith("#")]


def engine_words(repo: NoticeRepo) -> list[str]:
    """What the engine's page shows of the notice, read as published: raw HTML outside the
    allow-list (Apache's <iframe>) is left out, not refused; it shows no words either way."""
    return page_words(repo, committed=True)


def imported(repo: NoticeRepo, data: bytes) -> set[int]:
    """Import one version over the notice; the source lines the import left out."""
    source = repo.root.parent / "published.md"
    source.write_bytes(data)
    result = import_notice(source, repo.root / "notice", replace=True)
    return {int(m.group(1)) for w in result.warnings for m in [_LEFT_OUT.search(w)] if m}


def new_repo(tmp_path: Path) -> NoticeRepo:
    extra = {"language": "en", "timezone": TIMEZONE, "regions": {"us": {"name": "US"}},
             "editions": [{"id": "us-en", "region": "us", "locale": "en"}],
             "company": {"name": "Examplary"}}
    return NoticeRepo(tmp_path / "repo", extra)


@pytest.mark.parametrize("name", list(NOTICES))
def test_the_current_notice_imports_and_shows_every_word(tmp_path, name):
    latest = corpus(name)[-1]
    repo = new_repo(tmp_path)
    left_out = imported(repo, latest["text"])
    assert engine_words(repo) == oracle_words(latest["text"], left_out)


def test_an_imported_iframe_stops_the_build_until_it_becomes_a_link(tmp_path):
    """Apache's notice embeds its analytics opt-out as an <iframe>: not allowed on a notice's
    page (it loads another site inside it), so new text with it stops, saying so."""
    from notice_engine.errors import NoticeError

    repo = new_repo(tmp_path)
    imported(repo, corpus("apache-privacy-policy")[-1]["text"])
    config = repo.config()
    with pytest.raises(NoticeError, match=r"<iframe> is not allowed[\s\S]*link to that page"):
        render_edition(read_notice(WorkTree(repo.root), config), config.editions[0], Renderer())


@pytest.mark.parametrize("name", list(NOTICES))
def test_every_version_committed_with_its_date_is_a_version_on_its_day(tmp_path, name):
    """Each published version, imported with --replace and committed on its original date:
    the archive's dates are exactly the days the words a reader sees (or a link's target)
    changed, none dropped."""
    repo = new_repo(tmp_path)
    zone = ZoneInfo(TIMEZONE)
    expected_days, previous = [], None
    for entry in corpus(name):
        if entry["text"] is None:
            continue                              # deleted on the branch: nothing to publish
        left_out = imported(repo, entry["text"])
        repo.commit(entry["subject"] or "change", date=entry["date"])
        words = oracle_words(entry["text"], left_out) + link_targets(entry["text"])
        if words != previous:
            day = datetime.fromisoformat(entry["date"]).astimezone(zone).date()
            if day not in expected_days:
                expected_days.append(day)
            previous = words
    config = repo.config()
    repository = history.read_repository(repo.root)
    past = history.edition_history(repository, config, config.editions[0], Renderer(),
                                   datetime.now(zone).date())
    dropped = [w for w in past.warnings if "did not build" in w]
    assert dropped == []
    assert [v.date for v in past.versions] == expected_days
