"""Shared fixtures: real notice repositories made in temporary folders."""

from __future__ import annotations

import copy
import functools
import os
import subprocess
import sys
import textwrap
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT / "hooks"))

from notice_engine.config import NoticeConfig, from_extra  # noqa: E402

SHARED = PROJECT.parent / "shared"
REFERENCE = SHARED / "reference" / "ujet-privacy-notice-2019.txt"

BASE_EXTRA = {
    "language": "en",
    "timezone": "Europe/Paris",
    "regions": {"us": {"name": "United States"}, "eu": {"name": "EEA"},
                "fr": {"name": "France", "part_of": "eu"}},
    "editions": [{"id": "us-en", "region": "us", "locale": "en"},
                 {"id": "eu-en", "region": "eu", "locale": "en"}],
    "company": {"name": "Examplary", "email": "privacy@example.test"},
}


class NoticeRepo:
    """A git repository holding a notice, built file by file and commit by commit."""

    def __init__(self, root: Path, extra: dict | None = None):
        self.root = root
        self.extra = copy.deepcopy(extra or BASE_EXTRA)    # a test may change its own freely
        root.mkdir(parents=True, exist_ok=True)
        self.git("init", "-q", "-b", "main")
        self.git("config", "user.name", "Test Author")
        self.git("config", "user.email", "author@example.test")
        self.git("config", "commit.gpgsign", "false")
        self.write_mkdocs_yml()

    def git(self, *args: str, env: dict | None = None) -> str:
        result = subprocess.run(["git", *args], cwd=self.root, capture_output=True, text=True,
                                env={**os.environ, **(env or {})})
        if result.returncode:
            raise AssertionError(f"git {' '.join(args)} failed: {result.stderr}")
        return result.stdout.strip()

    def write(self, path: str, text: str) -> Path:
        target = self.root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
        return target

    def section(self, section_id: str, title: str, body: str = "Some text.", **front) -> Path:
        head = ""
        if front:
            head = "---\n" + "".join(f"{k}: {v}\n" for k, v in front.items()) + "---\n"
        return self.write(f"notice/{section_id}.md", f"{head}# {title}\n\n{body}\n")

    def manifest(self, *ids: str, title: str = "Privacy Notice", jump_list: str | None = None):
        lines = [f"title: \"{title}\""] + ([f"jump_list: {jump_list}"] if jump_list else [])
        lines += ["sections:"] + [f"  - {i}" for i in ids]
        return self.write("notice/notice.yml", "\n".join(lines) + "\n")

    def commit(self, message: str, date: str = "2024-03-01T10:00:00+00:00") -> str:
        """Commit everything with the given author and committer date; return the sha."""
        self.git("add", "-A")
        self.git("commit", "-q", "--allow-empty", "-m", message,
                 env={"GIT_AUTHOR_DATE": date, "GIT_COMMITTER_DATE": date})
        return self.git("rev-parse", "HEAD")

    def config(self) -> NoticeConfig:
        return from_extra(self.extra, self.root)

    def write_mkdocs_yml(self) -> None:
        """A site config like the sample's, pointing at this project's hook (which adds the
        engine's theme overrides)."""
        import yaml

        config = {
            "site_name": "Test notice", "docs_dir": "notice", "site_dir": "site/us-en",
            "strict": True,
            "theme": {"name": "material", "font": False, "language": "en"},
            "hooks": [str(PROJECT / "hooks" / "mkdocs_hooks.py")],
            "plugins": [],
            "extra": {"generator": False, "notice": self.extra},
        }
        self.write("mkdocs.yml", yaml.safe_dump(config, sort_keys=False))


# Fixtures that make a test a `browser` or a `slow` one (markers in pyproject.toml), so the
# quick loop (`./dev test -m "not browser"`) needs no list of files to keep up to date.
BROWSER_FIXTURES = {"chromium"}                # also reached through page, new_context…
SLOW_FIXTURES = {"sample_root", "site_url"}


def pytest_collection_modifyitems(config, items):
    for item in items:
        used = set(getattr(item, "fixturenames", ()))
        if used & BROWSER_FIXTURES:
            item.add_marker(pytest.mark.browser)
        if used & SLOW_FIXTURES:
            item.add_marker(pytest.mark.slow)


@pytest.fixture
def repo(tmp_path) -> NoticeRepo:
    return NoticeRepo(tmp_path / "repo")


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - the stdlib's signature
        pass


@pytest.fixture(scope="session")
def sample_root(tmp_path_factory) -> Path:
    """The sample notice (examples/sample-notice/), committed once in a repository of its own."""
    sys.path.insert(0, str(PROJECT / "examples"))
    import sample_repo

    return sample_repo.make(tmp_path_factory.mktemp("sample") / "repo")


@pytest.fixture(scope="session")
def sample_site(tmp_path_factory, sample_root) -> Path:
    """The sample notice built once, for the browser tests and the page benchmarks' smoke
    runs (none of them writes to it)."""
    from notice_engine.cli import main

    site = tmp_path_factory.mktemp("sample") / "site"
    assert main(["--root", str(sample_root), "build", "--site-dir", str(site)]) == 0
    return site


@pytest.fixture(scope="session")
def site_url(sample_site):
    """The sample site served for every browser test; yield the base URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0),
                                 functools.partial(QuietHandler, directory=str(sample_site)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture(scope="module")
def chromium():
    """Debian's Chromium through Playwright (Playwright's own browser download is never used)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), headless=True,
                                             args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def chromium_path() -> str:
    return os.environ.get("NOTICE_CHROMIUM", "/usr/bin/chromium")


CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


# --- browser helpers shared by the browser tests ----------------------------------------

WAIT_MS = 5_000  # every Playwright wait gives up after this long

IN_VIEWPORT_JS = """selector => {
    const element = document.querySelector(selector);
    if (!element) return false;
    const top = element.getBoundingClientRect().top;
    return top >= 0 && top < window.innerHeight;
}"""


def in_viewport(page, selector: str) -> bool:
    """Whether the top edge of the element lies within the visible part of the page."""
    return page.evaluate(IN_VIEWPORT_JS, selector)


def wait_in_viewport(page, selector: str) -> None:
    """Wait (scrolling may be smooth) until the element's top is in the viewport."""
    page.wait_for_function(IN_VIEWPORT_JS, arg=selector, timeout=WAIT_MS)


def heading(fragment: str) -> str:
    """The selector of the element a `#fragment` link targets."""
    return f'[id="{fragment}"]'


def assert_redline_exact(old_sections, new_sections, redline) -> None:
    """Applying the redline to the old text gives the new text, section by section and
    block by block: keep equal text, take deletions out, put insertions in."""
    from notice_engine.render.redline import blocks_of

    old_by_id = {s.id: s for s in old_sections}
    new_by_id = {s.id: s for s in new_sections}
    assert {s.id for s in redline.sections} == old_by_id.keys() | new_by_id.keys()
    assert [s.id for s in redline.sections if s.id in new_by_id] == list(new_by_id)
    for change in redline.sections:
        old_blocks = blocks_of(old_by_id[change.id].html) if change.id in old_by_id else []
        new_blocks = blocks_of(new_by_id[change.id].html) if change.id in new_by_id else []
        assert [b.old for b in change.blocks if b.old] == old_blocks
        assert [b.new for b in change.blocks if b.new] == new_blocks
        for block in change.blocks:
            assert block.ops and all(op.text for op in block.ops)
            assert all(a.kind != b.kind for a, b in zip(block.ops, block.ops[1:]))
        if change.id in old_by_id and change.id in new_by_id:
            assert (change.status != "unchanged") == (old_blocks != new_blocks)
        else:
            assert change.status == ("removed" if change.id in old_by_id else "added")
    assert redline.changed == any(s.status != "unchanged" for s in redline.sections)


def page_words(repo: NoticeRepo, committed: bool = False) -> list[str]:
    """The words the engine's page shows of the notice in the work tree: its title (unless
    the default one), then every section, the ¶ permalinks and an imported "Introduction"
    heading left out. `committed`: read as published text (raw HTML sanitised, not refused)."""
    import re

    from notice_engine.render.edition import render_edition
    from notice_engine.sources.markdown import visible_text
    from notice_engine.render.sections import Renderer
    from notice_engine.sources.notice import WorkTree, read_notice

    config = repo.config()
    text = render_edition(read_notice(WorkTree(repo.root), config), config.editions[0],
                          Renderer(), committed=committed)
    words = [] if text.title == "Privacy Notice" else text.title.split()
    for section in text.sections:
        shown = visible_text(re.sub(r'<a class="headerlink"[^>]*>.*?</a>', "",
                                    section.html)).split()
        words += shown[1:] if section.id == "introduction" and shown[:1] == ["Introduction"] \
            else shown
    return words


def history_facts(history) -> tuple:
    """Everything a history says, in plain values: what the site and the emails show."""
    return ([(v.date, v.landed, v.change, v.summaries, v.commit, v.text.sha256, v.legacy,
              [(c.day, c.commit, c.summary, c.text.sha256, c.previous.sha256)
               for c in v.corrections], v.withdrawn) for v in history.versions],
            history.reviewed, history.warnings, history.today)
