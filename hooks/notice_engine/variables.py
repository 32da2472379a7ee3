"""Variables: organisation facts from mkdocs.yml, written once, used in every section.

`{{ company.name }}` is replaced by `extra.notice.company.name`. Deliberately not
Jinja: legal text is data, and `{#id}` heading attributes must stay literal.
"""

from __future__ import annotations

import difflib
import re

from .errors import NoticeError

_VARIABLE = re.compile(r"\{\{\s*([A-Za-z_][\w.]*)\s*\}\}")


def flatten(variables: dict, prefix: str = "") -> dict[str, str]:
    """{'company': {'name': 'X'}} -> {'company.name': 'X'}."""
    flat = {}
    for key, value in variables.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(flatten(value, f"{name}."))
        elif not isinstance(value, list):
            flat[name] = "" if value is None else str(value)
    return flat


def expand(text: str, values: dict[str, str], path: str, first_line: int = 1) -> str:
    """Replace every `{{ name }}`; an unknown name fails with its line and the nearest names."""
    errors = []

    def substitute(match: re.Match) -> str:
        name = match.group(1)
        if name in values:
            return values[name]
        line = first_line + text.count("\n", 0, match.start())
        near = difflib.get_close_matches(name, values, n=3)
        errors.append(NoticeError(
            f"unknown variable {{{{ {name} }}}}", file=path, line=line,
            fix=(f"did you mean {' or '.join(near)}? " if near else "")
                + "variables are the keys under extra.notice in mkdocs.yml"))
        return match.group(0)

    result = _VARIABLE.sub(substitute, text)
    if errors:
        raise errors[0]
    return result
