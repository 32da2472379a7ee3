"""Publishing that forgives: misspelt trailers are caught, and mistakes already published are
corrected by a reviewed commit (notice/corrections.yml), never by rewriting history."""

import pytest

from notice_engine.errors import NoticeError

from test_history import first_notice, history_of


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
