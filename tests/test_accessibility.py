"""Every kind of page of the sample notice is accessible, checked in a real browser.

axe-core (pinned in tests/js/package-lock.json, installed by `./dev test`, which sets
NOTICE_AXE to its axe.min.js) is injected into each kind of page — the chooser, the
current page, the archive index, an archived version with its redline, the 404 page —
and must report no serious or critical violation, and no skipped heading level. The
redline says "inserted" / "deleted" in text, not in colour alone, and the chooser and
the edition switcher work by keyboard. The site is built once, served over HTTP on
127.0.0.1 and opened in Debian's Chromium through Playwright (its own browser download
is never used).
"""

from __future__ import annotations


import pytest
from playwright.sync_api import Page
from support.axe import blocking, describe, inject_axe, run_axe


WAIT_MS = 10_000  # every Playwright wait gives up after this long (axe takes a moment)
VIEWPORT = {"width": 1280, "height": 720}
NARROW = {"width": 320, "height": 640}   # every page is checked at both sizes
MAX_TABS = 60     # Tab presses allowed to reach a control from the top of a page

# One page of every kind. The sample has two legacy versions (archive/2021-03-01.md,
# archive/2023-06-15.md), so 2023-06-15 is an archived version with a redline.
PAGES = [
    "/?choose",                     # the chooser, listing every edition (no redirect)
    "/us-en/",                      # a current page
    "/fr-fr/",                      # a current page in French (translation notes)
    "/us-en/archive/",              # an archive index
    "/us-en/archive/2021-03-01/",   # the first version: no redline
    "/us-en/archive/2023-06-15/",   # an archived version with its redline
    "/fr-fr/archive/2023-06-15/",   # the same in French
    "/us-en/archive/{current}/",    # the version in effect, in the archive
    "/us-en/404.html",              # the not-found page
    "/us-en/compare/?from=2021-03-01&to=2023-06-15",   # two versions compared
    "/us-en/check/",                # how to check a version
]
REDLINE_PAGE = "/us-en/archive/2023-06-15/"


@pytest.fixture
def page(chromium):
    """A fresh context and page per test. bypass_csp: the pages' Content-Security-Policy
    is tested elsewhere; injecting axe must not depend on its details."""
    context = chromium.new_context(viewport=VIEWPORT, locale="en-US", bypass_csp=True)
    context.set_default_timeout(WAIT_MS)
    context.set_default_navigation_timeout(WAIT_MS)
    try:
        yield context.new_page()
    finally:
        context.close()


# --- helpers --------------------------------------------------------------------------


def tab_until(page: Page, selector: str) -> None:
    """Press Tab from the top of the page until the focused element matches `selector`."""
    page.evaluate("document.activeElement && document.activeElement.blur()")
    trail = []
    for _ in range(MAX_TABS):
        page.keyboard.press("Tab")
        if page.evaluate("s => !!document.activeElement && document.activeElement.matches(s)",
                         selector):
            return
        trail.append(page.evaluate(
            "() => { const e = document.activeElement; if (!e) return '-';"
            " return e.tagName.toLowerCase() + (e.id ? '#' + e.id : '')"
            " + (e.getAttribute('href') ? '[href=' + e.getAttribute('href') + ']' : ''); }"))
    raise AssertionError(f"{MAX_TABS} Tab presses never reached {selector}; focus went "
                         f"through: {', '.join(trail)}")


# --- 1. axe-core on every kind of page --------------------------------------------------

@pytest.mark.parametrize("path", PAGES)
def test_page_has_no_serious_or_critical_axe_violations(page, site_url, path):
    if "{current}" in path:
        current = page.request.get(f"{site_url}/us-en/versions.json").json()["current"]
        assert current, "the sample has a version in effect"
        path = path.format(current=current)
    url = f"{site_url}{path}"
    response = page.goto(url, wait_until="networkidle")
    assert response is not None and response.status == 200, f"{url} loads"
    assert page.url == url, "the page stayed where it was opened"
    if "/compare/" in path:          # the redline is drawn once Brython has started
        page.wait_for_selector("#_compare-result .redline", timeout=60_000)
    inject_axe(page)

    violations = blocking(run_axe(page))

    assert not violations, describe(violations, f"{url} ({VIEWPORT['width']}px wide)")

    # A phone-sized screen (WCAG's 320 CSS px reflow width): the theme's layout changes and
    # wide tables scroll sideways.
    page.set_viewport_size(NARROW)
    page.wait_for_function("w => window.innerWidth === w", arg=NARROW["width"])
    page.evaluate("() => new Promise(done => requestAnimationFrame(() => setTimeout(done, 50)))")

    violations = blocking(run_axe(page))

    assert not violations, describe(violations, f"{url} ({NARROW['width']}px wide)")


# --- 2. the redline says what changed in text ---------------------------------------------

def test_redline_marks_changes_with_ins_del_and_text_labels(page, site_url):
    page.goto(f"{site_url}{REDLINE_PAGE}")
    marks = page.eval_on_selector_all(
        ".redline ins, .redline del",
        """marks => marks.filter(m => !m.closest('.redline-legend')).map(m => {
            const label = m.querySelector('.redline-label');
            return {tag: m.tagName.toLowerCase(), label: label ? label.textContent.trim() : null,
                    text: m.textContent.trim().slice(0, 60),
                    decoration: getComputedStyle(m).textDecorationLine};
        })""")
    tags = {mark["tag"] for mark in marks}
    assert tags == {"ins", "del"}, f"the redline of {REDLINE_PAGE} has insertions and deletions"
    assert all(mark["decoration"] == {"ins": "underline", "del": "line-through"}[mark["tag"]]
               for mark in marks), "insertions are underlined and deletions struck through"
    unlabelled = [mark for mark in marks if not mark["label"]]
    assert not unlabelled, f"<ins>/<del> without a text label: {unlabelled[:5]}"
    labels = {mark["tag"]: set() for mark in marks}
    for mark in marks:
        labels[mark["tag"]].add(mark["label"])
    assert labels["ins"].isdisjoint(labels["del"]), \
        f"insertions and deletions say different things: {labels}"

    # The legend explains the marks in words too.
    legend = page.locator(".redline-legend").first
    assert legend.locator("ins").count() == 1 and legend.locator("del").count() == 1
    assert legend.inner_text().replace("…", "").strip(), "the legend has text"


# --- 3. keyboard ---------------------------------------------------------------------------

def test_switcher_is_reached_and_followed_by_keyboard(page, site_url):
    start = f"{site_url}/us-en/"
    page.goto(start, wait_until="networkidle")

    # a[hreflang]: the other editions (the current one is a[aria-current] to ./).
    tab_until(page, "nav.notice-editions a[hreflang]")
    target, lang = page.evaluate("[document.activeElement.href, document.activeElement.lang]")
    assert target.split("#")[0] != start

    page.keyboard.press("Enter")

    page.wait_for_url(lambda url: url.split("#")[0] == target.split("#")[0], wait_until="load")
    assert page.evaluate("document.documentElement.lang") == lang, "the other edition opened"
    assert page.locator('nav.notice-editions a[aria-current="page"]').get_attribute("lang") == lang


def test_chooser_is_reached_and_followed_by_keyboard(page, site_url):
    start = f"{site_url}/?choose"
    page.goto(start, wait_until="networkidle")

    tab_until(page, "#editions a")
    target, lang = page.evaluate("[document.activeElement.href, document.activeElement.lang]")
    assert target.startswith(f"{site_url}/") and target != start

    page.keyboard.press("Enter")

    page.wait_for_url(lambda url: url.split("#")[0] == target, wait_until="load")
    assert page.evaluate("document.documentElement.lang") == lang, "the chosen edition opened"
    assert page.locator("nav.notice-editions").count() == 1, "an edition's page opened"
