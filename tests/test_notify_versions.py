"""Who must be told comes from versions, not dates (issue 14, 1 and 2), end to end:
commit, notify, commit (or rewrite), notify, against a real SMTP server."""

from __future__ import annotations

from support.mail import PEOPLE, parts, write_csv
from support.mail import Sink, log_rows, mail_repo, notify, smtp_server  # noqa: F401 (fixtures)


def withdraw_upcoming(repo) -> None:
    """The upcoming 2024-07-20 change dropped from the branch (a rewrite)."""
    repo.git("reset", "--hard", "HEAD~1")


def test_a_withdrawn_version_does_not_hide_the_one_that_replaced_it(repo, notify):
    write_csv(repo.root / "people.csv", PEOPLE[:1])
    sink = Sink()
    with smtp_server(sink) as url:
        code, out, err = notify(url)
        assert code == 0 and "sent 1" in out
        withdraw_upcoming(repo)
        repo.section("retention", "Retention", "We keep records for one year.")
        repo.manifest("intro", "contact", "retention")
        repo.commit("Retention\n\nNotice-Change: material\nEffective-Date: 2024-07-15",
                    date="2024-06-25T09:00:00+02:00")
        code, out, err = notify(url, "--dry-run")
        assert code == 0 and "1 message(s) (dry run" in out and "up to date" not in \
            out.split("Summary")[0]
        assert "anna@example.test: us-en, version(s) 2024-07-15" in out
        assert "version 2024-07-20" in err and "no longer in the history" in err
        code, out, err = notify(url)
        assert code == 0, out + err
        assert "Summary: sent 1, skipped 0 (up to date)" in out
        assert "no longer in the history" in err            # the real run warns too
    text = parts(sink.received[-1].message)[0]
    assert "The change we announced earlier for 20 July 2024 was withdrawn" in text
    assert "Version of 15 July 2024" in text and "{+We keep records for one year.+}" in text
    assert len(sink.received) == 2 and len(sink.message_ids()) == 2


def test_a_recipient_whose_last_version_is_gone_is_reported_not_skipped(repo, notify):
    write_csv(repo.root / "people.csv", PEOPLE[:1])
    with smtp_server(Sink()) as url:
        assert notify(url)[0] == 0
        withdraw_upcoming(repo)
        code, out, err = notify(url)
    assert code == 3, out + err
    assert "skipped 0 (up to date)" in out and "not settled 1" in out
    assert "there is no newer version to tell them about" in err
    assert [r.state for r in log_rows(repo)] == ["sent"]


def test_a_lagging_translation_holds_its_readers_until_it_lands(repo, notify):
    write_csv(repo.root / "people.csv", PEOPLE)
    sink = Sink()
    with smtp_server(sink) as url:
        assert notify(url)[0] == 0 and len(sink.received) == 3
        repo.section("intro", "Introduction", "We keep your data safe, never sell it and "
                                              "delete it after a year.")
        repo.commit("Deletion\n\nNotice-Change: material\nEffective-Date: 2024-08-15",
                    date="2024-06-28T09:00:00+02:00")
        code, out, err = notify(url)
        assert code == 3, out + err
        assert "Summary: sent 2, skipped 0 (up to date)" in out
        assert "held for translation 1" in out
        assert "eu-fr: 1 recipient(s) held: the change(s) of 2024-08-15 in eu-en are not " \
               "translated yet; translate intro (notice/intro.fr.md)" in err
        assert "jean@xn--bcher-kva.example" not in {r.rcpt[0] for r in sink.received[3:]}

        code, out, err = notify(url, "--send-untranslated")
        assert code == 0, out + err
        assert "Summary: sent 1, skipped 2 (up to date)" in out
        jean = sink.received[-1]
        assert jean.rcpt == ["jean@xn--bcher-kva.example"]
        text = parts(jean.message)[0]
        assert "The translation of this change is not ready yet" in text
        assert "delete it after a year" in text

        repo.write("notice/intro.fr.md", "# Introduction\n\nNous protégeons vos données, ne les "
                                         "vendons jamais et les effaçons après un an.\n")
        repo.commit("Traduction\n\nNotice-Change: material\nEffective-Date: 2024-08-15",
                    date="2024-06-29T09:00:00+02:00")
        code, out, err = notify(url)
        assert code == 0, out + err
        assert "Summary: sent 1, skipped 2 (up to date)" in out
    text = parts(sink.received[-1].message)[0]
    assert sink.received[-1].rcpt == ["jean@xn--bcher-kva.example"]
    assert "les effaçons après un an" in text


def test_a_version_withdrawn_by_a_commit_does_not_hide_the_next_one(repo, notify):
    """Issue 12's notice period, told by email: announced (sent), withdrawn by a commit that
    restores the current text (no rewrite), replaced by another material change."""
    write_csv(repo.root / "people.csv", PEOPLE[:1])
    sink = Sink()
    with smtp_server(sink) as url:
        assert notify(url)[0] == 0 and len(sink.received) == 1
        (repo.root / "notice" / "cookies.md").unlink()
        (repo.root / "notice" / "cookies.fr.md").unlink()
        repo.manifest("intro", "contact")
        repo.commit("Withdraw the cookies section", date="2024-06-24T09:00:00+02:00")
        repo.section("retention", "Retention", "We keep records for one year.")
        repo.manifest("intro", "contact", "retention")
        repo.commit("Retention\n\nNotice-Change: material\nEffective-Date: 2024-07-15",
                    date="2024-06-25T09:00:00+02:00")
        code, out, err = notify(url, "--dry-run")
        assert code == 0, out + err
        assert "anna@example.test: us-en, version(s) 2024-07-15" in out
        code, out, err = notify(url)
        assert code == 0 and "Summary: sent 1" in out, out + err
    text = parts(sink.received[-1].message)[0]
    assert "The change we announced earlier for 20 July 2024 was withdrawn" in text
    assert "{+We keep records for one year.+}" in text


def test_a_version_taken_back_after_it_took_effect_is_told_as_such(repo, notify, monkeypatch):
    """A version that took effect, then taken back by corrections.yml (`published: false`):
    the next message says it was withdrawn and the notice went back, not that it "will not
    take effect" (it did)."""
    monkeypatch.setenv("NOTICE_TODAY", "2024-08-01")      # the 2024-07-20 version is in effect
    write_csv(repo.root / "people.csv", PEOPLE[:1])
    cookies = repo.git("rev-parse", "HEAD").strip()
    sink = Sink()
    with smtp_server(sink) as url:
        assert notify(url)[0] == 0 and len(sink.received) == 1
        repo.write("notice/corrections.yml", f"{cookies[:7]}:\n  published: false\n")
        repo.commit("The cookies section was never meant to be published",
                    date="2024-08-02T09:00:00+02:00")
        for name in ("cookies.md", "cookies.fr.md"):       # the tree goes back as well
            (repo.root / "notice" / name).unlink()
        repo.section("retention", "Retention", "We keep records for one year.")
        repo.manifest("intro", "contact", "retention")
        repo.commit("Retention\n\nNotice-Change: material\nEffective-Date: 2024-09-10",
                    date="2024-08-03T09:00:00+02:00")
        monkeypatch.setenv("NOTICE_TODAY", "2024-08-05")
        code, out, err = notify(url)
        assert code == 0 and "Summary: sent 1" in out, out + err
    text, html = parts(sink.received[-1].message)
    for body in (text, html):
        assert "The change that took effect on 20 July 2024 was withdrawn: the notice went " \
               "back to what it said before it." in " ".join(body.split())
        assert "will not take effect" not in body
    assert "{+We keep records for one year.+}" in text
