"""The notice period (DESIGN.md, "Notice period"), walked with commits only: no amend,
rebase or force-push. While a version announced with a future Effective-Date is pending,
a commit amends it, publishes an urgent change now, withdraws it, or moves it."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ElementTree
from datetime import date

import pytest
from conftest import NoticeRepo

from notice_engine.history import walk as history
from notice_engine.cli import main
from notice_engine.errors import NoticeError
from notice_engine.render.sections import Renderer

TODAY = "2026-12-01"
ANNOUNCED = "2027-01-15"


@pytest.fixture
def period(tmp_path, monkeypatch) -> NoticeRepo:
    """A notice published on 2026-10-01, then a material change announced for 2027-01-15."""
    monkeypatch.setenv("NOTICE_TODAY", TODAY)
    repo = NoticeRepo(tmp_path / "repo")
    repo.manifest("retention", "contact", "california")
    repo.section("retention", "Retention", "We keep records for two years.")
    repo.section("contact", "Contact", "Write to us by post.")
    repo.section("california", "California", "Californians may ask.", regions="[us]")
    repo.commit("First notice", date="2026-10-01T10:00:00+01:00")
    repo.section("retention", "Retention", "We keep records for one year.")
    repo.commit(f"Shorter retention\n\nNotice-Change: material\nEffective-Date: {ANNOUNCED}",
                date="2026-11-20T10:00:00+01:00")
    return repo


def walk(repo, edition="us-en") -> history.EditionHistory:
    config = repo.config()
    return history.edition_history(history.read_repository(repo.root), config,
                                   config.edition(edition), Renderer(), date.fromisoformat(TODAY))


def words(version: history.Version) -> str:
    return " ".join(s.html for s in version.text.sections)


def test_an_upcoming_version_waits_while_the_current_one_stays(period):
    past = walk(period)
    assert [(v.date.isoformat(), v.change) for v in past.versions] == [
        ("2026-10-01", "minor"), (ANNOUNCED, "material")]
    assert past.current.date.isoformat() == "2026-10-01"
    assert [v.date.isoformat() for v in past.upcoming] == [ANNOUNCED]


def test_a_commit_without_a_date_amends_the_upcoming_version(period):
    period.section("california", "California", "Californians may ask, and appeal.",
                   regions="[us]")
    sha = period.commit("California appeals", date="2026-11-25T10:00:00+01:00")
    past = walk(period)
    current, upcoming = past.versions
    assert "appeal" not in words(current) and "appeal" in words(upcoming)
    assert upcoming.date.isoformat() == ANNOUNCED and upcoming.commit == sha
    assert upcoming.summaries == ["Shorter retention", "California appeals"]
    assert any(f"commit {sha[:12]} amends the upcoming version" in w and
               "Effective-Date: 2026-11-25" in w for w in past.warnings)
    eu = walk(period, "eu-en")          # the EEA edition does not have the section: no change
    assert [v.date.isoformat() for v in eu.versions] == ["2026-10-01", ANNOUNCED]


def test_an_urgent_change_is_published_now_and_carried_into_the_upcoming_one(period):
    period.section("contact", "Contact", "Write to us by email.")
    sha = period.commit("New contact\n\nEffective-Date: 2026-11-28",
                        date="2026-11-28T10:00:00+01:00")
    past = walk(period)
    assert [v.date.isoformat() for v in past.versions] == ["2026-10-01", "2026-11-28", ANNOUNCED]
    urgent = past.versions[1]
    assert past.current is urgent and urgent.commit == sha
    assert "by email" in words(urgent) and "two years" in words(urgent)      # not the upcoming
    upcoming = past.versions[2]
    assert "by email" in words(upcoming) and "one year" in words(upcoming)   # carried into it


def test_an_urgent_change_to_a_section_the_upcoming_version_changes_is_refused(period):
    period.section("retention", "Retention", "We keep records for eighteen months.")
    sha = period.commit("Retention now\n\nEffective-Date: 2026-11-28",
                        date="2026-11-28T10:00:00+01:00")
    with pytest.raises(NoticeError) as error:
        walk(period)
    message = str(error.value)
    assert "N214" == error.value.code and "retention" in message
    assert f"{sha[:12]}:\n    effective: {ANNOUNCED}" in message     # the way out, no rewrite


def test_restoring_the_current_text_withdraws_the_upcoming_version(period, capsys):
    period.section("retention", "Retention", "We keep records for two years.")
    period.commit("Withdraw the retention change", date="2026-11-26T10:00:00+01:00")
    period.section("contact", "Contact", "Write to us by email.")
    period.commit("Contact by email\n\nNotice-Change: material\nEffective-Date: 2026-12-10",
                  date="2026-11-30T10:00:00+01:00")
    past = walk(period)
    assert [(v.date.isoformat(), v.withdrawn and v.withdrawn.isoformat())
            for v in past.versions] == [("2026-10-01", None), ("2026-12-10", None),
                                         (ANNOUNCED, "2026-11-26")]
    assert past.current.date.isoformat() == "2026-10-01"
    assert [v.date.isoformat() for v in past.upcoming] == ["2026-12-10"]

    site = period.root / "site"
    assert main(["--root", str(period.root), "build", "--edition", "us-en",
                 "--site-dir", str(site)]) == 0
    data = json.loads((site / "us-en" / "versions.json").read_text(encoding="utf-8"))
    assert data["upcoming"] == "2026-12-10"
    assert {v["effective"]: v["withdrawn"] for v in data["versions"]} == {
        ANNOUNCED: "2026-11-26", "2026-12-10": None, "2026-10-01": None}
    feed = ElementTree.parse(site / "us-en" / "feed.xml").getroot()
    titles = [e.findtext("{http://www.w3.org/2005/Atom}title") for e in feed]
    assert any(t and "withdrawn on 2026-11-26" in t for t in titles)
    page = (site / "us-en" / "archive" / ANNOUNCED / "index.html").read_text(encoding="utf-8")
    assert "Withdrawn" in page
    index = (site / "us-en" / "archive" / "index.html").read_text(encoding="utf-8")
    assert "withdrawn on" in index
    capsys.readouterr()
    assert main(["--root", str(period.root), "versions"]) == 0
    listing = capsys.readouterr().out
    assert f"{ANNOUNCED}  material" in listing and "(withdrawn 2026-11-26)" in listing
    assert main(["--root", str(period.root), "diff", "2026-10-01", "2026-12-10"]) == 0
    assert "email" in capsys.readouterr().out


def test_an_effective_date_on_a_later_commit_moves_the_upcoming_version(period):
    period.git("commit", "-q", "--allow-empty", "-m",
               "Give customers more time\n\nEffective-Date: 2027-02-01",
               env={"GIT_AUTHOR_DATE": "2026-11-27T10:00:00+01:00",
                    "GIT_COMMITTER_DATE": "2026-11-27T10:00:00+01:00"})
    past = walk(period)
    assert [v.date.isoformat() for v in past.versions] == ["2026-10-01", "2027-02-01"]
    assert any("moves the upcoming version" in w for w in past.warnings)


def test_the_upcoming_version_takes_effect_on_its_day(period, monkeypatch):
    monkeypatch.setenv("NOTICE_TODAY", ANNOUNCED)
    config = period.config()
    past = history.edition_history(history.read_repository(period.root), config,
                                   config.edition("us-en"), Renderer(),
                                   date.fromisoformat(ANNOUNCED))
    assert past.current.date.isoformat() == ANNOUNCED and past.upcoming == []


def test_a_later_effective_date_queues_a_version_of_its_own(period):
    period.section("contact", "Contact", "Write to us by email.")
    period.commit("Email from March\n\nNotice-Change: material\nEffective-Date: 2027-03-01",
                  date="2026-11-29T10:00:00+01:00")
    past = walk(period)
    assert [v.date.isoformat() for v in past.versions] == ["2026-10-01", ANNOUNCED, "2027-03-01"]
    january, march = past.versions[1:]
    assert "one year" in words(january) and "by post" in words(january)
    assert "one year" in words(march) and "by email" in words(march)


def test_a_translation_dated_for_the_upcoming_day_moves_nothing_else(period):
    period.write("notice/retention.fr.md", "# Conservation\n\nNous gardons les dossiers un an.\n")
    period.commit(f"Traduction\n\nEffective-Date: {ANNOUNCED}", date="2026-11-29T10:00:00+01:00")
    assert [v.date.isoformat() for v in walk(period).versions] == ["2026-10-01", ANNOUNCED]


def test_a_kept_walk_resumes_to_the_same_notice_period(period, tmp_path):
    """The history kept between builds (historystore) holds withdrawn versions and notes."""
    from conftest import history_facts

    from notice_engine.history.store import HistoryStore

    period.section("retention", "Retention", "We keep records for two years.")
    period.commit("Withdraw", date="2026-11-26T10:00:00+01:00")
    config = period.config()
    store = HistoryStore(tmp_path / "kept", period.root)
    fresh = walk(period)
    for _ in range(2):                      # the second walk resumes from the kept one
        kept = history.edition_history(history.read_repository(period.root), config,
                                       config.edition("us-en"), Renderer(),
                                       date.fromisoformat(TODAY), store)
    assert history_facts(kept) == history_facts(fresh)
    assert [getattr(w, "code", None) for w in kept.warnings] == \
        [getattr(w, "code", None) for w in fresh.warnings]


def test_a_new_version_on_the_day_of_a_withdrawn_one_is_refused(period):
    """The withdrawn version keeps its archive page: a version of the same day would take it."""
    period.section("retention", "Retention", "We keep records for two years.")
    period.commit("Withdraw", date="2026-11-26T10:00:00+01:00")
    period.section("contact", "Contact", "Write to us by email.")
    sha = period.commit(f"Email\n\nEffective-Date: {ANNOUNCED}", date="2026-11-27T10:00:00+01:00")
    with pytest.raises(NoticeError) as error:
        walk(period)
    assert error.value.code == "N214" and "withdrawn" in str(error.value)
    assert f"{sha[:12]}:\n    effective: 2027-01-16" in str(error.value)
