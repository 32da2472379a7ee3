"""Who must be told comes from versions, not dates (issue 14, 1 and 2), end to end:
commit, notify, commit (or rewrite), notify, against a real SMTP server."""

from __future__ import annotations

import pytest
from test_notify_compose import PEOPLE, parts, write_csv
from test_notify_smtp import Notify, Sink, log_rows, notify_repo, smtp_server


@pytest.fixture
def repo(tmp_path, monkeypatch):
    return notify_repo(tmp_path, monkeypatch)


@pytest.fixture
def notify(repo, monkeypatch, capsys):
    return Notify(repo, monkeypatch, capsys)


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
