"""Publishing that forgives: misspelt trailers are caught, and mistakes already published are
corrected by a reviewed commit (notice/corrections.yml), never by rewriting history."""

import pytest

from notice_engine.errors import NoticeError

from support.history import first_notice, history_of


def published_with(repo, message):
    """A first version, then a change committed with `message`; its sha."""
    first_notice(repo)
    repo.commit("First", date="2024-01-10T09:00:00+01:00")
    repo.section("contact", "Contact", "Changed.")
    return repo.commit(message, date="2024-02-10T09:00:00+01:00")


@pytest.mark.parametrize("message, expected, fix_lines", [
    ("Change\n\nNotice-Chnage: material",
     "commit {sha}:3: unknown trailer key 'Notice-Chnage': did you mean Notice-Change?",
     "    change: material"),
    ("Change\n\nEfective-Date: 2024-03-01",
     "commit {sha}:3: unknown trailer key 'Efective-Date': did you mean Effective-Date?",
     "    effective: 2024-03-01"),
    ("Change\n\nNotice_Summary: Shorter",
     "commit {sha}:3: unknown trailer key 'Notice_Summary': did you mean Notice-Summary?",
     "    summary: Shorter"),
    ("Change\n\nNotice-Change: material\nNotice-Kind: big",
     "commit {sha}:4: unknown trailer key 'Notice-Kind'", "    acknowledge: [N202]"),
    ("Change\n\nEffective-Date: 2027-1-15",
     "commit {sha}:3: Effective-Date: '2027-1-15' is not a date", "    effective: 2027-01-15"),
    ("Change\n\nNotice-Change: materiel",
     "commit {sha}:3: Notice-Change: 'materiel' is not a kind of change", "    change: material"),
    ("Change\n\nEffective-Date: 2024-01-01",
     "Effective-Date 2024-01-01 is before the day this commit landed", "    effective: 2024-02-10"),
])
def test_a_bad_trailer_names_the_commit_the_line_and_the_correction(repo, message, expected,
                                                                    fix_lines):
    sha = published_with(repo, message)
    with pytest.raises(NoticeError) as caught:
        history_of(repo)
    text = str(caught.value)
    assert expected.format(sha=sha[:12]) in text
    assert f"add to notice/corrections.yml:\n  {sha[:12]}:\n{fix_lines}" in text, text


@pytest.mark.parametrize("message", [
    "Change\n\nSigned-off-by: A <a@example.test>\nChange-Id: I0123456789abcdef\nRefs: #12",
    "Change\n\nEffective: a word in a body paragraph\n\nReviewed-by: B <b@example.test>",
])
def test_other_trailers_are_left_alone(repo, message):
    published_with(repo, message)
    assert history_of(repo).versions[-1].change == "minor"


def test_every_bad_trailer_of_a_commit_is_reported_at_once(repo):
    published_with(repo, "Change\n\nNotice-Chnage: material\nEffective-Date: 2024-2-30")
    with pytest.raises(NoticeError) as caught:
        history_of(repo)
    assert "Notice-Chnage" in str(caught.value) and "'2024-2-30' is not a date" in str(caught.value)


# ------------------------------------------------------------------ corrections.yml


def fix_lines(error: NoticeError) -> str:
    """The corrections.yml lines an error's fix offers, as a user would paste them."""
    import textwrap

    offered = str(error).split("add to notice/corrections.yml:\n", 1)[1]
    return textwrap.dedent(offered) + "\n"


def correct_with_the_offered_fix(repo, date="2024-03-01T09:00:00+01:00"):
    """Follow the fix the failing history offers: a reviewed commit of corrections.yml."""
    with pytest.raises(NoticeError) as caught:
        history_of(repo)
    repo.write("notice/corrections.yml", fix_lines(caught.value))
    return repo.commit("Correct a published commit message", date=date)


def test_a_malformed_effective_date_is_corrected_by_a_later_commit(repo):
    sha = published_with(repo, "Longer notice period\n\nNotice-Change: material\n"
                               "Effective-Date: 2024-3-15")
    correct_with_the_offered_fix(repo)
    assert (repo.root / "notice/corrections.yml").read_text() == \
        f"{sha[:12]}:\n  effective: 2024-03-15\n"
    history = history_of(repo, today="2024-03-01")
    assert [(v.date.isoformat(), v.change, v.commit) for v in history.versions] == [
        ("2024-01-10", "minor", history.versions[0].commit), ("2024-03-15", "material", sha)]
    assert history.upcoming == [history.versions[-1]]
    repo.section("intro", "Introduction", "Later edits keep building.")
    repo.commit("Later", date="2024-04-01T09:00:00+01:00")
    assert history_of(repo).versions[-1].date.isoformat() == "2024-04-01"


def test_a_misspelt_kind_is_corrected_everywhere(tmp_path, capsys, monkeypatch):
    from conftest import BASE_EXTRA, NoticeRepo
    from notice_engine.cli import main
    from support.mail import MAIL, PEOPLE, write_csv

    repo = NoticeRepo(tmp_path / "repo", {**BASE_EXTRA, "mail": MAIL})
    sha = published_with(repo, "Never sell\n\nNotice-Chnage: material\n"
                               "Notice-Summary: We never sell your data.")
    correct_with_the_offered_fix(repo)
    monkeypatch.setenv("NOTICE_TODAY", "2024-03-02")
    root = ["--root", str(repo.root)]
    assert main([*root, "versions"]) == 0
    out = capsys.readouterr().out
    assert f"2024-02-10  material   {sha[:12]}  We never sell your data. (current)" in out
    assert main([*root, "versions", "--json"]) == 0
    assert '"change": "material"' in capsys.readouterr().out
    assert main([*root, "diff", "2024-01-10"]) == 0
    assert "2024-01-10 → 2024-02-10" in capsys.readouterr().out
    assert main([*root, "check"]) == 0, capsys.readouterr().out
    capsys.readouterr()
    people = write_csv(repo.root / "people.csv", PEOPLE[:1])
    assert main([*root, "notify", "--recipients", str(people), "--dry-run"]) == 0
    assert "anna@example.test: us-en" in capsys.readouterr().out


def draft_taken_back(repo, then: str, when: str):
    """A draft published by mistake on 2024-02-10, then the text `then` committed at `when`,
    then the draft taken back by a correction on 2024-02-12; the draft's sha."""
    first_notice(repo)
    repo.commit("First", date="2024-01-10T09:00:00+01:00")
    repo.section("contact", "Contact", "A draft that went out by mistake.")
    mistake = repo.commit("Draft", date="2024-02-10T09:00:00+01:00")
    repo.section("contact", "Contact", then)
    repo.commit("The right text", date=when)
    repo.write("notice/corrections.yml", f"{mistake[:7]}:\n  published: false\n")
    repo.commit("The draft was never meant to be published", date="2024-02-12T09:00:00+01:00")
    return mistake


def test_a_commit_taken_back_stays_in_the_archive_withdrawn(repo):
    mistake = draft_taken_back(repo, "Write to us at the address below.",   # the text before
                               "2024-02-11T09:00:00+01:00")
    versions = history_of(repo).versions
    assert [(v.date.isoformat(), v.withdrawn and v.withdrawn.isoformat()) for v in versions] \
        == [("2024-01-10", None), ("2024-02-10", "2024-02-12")]
    assert versions[1].commit == mistake and "mistake" in versions[1].text.fingerprint


def test_a_fix_the_same_day_replaces_the_version_taken_back(repo):
    """Revisions of one day are one version: the fix takes that day's archive page."""
    draft_taken_back(repo, "Write to us by email.", "2024-02-10T15:00:00+01:00")
    versions = history_of(repo).versions
    assert [(v.date.isoformat(), v.withdrawn) for v in versions] \
        == [("2024-01-10", None), ("2024-02-10", None)]
    assert "by email" in versions[1].text.fingerprint


def test_a_commit_that_did_not_build_can_be_acknowledged(repo):
    first_notice(repo)
    repo.commit("First", date="2024-01-10T09:00:00+01:00")
    repo.section("contact", "Contact", "See [[nowhere]].")
    broken = repo.commit("Broken", date="2024-02-10T09:00:00+01:00")
    repo.section("contact", "Contact", "See [[intro]].")
    repo.commit("Fixed", date="2024-03-10T09:00:00+01:00")
    warning, = history_of(repo).warnings
    assert warning.code == "N208" and f"  {broken[:12]}:\n    acknowledge: [N208]" in warning
    repo.write("notice/corrections.yml", f"{broken[:12]}:\n  acknowledge: [N208]\n")
    repo.commit("Seen", date="2024-03-11T09:00:00+01:00")
    assert history_of(repo).warnings == []


def test_every_problem_in_corrections_yml_names_its_line(repo):
    sha = published_with(repo, "Change")
    repo.write("notice/corrections.yml", f"""
        # corrections of published commit messages
        {sha[:8]}:
          change: materiel
          efective: 2024-03-01
        deadbeef0:
          summary: No such commit.
        zz12:
          published: no
        {sha[:12]}:
          acknowledge: [X1]
        """)
    repo.commit("Corrections", date="2024-03-01T09:00:00+01:00")
    with pytest.raises(NoticeError) as caught:
        history_of(repo)
    text = str(caught.value)
    for expected in ["notice/corrections.yml:3: change: 'materiel' is not a kind of change",
                     "notice/corrections.yml:4: unknown key 'efective'",
                     "notice/corrections.yml:5: no commit of the published branch's history "
                     "starts with deadbeef0",
                     "notice/corrections.yml:7: 'zz12' is not a commit hash",
                     "notice/corrections.yml:10: acknowledge: 'X1' is not a finding's code"]:
        assert expected in text, text


def test_a_build_reads_past_corrections_yml(repo, tmp_path, monkeypatch):
    from notice_engine.cli import main

    sha = published_with(repo, "Change\n\nNotice_Summary: Shorter")
    repo.write("notice/corrections.yml", f"{sha[:7]}:\n  summary: Shorter\n")
    repo.commit("Correct", date="2024-03-01T09:00:00+01:00")
    monkeypatch.setenv("NOTICE_TODAY", "2024-03-02")
    assert main(["--root", str(repo.root), "build", "--edition", "us-en"]) == 0
    versions = (repo.root / "site/us-en/versions.json").read_text()
    assert '"summary": "Shorter"' in versions
    assert not (repo.root / "site/us-en/corrections.yml").exists()


def test_a_future_commit_outside_the_notice_is_a_warning(repo):
    first_notice(repo)
    repo.commit("First", date="2024-01-10T09:00:00+01:00")
    repo.write("README.md", "Hello\n")
    sha = repo.commit("Readme", date="2030-01-10T09:00:00+01:00")
    history = history_of(repo, today="2024-12-31")
    assert [v.date.isoformat() for v in history.versions] == ["2024-01-10"]
    assert history.warnings[0].code == "N207" and sha[:12] in history.warnings[0]


def test_the_commit_msg_hook_refuses_a_bad_trailer_before_the_commit_exists(repo, tmp_path):
    import os
    import shutil
    import subprocess
    import sys

    from conftest import PROJECT

    first_notice(repo)
    repo.commit("First", date="2024-01-10T09:00:00+01:00")
    shutil.copy(PROJECT / "examples/hooks/commit-msg", repo.root / ".git/hooks/commit-msg")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "notice").write_text(f'#!/bin/sh\nexec "{sys.executable}" -m notice_engine.cli "$@"\n')
    (bin_dir / "notice").chmod(0o755)
    env = {**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}"}
    repo.section("contact", "Contact", "Changed.")
    repo.git("add", "-A")
    refused = subprocess.run(["git", "commit", "-q", "-m", "Change\n\nEfective-Date: 2024-3-1"],
                             cwd=repo.root, env=env, capture_output=True, text=True)
    assert refused.returncode == 1
    assert ("error: the commit message:3: unknown trailer key 'Efective-Date': did you mean "
            "Effective-Date?") in refused.stderr
    assert "corrections.yml" not in refused.stderr
    accepted = subprocess.run(["git", "commit", "-q", "-m", "Change\n\nEffective-Date: 2024-03-01"],
                              cwd=repo.root, env=env, capture_output=True, text=True)
    assert accepted.returncode == 0, accepted.stderr
