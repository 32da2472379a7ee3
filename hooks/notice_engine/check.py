"""`notice check`: everything that would stop or spoil a publication, found in one pass.

A CI job runs it before publishing. Unlike the build, which stops at the first
problem it cannot publish around, check keeps going and lists every finding
with its file, line and fix.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from .core import git as git_utils
from .history import walk as history, trailers, translations
from .config import NoticeConfig
from .render.edition import included, render_edition
from .errors import NoticeError
from .history.dates import today
from .render.sections import Renderer
from .sources.notice import NOTICE_DIR, WorkTree, read_notice


# Every finding `notice check` can report, one per row: code, severity, kind, what it means.
# Codes are stable: CI scripts and notice/corrections.yml (`acknowledge:`) name them.
CODES: dict[str, tuple[str, str, str]] = {
    code: (severity, kind, meaning)
    for code, severity, kind, meaning in (
        line.split(maxsplit=3) for line in """
N100  error    source               the notice cannot be read: front matter, manifest, ids, encoding
N101  error    link                 a smart link or #anchor that lands nowhere, or a duplicate id
N102  error    variable             an unknown {{ variable }}
N103  warning  missing-translation  a section with no translation for an edition
N104  warning  stale-translation    a translation whose source changed after it
N105  warning  kept-as-published    a broken link or foreign template tag, kept as it was published
N106  warning  archive              a file in archive/ that is not a version, or a legacy note
N201  error    trailer              a trailer with a malformed value (kind, date, language)
N202  error    trailer              an unknown trailer key that looks like one of ours
N203  error    trailer              a trailer git does not read (not in the last paragraph)
N204  error    dates                an Effective-Date before the day its commit landed
N205  error    dates                version dates that would go backwards
N206  error    dates                a commit that changed the notice, dated in the future
N207  warning  history              a commit outside the notice, dated in the future
N208  warning  history              a commit at which the notice did not build
N209  warning  trailer              a Notice-Summary-<language> that no edition reads
N210  warning  trailer              Notice-Change: reviewed on a commit that changes the text
N211  error    corrections          a problem in notice/corrections.yml
N212  warning  notice-period        a commit withdrew the upcoming version
N213  warning  notice-period        a commit amended or moved the upcoming version
N214  error    notice-period        an urgent change at odds with an upcoming or withdrawn version
N301  error    shallow-clone        a shallow clone: dates would be wrong
N302  warning  detached-head        HEAD is detached
N303  warning  uncommitted          an uncommitted change under notice/ or archive/
N304  warning  history              no git history: nothing is published yet
""".strip().splitlines())}


@dataclass(frozen=True)
class Finding:
    code: str                # one of CODES: it gives the severity and the kind
    message: str
    file: str | None = None
    line: int | None = None
    fix: str | None = None

    @property
    def severity(self) -> str:
        """"error" (the build fails or a date is wrong) or "warning"."""
        return CODES[self.code][0]

    @property
    def kind(self) -> str:
        return CODES[self.code][1]

    def as_dict(self) -> dict:
        return {"code": self.code, "severity": self.severity, "kind": self.kind,
                "message": self.message, "file": self.file, "line": self.line, "fix": self.fix}

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}: " if self.file and self.line else \
            (f"{self.file}: " if self.file else "")
        text = f"{self.severity} {self.code}: {where}{self.message}"
        return text + (f"\n  Fix: {self.fix}" if self.fix else "")


def run_checks(config: NoticeConfig, base: str | None = None) -> list[Finding]:
    """Every finding; with `base` (a pull request's target), only those about what the
    branch adds since its merge base."""
    findings = _all_findings(config)
    return _added_since(config, base, findings) if base else findings


def merge_base(root, base: str) -> str:
    """Where the branch left `base`: the commit a pull request is compared with."""
    try:
        return git_utils.git(root, "merge-base", base, "HEAD").decode().strip()
    except git_utils.GitError as exc:
        raise NoticeError(f"no merge base with {base!r}: {exc}", file=str(root),
                          fix="fetch the base branch with its history (in CI: fetch-depth: 0), "
                              "e.g. --base origin/main") from None


def _added_since(config: NoticeConfig, base: str, findings: list[Finding]) -> list[Finding]:
    """A pull request answers for its own commits, the files it changes and the notice it
    leaves: findings about older commits, untouched translations or the CI's detached
    checkout are not its business."""
    root = config.root
    start = merge_base(root, base)
    added = git_utils.git(root, "rev-list", "--first-parent", f"{start}..HEAD").decode().split()
    commits = {f"commit {sha[:12]}" for sha in added}
    changed = set(git_utils.git(root, "diff", "--name-only", "-z", start).decode().split("\0"))
    kept = []
    for finding in findings:
        if finding.code == "N302":
            continue
        about = next((text[:19] for text in (finding.file or "", finding.message)
                      if text.startswith("commit ")), None)
        if about is not None:
            if about not in commits:
                continue
        elif finding.kind in ("missing-translation", "stale-translation", "kept-as-published",
                              "archive") and finding.file not in changed:
            continue
        kept.append(finding)
    return kept


def _all_findings(config: NoticeConfig) -> list[Finding]:
    findings: list[Finding] = []
    root = config.root
    renderer = Renderer()
    try:
        notice = read_notice(WorkTree(root), config)
    except NoticeError as exc:
        notice = None                                  # links and translations can't be judged
        findings += _from_error(exc, "N100")
    if notice:
        for edition in config.editions:
            try:
                text = render_edition(notice, edition, renderer)
            except NoticeError as exc:
                findings += _from_error(exc, "N101")
            else:
                findings += _from_error_list(text.notes, "N105")
        findings += _missing_translations(notice, config)

    problems: list[NoticeError] = []
    repository = history.read_repository(root, allow_shallow=True, problems=problems)
    if not repository.commits:
        findings.append(Finding("N304", "no git history: nothing is published yet",
                                file=str(root), fix="commit the notice (git add notice && git commit)"))
        return _unique(findings)
    for problem in problems:
        findings += _from_error(problem, "N201")
    findings += _summaries_nobody_reads(repository, config)
    if repository.shallow:
        findings.append(Finding("N301", "this is a shallow clone: version dates "
                                "would be wrong", file=str(root),
                                fix="git fetch --unshallow (in CI: fetch-depth: 0)"))
    if repository.branch is None:
        findings.append(Finding("N302", "HEAD is detached: dates come from "
                                "HEAD's first-parent history", file=str(root),
                                fix="check out the published branch"))
    for edition in config.editions:
        try:
            past = history.edition_history(repository, config, edition, renderer, today(edition))
        except NoticeError as exc:
            findings += _from_error(exc, "N205")
            continue
        findings += [Finding(getattr(w, "code", None) or "N106", w) for w in past.warnings]
    for stale in translations.stale_translations(notice, repository) if notice else []:
        findings.append(Finding(
            "N104",
            f"translation may lag its source ({stale.section_id}), changed {stale.source_changed.date()} "
            f"after the translation's last change {stale.translated.date()}", file=stale.path,
            fix=f"update {stale.path} to match notice/{stale.section_id}.md, then commit both"))
    for path in git_utils.changed_paths(root, NOTICE_DIR, "archive"):
        findings.append(Finding("N303", "uncommitted change: not published",
                                file=path, fix="commit it (or discard it) before publishing"))
    return _unique(findings)


def _missing_translations(notice, config: NoticeConfig) -> list[Finding]:
    found = []
    for locale in sorted({e.locale for e in config.editions} - {config.language}):
        wanted = {s.id for e in config.editions if e.locale == locale for s in included(notice, e)}
        for section_id in sorted(wanted):
            if (section_id, locale) not in notice.translations:
                found.append(Finding(
                    "N103",
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
                    "N209", f"Notice-Summary-{locale}: no edition is in "
                    f"{locale!r}, so no reader sees this summary", file=f"commit {commit.sha[:12]}",
                    fix="name the language as the editions' locale does: "
                        + ", ".join(sorted({e.locale for e in config.editions}))))
    return found


def _from_error(error: NoticeError, code: str) -> list[Finding]:
    """Findings of an error (or of each of several), by their own code or else `code`."""
    return _from_error_list(getattr(error, "errors", [error]), code)


def _from_error_list(errors, code: str) -> list[Finding]:
    return [Finding(e.code or code, e.message, e.file, e.line, e.fix) for e in errors]


def _unique(findings: list[Finding]) -> list[Finding]:
    """The same broken link shows in every edition that has it: report it once."""
    return list(dict.fromkeys(findings))


def as_json(findings: list[Finding]) -> str:
    return json.dumps({"findings": [f.as_dict() for f in findings],
                       "errors": sum(f.severity == "error" for f in findings),
                       "warnings": sum(f.severity == "warning" for f in findings)}, indent=2)
