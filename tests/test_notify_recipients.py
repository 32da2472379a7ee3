"""Recipients: the CSV read into checked rows, bad rows reported by line, editions chosen."""

from __future__ import annotations

import copy
import csv
import io
import re

import pytest
from babel import Locale
from conftest import BASE_EXTRA
from hypothesis import given, settings
from hypothesis import strategies as st

from notice_engine.cli import main
from notice_engine.config import from_extra
from notice_engine.errors import NoticeError
from notice_engine.mail import addresses, recipients

EXTRA = copy.deepcopy(BASE_EXTRA)
EXTRA["regions"]["ca"] = {"name": "Canada"}                 # a region with no edition
EXTRA["editions"] += [{"id": "eu-fr", "region": "eu", "locale": "fr"},
                      {"id": "fr-fr", "region": "fr", "locale": "fr"}]


@pytest.fixture
def config(tmp_path):
    return from_extra(EXTRA, tmp_path)


def read(tmp_path, config, text: str, encoding="utf-8"):
    path = tmp_path / "people.csv"
    path.write_bytes(text.encode(encoding))
    return recipients.read(path, config)


def problems(result) -> list[tuple[int, str]]:
    return [(p.line, p.message) for p in result.problems]


def test_valid_rows_any_column_order_extra_columns_bom_and_crlf(tmp_path, config):
    result = read(tmp_path, config, "\ufeffRegion,Email,customer_id,Name,Locale\r\n"
                                    "us, Anna@Example.TEST ,17,Anna Smith,en\r\n"
                                    "\r\n"
                                    'eu,jean@bücher.example,18,"Dupont, Jean",fr-FR\r\n')
    assert problems(result) == []
    anna, jean = result.recipients
    assert (anna.mailbox.envelope, anna.key, anna.name, anna.line) == (
        "Anna@example.test", "anna@example.test", "Anna Smith", 2)
    assert (jean.mailbox.envelope, jean.name, jean.locale, jean.edition.id, jean.line) == (
        "jean@xn--bcher-kva.example", "Dupont, Jean", "fr_FR", "eu-fr", 4)


def test_bad_rows_are_reported_with_their_line_and_skipped(tmp_path, config):
    result = read(tmp_path, config, (
        "email,name,locale,region\n"
        "ok@example.test,Ok,en,us\n"                          # 2
        "no-at-sign.example.test,X,en,us\n"                   # 3
        "x@example.test,X,klingon-xx,us\n"                    # 4
        "y@example.test,Y,en,mars\n"                          # 5
        "OK@EXAMPLE.test,Again,en,us\n"                       # 6: duplicate of line 2
        '"z@example.test","Mallory\nBcc: everyone@example.test",en,us\n'   # 7-8
        "w@example.test,W,en\n"                               # 9: a field short
        "after@example.test,After,en,eu\n"))                  # 10
    assert [r.line for r in result.recipients] == [2, 10]
    found = problems(result)
    assert [line for line, _ in found] == [3, 4, 5, 6, 7, 9]
    messages = dict(found)
    assert "invalid email address 'no-at-sign.example.test'" in messages[3]
    assert "unknown locale 'klingon-xx'" in messages[4]
    assert "unknown region 'mars' (known: us, eu, fr, ca)" in messages[5]
    assert "duplicate address 'OK@example.test', already on line 2" in messages[6]
    assert "line break" in messages[7] and "header injection" in messages[7]
    assert "fewer than the header names" in messages[9]
    assert all(m.endswith("row skipped") for m in messages.values())
    assert str(result.problems[0]).startswith(f"{tmp_path / 'people.csv'}:3: ")


@pytest.mark.parametrize("address, reason", [
    ("anna@", "nothing after the @"),
    ("@example.test", "nothing before the @"),
    ("a@b@example.test", "exactly one @"),
    ("a..b@example.test", "two in a row"),
    ("an na@example.test", "space"),
    ('"anna"@example.test', "quote"),
    ("anna@localhost", "not a valid domain name"),
    ("anna@exa_mple.test", "not a valid domain name"),
    ("anna@192.168.0.1", "IP address"),
    ("anna@example.test\r\nBcc: x@y.test", "line break"),
    ("a" * 65 + "@example.test", "longer than 64"),
])
def test_invalid_addresses_say_why(address, reason):
    with pytest.raises(addresses.AddressError, match=reason):
        addresses.parse(address)


def test_international_addresses():
    idn = addresses.parse("Anna@Bücher.Example")
    assert (idn.envelope, idn.key, str(idn), idn.needs_smtputf8) == (
        "Anna@xn--bcher-kva.example", "anna@xn--bcher-kva.example", "Anna@bücher.example", False)
    assert addresses.parse("anna@xn--bcher-kva.example").key == idn.key     # one mailbox
    utf8 = addresses.parse("jörg@example.test")
    assert utf8.needs_smtputf8 and utf8.envelope == "jörg@example.test"


@pytest.mark.parametrize("domain, wire", [
    ("straße.de", "xn--strae-oqa.de"),           # IDNA 2008 keeps ß: strasse.de is another domain
    ("faß.de", "xn--fa-hia.de"),
    ("ＥＸＡＭＰＬＥ.de", "example.de"),            # UTS 46 folds full-width letters, as browsers do
])
def test_domains_go_out_in_idna_2008(domain, wire):
    mailbox = addresses.parse(f"anna@{domain}")
    assert mailbox.ascii_domain == wire and mailbox.key == f"anna@{wire}"


def test_a_domain_idna_2008_cannot_encode_is_refused_with_its_line(tmp_path, config):
    result = read(tmp_path, config, "email,name,locale,region\n"
                                    "ok@straße.de,Ok,en,us\n"
                                    "snow@☃.example,Snow,en,us\n")
    assert [r.mailbox.envelope for r in result.recipients] == ["ok@xn--strae-oqa.de"]
    [(line, message)] = problems(result)
    assert line == 3 and "not a valid domain name" in message and "U+2603" in message


@pytest.mark.parametrize("region, locale, edition, fallback", [
    ("eu", "fr", "eu-fr", None),                 # 1. exact
    ("us", "en_US", "us-en", None),              # 2. same region, same language
    ("eu", "fr_CA", "eu-fr", None),
    ("fr", "en", "fr-fr", "nearest is fr-fr"),   # 3. the region's text beats the language
    ("eu", "de", "eu-en", "nearest is eu-en"),   #    (its first edition)
    ("ca", "fr", "us-en", "default edition"),    # 5. no edition for the region
])
def test_edition_mapping_and_its_fallbacks(config, region, locale, edition, fallback):
    chosen, note = recipients.edition_for(config, region, Locale.parse(locale))
    assert chosen.id == edition
    assert (note is None) if fallback is None else fallback in note


def test_a_region_without_an_edition_reads_its_parent_regions(tmp_path):
    extra = copy.deepcopy(BASE_EXTRA)           # regions us, eu, fr (part of eu); no fr edition
    chosen, note = recipients.edition_for(from_extra(extra, tmp_path), "fr", Locale.parse("en"))
    assert chosen.id == "eu-en" and "no fr edition" in note


@pytest.mark.parametrize("text, message, line", [
    ("", "is empty", 1),
    ("mail,name,locale\nx@example.test,X,en\n", r"lacks column\(s\) email, region", 1),
    ("email,name,locale,region\nx@example.test,Ren\xe9e,en,us\n", "not UTF-8", 2),
])
def test_an_unusable_file_stops_with_its_line(tmp_path, config, text, message, line):
    with pytest.raises(NoticeError, match=message) as caught:
        read(tmp_path, config, text, encoding="latin-1")
    assert caught.value.line == line and caught.value.file == str(tmp_path / "people.csv")


def test_notify_needs_recipients_and_a_sender(repo, capsys):
    assert main(["--root", str(repo.root), "notify"]) == 1
    assert "needs --recipients FILE" in capsys.readouterr().err
    missing = str(repo.root / "nobody.csv")
    assert main(["--root", str(repo.root), "notify", "--recipients", missing]) == 1
    assert "extra.notice.mail.from is not set" in capsys.readouterr().err
    repo.extra = {**repo.extra, "mail": {"from": "privacy@example.test"}}
    repo.write_mkdocs_yml()
    assert main(["--root", str(repo.root), "notify", "--recipients", missing]) == 1
    assert "there is no site_url" in capsys.readouterr().err
    repo.extra["mail"]["site_url"] = "https://privacy.example.test"
    repo.write_mkdocs_yml()
    assert main(["--root", str(repo.root), "notify", "--recipients", missing]) == 1
    assert f"{missing}: cannot read the recipients file" in capsys.readouterr().err


def _acceptable(name: str) -> bool:
    try:
        recipients.check_name(name)
    except ValueError:
        return False
    return True


names = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
                max_size=12)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(names, st.booleans()), min_size=1, max_size=8))
def test_line_numbers_hold_with_quoted_line_breaks(tmp_path_factory, rows):
    """Whatever the names (quotes, commas, line breaks), each row is reported at the line it
    starts on, and a name with a line break is never accepted."""
    config = from_extra(EXTRA, tmp_path_factory.mktemp("csv"))
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["email", "name", "locale", "region"])
    starts, line = [], 2
    for n, (name, valid) in enumerate(rows):
        starts.append(line)
        writer.writerow([f"p{n}@example.test" if valid else f"p{n}", name, "en", "us"])
        line = len(re.findall(r"\r\n|\r|\n", buffer.getvalue())) + 1   # as editors count
    path = tmp_path_factory.mktemp("csv") / "people.csv"
    path.write_text(buffer.getvalue(), encoding="utf-8")
    result = recipients.read(path, config)
    accepted = {r.line for r in result.recipients}
    rejected = {p.line for p in result.problems}
    for n, (name, valid) in enumerate(rows):
        good = valid and not addresses.has_line_break(name) and _acceptable(name.strip())
        assert (starts[n] in accepted) == good and (starts[n] in rejected) == (not good)
    assert all(not addresses.has_line_break(r.name) for r in result.recipients)


def test_a_row_without_a_region_reads_the_default_edition_or_is_skipped(tmp_path, config):
    text = "email,name,locale,region\nnone@example.test,No Region,fr,\nok@example.test,Ok,en,us\n"
    result = read(tmp_path, config, text)
    assert problems(result) == []
    nobody = result.recipients[0]
    assert nobody.edition.id == config.edition(None).id
    assert nobody.fallback == f"no region: the default edition {config.edition(None).id}"
    path = tmp_path / "people.csv"
    skipped = recipients.read(path, config, missing_region="skip")
    assert [r.line for r in skipped.recipients] == [3]
    assert "no region" in problems(skipped)[0][1] and "missing_region is skip" in \
        problems(skipped)[0][1]


def test_dry_run_shows_the_default_edition_for_a_row_without_a_region(tmp_path, monkeypatch,
                                                                       capsys):
    from support.mail import TODAY, notice_repo, write_csv
    monkeypatch.setenv("NOTICE_TODAY", TODAY)
    notice = notice_repo(tmp_path / "repo")
    people = write_csv(notice.root / "people.csv", [("x@example.test", "X", "en", "")])
    assert main(["--root", str(notice.root), "notify", "--recipients", str(people),
                 "--dry-run"]) == 0
    assert "x@example.test: us-en (no region: the default edition us-en)" in \
        capsys.readouterr().out
    notice.extra["mail"]["missing_region"] = "skip"
    notice.write_mkdocs_yml()
    assert main(["--root", str(notice.root), "notify", "--recipients", str(people),
                 "--dry-run"]) == 3
    assert "no region" in capsys.readouterr().err
