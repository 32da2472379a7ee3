"""The published record only grows (issue 12, item 6): `notice build --published` stops
when a version the published site lists would disappear or read differently."""

from __future__ import annotations

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
