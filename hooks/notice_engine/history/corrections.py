"""notice/corrections.yml: what an already-published commit should have said.

The published branch only grows: a mistake in a commit message (a misspelt trailer,
a malformed date, a wrong kind of change) or a commit that should never have been
published is fixed by a reviewed commit of this file, never by rewriting history.

    abc1234:                  # a commit on the published branch (>= 7 hex digits)
      change: material        # what its trailers should have said
      effective: 2027-01-15
      summary: We keep support logs for 13 months.
      summary-fr: Nous gardons les journaux 13 mois.
      published: false        # taken back: its version stays in the archive, withdrawn
      acknowledge: [N208]     # findings about it (by code) that were seen and accepted

Read once, where the history reads trailers (history.read_repository), so build,
check, versions, diff and notify all see the same corrected record.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from . import trailers
from .dates import parse_day
from ..errors import NoticeError, raise_all
from ..sources.markdown import YAML_FAILURES, decode, yaml_error

FILE = trailers.CORRECTIONS_FILE
_HASH = re.compile(r"[0-9a-f]{7,40}")
_CODE = re.compile(r"N\d{3}")
_SUMMARY = re.compile(r"summary-([a-z]{2,3}(?:[-_][a-zA-Z]{2,4})?)")
_NULL = {"", "~", "null", "none"}


@dataclass(frozen=True)
class Correction:
    """What one commit should have said; `fields` holds only what the file sets."""

    sha: str
    line: int
    fields: dict = field(default_factory=dict)  # change, effective, summary, summary:<locale>
    published: bool = True
    acknowledged: frozenset[str] = frozenset()

    def apply(self, found: trailers.Trailers, problems: list[trailers.Problem]
              ) -> tuple[trailers.Trailers, list[trailers.Problem]]:
        """The trailers as corrected, and the problems the correction leaves standing."""
        plain = {k: v for k, v in self.fields.items() if not k.startswith("summary:")}
        translated = dict(found.translated) | {k.split(":", 1)[1]: v for k, v in
                                               self.fields.items() if k.startswith("summary:")}
        corrected = dataclasses.replace(found, **plain, translated=tuple(translated.items()),
                                        change_given=found.change_given or "change" in plain)
        standing = [p for p in problems if p.field not in self.fields
                    and p.error.code not in self.acknowledged]
        return corrected, standing


@dataclass(frozen=True)
class Corrections:
    by_commit: dict[str, Correction]
    digest: str                           # of the file: caches of the history depend on it

    def get(self, sha: str) -> Correction | None:
        return self.by_commit.get(sha)


NONE = Corrections({}, "")


def digest(root: Path) -> str:
    """A digest of the file ("" when there is none): what a kept history depends on."""
    path = root / FILE
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else ""


def read(root: Path, shas: list[str]) -> Corrections:
    """The corrections of the work tree's notice/corrections.yml, each resolved to one of
    `shas` (the published branch's commits); every problem in the file, with its line."""
    path = root / FILE
    if not path.is_file():
        return NONE
    data = path.read_bytes()
    text = decode(FILE, data)
    try:
        node = yaml.compose(text)
    except YAML_FAILURES as exc:
        raise yaml_error(exc, FILE, 0) from None
    if node is None:
        return Corrections({}, hashlib.sha256(data).hexdigest())
    if not isinstance(node, yaml.MappingNode):
        raise _error("corrections.yml maps commits to corrections", node,
                     "write `abc1234:` then the corrected fields indented under it")
    errors: list[NoticeError] = []
    found: dict[str, Correction] = {}
    for key, value in node.value:
        try:
            correction = _correction(key, value, shas)
        except NoticeError as exc:
            errors += getattr(exc, "errors", [exc])
            continue
        if correction.sha in found:
            errors.append(_error(f"commit {correction.sha[:12]} is corrected twice (also at line "
                                 f"{found[correction.sha].line})", key, "merge the two entries"))
        found[correction.sha] = correction
    raise_all(errors)
    return Corrections(found, hashlib.sha256(data).hexdigest())


def taken_back_in(data: bytes, shas: list[str]) -> set[str]:
    """The commits an earlier state of the file (a blob from history) marks `published:
    false`: the day that state landed is the day their versions were withdrawn. Leniently
    read: the file as it stands now is the one checked, with its lines."""
    try:
        mapping = yaml.safe_load(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, *YAML_FAILURES):
        return set()
    if not isinstance(mapping, dict):
        return set()
    taken = set()
    for key, value in mapping.items():
        prefix = str(key).strip().lower()
        if isinstance(value, dict) and value.get("published") is False and _HASH.fullmatch(prefix):
            taken.update(sha for sha in shas if sha.startswith(prefix))
    return taken


def _correction(key: yaml.Node, value: yaml.Node, shas: list[str]) -> Correction:
    sha = _commit(key, shas)
    if not isinstance(value, yaml.MappingNode) or not value.value:
        raise _error(f"{key.value}: give the corrected fields under it", value,
                     "e.g. `  change: material` or `  effective: 2027-01-15`")
    fields, published, acknowledged, errors = {}, True, frozenset(), []
    for name_node, field_node in value.value:
        name = str(name_node.value)
        try:
            if name == "published":
                published = _boolean(field_node)
            elif name == "acknowledge":
                acknowledged = _codes(field_node)
            else:
                fields[_field(name_node)] = _value(name, field_node)
        except NoticeError as exc:
            errors.append(exc)
    raise_all(errors)
    return Correction(sha=sha, line=key.start_mark.line + 1, fields=fields, published=published,
                      acknowledged=acknowledged)


def _commit(key: yaml.Node, shas: list[str]) -> str:
    """The one commit of the published branch that `key` abbreviates."""
    text = str(key.value).strip().lower()
    if not isinstance(key, yaml.ScalarNode) or not _HASH.fullmatch(text):
        raise _error(f"{key.value!r} is not a commit hash", key,
                     "name the commit by its hash, at least 7 hex digits (git log --oneline)")
    matches = [sha for sha in shas if sha.startswith(text)]
    if len(matches) > 1:
        raise _error(f"{text} names {len(matches)} commits", key,
                     "write more of the hash: " + ", ".join(m[:12] for m in matches))
    if not matches:
        raise _error(f"no commit of the published branch's history starts with {text}", key,
                     "name a commit that `git log --first-parent` lists")
    return matches[0]


def _field(name_node: yaml.Node) -> str:
    name = str(name_node.value)
    localised = _SUMMARY.fullmatch(name)
    if localised:
        return "summary:" + localised.group(1).lower().replace("-", "_")
    if name in ("change", "effective", "summary"):
        return name
    raise _error(f"unknown key {name!r}", name_node,
                 "use change, effective, summary, summary-<language>, published or acknowledge")


def _value(name: str, node: yaml.Node):
    text = str(node.value).strip() if isinstance(node, yaml.ScalarNode) else None
    if text is None:
        raise _error(f"{name}: give one value", node, "write it on the same line")
    if name == "change":
        if text.lower() not in trailers.KINDS:
            raise _error(f"change: {text!r} is not a kind of change", node,
                         f"use one of: {', '.join(trailers.KINDS)}")
        return text.lower()
    if name == "effective":
        if text.lower() in _NULL:
            return None                      # it should have had no Effective-Date
        day = parse_day(text)
        if day is None:
            raise _error(f"effective: {text!r} is not a date", node,
                         "write it as YYYY-MM-DD, e.g. effective: 2027-01-15")
        return day
    return text or None


def _boolean(node: yaml.Node) -> bool:
    text = str(node.value).strip().lower()
    if text not in ("true", "false"):
        raise _error(f"published: {node.value!r} is not true or false", node,
                     "write `published: false` for a commit that was never published")
    return text == "true"


def _codes(node: yaml.Node) -> frozenset[str]:
    items = node.value if isinstance(node, yaml.SequenceNode) else [node]
    codes = [str(item.value).strip().upper() for item in items]
    bad = [code for code in codes if not _CODE.fullmatch(code)]
    if bad:
        raise _error(f"acknowledge: {bad[0]!r} is not a finding's code", node,
                     "list the codes `notice check` printed, e.g. acknowledge: [N208]")
    return frozenset(codes)


def _error(message: str, node: yaml.Node, fix: str) -> NoticeError:
    return NoticeError(message, file=FILE, line=node.start_mark.line + 1, fix=fix, code="N211")
