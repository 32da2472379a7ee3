"""Variables: organisation facts from mkdocs.yml, written once, used in every section.

`{{ company.name }}` is replaced by `extra.notice.company.name`. Deliberately not
Jinja: legal text is data, and `{#id}` heading attributes must stay literal.
"""

from __future__ import annotations

import difflib
import re

from ..errors import NoticeError, raise_all

_VARIABLE = re.compile(r"\{\{\s*([A-Za-z_][\w.]*)\s*\}\}")
# Template syntax of other generators: Liquid/Jinja `{{ x | f }}` and `{% tag %}`, Hugo `{{< x >}}`.
_TEMPLATE = re.compile(r"\{\{[<%].*?[>%]\}\}|\{%.*?%\}|\{\{.*?\}\}", re.S)
# `extra.notice.imported_variables` maps another generator's expressions onto ours.
IMPORTED = "imported_variables"


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


def expand(text: str, values: dict[str, str], path: str, first_line: int = 1,
           notes: list[NoticeError] | None = None) -> str:
    """Replace every `{{ name }}`.

    A name close to one of ours (`{{ company.nmae }}`) fails with its line and the
    nearest names. Another generator's template syntax (`{{ site.email }}`,
    `{% include x %}`, `{{< lastmod >}}`) is kept as literal text, never
    evaluated, and noted in `notes`, unless `imported_variables` maps it to ours.
    """
    errors: list[NoticeError] = []

    def substitute(match: re.Match) -> str:
        expression = " ".join(match.group(0)[2:-2].split())
        ours = _VARIABLE.fullmatch(match.group(0))
        name = ours.group(1) if ours else None
        if name in values:
            return values[name]
        mapped = values.get(values.get(f"{IMPORTED}.{expression}", "\0"))
        if mapped is not None:
            return mapped
        line = first_line + text.count("\n", 0, match.start())
        near = difflib.get_close_matches(name, _ours(values), n=3, cutoff=0.8) if name else []
        if near:
            errors.append(NoticeError(
                f"unknown variable {{{{ {name} }}}}", file=path, line=line, code="N102",
                fix=f"did you mean {' or '.join(near)}? "
                    "variables are the keys under extra.notice in mkdocs.yml"))
        elif notes is not None:
            notes.append(NoticeError(
                f"kept as written: {match.group(0)[:80]!r} is another generator's template "
                "syntax, not one of this notice's variables", file=path, line=line,
                fix=f"leave it, edit the text, or map it in mkdocs.yml under extra.notice."
                    f"{IMPORTED}: {{\"{expression[:60]}\": contact.email}}"))
        return match.group(0)

    result = _TEMPLATE.sub(substitute, text)
    raise_all(errors)
    return result


def _ours(values: dict[str, str]) -> list[str]:
    return [name for name in values if not name.startswith(f"{IMPORTED}.")]
