"""A long-lived notice brought into git version by version with `notice import --replace`.

The acceptance test of the issue: importing each historical version of a real,
long-lived notice (50 commits of its published history), committed with its
original dates, builds an archive whose dates are exactly the days on which its
words changed, with "Last Updated" equal to the last of them, and every archive
page valid.

There is no network here, so the history is made up: a seeded generator edits
the reference notice (read at test time from ../shared/reference; none of its
sentences are copied here) 49 times over about four years. Some steps change
words, some only whitespace or the notice's own "Last Updated" line (which the
import leaves out), a few add a paragraph or a whole section. Commits come from
several timezones; the notice's own (Europe/Paris) decides the day.
"""

from __future__ import annotations

import json
import random
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

import conftest
from notice_engine.publish import edition_site as pages
from notice_engine.cli import main
from notice_engine.history.walk import edition_history, read_repository
from notice_engine.render.sections import Renderer

REFERENCE = Path(conftest.PROJECT).parent / "shared/reference/ujet-privacy-notice-2019.txt"
NOTICE_TZ = ZoneInfo(conftest.BASE_EXTRA["timezone"])
EDITION = "us-en"
STEPS = 50

# Where the commits of the made-up history come from (named zones, so DST applies).
ZONES = ["Europe/Paris", "Europe/London", "America/New_York", "America/Los_Angeles",
         "Asia/Kolkata", "Asia/Tokyo", "Australia/Sydney"]

# Made-up words and sentences for the edits: the project's own words, not the reference's.
WORDS = ["promptly", "securely", "lawfully", "carefully", "directly", "annually", "openly",
         "reasonably", "strictly", "only", "always", "fairly"]
SENTENCES = ["We review this practice every year.", "You may ask us for a copy at any time.",
             "We never sell this information.", "Our staff are trained to handle it with care.",
             "We keep a record of each such request.", "This applies to every product we offer."]

DATE_LINE = re.compile(r"^Last Updated: ")
# A redline's mark around real text (the legend's `<ins>…</ins>` does not count).
REDLINE_MARK = re.compile(r"<(ins|del)>(?!…</)")
SENTENCE_BREAK = re.compile(r"(?<=\.) (?=[A-Z])")


# --- The made-up history -------------------------------------------------------


@dataclass(frozen=True)
class Step:
    """One historical version: its plain text, when it was committed, and what the step did."""

    text: str
    moment: datetime            # aware, in the zone it was committed from
    kind: str                   # "first", "words", "paragraph", "section", "whitespace", "date line"

    @property
    def iso(self) -> str:
        return self.moment.isoformat()

    @property
    def day(self) -> date:
        """The day it landed where the notice's owner is."""
        return self.moment.astimezone(NOTICE_TZ).date()

    @property
    def words(self) -> list[str]:
        """What a reader reads: every word but those of the "Last Updated" line."""
        return [word for line in self.text.splitlines() if not DATE_LINE.match(line)
                for word in line.split()]


def is_heading(paragraph: str) -> bool:
    """A plain-text section title: a short capitalised line standing alone, no full stop."""
    return ("\n" not in paragraph and len(paragraph.split()) <= 14 and paragraph[:1].isupper()
            and not paragraph.endswith((".", ":", ";", ",", "!", "?")))


def is_prose(paragraph: str) -> bool:
    """A one-line paragraph of sentences: safe to edit without changing how it is split.

    Edits keep its first and last word, so it never turns into a heading, a
    bullet or the date line, and multi-line blocks (an address, a table) are
    left alone.
    """
    return "\n" not in paragraph and paragraph.endswith(".") and len(paragraph.split()) >= 8


def dated(paragraphs: list[str], day: date) -> list[str]:
    """The notice's own header line, as its editors typed it on each publication."""
    return [f"Last Updated: {day.day} {day:%B %Y} | Privacy Notice Archive"
            if DATE_LINE.match(p) else p for p in paragraphs]


def change_words(rng: random.Random, paragraphs: list[str]) -> None:
    """Replace, insert or delete a word, or insert or delete a sentence, in one paragraph."""
    index = rng.choice([i for i, p in enumerate(paragraphs) if is_prose(p)])
    words = paragraphs[index].split()
    sentences = SENTENCE_BREAK.split(paragraphs[index])
    edit = rng.choice(["replace", "insert", "delete", "add sentence", "drop sentence"])
    if edit == "drop sentence" and len(sentences) < 3:
        edit = "add sentence"
    position = rng.randrange(1, len(words) - 1)          # never the first or last word
    if edit == "replace":
        words[position] = rng.choice([w for w in WORDS if w != words[position]])
    elif edit == "insert":
        words.insert(position, rng.choice(WORDS))
    elif edit == "delete":
        del words[position]
    elif edit == "add sentence":
        sentences.insert(rng.randrange(1, len(sentences) + 1), rng.choice(SENTENCES))
    else:
        del sentences[rng.randrange(1, len(sentences) - 1)]   # keep the first and the last
    paragraphs[index] = " ".join(sentences if "sentence" in edit else words)


def add_paragraph(rng: random.Random, paragraphs: list[str], number: int) -> None:
    after = rng.choice([i for i, p in enumerate(paragraphs) if is_prose(p)])
    paragraphs.insert(after + 1, f"This paragraph was added in revision {number}. "
                                 + rng.choice(SENTENCES))


def add_section(rng: random.Random, paragraphs: list[str], number: int) -> None:
    """A new heading and its paragraph, before one of the sections after the introduction."""
    before = rng.choice([i for i, p in enumerate(paragraphs) if i > 3 and is_heading(p)])
    paragraphs[before:before] = [f"Supplement {number}",
                                 f"This section was added in revision {number}. "
                                 + rng.choice(SENTENCES)]


def change_whitespace(rng: random.Random, paragraphs: list[str]) -> None:
    """Words untouched: a doubled space inside a paragraph, or trailing spaces on lines.

    (Not a re-wrapped line: the import keeps a plain-text line break as a
    Markdown hard break, `<br>`, which a reader sees.)
    """
    if rng.random() < 0.5:
        index = rng.choice([i for i, p in enumerate(paragraphs) if is_prose(p)])
        spaces = [m.start() for m in re.finditer(" ", paragraphs[index])]
        at = rng.choice(spaces[1:-1])
        paragraphs[index] = paragraphs[index][:at] + " " + paragraphs[index][at:]
    else:
        for index in rng.sample(range(len(paragraphs)), 5):
            paragraphs[index] = paragraphs[index].replace("\n", "   \n") + "   "


def next_moment(rng: random.Random, previous: datetime, how: str) -> datetime:
    """A commit time after `previous`, in a random zone (or the one the story needs)."""
    local_previous = previous.astimezone(NOTICE_TZ)
    if how == "same day":               # later on the same day in Paris
        hours = rng.randint(1, max(1, 22 - local_previous.hour))
        return (local_previous + timedelta(hours=hours, minutes=rng.randint(0, 50))
                ).astimezone(ZoneInfo(rng.choice(ZONES)))
    if how == "late evening":           # 23:xx in California on Paris's day: already tomorrow in Paris
        return datetime.combine(local_previous.date(), datetime.min.time(),
                                ZoneInfo("America/Los_Angeles")).replace(hour=23, minute=20)
    if how == "after midnight":         # 00:xx in Paris: still yesterday in UTC
        day = local_previous.date() + timedelta(days=rng.randint(5, 40))
        return datetime(day.year, day.month, day.day, 0, 25, tzinfo=NOTICE_TZ)
    day = local_previous.date() + timedelta(days=rng.randint(5, 60))
    return datetime(day.year, day.month, day.day, rng.randint(8, 19), rng.randint(0, 59),
                    tzinfo=ZoneInfo(rng.choice(ZONES)))


# Steps whose timing or kind the story needs, whatever the dice say.
FIXED = {
    10: ("words", "later"), 11: ("words", "same day"),          # two changes, one version
    20: ("words", "later"), 21: ("words", "late evening"),      # the next day in Paris
    30: ("words", "after midnight"),                             # a Paris day, not a UTC one
    31: ("whitespace", "same day"), 32: ("date line", "later"),  # nothing a reader sees
}


def long_lived_notice(reference: str, steps: int = STEPS) -> list[Step]:
    """`steps` successive versions of the reference notice, each with its commit time."""
    rng = random.Random(2019)
    paragraphs = reference.strip().split("\n\n")
    moment = datetime(2019, 8, 15, 10, 0, tzinfo=NOTICE_TZ)
    history = [Step("\n\n".join(paragraphs) + "\n", moment, "first")]
    for number in range(1, steps):
        kind, timing = FIXED.get(number, (None, None))
        kind = kind or rng.choices(["words", "whitespace", "date line", "paragraph", "section"],
                                   weights=[55, 15, 10, 10, 10])[0]
        timing = timing or rng.choices(["later", "same day"], weights=[80, 20])[0]
        moment = next_moment(rng, moment, timing)
        if kind == "words":
            change_words(rng, paragraphs)
        elif kind == "paragraph":
            add_paragraph(rng, paragraphs, number)
        elif kind == "section":
            add_section(rng, paragraphs, number)
        elif kind == "whitespace":
            change_whitespace(rng, paragraphs)
        if kind != "whitespace":                    # a publication re-dates the header line
            paragraphs = dated(paragraphs, moment.astimezone(NOTICE_TZ).date())
        history.append(Step("\n\n".join(paragraphs) + "\n", moment, kind))
    return history


def expected_days(history: list[Step]) -> list[str]:
    """The days on which the words changed, oldest first; one per day."""
    days: list[str] = []
    for previous, step in zip([None] + history, history):
        if previous is None or step.words != previous.words:
            if step.day.isoformat() not in days:
                days.append(step.day.isoformat())
    return days


# --- Checking a page -----------------------------------------------------------


class PageCheck(HTMLParser):
    """Ids, in-page links and tag nesting of one HTML page."""

    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta",
            "source", "track", "wbr"}

    def __init__(self, text: str):
        super().__init__(convert_charrefs=True)
        self.ids: list[str] = []
        self.fragments: list[str] = []
        self.links: list[str] = []
        self.problems: list[str] = []
        self.open: list[str] = []
        self.feed(text)
        self.close()
        if self.open:
            self.problems.append(f"never closed: {self.open}")
        duplicates = sorted({i for i in self.ids if self.ids.count(i) > 1})
        if duplicates:
            self.problems.append(f"duplicate ids: {duplicates}")
        missing = sorted(set(self.fragments) - set(self.ids))
        if missing:
            self.problems.append(f"links to ids not on the page: {missing}")

    def handle_starttag(self, tag, attrs):
        self._attributes(attrs)
        if tag not in self.VOID:
            self.open.append(tag)

    def handle_startendtag(self, tag, attrs):
        self._attributes(attrs)

    def handle_endtag(self, tag):
        if tag in self.VOID:
            return
        if not self.open or self.open[-1] != tag:
            self.problems.append(f"</{tag}> at line {self.getpos()[0]} closes "
                                 f"<{self.open[-1] if self.open else 'nothing'}>")
            if tag in self.open:
                del self.open[len(self.open) - 1 - self.open[::-1].index(tag):]
            return
        self.open.pop()

    def _attributes(self, attrs):
        attrs = dict(attrs)
        if attrs.get("id"):
            self.ids.append(attrs["id"])
        href = attrs.get("href") or ""
        self.links.append(href)
        if href.startswith("#") and len(href) > 1:
            self.fragments.append(href[1:])


# --- The tests -----------------------------------------------------------------


@pytest.fixture
def reference() -> str:
    if not REFERENCE.is_file():
        pytest.skip("../shared/reference is not beside this checkout; the imported-history test "
                    "derives its 50 versions from it")
    return REFERENCE.read_text(encoding="utf-8")


@pytest.fixture
def imported(repo, reference, tmp_path, monkeypatch):
    """The repository with the whole history imported and committed; NOTICE_TODAY after it."""
    history = long_lived_notice(reference)
    source = tmp_path / "import" / "notice.txt"          # outside the repository
    source.parent.mkdir()
    touched: list[list[str]] = []                      # files each commit changed
    for number, step in enumerate(history):
        source.write_text(step.text, encoding="utf-8")
        command = ["--root", str(repo.root), "import", str(source)] + (["--replace"] if number else [])
        assert main(command) == 0, f"import of version {number} failed"
        repo.commit(f"Version {number}: {step.kind}", date=step.iso)
        touched.append(repo.git("show", "--name-only", "--format=", "HEAD").split())
    today = (history[-1].day + timedelta(days=1)).isoformat()
    monkeypatch.setenv("NOTICE_TODAY", today)
    return repo, history, touched, today


def test_the_made_up_history_covers_the_story(reference):
    """Guards on the generator, so the acceptance test below keeps testing what it says."""
    history = long_lived_notice(reference)
    assert len(history) == STEPS and history == long_lived_notice(reference)   # deterministic
    kinds = {step.kind for step in history}
    assert {"words", "paragraph", "section", "whitespace", "date line"} <= kinds
    pairs = list(zip(history, history[1:]))
    word_changes = [(previous, step) for previous, step in pairs if step.words != previous.words]
    silent = [(previous, step) for previous, step in pairs if step.words == previous.words]
    assert len(silent) >= 5 and all(step.text != previous.text for previous, step in silent)
    # Two word changes on one Paris day; one whose own calendar day is not Paris's; one
    # whose UTC day is not Paris's.
    assert any(previous.day == step.day for previous, step in word_changes)
    assert any(step.moment.date() != step.day for _, step in word_changes)
    assert any(step.moment.astimezone(ZoneInfo("UTC")).date() != step.day
               for _, step in word_changes)
    assert len({step.moment.utcoffset() for step in history}) >= 4
    assert all(a.moment < b.moment for a, b in zip(history, history[1:]))
    span = history[-1].moment - history[0].moment
    assert timedelta(days=3 * 365) < span < timedelta(days=5 * 365)
    assert len(expected_days(history)) < len(history)


def test_imported_history_dates_the_archive_by_the_days_the_words_changed(imported):
    repo, history, touched, today = imported
    days = expected_days(history)
    # Some commits that change no word still change section files (a doubled space):
    # the engine has to judge them by what they render, not by which files changed.
    assert any(step.words == previous.words and any(f.startswith("notice/") for f in files)
               for previous, step, files in zip(history, history[1:], touched[1:]))

    config = repo.config()
    versions = edition_history(read_repository(repo.root), config, config.edition(EDITION),
                               Renderer(), date.fromisoformat(today)).versions
    assert [v.date.isoformat() for v in versions] == days
    assert all(v.change == "minor" for v in versions)   # no trailers: every change is minor

    assert main(["--root", str(repo.root), "build", "--edition", EDITION]) == 0
    site = repo.root / "site" / EDITION
    index = (site / "index.html").read_text(encoding="utf-8")
    assert f'Last Updated: <time datetime="{days[-1]}">' in index
    assert index.count("Last Updated:") == 1
    assert PageCheck(index).problems == []

    data = json.loads((site / "versions.json").read_text(encoding="utf-8"))
    assert [v["date"] for v in data["versions"]] == days[::-1]
    assert data["current"] == days[-1]

    archive = PageCheck((site / "archive/index.html").read_text(encoding="utf-8"))
    assert archive.problems == []
    for day in days:
        assert f"{day}/" in archive.links, f"the archive index does not link {day}"

    for number, day in enumerate(days):
        page_path = site / "archive" / day / "index.html"
        assert page_path.is_file(), f"no archive page for {day}"
        text = page_path.read_text(encoding="utf-8")
        page = PageCheck(text)
        assert page.problems == [], f"archive/{day}/index.html: {page.problems}"
        assert len(page.fragments) > 20, f"archive/{day}/ has no jump list to check"
        if number:
            assert 'id="_changes"' in text and REDLINE_MARK.search(text), \
                f"archive/{day}/ shows no redline"
        else:
            assert 'id="_changes"' not in text       # nothing came before the first version


def test_a_rebuild_with_nothing_changed_writes_the_same_bytes(imported, monkeypatch):
    repo, history, _, _ = imported
    site = repo.root / "site" / EDITION
    # The first build starts with an empty render cache, as a fresh `notice build` does; the
    # rerun finds every section cached, as `mkdocs serve` does: neither may change a byte.
    monkeypatch.setattr(pages, "_RENDERER", Renderer())

    def outputs() -> dict[str, bytes]:
        assert main(["--root", str(repo.root), "build", "--edition", EDITION]) == 0
        paths = [site / "versions.json", site / "feed.xml", *sorted(site.glob("archive/**/index.html"))]
        return {str(p.relative_to(site)): p.read_bytes() for p in paths}

    first = outputs()
    assert len(first) == 2 + 1 + len(expected_days(history))
    second = outputs()
    assert second.keys() == first.keys()
    assert [path for path in first if first[path] != second[path]] == []
