"""The generator's own strings: the template is current, the French catalog complete, pages French.

Catalogs ship inside the engine (hooks/notice_engine/locales/): `messages.pot` (extracted),
`<lang>/LC_MESSAGES/messages.po` (translated; the engine compiles them in memory).
"""

from __future__ import annotations

import html
import json
import re
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from babel.dates import get_month_names
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po
from conftest import PROJECT

from notice_engine import i18n
from notice_engine.publish import page_html as page
from notice_engine.cli import main

LOCALES = PROJECT / "hooks" / "notice_engine" / "locales"
POT = LOCALES / "messages.pot"
FR_PO = LOCALES / "fr" / "LC_MESSAGES" / "messages.po"

LOCALES_ARG = "hooks/notice_engine/locales"
EXTRACT = ["extract", "-F", "babel.cfg", "-k", "N_", "-o", f"{LOCALES_ARG}/messages.pot", "."]
UPDATE_HINT = ("run, from the project root:\n"
               "  .venv/bin/pybabel " + " ".join(EXTRACT) + "\n"
               f"  .venv/bin/pybabel update -i {LOCALES_ARG}/messages.pot -d {LOCALES_ARG}\n"
               f"then translate the new or changed entries in {LOCALES_ARG}/*/LC_MESSAGES/messages.po")

PERCENT = re.compile(r"%\(\w+\)[#0 +-]?\d*(?:\.\d+)?[diouxXeEfFgGcrsa]")   # %(day)s
BRACE = re.compile(r"\{\w+\}")                                                # {n}


def load_po(path: Path, locale: str | None = None) -> Catalog:
    with path.open("rb") as f:
        return read_po(f, locale=locale)


def msgids(catalog: Catalog) -> set:
    """Every message's id: a string, or (singular, plural) for ngettext."""
    return {m.id for m in catalog if m.id}


def placeholders(text: str) -> set[str]:
    """`%(day)s` and `{n}`: what the code fills in, so a translation must keep each one."""
    return set(PERCENT.findall(text)) | set(BRACE.findall(text))


def _show(ids) -> str:
    return "\n".join(f"  {i!r}" for i in sorted(ids, key=str))


# --- (a) the template holds exactly what the code and templates say ------------------------

def test_messages_pot_is_up_to_date(tmp_path):
    fresh = tmp_path / "messages.pot"
    command = [sys.executable, "-c", "from babel.messages.frontend import main; main()",
               *EXTRACT[:-2], str(fresh), "."]
    result = subprocess.run(command, cwd=PROJECT, capture_output=True, text=True)
    assert result.returncode == 0, f"pybabel extract failed:\n{result.stderr}"
    assert POT.exists(), f"{POT.relative_to(PROJECT)} is missing: {UPDATE_HINT}"
    extracted, committed = msgids(load_po(fresh)), msgids(load_po(POT))
    assert extracted, "the extraction found no strings: is babel.cfg in the project root?"
    missing, stale = extracted - committed, committed - extracted
    assert not missing and not stale, (
        f"{POT.relative_to(PROJECT)} is out of date with the code and templates.\n"
        f"Not in it yet:\n{_show(missing)}\nNo longer used:\n{_show(stale)}\n{UPDATE_HINT}")


def test_the_extraction_sees_marked_strings_of_python_and_templates():
    ids = msgids(load_po(POT))
    assert {"inserted", "{n} unchanged paragraphs"} <= ids, "page.redline_labels (Python _())"
    assert set(page.CHANGE_LABELS.values()) <= ids, "the change kinds (N_ markers in page.py)"
    assert "What changed since %(day)s" in ids, "newstyle _() with a keyword argument (template)"
    assert ("%(num)d correction", "%(num)d corrections") in ids, "ngettext in a template"


# --- (b) the French catalog is complete and safe to publish -----------------------------------

def test_french_catalog_matches_the_template():
    fr, pot = msgids(load_po(FR_PO, "fr")), msgids(load_po(POT))
    assert fr == pot, (
        f"{FR_PO.relative_to(PROJECT)} does not match {POT.relative_to(PROJECT)}.\n"
        f"Missing from the French catalog:\n{_show(pot - fr)}\n"
        f"Only in the French catalog:\n{_show(fr - pot)}\n{UPDATE_HINT}")


def test_french_catalog_is_fully_translated_with_placeholders_kept():
    catalog = load_po(FR_PO, "fr")
    assert not catalog.fuzzy, "the catalog header is marked fuzzy: pybabel compile would skip it"
    assert catalog.plural_forms == "nplurals=2; plural=(n > 1);"
    problems = []
    for message in catalog:
        if not message.id:
            continue
        where = f"{FR_PO.relative_to(PROJECT)}:{message.lineno}: {message.id!r}"
        if message.fuzzy:
            problems.append(f"{where}: marked fuzzy (review it, then remove the flag)")
        if message.pluralizable:
            strings = message.string if isinstance(message.string, tuple) else (message.string,)
            if len(strings) != catalog.num_plurals:
                problems.append(f"{where}: {len(strings)} plural forms, "
                                f"the catalog needs {catalog.num_plurals}")
            expected = placeholders(message.id[1])
        else:
            strings, expected = (message.string,), placeholders(message.id)
        for string in strings:
            if not string or not string.strip():
                problems.append(f"{where}: not translated")
            elif placeholders(string) != expected:
                problems.append(f"{where}: placeholders {sorted(placeholders(string))} "
                                f"instead of {sorted(expected)} in {string!r}")
    for message, errors in catalog.check():    # babel's own python-format checks
        problems += [f"{FR_PO.relative_to(PROJECT)}:{message.lineno}: {message.id!r}: {e}"
                     for e in errors]
    assert not problems, "\n".join(problems)


def test_placeholder_helper():
    assert placeholders("in effect from %(start)s to %(end)s.") == {"%(start)s", "%(end)s"}
    assert placeholders("{n} unchanged paragraphs") == {"{n}"}
    assert placeholders("%(num)d corrections") != placeholders("%(num)s corrections")
    assert placeholders("100 % sûr, {} vide") == set()


# --- (c) French pages ------------------------------------------------------------------------

@pytest.fixture(scope="session")
def compiled_catalogs():
    """The French catalog as the engine reads it (from the .po, in memory, fuzzy left out)."""
    i18n.translations.cache_clear()
    return load_po(FR_PO, "fr")


def test_python_strings_come_out_in_french(compiled_catalogs):
    catalog = compiled_catalogs
    english, french = page.redline_labels("en"), page.redline_labels("fr")
    for key, msgid in english.items():
        assert french[key] == catalog[msgid].string != msgid, key
    for kind, msgid in page.CHANGE_LABELS.items():
        assert page.change_label(kind, "fr") == catalog[msgid].string
        assert page.change_label(kind, "en") == kind
    fr = i18n.translations("fr")
    stale = [m.id for m in catalog
             if m.id and not m.pluralizable and not m.fuzzy and fr.gettext(m.id) != m.string]
    assert not stale, f"the engine does not read {FR_PO.relative_to(PROJECT)} as written: {stale}"


def _updated_line(page_html: str) -> tuple[str, date, str]:
    """The 'Last Updated: <date>' header: its words, the date and the date as printed."""
    found = re.search(r'<p class="notice-updated">\s*(.*?)\s*<time datetime="([\d-]+)">([^<]*)'
                      r"</time>", page_html, re.S)
    assert found, "the page has a Last Updated header"
    words, day, shown = found.groups()
    return html.unescape(words), date.fromisoformat(day), html.unescape(shown)


def test_sample_site_in_french_and_english(compiled_catalogs, sample_root, tmp_path):
    catalog = compiled_catalogs
    site = tmp_path / "site"
    assert main(["--root", str(sample_root), "build", "--edition", "eu-fr", "--edition", "us-en",
                 "--site-dir", str(site)]) == 0

    fr_page = (site / "eu-fr/index.html").read_text(encoding="utf-8")
    words, day, shown = _updated_line(fr_page)
    assert words.startswith("Dernière mise à jour"), words
    assert get_month_names("wide", locale="fr")[day.month] in shown, shown
    assert "Archives de l'avis de confidentialité" in html.unescape(fr_page)
    assert "Last Updated" not in fr_page and "Privacy Notice Archive" not in fr_page

    us_page = (site / "us-en/index.html").read_text(encoding="utf-8")
    words, day, shown = _updated_line(us_page)
    assert words == "Last Updated:", words
    assert get_month_names("wide", locale="en")[day.month] in shown, shown
    assert "Privacy Notice Archive" in us_page and "Dernière" not in us_page

    archive = html.unescape((site / "eu-fr/archive/index.html").read_text(encoding="utf-8"))
    assert "<h1>Archives de l'avis de confidentialité</h1>" in archive
    versions = json.loads((site / "eu-fr/versions.json").read_text(encoding="utf-8"))["versions"]
    assert len(versions) >= 2, "the sample has legacy versions before its git history"
    for version in versions:
        label = catalog[page.CHANGE_LABELS[version["change"]]].string
        assert f"data-label=\"Modification\">{label}" in archive, \
            f"change kind {version['change']!r} shown as {label!r}"

    newest = html.unescape((site / f"eu-fr/archive/{versions[0]['effective']}/index.html")
                           .read_text(encoding="utf-8"))
    previous = date.fromisoformat(versions[1]["effective"])
    assert "Ce qui a changé depuis le " in newest
    assert catalog["added text"].string in newest, "the redline legend is French"
    assert get_month_names("wide", locale="fr")[previous.month] in newest
    assert "What changed since" not in newest
