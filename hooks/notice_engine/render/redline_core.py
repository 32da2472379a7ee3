"""The redline's comparison and its HTML: the part of `redline` that also runs in the browser.

The compare page (publish/compare.py) compares any two versions in the reader's
browser with this very file, run by Brython: `notice diff`, the archive page, the
email and the compare page therefore show one algorithm's result, drawn from one
template (templates/redline.html). So this module imports only what Brython's standard library runs the same
way (difflib, re, collections): no Jinja, no HTML parser, no catalogs. Its
input is each section's blocks of visible text, already cut (`redline.blocks_of` at
build time; `compare/t/<key>.json` for the page).

A comparison works on the *visible text* of each block of a section (a
paragraph, list item, heading, table cell...), not on Markdown or HTML: a
reader cares that a sentence changed, not that a link moved or a line was
reflowed. Blocks are aligned first, then a changed pair of blocks is diffed by
word, so a one-word change in a long legal paragraph shows as one small
deletion and insertion rather than a rewritten paragraph.

The result is exact: joining a block's equal and deleted text gives the old
block, joining its equal and inserted text gives the new one (see
`BlockChange.old` / `.new`), so a redline can never misquote either version.
"""

from __future__ import annotations

import difflib
import re
from collections import namedtuple
from collections.abc import Callable, Mapping, Sequence

EQUAL, INSERT, DELETE = "equal", "insert", "delete"
ADDED, REMOVED, CHANGED, UNCHANGED = "added", "removed", "changed", "unchanged"


# Two blocks in a rewritten stretch are treated as "the same paragraph, edited"
# when at least this share of their words line up (SequenceMatcher ratio).
PAIR_THRESHOLD = 0.5
# Past this share of changed words a word-level diff is confetti: show the
# block as a whole deletion followed by a whole insertion instead.
REWRITE_THRESHOLD = 0.6
# An old block is compared with the new blocks at about the same place in a
# rewritten stretch (this many either side, plus the difference in length), so
# a long rewritten section costs comparisons in proportion to its length.
PAIR_WINDOW = 10
# Beyond this many (old x new) blocks in one rewritten stretch, no pairing: the
# stretch is shown as whole blocks.
MAX_PAIRINGS = 40_000


_WORD = re.compile(r"\S+\s*")




# --------------------------------------------------------------------------- data

# The types are named tuples, not dataclasses: under Brython, importing dataclasses (with
# ast and annotationlib) costs the compare page about 2 s before its first comparison, and
# namedtuple comes with collections, which difflib loads anyway. Frozen values all the same.

class Op(namedtuple("Op", "kind text")):
    """One run of words that is kept, inserted or deleted: `kind` "equal" | "insert" |
    "delete", `text` the words with the spaces after them."""

    __slots__ = ()


class BlockChange(namedtuple("BlockChange", "ops")):
    """One block (paragraph, list item, heading, table cell...) as a run of ops (a tuple)."""

    __slots__ = ()

    @property
    def old(self) -> str:
        """The block as it was ("" for an inserted block)."""
        return "".join(op.text for op in self.ops if op.kind != INSERT)

    @property
    def new(self) -> str:
        """The block as it is now ("" for a deleted block)."""
        return "".join(op.text for op in self.ops if op.kind != DELETE)

    @property
    def changed(self) -> bool:
        return any(op.kind != EQUAL for op in self.ops)


class SectionChange(namedtuple("SectionChange", "id title status blocks")):
    """One section of the notice: how it changed, block by block. `title` is the new
    title (the old one if the section was removed); `status` "added" | "removed" |
    "changed" | "unchanged"; `blocks` a tuple of BlockChange.

    For an unchanged section the blocks are all-equal, so the text can still be
    shown (collapsed). Blocks with an empty `.old` are insertions and blocks
    with an empty `.new` deletions: `[b.old for b in blocks if b.old]` is the
    old section's `blocks_of`, and likewise for `.new`.
    """

    __slots__ = ()


class Redline(namedtuple("Redline", "sections")):
    """Every section of the newer notice and every removed one, in reading order (a tuple
    of SectionChange)."""

    __slots__ = ()

    @property
    def changed(self) -> bool:
        return any(section.status != UNCHANGED for section in self.sections)

    def counts(self) -> dict:
        """Sizes for a summary line ("2 sections changed, 40 words added")."""
        counts = {ADDED: 0, REMOVED: 0, CHANGED: 0, "words_inserted": 0, "words_deleted": 0}
        for section in self.sections:
            if section.status != UNCHANGED:
                counts[section.status] += 1
            for block in section.blocks:
                for op in block.ops:
                    if op.kind == INSERT:
                        counts["words_inserted"] += len(op.text.split())
                    elif op.kind == DELETE:
                        counts["words_deleted"] += len(op.text.split())
        return counts


class SectionText(namedtuple("SectionText", "id title blocks")):
    """What a comparison reads of a section: its id, its title and its blocks of visible
    text (a tuple of `redline.blocks_of` of its HTML)."""

    __slots__ = ()


# --------------------------------------------------------------------------- comparing

def compare(old: Sequence[SectionText], new: Sequence[SectionText]) -> Redline:
    """Compare two versions of a notice, section by section (matched by id).

    Sections come in the new notice's order; a removed section is placed where
    it stood in the old one, right after the surviving section it followed.
    """
    old_by_id = _by_id(old, "old")
    new_by_id = _by_id(new, "new")
    changes = []
    for section_id, in_old, in_new in _reading_order(old, new, old_by_id, new_by_id):
        if in_old is None:
            blocks = tuple(_whole(INSERT, text) for text in in_new.blocks)
            changes.append(SectionChange(section_id, in_new.title, ADDED, blocks))
        elif in_new is None:
            blocks = tuple(_whole(DELETE, text) for text in in_old.blocks)
            changes.append(SectionChange(section_id, in_old.title, REMOVED, blocks))
        elif in_old.blocks == in_new.blocks:    # most sections of two versions: no matcher
            blocks = tuple(_whole(EQUAL, text) for text in in_new.blocks)
            changes.append(SectionChange(section_id, in_new.title, UNCHANGED, blocks))
        else:
            blocks = tuple(_diff_blocks(in_old.blocks, in_new.blocks))
            status = CHANGED if any(block.changed for block in blocks) else UNCHANGED
            changes.append(SectionChange(section_id, in_new.title, status, blocks))
    return Redline(tuple(changes))


def _by_id(sections: Sequence[SectionText], which: str) -> dict[str, SectionText]:
    """Index by id; two sections with one id cannot be matched, so refuse them."""
    indexed: dict[str, SectionText] = {}
    for section in sections:
        if section.id in indexed:
            raise ValueError(f"section id {section.id!r} appears twice in the {which} notice")
        indexed[section.id] = section
    return indexed


def _reading_order(old, new, old_by_id, new_by_id):
    """(id, old section or None, new section or None) in the order to show them."""
    removed_after: dict[str | None, list[str]] = {}    # surviving id (None: the start) -> removed ids
    anchor = None
    for section in old:
        if section.id in new_by_id:
            anchor = section.id
        else:
            removed_after.setdefault(anchor, []).append(section.id)

    def removed(after):
        return [(sid, old_by_id[sid], None) for sid in removed_after.get(after, [])]

    order = removed(None)
    for section in new:
        order.append((section.id, old_by_id.get(section.id), section))
        if section.id in old_by_id:
            order += removed(section.id)
    return order


def _diff_blocks(old: Sequence[str], new: Sequence[str]) -> list[BlockChange]:
    """Align two lists of block texts, then diff each edited block by word."""
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    changes: list[BlockChange] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == EQUAL:
            changes += [_whole(EQUAL, text) for text in old[i1:i2]]
        else:
            changes += _diff_stretch(old[i1:i2], new[j1:j2])
    return changes


def _diff_stretch(old: Sequence[str], new: Sequence[str]) -> list[BlockChange]:
    """A stretch where blocks differ: edited pairs word by word, the rest whole.

    Unpaired old blocks come before unpaired new ones between two pairs, as a
    deletion reads before the insertion that replaced it.
    """
    changes: list[BlockChange] = []
    i = j = 0
    for pi, pj in _pair_blocks(old, new) + [(len(old), len(new))]:
        changes += [_whole(DELETE, text) for text in old[i:pi]]
        changes += [_whole(INSERT, text) for text in new[j:pj]]
        if pi < len(old):
            changes += _diff_words(old[pi], new[pj])
        i, j = pi + 1, pj + 1
    return changes


def _pair_blocks(old: Sequence[str], new: Sequence[str]) -> list[tuple[int, int]]:
    """Which old block became which new one: (old index, new index), in order.

    Picks the order-preserving pairing with the highest total similarity among
    pairs at least PAIR_THRESHOLD alike, each old block weighed against the new
    blocks near its place (PAIR_WINDOW): a small dynamic programme, as a
    stretch is a few paragraphs of one section.
    """
    if not old or not new or len(old) * len(new) > MAX_PAIRINGS:
        return []
    similarity = _similar_pairs(old, new)
    n, m = len(old), len(new)
    best = [[0.0] * (m + 1) for _ in range(n + 1)]    # best[i][j]: best total for old[i:], new[j:]
    for i in range(n - 1, -1, -1):
        for j in range(m - 1, -1, -1):
            best[i][j] = max(best[i + 1][j], best[i][j + 1],
                             similarity.get((i, j), -1.0) + best[i + 1][j + 1])
    pairs, i, j = [], 0, 0
    while i < n and j < m:
        if (i, j) in similarity and best[i][j] == similarity[i, j] + best[i + 1][j + 1]:
            pairs.append((i, j))
            i, j = i + 1, j + 1
        elif best[i][j] == best[i + 1][j]:
            i += 1
        else:
            j += 1
    return pairs


def _similar_pairs(old: Sequence[str], new: Sequence[str]) -> dict[tuple[int, int], float]:
    """Word-level similarity of nearby (old, new) blocks that are alike enough to pair."""
    old_words = [text.split() for text in old]
    new_words = [text.split() for text in new]
    # Old block i is compared with new blocks i - reach_back .. i + reach_ahead.
    reach_back = PAIR_WINDOW + max(0, len(old) - len(new))
    reach_ahead = PAIR_WINDOW + max(0, len(new) - len(old))
    similarity: dict[tuple[int, int], float] = {}
    matcher = difflib.SequenceMatcher(None, autojunk=False)
    for j, words in enumerate(new_words):
        matcher.set_seq2(words)           # seq2 is the side SequenceMatcher indexes: reuse it
        for i in range(max(0, j - reach_ahead), min(len(old), j + reach_back + 1)):
            matcher.set_seq1(old_words[i])
            if (matcher.real_quick_ratio() >= PAIR_THRESHOLD     # cheap upper bounds first
                    and matcher.quick_ratio() >= PAIR_THRESHOLD):
                ratio = matcher.ratio()
                if ratio >= PAIR_THRESHOLD:
                    similarity[i, j] = ratio
    return similarity


def _diff_words(old: str, new: str) -> list[BlockChange]:
    """One edited block as word-level ops, or a whole delete + insert if mostly rewritten.

    Words are compared without their spacing; each op then carries the words
    *with* the spacing after them, so joining the ops restores each side exactly.
    """
    old_tokens, new_tokens = _WORD.findall(old), _WORD.findall(new)
    old_words = [token.rstrip() for token in old_tokens]
    new_words = [token.rstrip() for token in new_tokens]
    matcher = difflib.SequenceMatcher(None, old_words, new_words, autojunk=False)
    opcodes = _drop_small_equalities(matcher.get_opcodes())
    kept = sum(i2 - i1 for tag, i1, i2, _, _ in opcodes if tag == EQUAL)
    if 1 - 2 * kept / (len(old_words) + len(new_words)) > REWRITE_THRESHOLD:
        return [_whole(DELETE, old), _whole(INSERT, new)]

    ops: list[Op] = []
    for tag, i1, i2, j1, j2 in opcodes:
        old_text, new_text = "".join(old_tokens[i1:i2]), "".join(new_tokens[j1:j2])
        if tag == EQUAL:
            # The same words; only the space after the last one can differ (one
            # side ends the block there). Keep the common part, change the space.
            common = old_text if len(old_text) <= len(new_text) else new_text
            ops += [Op(EQUAL, common), Op(DELETE, old_text[len(common):]),
                    Op(INSERT, new_text[len(common):])]
        else:
            ops += [Op(DELETE, old_text), Op(INSERT, new_text)]
    return [BlockChange(_space_after_change(_merged(ops)))]


def _drop_small_equalities(opcodes):
    """Fold a short kept run between two changes into the change around it.

    "We [-share-]{+sell+} your [-data-]{+information+}" is confetti; once
    "your" is folded in, it reads "We [-share your data-]{+sell your
    information+}". A kept run goes when it is no longer than the larger side
    of the change on each side of it (the rule of diff-match-patch's semantic
    cleanup, counted in words).
    """
    runs = [list(code) for code in opcodes]
    changed = True
    while changed:
        changed = False
        for k in range(1, len(runs) - 1):
            before, kept, after = runs[k - 1], runs[k], runs[k + 1]
            if kept[0] != EQUAL or before[0] == EQUAL or after[0] == EQUAL:
                continue
            size = kept[2] - kept[1]
            if size <= _change_size(before) and size <= _change_size(after):
                runs[k - 1:k + 2] = [["replace", before[1], after[2], before[3], after[4]]]
                changed = True
                break
    return [tuple(run) for run in runs]


def _change_size(run) -> int:
    _, i1, i2, j1, j2 = run
    return max(i2 - i1, j2 - j1)


def _merged(ops: list[Op]) -> tuple[Op, ...]:
    """Drop empty ops and join neighbours of one kind, so each run is one <ins>/<del>."""
    merged: list[Op] = []
    for op in ops:
        if not op.text:
            continue
        if merged and merged[-1].kind == op.kind:
            merged[-1] = Op(op.kind, merged[-1].text + op.text)
        else:
            merged.append(op)
    return tuple(merged)


def _space_after_change(ops: tuple[Op, ...]) -> tuple[Op, ...]:
    """Move the space that ends both halves of a replacement into the text after it.

    Shows "with [-share-]{+sell+} your" rather than "with [-share -]{+sell +}your":
    the space was kept, not changed. Both halves must end with it, or one side's
    text would change.
    """
    tidied = list(ops)
    for k in range(len(tidied) - 2):
        deleted, inserted, kept = tidied[k:k + 3]
        if (deleted.kind, inserted.kind, kept.kind) != (DELETE, INSERT, EQUAL):
            continue
        space = re.search(r"\s+$", deleted.text)
        if space and inserted.text.endswith(space.group()) and len(space.group()) < min(
                len(deleted.text), len(inserted.text)):
            cut = len(space.group())
            tidied[k:k + 3] = [Op(DELETE, deleted.text[:-cut]), Op(INSERT, inserted.text[:-cut]),
                               Op(EQUAL, space.group() + kept.text)]
    return tuple(tidied)


def _whole(kind: str, text: str) -> BlockChange:
    return BlockChange((Op(kind, text),))



# --------------------------------------------------------------------------- HTML

def to_html(redline: Redline, labels: Mapping[str, str], pieces: Mapping[str, str], *,
            include_unchanged: bool = True, id_prefix: str = "_changes-",
            heading_level: int = 3, styles: Mapping[str, str] | None = None,
            block: str = "section") -> str:
    """The redline as an HTML fragment for the archive page, the compare page or an email,
    drawn from `pieces` (templates/redline.html, read by `read_pieces`) in `labels` (every
    word of `redline.DEFAULT_LABELS`, in the reader's language).

    No element takes a section's own id: the same page shows the full text with the real
    anchors. Each section gets `id_prefix + id` (left out when the prefix is empty) and a
    heading of `heading_level`, one below the heading the redline sits under. `styles`
    (CSS per kind of element) and `block` (the element of a section) are how an email
    draws it (mail/redline_email.py).
    """
    words = {key: escape(text) for key, text in labels.items()}
    css = _css(tuple((styles or {}).items()), pieces)
    head = pieces["legend" if redline.changed else "no_changes"].format(css=css, labels=words)
    items = []
    for item in sections_with_gaps(redline):
        if not isinstance(item, int):
            items.append(_section_html(item, words, pieces, css, id_prefix, heading_level, block))
        elif include_unchanged:
            items.append(pieces["unchanged_sections"].format(
                css=css, label=sections_label(item, words)))
    return pieces["redline"].format(css=css, head=head, items=_lines(items))


_PIECE = re.compile(r"^\{#= (\w+) #\}\n", re.MULTILINE)


def read_pieces(template: str) -> dict[str, str]:
    """templates/redline.html as name -> piece: from the line after `{#= name #}` to the
    line before the next one (the comment above the first is the file's own)."""
    parts = _PIECE.split(template)[1:]
    return {name: text[:-1] if text.endswith("\n") else text
            for name, text in zip(parts[::2], parts[1::2])}


def escape(text: str) -> str:
    """`html.escape(text, quote=True)`, which the redline has always written (so a page
    rendered again is the same bytes), without `html` and its table of entities, which
    Brython would have to load and compile before the page's first comparison."""
    return (str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&quot;").replace("'", "&#x27;"))


def _lines(items: Sequence[str]) -> str:
    """A piece's `{items}`: each on a line of its own, after the line before them."""
    return "".join("\n" + item for item in items)


def _section_html(section: SectionChange, words: Mapping[str, str],
                  pieces: Mapping[str, str], css: Mapping[str, str], id_prefix: str,
                  heading_level: int, block: str) -> str:
    status_label = ""
    if section.status in _STATUS_LABELS:
        status_label = pieces["status_label"].format(
            css=css, label=words[_STATUS_LABELS[section.status]])
    items = []
    for item in with_gaps(under_heading(section)):
        if isinstance(item, int):
            items.append(pieces["unchanged_blocks"].format(
                css=css, label=gap_label(item, words)))
        else:
            items.append(pieces["block"].format(css=css, ops=_ops_html(item.ops, words, pieces,
                                                                       css)))
    anchor = pieces["anchor"].format(id=escape(id_prefix + section.id)) if id_prefix else ""
    return pieces["section"].format(
        css=css, block=block, status=section.status, anchor=anchor,
        style=css.get("section_" + section.status, ""), level=heading_level,
        title=escape(section.title), status_label=status_label, items=_lines(items))


def _ops_html(ops: Sequence[Op], words: Mapping[str, str], pieces: Mapping[str, str],
              css: Mapping[str, str]) -> str:
    """A block's runs of words: kept ones as text, the others as an insertion or deletion."""
    out = []
    for previous, op in zip((None, *ops), ops):
        if _needs_gap(previous, op):
            out.append(" ")
        if op.kind == EQUAL:
            out.append(escape(op.text))
        else:
            out.append(pieces[op.kind].format(css=css, labels=words, text=escape(op.text)))
    return "".join(out)


_CSS_FIELD = re.compile(r"\{css\[(\w+)\]\}")


def _css(styles: tuple[tuple[str, str], ...], pieces: Mapping[str, str]) -> dict[str, str]:
    """Each kind of element's `style` attribute: the `style` piece with `styles`' entry for
    it, or "" (every kind the pieces name, so none is missing). Kept per form: a build
    draws thousands of redlines in a handful of forms (a dict, not functools.lru_cache,
    which Brython would have to load for the page)."""
    key = (styles, pieces["style"])
    kept = _CSS.get(key)
    if kept is None:
        given = dict(styles)
        kinds = set(_CSS_FIELD.findall("".join(pieces.values()))) | set(given)
        kept = _CSS[key] = {kind: pieces["style"].format(css=escape(given[kind]))
                            if given.get(kind) else "" for kind in kinds}
    return kept


_CSS: dict[tuple, dict[str, str]] = {}


_STATUS_LABELS = {ADDED: "added_section", REMOVED: "removed_section"}


def sections_with_gaps(redline: Redline) -> list[SectionChange | int]:
    """Changed sections as they are; each run of unchanged ones as its length, so a
    one-section change does not read as a list of two dozen untouched sections."""
    return _gaps(redline.sections, lambda section: section.status != UNCHANGED)


def _gaps(items: Sequence, changed: Callable[[object], bool]) -> list:
    """The items that changed as they are; each run of unchanged ones as its length."""
    shown: list = []
    for item in items:
        if changed(item):
            shown.append(item)
        elif shown and isinstance(shown[-1], int):
            shown[-1] += 1
        else:
            shown.append(1)
    return shown


def sections_label(n: int, labels: Mapping[str, str]) -> str:
    """"12 sections unchanged", in the reader's language."""
    if n == 1 and labels.get("unchanged_section"):
        return labels["unchanged_section"].format(n=n)
    return labels["unchanged_sections"].format(n=n)


def _needs_gap(previous: Op | None, op: Op) -> bool:
    """A deletion followed directly by an insertion, with no space between them."""
    return (previous is not None and previous.kind == DELETE and op.kind == INSERT
            and not previous.text[-1:].isspace() and not op.text[:1].isspace())


def gap_label(n: int, labels: Mapping[str, str]) -> str:
    """What stands for a run of n unchanged blocks, in the reader's language."""
    if n == 1 and labels.get("unchanged_block"):
        return labels["unchanged_block"].format(n=n)
    return labels["unchanged_blocks"].format(n=n)


def under_heading(section: SectionChange) -> Sequence[BlockChange]:
    """The blocks to show under the section's title, less the title's own block.

    A section's HTML starts with its heading; when that block is just the title
    (kept, or added/removed with the whole section), showing it again under the
    title would read as a paragraph, and count as one ("1 unchanged paragraph").
    A retitled section keeps the block: it shows the change.
    """
    kind = {ADDED: INSERT, REMOVED: DELETE}.get(section.status, EQUAL)
    if section.blocks and section.blocks[0].ops == (Op(kind, section.title),):
        return section.blocks[1:]
    return section.blocks


def with_gaps(blocks: Sequence[BlockChange]) -> list[BlockChange | int]:
    """Changed blocks as they are; each run of unchanged blocks as its length."""
    return _gaps(blocks, lambda block: block.changed)
