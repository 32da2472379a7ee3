"""Slugs: the one way headings become ids and anchors.

Section ids written by `notice import` and the anchors the page prints both
come from here, so a link written against the old page (`#how-to-contact-us`)
still resolves after an import.
"""

import re
import unicodedata

_NOT_WORD = re.compile(r"[^\w\s-]")
_SEPARATORS = re.compile(r"[-\s]+")


def slugify(text: str) -> str:
    """Lower-case ASCII words joined by hyphens: 'How to Contact Us' -> 'how-to-contact-us'.

    Accents are folded ('Données' -> 'donnees') so ids are safe file names and
    plain ASCII anchors in every edition.
    """
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    text = _NOT_WORD.sub("", text.replace("_", "-")).strip().lower()
    return _SEPARATORS.sub("-", text).strip("-")


ID_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


def is_valid_id(candidate: str) -> bool:
    """A section id is a slug: what `slugify` could have produced."""
    return bool(ID_PATTERN.match(candidate))


ANCHOR_PATTERN = re.compile(r"^[^\W_][\w-]*$")


def is_valid_anchor(candidate: str) -> bool:
    """An anchor another page may already link to (`data--security`, `données`): no spaces,
    no punctuation but - and _, not starting with _ (the page keeps those for itself)."""
    return bool(ANCHOR_PATTERN.match(candidate))


def github_slug(text: str) -> str:
    """The anchor GitHub (and GitLab, markdown-it-anchor) gives a heading: lower case,
    punctuation dropped, every space a hyphen, so 'Data & security' -> 'data--security'.
    Kept as an alias by `notice import`, so deep links into the old page still land."""
    kept = "".join(c for c in text.strip().lower()
                   if c in " -_" or unicodedata.category(c)[0] in "LNM")
    return kept.replace(" ", "-")
