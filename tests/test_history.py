"""Revisions, versions and dates from real git history built in temp repositories."""

import copy
import json
import subprocess

import pytest

from notice_engine.cli import main
from notice_engine.errors import NoticeError
from notice_engine.history.walk import read_repository

from conftest import BASE_EXTRA, NoticeRepo, history_facts
from support.history import first_notice, history_of


def summary(history):
    return [(v.date.isoformat(), v.change, v.summary) for v in history.versions]


def test_versions_json_names_the_landing_day_and_the_effective_day(repo, monkeypatch):
    """"landed" is the day a version was published, "effective" the day it applies
    (Version.date); "date" stays, the same as "landed", for readers of earlier releases."""
    first_notice(repo)
    repo.commit("First notice", date="2024-01-10T09:00:00+01:00")
    repo.section("intro", "Introduction", "We keep your data safe and never sell it.")
    repo.commit("Never sell\n\nNotice-Change: material\nEffective-Date: 2024-03-01",
                date="2024-02-01T09:00:00+01:00")
    monkeypatch.setenv("NOTICE_TODAY", "2024-12-31")
    assert main(["--root", str(repo.root), "build", "--edition", "us-en"]) == 0
    data = json.loads((repo.root / "site/us-en/versions.json").read_text())
    assert [(v["landed"], v["effective"], v["date"]) for v in data["versions"]] == [
        ("2024-02-01", "2024-03-01", "2024-02-01"), ("2024-01-10", "2024-01-10", "2024-01-10")]


def test_the_full_story(repo, monkeypatch):
    first_notice(repo)
    first = repo.commit("First notice", date="2024-01-10T09:00:00+01:00")
    repo.section("intro", "Introduction", "We keep   your data\nsafe.")        # a reflow
    repo.commit("Reflow intro", date="2024-02-01T09:00:00+01:00")
    repo.write("README.md", "Not the notice.\n")
    repo.commit("Readme", date="2024-02-02T09:00:00+01:00")
    repo.section("contact", "Contact", "Write to us at the adress below.")
    repo.commit("Typo\n\nNotice-Change: editorial", date="2024-02-04T09:00:00+01:00")
    repo.section("contact", "Contact", "Write to us at the address below.")
    fixed = repo.commit("Fix typo\n\nNotice-Change: editorial", date="2024-02-05T09:00:00+01:00")
    # A branch authored in March, merged in May: the version is dated May.
    repo.git("checkout", "-q", "-b", "feature")
    repo.section("intro", "Introduction", "We keep your data safe and never sell it.")
    repo.commit("Never sell", date="2024-03-03T09:00:00+01:00")
    repo.git("checkout", "-q", "main")
    repo.git("merge", "-q", "--no-ff", "feature", "-m",
             "Merge: we never sell data\n\nNotice-Change: material\nNotice-Summary: We never sell data.",
             env={"GIT_AUTHOR_DATE": "2024-05-15T09:00:00+02:00",
                  "GIT_COMMITTER_DATE": "2024-05-15T09:00:00+02:00"})
    merge = repo.git("rev-parse", "HEAD")
    # Two revisions on one day are one version.
    repo.section("contact", "Contact", "Write to us.")
    repo.commit("Shorter contact", date="2024-06-01T09:00:00+02:00")
    repo.section("contact", "Contact", "Write to us by email.")
    same_day = repo.commit("Email\n\nNotice-Change: material", date="2024-06-01T17:00:00+02:00")
    # Late evening in California is the next morning in Paris: the notice's timezone decides.
    repo.section("contact", "Contact", "Write to us by email or post.")
    repo.commit("Post", date="2024-06-09T23:30:00-07:00")
    # A review that changes nothing.
    repo.commit("Yearly review\n\nNotice-Change: reviewed", date="2024-08-01T10:00:00+02:00")
    # Aliases are front matter that does not render.
    repo.section("contact", "Contact", "Write to us by email or post.", aliases="[write-to-us]")
    repo.commit("Alias", date="2024-08-02T10:00:00+02:00")

    history = history_of(repo)
    assert summary(history) == [
        ("2024-01-10", "minor", "First notice"),
        ("2024-05-15", "material", "We never sell data."),
        ("2024-06-01", "material", "Shorter contact; Email"),
        ("2024-06-10", "minor", "Post"),
    ]
    assert history.versions[0].commit == first
    assert [c.commit for c in history.versions[0].corrections] == [
        history.versions[0].corrections[0].commit, fixed]
    assert history.versions[1].commit == merge and history.versions[1].landed.isoformat() == "2024-05-15"
    assert history.versions[2].commit == same_day
    assert history.reviewed.isoformat() == "2024-08-01"
    assert history.current is history.versions[-1] and history.upcoming == []

    monkeypatch.setenv("NOTICE_TODAY", "2024-12-31")
    assert main(["--root", str(repo.root), "build", "--edition", "us-en"]) == 0
    site = repo.root / "site/us-en"
    data = json.loads((site / "versions.json").read_text())
    assert data["edition"] == "us-en" and data["current"] == "2024-06-10" and data["upcoming"] is None
    assert [(v["date"], v["effective"], v["change"]) for v in data["versions"]] == [
        ("2024-06-10", "2024-06-10", "minor"), ("2024-06-01", "2024-06-01", "material"),
        ("2024-05-15", "2024-05-15", "material"), ("2024-01-10", "2024-01-10", "minor")]
    assert data["versions"][0]["url"] == "archive/2024-06-10/"
    assert data["versions"][-1]["corrections"][1]["summary"] == "Fix typo"
    assert len({v["sha256"] for v in data["versions"]}) == 4
    index = (site / "index.html").read_text()
    assert 'Last Updated: <time datetime="2024-06-10">10 June 2024</time>' in index
    assert 'Last reviewed <time datetime="2024-08-01">1 August 2024</time>' in index
    for day in ("2024-01-10", "2024-05-15", "2024-06-01", "2024-06-10"):
        page = (site / "archive" / day / "index.html").read_text()
        assert 'id="contact"' in page and 'id="intro"' in page
    may = (site / "archive/2024-05-15/index.html").read_text()
    assert "<ins>" in may and "never sell it" in may
    assert "Archived version" in may
    january = (site / "archive/2024-01-10/index.html").read_text()
    assert "Editorial corrections to this version" in january
    archive = (site / "archive/index.html").read_text()
    archive = archive[archive.index('<table class="notice-archive">'):]
    assert archive.index("2024-06-10") < archive.index("2024-01-10")
    feed = (site / "feed.xml").read_text()
    assert feed.count("<entry>") == 4 and "We never sell data." in feed


def test_regional_change_dates_only_its_editions(repo):
    first_notice(repo)
    repo.section("eea", "EEA rights", "You may complain.", regions="[eu]")
    repo.manifest("intro", "contact", "eea")
    repo.commit("First", date="2024-01-10T09:00:00+01:00")
    repo.section("eea", "EEA rights", "You may complain to an authority.", regions="[eu]")
    repo.commit("EEA only", date="2024-04-01T09:00:00+01:00")
    assert [v.date.isoformat() for v in history_of(repo, "us-en").versions] == ["2024-01-10"]
    assert [v.date.isoformat() for v in history_of(repo, "eu-en").versions] == ["2024-01-10",
                                                                                 "2024-04-01"]


def test_future_effective_date_is_upcoming_and_the_current_page_stays(repo, monkeypatch):
    first_notice(repo)
    repo.commit("First", date="2024-01-10T09:00:00+01:00")
    repo.section("intro", "Introduction", "We keep your data safe, and tell you first.")
    repo.commit("Announce\n\nNotice-Change: material\nEffective-Date: 2024-10-01",
                date="2024-09-01T09:00:00+02:00")
    history = history_of(repo, today="2024-09-15")
    assert history.current.date.isoformat() == "2024-01-10"
    assert [v.date.isoformat() for v in history.upcoming] == ["2024-10-01"]

    monkeypatch.setenv("NOTICE_TODAY", "2024-09-15")
    assert main(["--root", str(repo.root), "build", "--edition", "us-en"]) == 0
    site = repo.root / "site/us-en"
    index = (site / "index.html").read_text()
    assert "tell you first" not in index and "Last Updated: <time datetime=\"2024-01-10\">" in index
    assert "An updated notice takes effect on 1 October 2024." in index
    assert 'href="archive/2024-10-01/"' in index and 'href="archive/2024-10-01/#_changes"' in index
    assert json.loads((site / "versions.json").read_text())["upcoming"] == "2024-10-01"
    assert "Upcoming version" in (site / "archive/2024-10-01/index.html").read_text()

    monkeypatch.setenv("NOTICE_TODAY", "2024-10-01")     # the scheduled daily build flips it
    assert main(["--root", str(repo.root), "build", "--edition", "us-en"]) == 0
    assert "tell you first" in (site / "index.html").read_text()


def test_uncommitted_edits_are_a_draft_without_a_date(repo, monkeypatch):
    first_notice(repo)
    repo.commit("First", date="2024-01-10T09:00:00+01:00")
    repo.section("contact", "Contact", "A new way to reach us.")
    monkeypatch.setenv("NOTICE_TODAY", "2024-12-31")
    assert main(["--root", str(repo.root), "build", "--edition", "us-en"]) == 0
    index = (repo.root / "site/us-en/index.html").read_text()
    assert "Draft — not published" in index and "A new way to reach us." in index
    assert "Last Updated:" not in index


def test_legacy_versions_come_first_with_redlines_into_git(repo, monkeypatch):
    repo.write("archive/2018-05-25.md", "# Privacy Notice\n\n## Introduction\n\nWe keep data.\n\n"
                                        "## Contact\n\nWrite to us.\n")
    repo.write("archive/2019-08-15.md", "# Privacy Notice\n\n## Introduction\n\nWe keep your data safe.\n\n"
                                        "## Contact\n\nWrite to us.\n")
    first_notice(repo)
    repo.commit("Notice moves into git", date="2024-01-10T09:00:00+01:00")
    history = history_of(repo)
    assert [(v.date.isoformat(), v.legacy) for v in history.versions] == [
        ("2018-05-25", True), ("2019-08-15", True), ("2024-01-10", False)]
    monkeypatch.setenv("NOTICE_TODAY", "2024-12-31")
    assert main(["--root", str(repo.root), "build", "--edition", "us-en"]) == 0
    page = (repo.root / "site/us-en/archive/2019-08-15/index.html").read_text()
    assert "<ins>" in page and "What changed since 25 May 2018" in page


def test_shallow_clone_stops_the_build_with_the_fix(repo, tmp_path, capsys, monkeypatch):
    first_notice(repo)
    repo.commit("First", date="2024-01-10T09:00:00+01:00")
    repo.section("contact", "Contact", "Changed.")
    repo.commit("Second", date="2024-02-10T09:00:00+01:00")
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", "--depth", "1", f"file://{repo.root}", str(clone)],
                   check=True)
    monkeypatch.setenv("NOTICE_TODAY", "2024-12-31")
    assert main(["--root", str(clone), "build", "--edition", "us-en"]) == 1
    err = capsys.readouterr().err
    assert "shallow clone" in err and "git fetch --unshallow" in err and "fetch-depth: 0" in err
    assert main(["--root", str(clone), "build", "--edition", "us-en", "--allow-shallow"]) == 0
    index = (clone / "site/us-en/index.html").read_text()
    assert "Built from a shallow clone: the dates on this page may be wrong." in index


@pytest.mark.parametrize("message, expected", [
    ("Change\n\nNotice-Change: majr", "commit {sha}:3: Notice-Change: 'majr' is not a kind of change"),
    ("Change\n\nEffective-Date: 2024-13-01", "commit {sha}:3: Effective-Date: '2024-13-01' is not a date"),
    ("Change\n\nNotice-Change: material\n\nSome more text.",
     "commit {sha}:3: 'Notice-Change: material' looks like a trailer but git does not read it"),
    ("Change\n\nEffective-Date: 2024-01-01",
     "Effective-Date 2024-01-01 is before the day this commit landed (2024-02-10)"),
    ("Change\n\nNotice-Summary-french: Texte",
     "commit {sha}:3: Notice-Summary-french: 'french' is not a language code"),
    ("Change\n\nNotice-Summary-français: Texte",
     "commit {sha}:3: 'Notice-Summary-français: Texte' looks like a trailer but git does not"),
])
def test_bad_trailers_name_the_commit_and_line(repo, message, expected):
    first_notice(repo)
    repo.commit("First", date="2024-01-10T09:00:00+01:00")
    repo.section("contact", "Contact", "Changed.")
    sha = repo.commit(message, date="2024-02-10T09:00:00+01:00")
    with pytest.raises(NoticeError) as caught:
        history_of(repo)
    assert expected.format(sha=sha[:12]) in str(caught.value)


def test_an_edition_shows_the_summary_in_its_language_where_one_is_given(tmp_path):
    extra = copy.deepcopy(BASE_EXTRA)
    extra["editions"].append({"id": "eu-fr", "region": "eu", "locale": "fr"})
    repo = NoticeRepo(tmp_path / "repo", extra)
    first_notice(repo)
    repo.commit("First", date="2024-01-10T09:00:00+01:00")
    repo.section("contact", "Contact", "Write to us by email.")
    repo.commit("Email\n\nNotice-Summary: Write to us by email.\n"
                "Notice-Summary-fr: Écrivez-nous par courriel.", date="2024-02-10T09:00:00+01:00")
    assert history_of(repo, "eu-fr").versions[-1].summary == "Écrivez-nous par courriel."
    assert history_of(repo, "us-en").versions[-1].summary == "Write to us by email."


def test_a_change_during_a_notice_period_amends_the_upcoming_version(repo):
    """Not "dates would go backwards": the change takes effect with the announced version
    (tests/test_notice_period.py walks the other cases)."""
    first_notice(repo)
    repo.commit("First", date="2024-01-10T09:00:00+01:00")
    repo.section("contact", "Contact", "Changed.")
    repo.commit("Later\n\nEffective-Date: 2024-06-01", date="2024-02-10T09:00:00+01:00")
    repo.section("contact", "Contact", "Changed again.")
    repo.commit("Earlier", date="2024-03-10T09:00:00+01:00")
    versions = history_of(repo).versions
    assert [v.date.isoformat() for v in versions] == ["2024-01-10", "2024-06-01"]
    assert versions[-1].summaries == ["Later", "Earlier"]


def test_a_commit_where_the_notice_did_not_build_is_not_a_version(repo):
    first_notice(repo)
    repo.commit("First", date="2024-01-10T09:00:00+01:00")
    repo.section("contact", "Contact", "See [[nowhere]].")
    repo.commit("Broken", date="2024-02-10T09:00:00+01:00")
    repo.section("contact", "Contact", "See [[intro]].")
    repo.commit("Fixed", date="2024-03-10T09:00:00+01:00")
    history = history_of(repo)
    assert [v.date.isoformat() for v in history.versions] == ["2024-01-10", "2024-03-10"]
    assert "did not build there" in history.warnings[0]


def test_a_commit_dated_in_the_future_is_refused(repo):
    first_notice(repo)
    repo.commit("First", date="2030-01-10T09:00:00+01:00")
    with pytest.raises(NoticeError, match="after today"):
        history_of(repo, today="2024-12-31")


def test_legacy_headings_map_onto_todays_ids_by_title_or_alias(repo):
    from notice_engine.render import redline
    repo.write("archive/2019-08-15.md", "# Privacy Notice\n\n## Introduction\n\nWe keep data.\n\n"
                                        "## Reach Us\n\nWrite to us below.\n")
    repo.section("intro", "Introduction", "We keep data.")
    repo.section("contact", "Contact", "Write to us at the address below.", aliases="[reach-us]")
    repo.manifest("intro", "contact")
    repo.commit("Notice moves into git", date="2024-01-10T09:00:00+01:00")
    old, new = history_of(repo).versions
    assert [s.id for s in old.text.sections] == ["intro", "contact"]
    changes = redline.compare(old.text.sections, new.text.sections)
    assert {s.id: s.status for s in changes.sections}["contact"] == "changed"


def test_markup_only_changes_are_revisions_too(repo):
    # A link that now goes elsewhere changes what the reader gets, though no word changed.
    repo.section("intro", "Introduction", "See [our form](https://old.example.test/form).")
    repo.section("contact", "Contact")
    repo.manifest("intro", "contact")
    repo.commit("First", date="2024-01-10T09:00:00+01:00")
    repo.section("intro", "Introduction", "See [our form](https://new.example.test/form).")
    repo.commit("New form", date="2024-02-10T09:00:00+01:00")
    versions = history_of(repo).versions
    assert [v.date.isoformat() for v in versions] == ["2024-01-10", "2024-02-10"]
    assert "new.example.test" in versions[-1].text.sections[0].html


def test_archived_versions_keep_the_variables_they_were_published_with(repo):
    repo.section("contact", "Contact", "Write to {{ company.email }}.")
    repo.manifest("contact")
    repo.commit("First", date="2024-01-10T09:00:00+01:00")
    repo.extra = {**repo.extra, "company": {"name": "Examplary", "email": "new@example.test"}}
    repo.write_mkdocs_yml()
    repo.commit("New address", date="2024-02-10T09:00:00+01:00")
    versions = history_of(repo).versions
    assert "privacy@example.test" in versions[0].text.sections[0].html
    assert "new@example.test" in versions[1].text.sections[0].html


def test_a_change_reverted_the_same_day_publishes_nothing(repo):
    first_notice(repo)
    repo.commit("First", date="2024-01-10T09:00:00+01:00")
    repo.section("contact", "Contact", "Write to us by pigeon.")
    repo.commit("Oops", date="2024-02-10T09:00:00+01:00")
    first_notice(repo)
    repo.commit("Revert oops", date="2024-02-10T15:00:00+01:00")
    assert [v.date.isoformat() for v in history_of(repo).versions] == ["2024-01-10"]


# ---------------------------------------------------------------- the history kept between builds

def kept_walk(repo, store, edition="us-en"):
    """What the store would resume from over the repository's commits as they are now."""
    config = repo.config()
    repository = read_repository(repo.root)
    key = store.key(config, config.edition(edition), [])
    return store.resume(edition, key, repository.commits)


def eventful_history(repo):
    """Corrections, a reflow, a commit that does not build, a same-day revert, a review."""
    first_notice(repo)
    repo.commit("First", date="2024-01-10T09:00:00+01:00")
    repo.section("contact", "Contact", "Write to us at the adress below.")
    repo.commit("Typo", date="2024-02-01T09:00:00+01:00")
    repo.section("contact", "Contact", "Write to us at the address below.")
    repo.commit("Fix\n\nNotice-Change: editorial", date="2024-02-03T09:00:00+01:00")
    repo.section("contact", "Contact", "Write to us at\nthe address below.")
    repo.commit("Reflow: the same text", date="2024-02-10T09:00:00+01:00")
    repo.section("intro", "Introduction", "We keep your data safe. See [[nowhere]].")
    repo.commit("Broken link", date="2024-03-01T09:00:00+01:00")
    repo.section("intro", "Introduction", "We keep your data safe and never sell it.")
    repo.commit("Never sell\n\nNotice-Change: material", date="2024-03-05T09:00:00+01:00")
    repo.section("intro", "Introduction", "We keep your data safe.")
    repo.commit("Undo", date="2024-03-05T18:00:00+01:00")
    repo.commit("Looked again\n\nNotice-Change: reviewed", date="2024-04-01T09:00:00+01:00")


def test_a_kept_history_resumed_after_new_commits_equals_a_fresh_walk(repo, tmp_path):
    from notice_engine.history.store import HistoryStore

    eventful_history(repo)
    total = len(read_repository(repo.root).commits)
    fresh = history_facts(history_of(repo))
    for cut in range(1, total):
        store = HistoryStore(tmp_path / f"store-{cut}", repo.root)
        history_of(repo, store=store, commits=cut)
        assert kept_walk(repo, store).walked == cut, "the walk of the first commits was kept"
        assert history_facts(history_of(repo, store=store)) == fresh, f"resumed after {cut} commits"
        assert kept_walk(repo, store).walked == total


def test_a_kept_history_is_not_resumed_when_history_or_settings_change(repo, tmp_path):
    from notice_engine.history.store import HistoryStore

    store = HistoryStore(tmp_path / "store", repo.root)
    eventful_history(repo)
    history_of(repo, store=store)
    assert kept_walk(repo, store) is not None
    # An amended last commit: the kept walk ended at a commit that is gone.
    repo.section("contact", "Contact", "Write to us, amended.")
    repo.git("add", "-A")
    repo.git("commit", "-q", "--amend", "-m", "Looked again, and amended",
             env={"GIT_COMMITTER_DATE": "2024-04-01T10:00:00+01:00"})
    assert kept_walk(repo, store) is None
    assert history_facts(history_of(repo, store=store)) == history_facts(history_of(repo))
    assert "Write to us, amended." in history_of(repo, store=store).versions[-1].text.fingerprint
    # Another company name in mkdocs.yml: the key changes, and old versions are walked again.
    repo.extra = {**repo.extra, "company": {"name": "Renamed", "email": "x@example.test"}}
    repo.write_mkdocs_yml()
    assert kept_walk(repo, store) is None
    assert history_facts(history_of(repo, store=store)) == history_facts(history_of(repo))


def test_a_damaged_kept_history_is_walked_again(repo, tmp_path):
    from notice_engine.history.store import HistoryStore

    store = HistoryStore(tmp_path / "store", repo.root)
    eventful_history(repo)
    history_of(repo, store=store)
    kept = tmp_path / "store" / "us-en.json"
    whole = kept.read_bytes()
    for cut in (100, len(whole) // 2):                  # in the header; in the walk
        kept.write_bytes(whole[:cut])                   # damaged on disk
        assert kept_walk(repo, store) is None
        assert history_facts(history_of(repo, store=store)) == history_facts(history_of(repo))
        assert kept_walk(repo, store) is not None, "and kept again"


@pytest.mark.parametrize("body, link", [
    ("**We keep your data safe.**", None),                        # emphasis only
    ("We keep your data\n\n---\n\nsafe.", None),                  # a rule, a new paragraph
    ("We keep [your data](#contact) safe.", None),                # an in-page link added
    ("We keep [your data](https://example.test/data) safe.", "a link leads somewhere new"),
    ("We keep your data secure.", "a word changed"),
])
def test_a_change_of_form_alone_folds_into_the_version_as_editorial(repo, body, link):
    """The archive's dates are the days the words a reader sees (or where a link leads)
    changed; a revision that changes only their form is an editorial correction of the
    version before, unless its commit says what kind of change it is."""
    first_notice(repo)
    repo.commit("First", date="2024-01-10T09:00:00+01:00")
    repo.section("intro", "Introduction", body)
    repo.commit("Form", date="2024-02-10T09:00:00+01:00")
    versions = history_of(repo).versions
    if link:
        assert [v.date.isoformat() for v in versions] == ["2024-01-10", "2024-02-10"], link
        return
    version, = versions
    assert version.date.isoformat() == "2024-01-10" and body.split()[0] in version.text.fingerprint
    correction, = version.corrections
    assert correction.day.isoformat() == "2024-02-10" and correction.summary == "Form"


def test_a_change_of_form_with_a_kind_of_its_own_is_a_version(repo):
    first_notice(repo)
    repo.commit("First", date="2024-01-10T09:00:00+01:00")
    repo.section("intro", "Introduction", "**We keep your data safe.**")
    repo.commit("Stress it\n\nNotice-Change: minor", date="2024-02-10T09:00:00+01:00")
    assert [v.date.isoformat() for v in history_of(repo).versions] == ["2024-01-10", "2024-02-10"]
