"""Issue 13, items 4-7: raw HTML that would run, caches that would run or forge, racing
builds, incremental builds that differ from clean ones. Real repositories, real builds."""

from __future__ import annotations

from contextlib import contextmanager

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conftest import BASE_EXTRA, NoticeRepo
from notice_engine.cli import main
from support.fuzz import fuzz
from support.site import finished, notice_build

TRICKS = {
    "script": '<script>window.pwned = "script"; document.title = "pwned";</script>',
    "img-onerror": '<img src="x" onerror="window.pwned = \'img\'">',
    "javascript-link": '<a href="javascript:window.pwned=\'link\'" id="js-link">click</a>',
    "svg-onload": '<svg onload="window.pwned = \'svg\'"></svg>',
    "iframe-srcdoc": '<iframe srcdoc="<script>parent.pwned = \'iframe\'</script>"></iframe>',
    "data-url": '<a href="data:text/html,<script>alert(1)</script>" id="data-link">data</a>',
    "style-url": '<p style="background: url(https://tracker.example/p.png)">styled</p>',
}


def hostile_notice(repo, body: str) -> None:
    repo.section("intro", "Introduction", "Welcome.")
    repo.section("contact", "Contact", body)
    repo.manifest("intro", "contact")


@pytest.mark.parametrize("trick", sorted(TRICKS))
def test_raw_html_that_could_run_stops_the_build_with_its_line_and_fix(repo, capsys, trick):
    hostile_notice(repo, f"Write to us.\n\n{TRICKS[trick]}\n")
    repo.commit("Hostile")
    assert main(["--root", str(repo.root), "build", "--edition", "us-en"]) == 1
    err = capsys.readouterr().err
    assert "notice/contact.md:5:" in err and "not allowed" in err and "Fix:" in err
    assert main(["--root", str(repo.root), "check"]) == 1
    assert "notice/contact.md:5:" in capsys.readouterr().out


def test_an_iframe_is_refused_with_a_fix_that_says_why(repo, capsys):
    hostile_notice(repo, 'Opt out:\n\n<iframe src="https://stats.example/optout"></iframe>\n')
    assert main(["--root", str(repo.root), "check"]) == 1
    out = capsys.readouterr().out
    assert "<iframe> is not allowed" in out and "link to that page instead" in out


def test_inline_html_is_refused_on_its_own_line(repo, capsys):
    hostile_notice(repo, 'Line one\nline <span onclick="x()">two</span>.\n')
    assert main(["--root", str(repo.root), "check"]) == 1
    assert "notice/contact.md:4: event handler onclick=" in capsys.readouterr().out


def test_allowed_html_passes_and_keeps_its_markup(repo, capsys, monkeypatch):
    monkeypatch.setenv("NOTICE_TODAY", "2024-12-31")
    hostile_notice(repo, '<table class="retention"><tr><td style="text-align: right">13</td>'
                         '<td><a href="https://example.test/x">months</a></td></tr></table>\n\n'
                         'Some <em>inline</em> <span class="note">html</span>.<br>\n'
                         '<!-- an editor\'s comment -->\n')
    repo.commit("Fine")
    assert main(["--root", str(repo.root), "build", "--edition", "us-en"]) == 0
    page = (repo.root / "site/us-en/index.html").read_text()
    assert '<table class="retention">' in page and '<span class="note">html</span>' in page
    assert 'href="https://example.test/x"' in page


def test_legacy_records_are_sanitised_with_a_note_not_refused(repo, capsys, monkeypatch):
    monkeypatch.setenv("NOTICE_TODAY", "2024-12-31")
    hostile_notice(repo, "Write to us.")
    repo.write("archive/2020-01-01.md", "# Privacy Notice\n\n## Contact\n\nOld text.\n\n"
               + "\n\n".join(TRICKS.values()) + "\n")
    repo.commit("First", date="2024-01-10T09:00:00+01:00")
    assert main(["--root", str(repo.root), "build", "--edition", "us-en"]) == 0
    err = capsys.readouterr().err
    assert "left out of the page" in err and "archive/2020-01-01.md" in err
    page = (repo.root / "site/us-en/archive/2020-01-01/index.html").read_text()
    assert "Old text." in page
    for needle in ("pwned", "onerror", "onload", "javascript:", "<iframe", "srcdoc", "data:text",
                   "tracker.example"):
        assert needle not in page, needle


# --- in a real browser: nothing runs, whichever layer stops it --------------------------------

CSP_SCRIPTS = "script-src 'self' 'sha256-"


def serve(folder):
    """Serve `folder` over HTTP on 127.0.0.1; returns (base URL, server) to shut down."""
    import functools
    import threading
    from http.server import ThreadingHTTPServer

    from conftest import QuietHandler

    server = ThreadingHTTPServer(("127.0.0.1", 0),
                                 functools.partial(QuietHandler, directory=str(folder)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_address[1]}", server


def every_trick_in_a_page(repo, monkeypatch, layer: str) -> str:
    """Build a page holding every trick; `layer` says which defence is left to stop them:
    `sanitiser` (a legacy record: cleaned, with a note) or `csp` (sanitiser switched off,
    as if it had missed everything: the browser's CSP alone must hold)."""
    monkeypatch.setenv("NOTICE_TODAY", "2024-12-31")
    tricks = "\n\n".join(TRICKS.values()) + "\n"
    if layer == "csp":
        from notice_engine.render import edition, html_policy

        monkeypatch.setattr(html_policy, "sanitise", lambda fragment: fragment)
        monkeypatch.setattr(edition, "_raw_html_problems", lambda section: ())
        hostile_notice(repo, f"Write to us.\n\n{tricks}")
        path = "us-en/index.html"
    else:
        hostile_notice(repo, "Write to us.")
        repo.write("archive/2020-01-01.md", f"# Privacy Notice\n\n## Contact\n\nOld.\n\n{tricks}")
        path = "us-en/archive/2020-01-01/index.html"
    repo.commit("First", date="2024-01-10T09:00:00+01:00")
    assert main(["--root", str(repo.root), "build", "--edition", "us-en"]) == 0
    return path


@pytest.mark.parametrize("layer", ["sanitiser", "csp"])
def test_no_trick_runs_in_chromium(repo, monkeypatch, chromium, layer):
    path = every_trick_in_a_page(repo, monkeypatch, layer)
    base, server = serve(repo.root / "site")
    context = chromium.new_context()
    try:
        page = context.new_page()
        violations: list[str] = []
        page.on("console", lambda message: violations.append(message.text))
        page.goto(f"{base}/{path}", wait_until="networkidle")
        assert page.evaluate("() => window.pwned") is None      # (a javascript: link, once
        title = page.title()                                     # clicked, replaces the page)
        for link in ("#js-link", "#data-link"):
            if page.locator(link).count():
                page.locator(link).click()
        page.wait_for_timeout(300)
        assert page.evaluate("() => window.pwned") is None
        assert page.title() == title and title != "pwned"
        assert page.evaluate("() => typeof __md_scope") == "object", \
            "the theme's own (hashed) inline scripts still run"
        assert page.evaluate("() => typeof document$") == "object", "the theme's bundle runs"
        csp = page.get_attribute('meta[http-equiv="Content-Security-Policy"]', "content")
        assert csp.startswith("default-src 'self'; script-src 'self' 'sha256-")
        assert "unsafe-inline" not in csp.split("script-src", 1)[1].split(";", 1)[0]
        if layer == "csp":
            assert any("Content Security Policy" in text for text in violations), violations
    finally:
        context.close()
        server.shutdown()
        server.server_close()
    html = (repo.root / "site" / path).read_text()
    assert CSP_SCRIPTS in html and "unsafe-inline'; style-src" not in html
    assert ("window.pwned" in html) == (layer == "csp")


# --- caches hold data, never code ------------------------------------------------------------

MARKER = "cache-ran-code"


class RunsCode:
    """A pickle that runs a shell command when loaded."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        import os
        return (os.system, (f"touch {self.marker}",))


def jinja_payloads(root, marker) -> None:
    """What Jinja's bytecode cache would load for each theme template: code that runs."""
    import marshal
    import pickle
    from hashlib import sha1
    from pathlib import Path

    import material
    from jinja2.bccache import BytecodeCache, bc_magic

    from notice_engine.publish.build import THEME_DIR

    code = marshal.dumps(compile(f"__import__('os').system('touch {marker}')", "x", "exec"))
    folder = root / ".cache/notice/templates"
    folder.mkdir(parents=True, exist_ok=True)
    for theme in (Path(material.__file__).parent / "templates", THEME_DIR):
        for template in theme.rglob("*.html"):
            name = template.relative_to(theme).as_posix()
            key = BytecodeCache().get_cache_key(name, str(template))
            checksum = sha1(template.read_bytes()).hexdigest()
            (folder / f"__jinja2_{key}.cache").write_bytes(
                bc_magic + pickle.dumps(checksum, 2) + code)


def test_crafted_cache_files_never_run(repo, monkeypatch, tmp_path):
    import pickle

    monkeypatch.setenv("NOTICE_TODAY", "2024-12-31")
    hostile_notice(repo, "Write to us.")
    repo.commit("First", date="2024-01-10T09:00:00+01:00")
    marker = tmp_path / MARKER
    history = repo.root / ".cache/notice/history"
    history.mkdir(parents=True)
    for name in ("us-en.pickle", "us-en.json"):
        (history / name).write_bytes(pickle.dumps(RunsCode(marker)))
    jinja_payloads(repo.root, marker)
    assert main(["--root", str(repo.root), "build", "--edition", "us-en"]) == 0
    assert not marker.exists(), "a cache file ran code"
    assert "Write to us." in (repo.root / "site/us-en/index.html").read_text()


def tamper_every_row(store, old: str, new: str) -> None:
    import sqlite3

    with sqlite3.connect(store) as db:
        table = db.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchone()[0]
        db.execute(f"UPDATE {table} SET html = replace(html, ?, ?), "
                   f"fingerprint = replace(fingerprint, ?, ?)", (old, new, old, new))


def test_a_tampered_cache_never_reaches_a_page(repo, monkeypatch, tmp_path, capsys):
    """render.sqlite, pages.sqlite and the kept history walk all hold the text: edit each
    (and every digest beside it); a new build shows the true text, the same SHA-256, and
    says in one line that it recomputed."""
    import json

    monkeypatch.setenv("NOTICE_TODAY", "2024-12-31")
    hostile_notice(repo, "Write to us.")
    repo.commit("First", date="2024-01-10T09:00:00+01:00")
    repo.section("contact", "Contact", "Write to us, or call.")
    repo.commit("Call", date="2024-02-10T09:00:00+01:00")
    clean = tmp_path / "clean"
    assert main(["--root", str(repo.root), "build", "--edition", "us-en",
                 "--site-dir", str(clean)]) == 0
    cache = repo.root / ".cache/notice"
    for store in ("render.sqlite", "pages.sqlite"):
        tamper_every_row(cache / store, "Write to us", "FORGED, write to attacker")
    kept = cache / "history/us-en.json"
    kept.write_text(kept.read_text().replace("Write to us", "FORGED, write to attacker"))
    capsys.readouterr()

    again = tmp_path / "again"
    assert main(["--root", str(repo.root), "build", "--edition", "us-en",
                 "--site-dir", str(again)]) == 0
    err = capsys.readouterr().err
    assert "failed its check" in err and "computed afresh" in err
    for page in again.rglob("*.html"):
        assert "FORGED" not in page.read_text(), page
    assert json.loads((again / "us-en/versions.json").read_text()) == \
        json.loads((clean / "us-en/versions.json").read_text())
    assert "Write to us, or call." in (again / "us-en/index.html").read_text()


@pytest.mark.parametrize("store", ["render.sqlite", "pages.sqlite"])
def test_a_tampered_store_never_reaches_a_page_built_by_a_new_process(repo, tmp_path, store):
    """As a CI job restoring a shared cache: the build that reads the edited store is a new
    process, with no rendered section or page kept in memory from the one that wrote it."""
    import json

    hostile_notice(repo, "Write to us.")
    repo.commit("First", date="2024-01-10T09:00:00+01:00")
    repo.section("contact", "Contact", "Write to us, or call.")
    repo.commit("Call", date="2024-02-10T09:00:00+01:00")
    clean, again = tmp_path / "clean", tmp_path / "again"
    code, output = finished(notice_build(repo, "--edition", "us-en", "--site-dir", str(clean)))
    assert code == 0, output
    tamper_every_row(repo.root / ".cache/notice" / store, "Write to us", "FORGED, write to us")
    code, output = finished(notice_build(repo, "--edition", "us-en", "--site-dir", str(again)))
    assert code == 0, output
    assert not [page for page in again.rglob("*.html") if "FORGED" in page.read_text()]
    assert json.loads((again / "us-en/versions.json").read_text()) == \
        json.loads((clean / "us-en/versions.json").read_text())
    assert "failed its check" in output and "computed afresh" in output, output


def test_a_cache_from_another_checkout_is_not_trusted(repo, monkeypatch, tmp_path, capsys):
    """The seal's secret lives in the checkout's git dir, not in the cache: a cache copied
    from elsewhere (a CI cache of another branch) is recomputed, not used."""
    monkeypatch.setenv("NOTICE_TODAY", "2024-12-31")
    hostile_notice(repo, "Write to us.")
    repo.commit("First", date="2024-01-10T09:00:00+01:00")
    assert main(["--root", str(repo.root), "build", "--edition", "us-en"]) == 0
    key = repo.root / ".git/notice-cache-key"
    assert len(key.read_bytes()) == 32 and key.stat().st_mode & 0o077 == 0
    tamper_every_row(repo.root / ".cache/notice/render.sqlite", "Write to us", "FORGED")
    key.unlink()                          # as if the cache came from another clone
    capsys.readouterr()
    assert main(["--root", str(repo.root), "build", "--edition", "us-en",
                 "--site-dir", str(tmp_path / "other")]) == 0
    assert "failed its check" in capsys.readouterr().err
    assert "FORGED" not in (tmp_path / "other/us-en/index.html").read_text()


# --- one build at a time; a damaged output is rebuilt -----------------------------------------

def test_two_builds_at_once_wait_for_each_other_and_lose_nothing(repo, tmp_path, monkeypatch):
    from support.site import notice_with_two_sections, site_files

    monkeypatch.setenv("NOTICE_TODAY", "2024-12-31")
    notice_with_two_sections(repo)
    repo.commit("First", date="2024-01-10T09:00:00+01:00")
    repo.section("contact", "Contact", "Write to us, or call.")
    repo.commit("Call", date="2024-02-10T09:00:00+01:00")
    first, second = notice_build(repo), notice_build(repo)
    results = [finished(first), finished(second)]
    for code, output in results:
        assert code == 0 and "Traceback" not in output, output
    clean = tmp_path / "clean"
    assert main(["--root", str(repo.root), "build", "--site-dir", str(clean)]) == 0
    assert site_files(repo.root / "site") == site_files(clean)


def test_a_build_that_cannot_get_the_lock_refuses_clearly(repo):
    import os

    from notice_engine.publish import buildlock

    hostile_notice(repo, "Write to us.")
    repo.commit("First")
    with buildlock.held(repo.root):
        code, output = finished(notice_build(repo, env={"NOTICE_BUILD_WAIT": "0.5"}))
    assert code == 1 and "Traceback" not in output
    assert f"waiting for another build of this site (pid {os.getpid()})" in output
    assert f"another build of this site (pid {os.getpid()}) is still running" in output
    assert "Fix:" in output


def test_a_deleted_or_edited_output_is_rebuilt_not_kept(repo, capsys, monkeypatch, tmp_path):
    from support.site import notice_with_two_sections, site_files

    monkeypatch.setenv("NOTICE_TODAY", "2024-12-31")
    notice_with_two_sections(repo)
    repo.commit("First", date="2024-01-10T09:00:00+01:00")
    build = ["--root", str(repo.root), "build", "--edition", "us-en"]
    assert main(build) == 0
    site = repo.root / "site/us-en"
    clean = site_files(site)
    damage = [lambda: (site / "versions.json").unlink(),
              lambda: (site / "index.html").write_text("defaced"),
              lambda: (site / "archive/2024-01-10/index.html").unlink(),
              lambda: (site / "stray.html").write_text("not ours")]
    for harm in damage:
        harm()
        capsys.readouterr()
        assert main(build) == 0
        assert "us-en: built" in capsys.readouterr().out
        assert site_files(site) == clean
    assert main(build) == 0
    assert "us-en: up to date, kept" in capsys.readouterr().out


# --- incremental = clean ---------------------------------------------------------------------

SECTIONS = ("intro", "contact", "rights")
INCREMENTAL_EXTRA = {
    **BASE_EXTRA,
    "editions": [{"id": "us-en", "region": "us", "locale": "en"},
                 {"id": "eu-fr", "region": "eu", "locale": "fr"}],
}

step = st.one_of(
    st.tuples(st.just("edit"), st.sampled_from(SECTIONS), st.sampled_from(["alpha", "beta", "gamma"])),
    st.tuples(st.just("translate"), st.sampled_from(SECTIONS), st.sampled_from(["un", "deux"])),
    st.tuples(st.just("region"), st.sampled_from(SECTIONS[1:]), st.sampled_from(["", "eu", "us"])),
    st.tuples(st.just("trailer"), st.sampled_from(SECTIONS),
              st.sampled_from(["editorial", "material", "minor"])),
)


def apply_step(repo, state: dict, action: str, section: str, value: str) -> str:
    """Change the notice as one commit would; return the commit message."""
    words, regions, french = state
    if action == "translate":
        french[section] = value
    elif action == "region":
        regions[section] = value
    else:
        words[section] = f"{words.get(section, '')} {value}".strip()
    for name in SECTIONS:
        front = {"regions": f"[{regions[name]}]"} if regions.get(name) else {}
        repo.section(name, name.title(), f"Text of {name}: {words.get(name, 'start')}.", **front)
        if name in french:
            repo.write(f"notice/{name}.fr.md", f"# {name.title()} (fr)\n\nTexte : {french[name]}.\n")
    repo.manifest(*SECTIONS)
    trailer = f"\n\nNotice-Change: {value}" if action == "trailer" else ""
    return f"{action} {section}{trailer}"


@fuzz(3)
@given(steps=st.lists(step, min_size=2, max_size=4))
def test_incremental_builds_after_each_commit_equal_a_clean_build(steps):
    import tempfile
    from pathlib import Path

    from support.site import site_files

    with tempfile.TemporaryDirectory() as folder:
        repo = NoticeRepo(Path(folder) / "repo", INCREMENTAL_EXTRA)
        state: tuple[dict, dict, dict] = ({}, {}, {})
        apply_step(repo, state, "edit", "intro", "first")
        repo.commit("First", date="2024-01-01T10:00:00+00:00")
        site = Path(folder) / "incremental"
        build = ["--root", str(repo.root), "build", "--site-dir"]
        with _today("2025-06-01"):
            assert main([*build, str(site)]) == 0
            for day, (action, section, value) in enumerate(steps, start=2):
                message = apply_step(repo, state, action, section, value)
                repo.commit(message, date=f"2024-{day:02d}-01T10:00:00+00:00")
                assert main([*build, str(site)]) == 0
            clean = Path(folder) / "clean"
            assert main([*build, str(clean)]) == 0
        assert site_files(site) == site_files(clean)


@contextmanager
def _today(day: str):
    import os

    before = os.environ.get("NOTICE_TODAY")
    os.environ["NOTICE_TODAY"] = day
    try:
        yield
    finally:
        if before is None:
            del os.environ["NOTICE_TODAY"]
        else:
            os.environ["NOTICE_TODAY"] = before
