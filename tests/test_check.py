"""`notice check`: every finding at once, with file, line and fix; exit codes for CI."""

import json

from conftest import BASE_EXTRA, NoticeRepo

from notice_engine.cli import main


def bilingual_repo(root):
    extra = {**BASE_EXTRA, "editions": [{"id": "us-en", "region": "us", "locale": "en"},
                                        {"id": "eu-fr", "region": "eu", "locale": "fr"}]}
    repo = NoticeRepo(root, extra=extra)
    repo.section("intro", "Introduction", "See [[contact]].")
    repo.write("notice/intro.fr.md", "# Introduction\n\nVoir [[contact]].\n")
    repo.section("contact", "Contact", "Write to us.")
    repo.write("notice/contact.fr.md", "# Contact\n\nÉcrivez-nous.\n")
    repo.manifest("intro", "contact")
    repo.commit("First", date="2024-01-10T09:00:00+01:00")
    return repo


def check(repo, capsys, *args):
    code = main(["--root", str(repo.root), "check", *args])
    return code, capsys.readouterr().out


def test_a_clean_notice_passes(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("NOTICE_TODAY", "2024-12-31")
    code, out = check(bilingual_repo(tmp_path / "r"), capsys)
    assert (code, out.strip()) == (0, "No findings: ready to publish.")


def test_every_problem_is_reported_in_one_run(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("NOTICE_TODAY", "2024-12-31")
    repo = bilingual_repo(tmp_path / "r")
    repo.section("contact", "Contact", "Write to us by email.")
    repo.commit("Contact\n\nNotice-Change: materiel", date="2024-02-10T09:00:00+01:00")
    repo.section("security", "Security", "We encrypt.")
    repo.manifest("intro", "contact", "security")
    repo.commit("Security\n\nEffective-Date: 2024-01-01", date="2024-03-10T09:00:00+01:00")
    repo.section("intro", "Introduction", "See [[contcat]] and {{ company.nme }}.")   # uncommitted
    code, out = check(repo, capsys)
    assert code == 1
    assert "error: notice/intro.md:3: unknown variable {{ company.nme }}" in out
    assert "Notice-Change: 'materiel' is not a kind of change" in out
    assert "uncommitted change: not published" in out and "notice/intro.md" in out

    repo.section("intro", "Introduction", "See [[contcat]].")
    code, out = check(repo, capsys, "--format", "json")
    data = json.loads(out)
    by_kind = {}
    for finding in data["findings"]:
        by_kind.setdefault(finding["kind"], []).append(finding)
    assert code == 1
    link = by_kind["link"][0]
    assert (link["file"], link["line"]) == ("notice/intro.md", 3)
    assert "contact" in link["fix"]
    assert len(by_kind["link"]) == 1, "the same broken link in two editions is one finding"
    assert by_kind["trailer"][0]["file"].startswith("commit ")
    assert "before the day this commit landed" in by_kind["dates"][0]["message"]
    assert by_kind["missing-translation"][0]["file"] == "notice/security.md"
    assert by_kind["stale-translation"][0]["file"] == "notice/contact.fr.md"
    assert data["errors"] >= 3 and data["warnings"] >= 3


def test_a_summary_in_a_language_no_edition_is_in_is_a_warning(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("NOTICE_TODAY", "2024-12-31")
    repo = bilingual_repo(tmp_path / "r")
    repo.section("contact", "Contact", "Write to us by email.")
    repo.write("notice/contact.fr.md", "# Contact\n\nÉcrivez-nous par courriel.\n")
    sha = repo.commit("Email\n\nNotice-Summary-fr: Par courriel.\nNotice-Summary-gr: Email.",
                      date="2024-02-10T09:00:00+01:00")
    code, out = check(repo, capsys)
    assert code == 0 and "0 error(s), 1 warning(s)" in out, out
    assert (f"warning: commit {sha[:12]}: Notice-Summary-gr: no edition is in 'gr', so no "
            "reader sees this summary") in out
    assert "Notice-Summary-fr" not in out


def test_a_notice_never_committed_is_one_warning(tmp_path, capsys):
    repo = NoticeRepo(tmp_path / "r")
    repo.section("contact", "Contact", "Write to us.")
    repo.manifest("contact")
    code, out = check(repo, capsys)
    assert code == 0 and "no git history: nothing is published yet" in out
    assert "0 error(s), 1 warning(s)" in out
    assert main(["--root", str(repo.root), "check", "--strict"]) == 1, "--strict fails on warnings"


def test_shallow_clone_is_a_finding(tmp_path, capsys, monkeypatch):
    import subprocess
    monkeypatch.setenv("NOTICE_TODAY", "2024-12-31")
    repo = bilingual_repo(tmp_path / "r")
    repo.section("contact", "Contact", "Changed.")
    repo.commit("Second", date="2024-02-10T09:00:00+01:00")
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", "--depth", "1", f"file://{repo.root}", str(clone)],
                   check=True)
    code = main(["--root", str(clone), "check"])
    assert code == 1 and "shallow clone" in capsys.readouterr().out


def test_could_not_run_is_exit_2(tmp_path, capsys):
    assert main(["--root", str(tmp_path), "check"]) == 2
    assert "could not run the checks" in capsys.readouterr().err
