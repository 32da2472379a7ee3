"""`notice check`: everything that would stop or spoil a publication, found in one pass.

A CI job runs it before publishing. Unlike the build, which stops at the first
problem it cannot publish around, check keeps going and lists every finding
with its file, line and fix.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass

from . import git_utils, history, trailers, translations
from .config import NoticeConfig
from .edition import included, render_edition
from .errors import NoticeError
from .pages import today
from .render import Renderer
from .sources import NOTICE_DIR, WorkTree, read_notice


@dataclass(frozen=True)
class Finding:
    severity: str            # "error" (the build fails or a date is wrong) or "warning"
    kind: str                # what sort of problem, for machines: smart-link, stale-translation, …
    message: str
    file: str | None = None
    line: int | None = None
    fix: str | None = None

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}: " if self.file and self.line else \
            (f"{self.file}: " if self.file else "")
        text = f"{self.severity}: {where}{self.message}"
        return text + (f"\n  Fix: {self.fix}" if self.fix else "")


def run_checks(config: NoticeConfig) -> list[Finding]:
    findings: list[Finding] = []
    root = config.root
    renderer = Renderer()
    try:
        notice = read_notice(WorkTree(root), config)
    except NoticeError as exc:
        notice = None                                  # links and translations can't be judged
        findings += _from_error(exc, "source")
    if notice:
        for edition in config.editions:
            try:
                text = render_edition(notice, edition, renderer)
            except NoticeError as exc:
                findings += _from_error(exc, "link")
            else:
                findings += [Finding("warning", "kept-as-published", n.message, n.file, n.line,
                                     n.fix) for n in text.notes]
        findings += _missing_translations(notice, config)

    problems: list[NoticeError] = []
    repository = history.read_repository(root, allow_shallow=True, problems=problems)
    if not repository.commits:
        findings.append(Finding("warning", "history", "no git history: nothing is published yet",
                                file=str(root), fix="commit the notice (git add notice && git commit)"))
        return _unique(findings)
    for problem in problems:
        findings += _from_error(problem, "trailer")
    findings += _summaries_nobody_reads(repository, config)
    if repository.shallow:
        findings.append(Finding("error", "shallow-clone", "this is a shallow clone: version dates "
                                "would be wrong", file=str(root),
                                fix="git fetch --unshallow (in CI: fetch-depth: 0)"))
    if repository.branch is None:
        findings.append(Finding("warning", "detached-head", "HEAD is detached: dates come from "
                                "HEAD's first-parent history", file=str(root),
                                fix="check out the published branch"))
    for edition in config.editions:
        try:
            past = history.edition_history(repository, config, edition, renderer, today(edition))
        except NoticeError as exc:
            findings += _from_error(exc, "dates")
            continue
        findings += [Finding("warning", "history", w) for w in past.warnings]
    for stale in translations.stale_translations(notice, repository) if notice else []:
        findings.append(Finding(
            "warning", "stale-translation",
            f"translation may lag its source ({stale.section_id}), changed {stale.source_changed.date()} "
            f"after the translation's last change {stale.translated.date()}", file=stale.path,
            fix=f"update {stale.path} to match notice/{stale.section_id}.md, then commit both"))
    for path in git_utils.changed_paths(root, NOTICE_DIR, "archive"):
        findings.append(Finding("warning", "uncommitted", "uncommitted change: not published",
                                file=path, fix="commit it (or discard it) before publishing"))
    return _unique(findings)


def _missing_translations(notice, config: NoticeConfig) -> list[Finding]:
    found = []
    for locale in sorted({e.locale for e in config.editions} - {config.language}):
        wanted = {s.id for e in config.editions if e.locale == locale for s in included(notice, e)}
        for section_id in sorted(wanted):
            if (section_id, locale) not in notice.translations:
                found.append(Finding(
                    "warning", "missing-translation",
                    f"no {locale} translation: the {locale} editions show this section in "
                    f"{config.language}", file=notice.sections[section_id].path,
                    fix=f"add {NOTICE_DIR}/{section_id}.{locale}.md"))
    return found


def _summaries_nobody_reads(repository: history.Repository, config: NoticeConfig
                            ) -> list[Finding]:
    """A Notice-Summary-<language> in a language no edition is in is likely a typo
    (`gr` for Greek, which is `el`): its readers would get the default summary."""
    languages = {key for e in config.editions for key in trailers.summary_languages(e.locale)}
    found = []
    for commit in repository.commits:
        for locale, _ in commit.trailers.translated:
            if locale not in languages:
                found.append(Finding(
                    "warning", "trailer", f"Notice-Summary-{locale}: no edition is in "
                    f"{locale!r}, so no reader sees this summary", file=f"commit {commit.sha[:12]}",
                    fix="name the language as the editions' locale does: "
                        + ", ".join(sorted({e.locale for e in config.editions}))))
    return found


def _from_error(error: NoticeError, kind: str) -> list[Finding]:
    return [Finding("error", kind, e.message, e.file, e.line, e.fix)
            for e in getattr(error, "errors", [error])]


def _unique(findings: list[Finding]) -> list[Finding]:
    """The same broken link shows in every edition that has it: report it once."""
    return list(dict.fromkeys(findings))


def as_json(findings: list[Finding]) -> str:
    return json.dumps({"findings": [asdict(f) for f in findings],
                       "errors": sum(f.severity == "error" for f in findings),
                       "warnings": sum(f.severity == "warning" for f in findings)}, indent=2)
