"""What a recipient gets: which versions, in which language, as which email message.

The notice histories are real git repositories (the `repo` fixture); the
messages are read back from the outbox with the standard library's parser.
"""

from __future__ import annotations

import binascii
import dataclasses
import re
import shutil
from datetime import date

import pytest
from babel.dates import get_month_names
from conftest import NoticeRepo

from notice_engine import config as config_module
from notice_engine.publish import page_html as page
from notice_engine.cli import main
from notice_engine.errors import NoticeError
from notice_engine.history.walk import edition_history, read_repository
from notice_engine.mail import recipients, settings
from notice_engine.mail.compose import Composer
from notice_engine.mail.plan import day, make_plan
from notice_engine.mail.sendlog import SENT, Row
from notice_engine.render.sections import Renderer
from support.mail import MAIL, PEOPLE, SITE, TODAY, notice_repo, outbox_messages, parts, write_csv


@pytest.fixture
def notice(tmp_path, monkeypatch) -> NoticeRepo:
    monkeypatch.setenv("NOTICE_TODAY", TODAY)
    monkeypatch.delenv("NOTICE_SMTP_URL", raising=False)
    return notice_repo(tmp_path / "repo")


# --------------------------------------------------------------------------- the message

def test_outbox_message_headers_parts_and_redline(notice, capsys):
    people = write_csv(notice.root / "people.csv", PEOPLE)
    assert main(["--root", str(notice.root), "notify", "--recipients", str(people)]) == 0
    out, err = capsys.readouterr()
    assert "3 message(s) to write to" in out and "Summary: written 3" in out
    assert "takes effect in 19 days" in err and "30-day notice period" in err

    messages = outbox_messages(notice)
    assert set(messages) == {"anna@example.test", "jean@xn--bcher-kva.example", "zoe@example.test"}
    anna = messages["anna@example.test"]
    assert anna["Subject"] == "Privacy Notice: changes effective 20 July 2024"
    assert anna["From"].addresses[0].addr_spec == "privacy@examplary.test"
    assert anna["From"].addresses[0].display_name == "Examplary Privacy"
    assert anna["To"].addresses[0].display_name == "Anna"
    assert anna["Reply-To"].addresses[0].addr_spec == "dpo@examplary.test"
    assert re.fullmatch(r"<notice\.us-en\.2024-07-20\.[0-9a-f]{24}@examplary\.test>",
                        anna["Message-ID"])
    assert anna["Date"].datetime is not None
    assert anna["Auto-Submitted"] == "auto-generated"
    assert anna["Content-Language"] == "en"
    assert anna["List-Unsubscribe"].strip() == f"<{SITE}unsubscribe?e=anna@example.test&ed=us-en>"
    assert anna["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert anna.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in anna.iter_parts()] == ["text/plain", "text/html"]

    text, html = parts(anna)
    # The plain text stands on its own: summary, kind, date, days to go, redline, links.
    assert "Hello Anna," in text
    assert "* Version of 20 July 2024 (material)" in text
    assert "A new section on cookies." in text
    assert "Takes effect on 20 July 2024, in 19 days." in text
    assert f"Read this version: {SITE}us-en/archive/2024-07-20/" in text
    assert f"See its changes: {SITE}us-en/archive/2024-07-20/#_changes" in text
    assert f"Read the current notice: {SITE}us-en/" in text
    assert "What changed since 1 June 2024" in text      # the version before, editorial folded in
    assert "== Cookies — new section ==" in text
    assert "{+We use no tracking cookies.+}" in text
    assert "Introduction" not in text.split("What changed since")[1]   # unchanged: left out
    assert all(len(line) <= 78 or "://" in line for line in text.splitlines())
    # The HTML renders in mail clients: inline styles, nothing fetched, nothing run.
    for forbidden in ("<script", "<style", "<link", "<img", "src=", "url(", "@import"):
        assert forbidden not in html.lower(), forbidden
    assert "<section" not in html and 'class="redline-section' in html
    assert '<ins style="' in html and "We use no tracking cookies." in html
    assert f'href="{SITE}us-en/archive/2024-07-20/#_changes"' in html
    assert "<strong>Takes effect on 20 July 2024, in 19 days.</strong>" in html
    index = (notice.root / "outbox" / "index.html").read_text(encoding="utf-8")
    assert index.count(".eml\">") == 3 and "Privacy Notice: changes effective" in index


def test_message_ids_are_stable_and_per_recipient(notice):
    people = write_csv(notice.root / "people.csv", PEOPLE)
    main(["--root", str(notice.root), "notify", "--recipients", str(people)])
    first = {k: m["Message-ID"] for k, m in outbox_messages(notice).items()}
    main(["--root", str(notice.root), "notify", "--recipients", str(people)])
    again = {k: m["Message-ID"] for k, m in outbox_messages(notice).items()}
    assert first == again and len(set(first.values())) == 3
    assert not any("anna" in mid or "example.test>" in mid for mid in first.values())


def test_french_recipient_reads_french(notice):
    people = write_csv(notice.root / "people.csv", PEOPLE)
    main(["--root", str(notice.root), "notify", "--recipients", str(people)])
    jean = outbox_messages(notice)["jean@xn--bcher-kva.example"]
    july = get_month_names("wide", locale="fr")[7]
    assert jean["Content-Language"] == "fr"
    assert f"20 {july} 2024" in jean["Subject"]
    text, html = parts(jean)
    assert f"({page.change_label('material', 'fr')})" in text
    assert "{+Nous n'utilisons aucun cookie de suivi.+}" in text
    assert page.redline_labels("fr")["legend_inserted"] in text
    assert '<html lang="fr">' in html
    assert "jean@bücher.example" in text      # shown as written; the envelope uses punycode
    assert "Une nouvelle section sur les cookies." in text      # Notice-Summary-fr
    assert "A new section on cookies." not in text + html
    zoe = outbox_messages(notice)["zoe@example.test"]       # German reader of eu-en: English
    assert zoe["Content-Language"] == "en" and "Hello Zoé," in parts(zoe)[0]
    assert "A new section on cookies." in parts(zoe)[0]


def test_a_regional_variant_of_the_editions_language_is_used(tmp_path, monkeypatch):
    monkeypatch.setenv("NOTICE_TODAY", TODAY)
    repo = notice_repo(tmp_path / "repo")
    people = write_csv(repo.root / "people.csv", [("ann@example.test", "Ann", "en_US", "us")])
    main(["--root", str(repo.root), "notify", "--recipients", str(people)])
    ann = outbox_messages(repo)["ann@example.test"]
    assert ann["Content-Language"] == "en-US"


def test_no_unsubscribe_headers_without_a_url(tmp_path, monkeypatch):
    monkeypatch.setenv("NOTICE_TODAY", TODAY)
    repo = notice_repo(tmp_path / "repo", unsubscribe_url=None)
    people = write_csv(repo.root / "people.csv", PEOPLE[:1])
    assert main(["--root", str(repo.root), "notify", "--recipients", str(people)]) == 0
    anna = outbox_messages(repo)["anna@example.test"]
    assert "List-Unsubscribe" not in anna and "List-Unsubscribe-Post" not in anna
    assert "Unsubscribe" not in parts(anna)[0]


def test_each_part_is_exactly_the_quoted_printable_of_its_whole_text(notice):
    """A part is encoded once for every recipient of a Content, and only the lines holding a
    recipient's name, address or link are encoded per message: what goes out must be exactly
    what encoding that recipient's whole text gives (long lines, soft breaks, non-ASCII)."""
    long_name = "Zoé-Éloïse " + "de la Montagne=Fleurie " * 7 + "Ü"
    rows = [("anna@example.test", "Anna", "en", "us"), ("zo@example.test", long_name, "fr", "eu"),
            ("x" * 60 + "@example.test", "", "en", "us")]
    people = write_csv(notice.root / "people.csv", rows)
    assert main(["--root", str(notice.root), "notify", "--recipients", str(people)]) == 0
    messages = outbox_messages(notice)
    assert len(messages) == 3
    for message in messages.values():
        for part in message.get_body(("plain",)), message.get_body(("html",)):
            text = part.get_content().replace("\r\n", "\n").replace("\n", "\r\n")
            raw = part.get_payload(decode=False).encode("ascii")
            assert raw == binascii.b2a_qp(text.encode("utf-8"), istext=True)
    assert "Zoé-Éloïse de la Montagne=Fleurie" in parts(messages["zo@example.test"])[0]


# --------------------------------------------------------------------------- which versions

def plan_for(repo: NoticeRepo, rows=(), since=None, resend_unknown=False, **mail):
    config = config_module.load(repo.root)
    mail_settings = dataclasses.replace(settings.load(config), **mail)
    people = recipients.read(write_csv(repo.root / "people.csv", PEOPLE[:1]), config).recipients
    repository = read_repository(repo.root)
    histories = {"us-en": edition_history(repository, config, config.edition("us-en"), Renderer(),
                                          date.fromisoformat(TODAY))}
    plan = make_plan(people, histories, rows, mail_settings, domain="examplary.test", since=since,
                     resend_unknown=resend_unknown)
    return plan, mail_settings


def covered(plan) -> list[tuple[str, ...]]:
    return [tuple(day(k) for k in d.row.covers) for d in plan.deliveries]


def test_first_run_sends_only_the_newest_material_version(notice):
    plan, _ = plan_for(notice)
    assert covered(plan) == [("2024-07-20",)]
    assert plan.deliveries[0].since.date.isoformat() == "2024-06-01"


def test_since_date_covers_every_version_from_then(notice):
    plan, mail = plan_for(notice, since=date(2024, 5, 1))
    assert covered(plan) == [("2024-05-15", "2024-07-20")]
    text = parts(Composer(mail).compose(plan.deliveries[0]).message)[0]
    assert text.index("Version of 15 May 2024") < text.index("Version of 20 July 2024")
    assert "In effect since 15 May 2024." in text
    assert "What changed since 10 January 2024" in text      # the version before the first
    assert "We keep your data [-safe.-]{+safe and never sell it.+}" in text
    assert "{+We use no tracking cookies.+}" in text


def test_minor_versions_when_configured_and_editorial_never(notice):
    plan, _ = plan_for(notice, since=date(2024, 1, 1), kinds=frozenset({"material", "minor"}))
    assert covered(plan) == [("2024-01-10", "2024-05-15", "2024-06-01", "2024-07-20")]
    with pytest.raises(NoticeError, match="editorial corrections and reviews are never emailed"):
        settings.load(config_module.from_extra(
            {**notice.extra, "mail": {**MAIL, "kinds": ["material", "editorial"]}}, notice.root))


def test_after_a_sent_version_only_newer_ones_and_the_redline_from_it(notice):
    sent = Row(recipient="anna@example.test", edition="us-en", version="2024-05-15",
               covers=("2024-05-15",), since="2024-01-10", message_id="<x@y>", state=SENT)
    plan, mail = plan_for(notice, rows=[sent])
    assert covered(plan) == [("2024-07-20",)]
    delivery = plan.deliveries[0]
    assert delivery.since.date.isoformat() == "2024-05-15"       # what they were last sent
    text = parts(Composer(mail).compose(delivery).message)[0]
    assert "What changed since 15 May 2024" in text
    assert "[-at the address below.-]" in text                  # the minor change in between
    done = Row(**{**sent.__dict__, "version": "2024-07-20", "covers": ("2024-07-20",)})
    plan, _ = plan_for(notice, rows=[sent, done])
    assert plan.deliveries == [] and plan.up_to_date == 1


# --------------------------------------------------------------------------- settings

@pytest.mark.parametrize("mail, message", [
    ({"colour": "red"}, "unknown key"),
    ({"unsubscribe_url": "http://x.test/u?e={email}"}, "must start with https://"),
    ({"unsubscribe_url": "https://x.test/u?e={mail}"}, "unknown field"),
    ({"from": "not an address"}, "not a usable address"),
    ({"rate_per_second": 0}, "positive number"),
    ({"kinds": []}, "must list material"),
    ({"connections": 0}, "whole number of at least 1"),
    ({"connections": 2.5}, "whole number of at least 1"),
])
def test_bad_mail_settings_name_mkdocs_yml(notice, mail, message):
    config = config_module.from_extra({**notice.extra, "mail": {**MAIL, **mail}}, notice.root)
    with pytest.raises(NoticeError, match=message) as caught:
        settings.load(config)
    assert "mkdocs.yml" in str(caught.value)


def test_missing_sender_and_site_url_are_explained(tmp_path, monkeypatch):
    monkeypatch.setenv("NOTICE_TODAY", TODAY)
    repo = notice_repo(tmp_path / "repo", site_url=None)
    del repo.extra["mail"]["from"]
    repo.write_mkdocs_yml()
    people = write_csv(repo.root / "people.csv", PEOPLE[:1])
    assert main(["--root", str(repo.root), "notify", "--recipients", str(people)]) == 1
    loaded = settings.load(repo.config())
    with pytest.raises(NoticeError, match="site_url"):
        loaded.require_site_url()
    with pytest.raises(NoticeError, match="mail.from is not set"):
        loaded.require_sender()


def test_a_message_never_sent_is_overtaken_by_a_newer_version(notice):
    refused = Row(recipient="anna@example.test", edition="us-en", version="2024-05-15",
                  covers=("2024-05-15",), since="2024-01-10", message_id="<old@examplary.test>",
                  state="failed")
    plan, _ = plan_for(notice, rows=[refused])
    assert covered(plan) == [("2024-05-15", "2024-07-20")]       # one message about both
    assert plan.superseded == [refused.key]
    assert plan.deliveries[0].since.date.isoformat() == "2024-01-10"
    again, _ = plan_for(notice, rows=[refused, plan.new_rows[0]])
    assert again.new_rows == [] and again.deliveries[0].row == plan.new_rows[0]   # idempotent


def test_dry_run_and_edition_filter(notice, capsys):
    people = write_csv(notice.root / "people.csv", PEOPLE)
    assert main(["--root", str(notice.root), "notify", "--recipients", str(people),
                 "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "3 message(s) (dry run: nothing is sent or written)" in out
    assert "zoe@example.test: eu-en (no fr edition in de: nearest is eu-en), version(s) " \
           "2024-07-20" in out
    assert not (notice.root / "outbox").exists() and not (notice.root / ".notice").exists()
    assert main(["--root", str(notice.root), "notify", "--recipients", str(people),
                 "--edition", "eu-fr"]) == 0
    assert list(outbox_messages(notice)) == ["jean@xn--bcher-kva.example"]


def test_recipients_from_the_jsonl_plugin_get_what_csv_recipients_get(notice, capsys):
    """A recipient source other than a CSV: the `jsonl` plugin, found through its entry
    point as any installed plugin would be; its rows are checked like a CSV's."""
    import json

    rows = [dict(zip(("email", "name", "locale", "region"), p)) for p in PEOPLE]
    source = notice.root / "people.jsonl"
    source.write_text("\n".join(json.dumps(r) for r in rows) + "\n\n"
                      + json.dumps({"email": "bad@", "name": "B", "locale": "en",
                                    "region": "us"}) + "\n", encoding="utf-8")
    assert main(["--root", str(notice.root), "notify", "--recipients-from", "jsonl",
                 "--recipients-option", f"path={source}"]) == 3       # one row was invalid
    assert ("recipients from jsonl, row 5: invalid email address 'bad@'"
            in capsys.readouterr().err), "rows of a JSON Lines file are its lines"
    from_plugin = {k: parts(m) for k, m in outbox_messages(notice).items()}
    assert sorted(from_plugin) == ["anna@example.test", "jean@xn--bcher-kva.example",
                                   "zoe@example.test"]
    shutil.rmtree(notice.root / "outbox")
    assert main(["--root", str(notice.root), "notify", "--recipients",
                 str(write_csv(notice.root / "people.csv", PEOPLE))]) == 0
    assert {k: parts(m) for k, m in outbox_messages(notice).items()} == from_plugin


def test_a_recipient_source_given_as_module_and_function(notice, tmp_path, monkeypatch,
                                                         capsys):
    (tmp_path / "crm_export.py").write_text(
        "def customers(options):\n"
        "    yield {'Email': 'anna@example.test', 'Name': 'Anna', 'Locale': 'en',\n"
        "           'Region': options['region']}\n"
        "    yield ['not', 'a', 'mapping']\n"
        "    yield {'email': 'x@example.test', 'name': 'X'}\n"
        "def broken(options):\n"
        "    yield {'email': 'anna@example.test', 'name': 'A', 'locale': 'en', 'region': 'us'}\n"
        "    raise ConnectionError('the CRM did not answer')\n", encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    assert main(["--root", str(notice.root), "notify", "--recipients-from",
                 "crm_export:customers", "--recipients-option", "region=us"]) == 3
    err = capsys.readouterr().err
    assert "recipients from crm_export:customers, row 2: the row is a list, not a mapping" in err
    assert "recipients from crm_export:customers, row 3: the row has no locale, region" in err
    assert list(outbox_messages(notice)) == ["anna@example.test"]

    shutil.rmtree(notice.root / "outbox")
    assert main(["--root", str(notice.root), "notify", "--recipients-from",
                 "crm_export:broken"]) == 1
    err = capsys.readouterr().err
    assert ("recipients from crm_export:broken: the recipient source failed: ConnectionError: "
            "the CRM did not answer") in err and "nothing was sent" in err
    assert not (notice.root / "outbox").exists(), "a source that fails sends nothing"
    assert main(["--root", str(notice.root), "notify", "--recipients-from", "crm"]) == 1
    assert "no recipient source 'crm'" in capsys.readouterr().err


def test_an_unknown_message_stays_reported_when_a_newer_version_goes_out(notice):
    doubtful = Row(recipient="anna@example.test", edition="us-en", version="2024-05-15",
                   covers=("2024-05-15",), since="2024-01-10", message_id="<old@examplary.test>",
                   state="unknown")
    plan, _ = plan_for(notice, rows=[doubtful])
    assert covered(plan) == [("2024-07-20",)] and [row for _, row in plan.held] == [doubtful]
    plan, _ = plan_for(notice, rows=[doubtful], resend_unknown=True)
    assert [(d.row.message_id, d.resend) for d in plan.deliveries] == [
        ("<old@examplary.test>", True), (plan.new_rows[0].message_id, False)]
