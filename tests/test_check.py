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
    assert "error N102: notice/intro.md:3: unknown variable {{ company.nme }}" in out
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
    assert (f"warning N209: commit {sha[:12]}: Notice-Summary-gr: no edition is in 'gr', so no "
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


def test_every_finding_has_a_stable_code_listed_as_is_in_the_readme():
    import re
    from pathlib import Path

    from notice_engine.check import CODES

    engine = Path(__file__).resolve().parents[1] / "hooks" / "notice_engine"
    used = {code for path in engine.rglob("*.py")
            for code in re.findall(r'"(N\d{3})"', path.read_text(encoding="utf-8"))}
    assert used <= set(CODES), f"codes used but not in check.CODES: {used - set(CODES)}"
    readme = (engine.parents[1] / "README.md").read_text(encoding="utf-8")
    for code, (severity, kind, meaning) in CODES.items():
        row = f"| `{code}` | {severity} | {kind} | {meaning} |"
        assert row in readme, f"the README's row for {code} is not {row}"


def test_codes_in_text_and_json_warnings_pass_unless_strict(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("NOTICE_TODAY", "2024-12-31")
    repo = bilingual_repo(tmp_path / "r")
    repo.section("security", "Security", "We encrypt.")          # no French translation
    repo.manifest("intro", "contact", "security")
    repo.commit("Security", date="2024-02-10T09:00:00+01:00")
    code, out = check(repo, capsys)
    assert code == 0, out
    assert "warning N103: notice/security.md: no fr translation" in out
    assert check(repo, capsys, "--strict")[0] == 1
    code, out = check(repo, capsys, "--format", "json")
    finding, = json.loads(out)["findings"]
    assert (finding["code"], finding["severity"], finding["kind"]) == \
        ("N103", "warning", "missing-translation")


def test_a_finding_about_the_past_stops_repeating_once_acknowledged(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("NOTICE_TODAY", "2024-12-31")
    repo = bilingual_repo(tmp_path / "r")
    repo.manifest("intro", "contact", "security")
    broken = repo.commit("Forgot a file", date="2024-02-10T09:00:00+01:00")
    repo.manifest("intro", "contact")
    repo.commit("Fixed", date="2024-02-11T09:00:00+01:00")
    code, out = check(repo, capsys, "--strict")
    assert code == 1 and f"warning N208: commit {broken[:12]} (Forgot a file)" in out
    repo.write("notice/corrections.yml", f"{broken[:12]}:\n  acknowledge: [N208]\n")
    repo.commit("Acknowledge", date="2024-02-12T09:00:00+01:00")
    assert check(repo, capsys, "--strict") == (0, "No findings: ready to publish.\n")


def test_a_broken_corrections_file_is_a_finding_with_its_line(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("NOTICE_TODAY", "2024-12-31")
    repo = bilingual_repo(tmp_path / "r")
    repo.write("notice/corrections.yml", "abcdef0:\n  change: material\n")
    code, out = check(repo, capsys)
    assert code == 1
    assert ("error N211: notice/corrections.yml:1: no commit of the published branch's history "
            "starts with abcdef0") in out


def test_a_renamed_file_is_reported_whole(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("NOTICE_TODAY", "2024-12-31")
    repo = bilingual_repo(tmp_path / "r")
    repo.write("archive/x.txt", "Privacy Notice\n\nOld words.\n")
    repo.commit("Old version", date="2024-02-10T09:00:00+01:00")
    repo.git("mv", "archive/x.txt", "archive/2018-05-25.txt")
    code, out = check(repo, capsys, "--format", "json")
    uncommitted = [f["file"] for f in json.loads(out)["findings"] if f["code"] == "N303"]
    assert uncommitted == ["archive/2018-05-25.txt"], out
