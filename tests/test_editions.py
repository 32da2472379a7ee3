"""Editions: translations that lag or are missing, per-language dating, parallel builds."""

import json
import re

import pytest
from conftest import BASE_EXTRA, NoticeRepo

from notice_engine.cli import main


@pytest.fixture
def bilingual(tmp_path, monkeypatch):
    extra = {**BASE_EXTRA, "editions": [
        {"id": "us-en", "region": "us", "locale": "en"},
        {"id": "eu-fr", "region": "eu", "locale": "fr", "languages": ["fr"]}]}
    repo = NoticeRepo(tmp_path / "repo", extra=extra)
    repo.section("intro", "Introduction", "We keep your data safe.")
    repo.write("notice/intro.fr.md", "# Introduction\n\nNous protégeons vos données.\n")
    repo.section("contact", "Contact", "Write to us.")
    repo.write("notice/contact.fr.md", "# Nous contacter\n\nÉcrivez-nous.\n")
    repo.manifest("intro", "contact")
    repo.commit("First", date="2024-01-10T09:00:00+01:00")
    monkeypatch.setenv("NOTICE_TODAY", "2024-12-31")
    return repo


def build(repo, *args):
    return main(["--root", str(repo.root), "build", *args])


def test_a_stale_translation_is_flagged_and_fails_strict(bilingual, capsys):
    bilingual.section("contact", "Contact", "Write to us by email.")
    bilingual.commit("English contact changes", date="2024-03-05T09:00:00+01:00")
    assert build(bilingual) == 0
    err = capsys.readouterr().err
    assert "notice/contact.fr.md: this translation may lag its source, changed on 2024-03-05" in err
    page = (bilingual.root / "site/eu-fr/index.html").read_text()
    assert re.search(r'notice-stale" role="note">[^<]*anglais[^<]*5 mars 2024', page)
    assert "notice-stale" not in (bilingual.root / "site/us-en/index.html").read_text()

    assert build(bilingual, "--strict") == 1
    assert "stale translations (--strict): notice/contact.fr.md" in capsys.readouterr().err

    bilingual.write("notice/contact.fr.md", "# Nous contacter\n\nÉcrivez-nous par courriel.\n")
    bilingual.commit("French follows", date="2024-03-06T09:00:00+01:00")
    assert build(bilingual, "--strict") == 0
    assert "notice-stale" not in (bilingual.root / "site/eu-fr/index.html").read_text()


def test_a_reflow_of_the_source_does_not_make_its_translation_stale(bilingual, capsys):
    bilingual.section("contact", "Contact", "Write\nto us.", aliases="[reach-us]")
    bilingual.commit("Reflow and alias", date="2024-03-05T09:00:00+01:00")
    assert build(bilingual, "--strict") == 0


def test_a_missing_translation_falls_back_with_a_note(bilingual):
    bilingual.section("security", "Security", "We encrypt data.")
    bilingual.manifest("intro", "contact", "security")
    bilingual.commit("Security section", date="2024-04-01T09:00:00+02:00")
    assert build(bilingual) == 0
    page = (bilingual.root / "site/eu-fr/index.html").read_text()
    assert "We encrypt data." in page
    assert "notice-untranslated" in page


def test_a_translation_only_change_re_dates_only_that_language(bilingual):
    bilingual.write("notice/contact.fr.md", "# Nous contacter\n\nÉcrivez-nous, s'il vous plaît.\n")
    bilingual.commit("French wording", date="2024-05-02T09:00:00+02:00")
    assert build(bilingual) == 0
    us = json.loads((bilingual.root / "site/us-en/versions.json").read_text())
    fr = json.loads((bilingual.root / "site/eu-fr/versions.json").read_text())
    assert [v["effective"] for v in us["versions"]] == ["2024-01-10"]
    assert [v["effective"] for v in fr["versions"]] == ["2024-05-02", "2024-01-10"]


def test_dates_and_language_per_edition(bilingual):
    assert build(bilingual) == 0
    us = (bilingual.root / "site/us-en/index.html").read_text()
    fr = (bilingual.root / "site/eu-fr/index.html").read_text()
    assert '<html lang="en"' in us and '<html lang="fr"' in fr
    assert ">10 January 2024</time>" in us and ">10 janvier 2024</time>" in fr
    assert '<a href="#contact">Nous contacter</a>' in fr or "Nous contacter" in fr
    front = (bilingual.root / "site/index.html").read_text()
    assert 'hreflang="fr" href="eu-fr/"' in front and 'href="us-en/"' in front
