"""The preview (`notice serve`) rebuilds only what an edit changed, like a one-commit
`notice build`; both must show what a clean build shows.

A real `notice serve` runs as a subprocess on a free local port and is read over HTTP;
`notice build` runs into two site folders, one rebuilt after a commit, one clean.
"""

import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest

from notice_engine.cli import main
from support.site import notice_with_two_sections

pytestmark = pytest.mark.slow        # a real `notice serve` in a child process

ARTICLE = re.compile(r'<article class="md-content__inner md-typeset">(.*?)</article>', re.S)


def article(html: str) -> str:
    """What the page shows of the notice: the theme's article (the preview's served pages
    carry its live-reload script and its own address elsewhere)."""
    found = ARTICLE.search(html)
    assert found, html[:2000]
    return found.group(1)


class Preview:
    def __init__(self, root, env):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.log = open(root.parent / "serve.log", "w+b")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "notice_engine.cli", "--root", str(root), "serve",
             "--edition", "us-en", "--dev-addr", f"127.0.0.1:{self.port}"],
            cwd=root, env=env, stdout=self.log, stderr=subprocess.STDOUT)

    def get(self, path: str) -> tuple[int, str]:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/{path}", timeout=30) as r:
                return r.status, r.read().decode("utf-8")
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode("utf-8", errors="replace")

    def wait_for(self, path: str, shown: str, timeout: float = 120) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.process.poll() is None, self.output()
            try:
                status, page = self.get(path)
                if status == 200 and shown in page:
                    return page
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.05)
        raise AssertionError(f"/{path} never showed {shown!r}:\n{self.output()}")

    def output(self) -> str:
        self.log.seek(0)
        return self.log.read().decode(errors="replace")[-4000:]

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=30)
        self.log.close()


@pytest.fixture
def preview(repo, monkeypatch):
    monkeypatch.setenv("NOTICE_TODAY", "2024-12-31")
    notice_with_two_sections(repo)
    repo.commit("First", date="2024-01-10T09:00:00+01:00")
    started = Preview(repo.root, {**os.environ, "NOTICE_TODAY": "2024-12-31"})
    try:
        started.wait_for("", "Write to")
        yield started
    finally:
        started.stop()


def test_a_preview_edit_a_one_commit_rebuild_and_a_clean_build_show_the_same_pages(
        repo, preview, tmp_path):
    rebuilt, clean = tmp_path / "rebuilt", tmp_path / "clean"
    assert main(["--root", str(repo.root), "build", "--site-dir", str(rebuilt)]) == 0

    repo.section("contact", "Contact", "Write to {{ company.email }} or call us.")
    draft = preview.wait_for("", "or call us.")
    assert "draft" in article(draft).lower()                     # the banner, as before
    repo.commit("Phone", date="2024-02-10T09:00:00+01:00")
    repo.section("contact", "Contact", "Write to {{ company.email }} or call us.")   # saved again
    preview.wait_for("archive/", "2024-02-10")                    # the commit, in the preview

    assert main(["--root", str(repo.root), "build", "--site-dir", str(rebuilt)]) == 0
    assert main(["--root", str(repo.root), "build", "--site-dir", str(clean)]) == 0
    for path in ("", "archive/", "archive/2024-02-10/", "archive/2024-01-10/", "compare/"):
        built = (rebuilt / "us-en" / path / "index.html").read_text(encoding="utf-8")
        assert built == (clean / "us-en" / path / "index.html").read_text(encoding="utf-8")
        status, served = preview.get(path)
        assert status == 200, path
        assert article(served) == article(built), path


def test_the_preview_tells_how_to_preview_another_edition(preview):
    status, home = preview.get("")
    assert status == 200 and '../eu-en/' in home             # the switcher links the other edition
    for path in ("eu-en/", "eu-en/archive/"):
        status, page = preview.get(path)
        assert status == 200, path
        assert "notice serve --edition eu-en" in page


def test_a_preview_that_cannot_build_says_why(repo):
    """`notice serve` runs MkDocs in its own process: the hook's error (file, line, fix)
    reaches the terminal, and the command ends with a clear error, not silently."""
    notice_with_two_sections(repo)
    repo.write("notice/contact.md", "# Contact\n\nSee [[nowhere]].\n")
    repo.commit("A broken smart link")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    done = subprocess.run(
        [sys.executable, "-m", "notice_engine.cli", "--root", str(repo.root), "serve",
         "--dev-addr", f"127.0.0.1:{port}"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "notice/contact.md:3: smart link [[nowhere]]" in done.stderr, done.stderr
    assert "error: the preview could not start" in done.stderr and "Traceback" not in done.stderr
