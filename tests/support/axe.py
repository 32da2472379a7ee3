"""axe-core in a real Chromium page: inject it, run it, keep the violations that block."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import Page


BLOCKING = {"serious", "critical"}


# Moderate in axe's terms, but a screen-reader user moves through a notice by its headings:
# a skipped level misplaces the redline's sections in that outline.
ALWAYS_BLOCKING = {"heading-order"}


# Violations that come from mkdocs-material's own markup, which this project's theme
# overrides cannot change: (rule id, CSS selector axe reports). Each needs a reason.
KNOWN_THEME_VIOLATIONS: set[tuple[str, str]] = set()


def axe_path() -> str:
    """The axe.min.js that `./dev test` installs; fail, never skip, when it is missing."""
    path = os.environ.get("NOTICE_AXE")
    if not path:
        pytest.fail("NOTICE_AXE is not set: run the tests with ./dev test, which installs "
                    "axe-core from tests/js/package-lock.json (npm ci) and sets it", pytrace=False)
    if not Path(path).is_file():
        pytest.fail(f"NOTICE_AXE={path} is not a file: run ./dev test to (re)install axe-core "
                    "into tests/js/node_modules", pytrace=False)
    return path


RUN_AXE_JS = """async () => {
    const results = await axe.run(document, {resultTypes: ['violations']});
    return results.violations.map(v => ({
        id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
        nodes: v.nodes.map(n => ({impact: n.impact, target: n.target.map(String).join(' '),
                                  summary: n.failureSummary || ''})),
    }));
}"""


def inject_axe(page: Page) -> None:
    page.add_script_tag(path=axe_path())
    assert page.evaluate("typeof axe === 'object' && typeof axe.run === 'function'"), \
        "axe-core was injected"


def run_axe(page: Page) -> list[dict]:
    return page.evaluate(RUN_AXE_JS)


def blocking(violations: list[dict]) -> list[dict]:
    """The serious and critical violations and those always blocking, less the documented
    theme ones."""
    found = []
    for violation in violations:
        nodes = [node for node in violation["nodes"]
                 if ((node["impact"] or violation["impact"]) in BLOCKING
                     or violation["id"] in ALWAYS_BLOCKING)
                 and (violation["id"], node["target"]) not in KNOWN_THEME_VIOLATIONS]
        if nodes:
            found.append({**violation, "nodes": nodes})
    return found


def describe(violations: list[dict], url: str) -> str:
    lines = [f"{url}: {len(violations)} blocking axe-core violation(s):"]
    for v in violations:
        lines.append(f"- {v['id']} ({v['impact']}): {v['help']} [{len(v['nodes'])} element(s)]"
                     f" {v['helpUrl']}")
        for node in v["nodes"][:5]:
            lines.append(f"    {node['target']}")
            summary = node["summary"].strip().splitlines()
            if summary:
                lines.append(f"      {' / '.join(s.strip() for s in summary[:3])}")
    return "\n".join(lines)
