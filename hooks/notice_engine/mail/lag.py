"""Translations that lag an emailed change: whose readers must wait, or be sent the source.

A material change to `retention.md` does not change the French editions until
`retention.fr.md` is updated, so by their own history their readers have
nothing new. They do: the change applies to them too. Such an edition's
recipients are held (reported per edition, with the sections to translate)
until the translation lands; `--send-untranslated` sends them the source
edition's message instead, saying so.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ..config import Edition, NoticeConfig
from ..history.dates import local_day
from ..history.versions import EditionHistory, Repository
from ..sources.notice import read_notice
from ..history.translations import Stale, stale_translations


@dataclass(frozen=True)
class Lag:
    """An edition whose translation lags emailed changes of its source edition."""

    edition: Edition
    source: Edition                       # same region, the language the notice is written in
    stale: tuple[Stale, ...]              # the translations to update
    changes: tuple[str, ...]              # the source's versions (days) they lack

    def describe(self, held: int) -> str:
        paths = ", ".join(f"{s.section_id} ({s.path})" for s in self.stale)
        return (f"{self.edition.id}: {held} recipient(s) held: the change(s) of "
                f"{', '.join(self.changes)} in {self.source.id} are not translated yet; "
                f"translate {paths} and commit, or run with --send-untranslated to send them "
                f"the {self.source.id} text")


def lags(repository: Repository, config: NoticeConfig, histories: dict[str, EditionHistory],
         history_of: Callable[[Edition], EditionHistory], kinds: frozenset[str]
         ) -> dict[str, Lag]:
    """The editions among `histories` whose readers miss an emailed change of the source."""
    if not repository.commits:
        return {}
    notice = read_notice(repository.commits[-1].snapshot, config)
    stale = stale_translations(notice, repository)
    found = {}
    for edition_id, history in histories.items():
        if history.latest is None:
            continue
        text = history.latest.text
        sections = {s.id for s in text.sections}
        mine = tuple(s for s in stale if s.locale == history.edition.locale
                     and s.section_id in sections)
        source = _source_edition(config, history.edition, text.source_language)
        if not mine or source is None:
            continue
        changes = _untranslated_changes(history_of(source), mine, kinds)
        if changes:
            lagging = tuple(s for s in mine if s.section_id in changes[1])
            found[edition_id] = Lag(history.edition, source, lagging, changes[0])
    return found


def _untranslated_changes(source: EditionHistory, stale: tuple[Stale, ...],
                          kinds: frozenset[str]) -> tuple[tuple[str, ...], set[str]] | None:
    """The source's emailed versions that changed a stale section after its translation last
    changed (their days), and those sections; None if there are none. Days are compared, so
    a change landing the same day as its translation counts as translated."""
    translated = {s.section_id: local_day(s.translated, source.edition.timezone) for s in stale}
    days, sections = [], set()
    previous: dict[str, str] = {}
    for version in source.versions:
        current = {s.id: s.fingerprint for s in version.text.sections}
        changed = {i for i in translated if current.get(i) != previous.get(i)
                   and version.landed and version.landed > translated[i]}
        if changed and version.change in kinds and not version.legacy:
            days.append(version.date.isoformat())
            sections |= changed
        previous = current
    return (tuple(days), sections) if days else None


def _source_edition(config: NoticeConfig, edition: Edition, language: str) -> Edition | None:
    """The edition of the same region in the notice's own language (else the default one)."""
    if edition.locale.split("_")[0] == language.split("_")[0]:
        return None
    same = [e for e in config.editions if e.region == edition.region
            and e.locale.split("_")[0] == language.split("_")[0]]
    return same[0] if same else config.edition(None)
