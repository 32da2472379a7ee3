"""The published record only grows (issue 12, item 6): `notice build --published` stops
when a version the published site lists would disappear or read differently."""

from __future__ import annotations

import hashlib
import json
import shutil

from conftest import NoticeRepo

from notice_engine.cli import main


def published_site(tmp_path, monkeypatch) -> tuple[NoticeRepo, str]:
    monkeypatch.setenv("NOTICE_TODAY", "2026-12-01")
    repo = NoticeRepo(tmp_path / "repo")
    repo.manifest("contact")
    repo.section("contact", "Contact", "Write to us by post.")
    repo.commit("First notice", date="2026-10-01T10:00:00+01:00")
    repo.section("contact", "Contact", "Write to us by email.")
    repo.commit("Email", date="2026-11-01T10:00:00+01:00")
    site = tmp_path / "published"
    assert main(["--root", str(repo.root), "build", "--site-dir", str(site)]) == 0
    return repo, str(site)


def test_a_history_rewritten_after_publishing_stops_the_build(tmp_path, monkeypatch, capsys):
    repo, site = published_site(tmp_path, monkeypatch)
    repo.git("reset", "-q", "--hard", "HEAD~1")                 # the 2026-11-01 version goes
    repo.section("contact", "Contact", "Write to us by fax.")
    repo.commit("Fax", date="2026-11-15T10:00:00+01:00")
    capsys.readouterr()
    assert main(["--root", str(repo.root), "build", "--published", site,
                 "--site-dir", str(tmp_path / "next")]) == 1
    err = capsys.readouterr().err
    assert "the published record only grows" in err
    assert "the version of 2026-11-01" in err and "would disappear" in err
    assert "Traceback" not in err and not (tmp_path / "next" / "us-en").exists()


def test_new_versions_on_top_of_the_published_ones_build(tmp_path, monkeypatch):
    repo, site = published_site(tmp_path, monkeypatch)
    repo.section("contact", "Contact", "Write to us by fax.")
    repo.commit("Fax", date="2026-11-15T10:00:00+01:00")
    assert main(["--root", str(repo.root), "build", "--published", site,
                 "--site-dir", str(tmp_path / "next")]) == 0


def test_a_changed_text_of_a_published_version_stops_the_build(tmp_path, monkeypatch, capsys):
    repo, site = published_site(tmp_path, monkeypatch)
    versions = tmp_path / "published" / "us-en" / "versions.json"
    data = json.loads(versions.read_text(encoding="utf-8"))
    data["versions"][0]["sha256"] = "0" * 64                     # what was published differs
    versions.write_text(json.dumps(data), encoding="utf-8")
    assert main(["--root", str(repo.root), "build", "--published", site,
                 "--site-dir", str(tmp_path / "next")]) == 1
    assert "would read differently" in capsys.readouterr().err


def test_an_edition_never_published_and_a_setting_in_mkdocs_yml(tmp_path, monkeypatch, capsys):
    repo, site = published_site(tmp_path, monkeypatch)
    shutil.rmtree(tmp_path / "published" / "eu-en")              # never published: nothing to keep
    repo.git("reset", "-q", "--hard", "HEAD~1")
    repo.extra = {**repo.extra, "published": site}
    repo.write_mkdocs_yml()
    assert main(["--root", str(repo.root), "build", "--site-dir", str(tmp_path / "next")]) == 1
    err = capsys.readouterr().err
    assert "edition us-en" in err and "edition eu-en" not in err


def built_over(site, repo, tmp_path, capsys):
    """Build on top of the published `site`; the folder of us-en and its 2026-11-01 entry."""
    capsys.readouterr()
    assert main(["--root", str(repo.root), "build", "--published", site,
                 "--site-dir", str(tmp_path / "next")]) == 0, capsys.readouterr().err
    folder = tmp_path / "next" / "us-en"
    return folder, next(v for v in json.loads((folder / "versions.json").read_text())["versions"]
                        if v["effective"] == "2026-11-01")


def test_an_editorial_fix_keeps_the_text_it_replaced_checkable(tmp_path, monkeypatch, capsys):
    """A typo fixed after publishing: the version's page and notice.txt read as fixed, and
    the text first published stays beside it (notice.1.txt, `replaces` in versions.json),
    so the record still grows and a receipt taken before the fix still checks."""
    repo, site = published_site(tmp_path, monkeypatch)
    first_receipt = tmp_path / "published" / "us-en" / "archive" / "2026-11-01" / "notice.txt"
    first_sha = hashlib.sha256(first_receipt.read_bytes()).hexdigest()
    repo.section("contact", "Contact", "Write to us by e-mail.")
    fix = repo.commit("Spelling\n\nNotice-Change: editorial", date="2026-11-20T10:00:00+01:00")
    folder, entry = built_over(site, repo, tmp_path, capsys)
    correction, = entry["corrections"]
    assert correction["commit"] == fix and correction["replaces"] == first_sha
    assert entry["sha256"] == correction["sha256"] != first_sha
    kept = folder / "archive" / "2026-11-01" / "notice.1.txt"
    assert correction["replaced_text"].endswith("archive/2026-11-01/notice.1.txt")
    assert hashlib.sha256(kept.read_bytes()).hexdigest() == first_sha
    assert hashlib.sha256((kept.parent / "notice.txt").read_bytes()).hexdigest() \
        == entry["sha256"]
    capsys.readouterr()
    assert main(["--root", str(repo.root), "verify", str(first_receipt)]) == 0
    out = capsys.readouterr().out
    assert "version 2026-11-01" in out and f"sha256 {first_sha}" in out
    assert f"before the editorial correction of 2026-11-20 (commit {fix[:12]})" in out


def test_a_version_taken_back_stays_published_marked_withdrawn(tmp_path, monkeypatch, capsys):
    repo, site = published_site(tmp_path, monkeypatch)
    email = repo.git("rev-parse", "HEAD").strip()
    repo.write("notice/corrections.yml", f"{email[:10]}:\n  published: false\n")
    repo.commit("That change was never approved", date="2026-11-20T10:00:00+01:00")
    folder, entry = built_over(site, repo, tmp_path, capsys)
    assert entry["withdrawn"] == "2026-11-20" and entry["commit"] == email
    page = (folder / "archive" / "2026-11-01" / "index.html").read_text(encoding="utf-8")
    assert "withdrawn" in page.lower() and "by email" in page
    assert "2026-11-01 (minor) — withdrawn on 2026-11-20" in (folder / "feed.xml").read_text()
    assert main(["--root", str(repo.root), "versions", "--edition", "us-en"]) == 0
    listed = next(line for line in capsys.readouterr().out.splitlines() if "2026-11-01" in line)
    assert "withdrawn" in listed
