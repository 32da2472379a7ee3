"""The editions of the sample notice in a real browser.

The front page picks an edition from the browser's language, every page says its
language and links its sibling editions, regional sections appear only where they
belong, the switcher keeps the section the reader was at, and nothing calls
another host. The site is built once, served over HTTP on 127.0.0.1 and opened in
Debian's Chromium through Playwright (its own browser download is never used).
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from conftest import WAIT_MS, heading, wait_in_viewport
from playwright.sync_api import Page
from playwright.sync_api import TimeoutError as PlaywrightTimeout


VIEWPORT = {"width": 1280, "height": 720}

# The sample's editions (mkdocs.yml): id -> (<html lang>, hreflang).
EDITIONS = {
    "us-en": ("en", "en-US"),
    "eu-en": ("en", "en-GB"),
    "eu-fr": ("fr", "fr-BE"),
    "fr-fr": ("fr", "fr-FR"),
}
DEFAULT_EDITION = "us-en"

MONTHS = {
    "en": ["January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December"],
    "fr": ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
           "septembre", "octobre", "novembre", "décembre"],
}


LAST_UPDATED = {"en": "Last Updated", "fr": "Dernière mise à jour"}


@pytest.fixture
def new_context(chromium):
    """Open fresh browser contexts (own history, cache, language); all closed after the test."""
    contexts = []

    def open_context(locale: str | None = None):
        options = {"viewport": VIEWPORT}
        if locale:
            options["locale"] = locale   # navigator.language(s) and Accept-Language
        context = chromium.new_context(**options)
        context.set_default_timeout(WAIT_MS)
        context.set_default_navigation_timeout(WAIT_MS)
        contexts.append(context)
        return context

    try:
        yield open_context
    finally:
        for context in contexts:
            context.close()


@pytest.fixture
def page(new_context):
    return new_context().new_page()


# --- helpers --------------------------------------------------------------------------

def wait_for_exact_url(page: Page, url: str) -> None:
    """Wait until the page's URL is exactly `url` (no glob: `?` and `#` are literal)."""
    try:
        page.wait_for_url(lambda current: current == url, wait_until="commit", timeout=WAIT_MS)
    except PlaywrightTimeout as exc:  # say where the browser went instead
        raise AssertionError(f"expected the browser at {url}, it is at {page.url}") from exc


def html_lang(page: Page) -> str:
    return page.evaluate("document.documentElement.getAttribute('lang')")


def status_of(page: Page, url: str) -> int:
    return page.request.get(url, max_redirects=0).status


# --- 1. the chooser -------------------------------------------------------------------

@pytest.mark.parametrize("locale, edition", [
    ("fr-FR", "fr-fr"),          # an exact tag
    ("fr-BE", "eu-fr"),
    ("en-GB", "eu-en"),
    ("en-US", "us-en"),
    ("de-DE", DEFAULT_EDITION),  # nothing matches: the default edition
])
def test_the_chooser_picks_the_edition_from_the_browser_language(new_context, site_url,
                                                                 locale, edition):
    page = new_context(locale).new_page()
    assert page.evaluate("navigator.language") == locale, "the context's language is set"

    page.goto(f"{site_url}/", wait_until="commit")

    wait_for_exact_url(page, f"{site_url}/{edition}/")
    page.wait_for_load_state("load")
    assert html_lang(page) == EDITIONS[edition][0]


def test_the_chooser_carries_the_section_anchor(new_context, site_url):
    page = new_context("fr-FR").new_page()

    page.goto(f"{site_url}/#contact", wait_until="commit")

    wait_for_exact_url(page, f"{site_url}/fr-fr/#contact")
    wait_in_viewport(page, heading("contact"))


def test_choose_lists_every_edition_without_redirecting(new_context, site_url):
    page = new_context("fr-FR").new_page()   # a language that would otherwise redirect
    navigations: list[str] = []
    page.on("framenavigated",
            lambda frame: navigations.append(frame.url) if frame == page.main_frame else None)

    page.goto(f"{site_url}/?choose", wait_until="networkidle")

    assert page.url == f"{site_url}/?choose"
    assert navigations == [f"{site_url}/?choose"], "no redirect was started"
    links = page.eval_on_selector_all(
        "#editions a",
        "links => links.map(a => [a.getAttribute('href'), a.getAttribute('hreflang'), "
        "a.getAttribute('lang'), a.href])")
    assert [(href, hreflang, lang) for href, hreflang, lang, _ in links] == [
        (f"{edition}/", hreflang, lang) for edition, (lang, hreflang) in EDITIONS.items()]
    for edition, (_, _, _, url) in zip(EDITIONS, links):
        assert url == f"{site_url}/{edition}/"
        assert status_of(page, url) == 200, f"{url} resolves"
    assert page.locator("#editions a").first.is_visible()


# --- 2. language, dates and hreflang on every page --------------------------------------

def pages_of(page: Page, site_url: str, edition: str) -> list[str]:
    """The current page, the archive index and every archived version of an edition."""
    response = page.request.get(f"{site_url}/{edition}/versions.json")
    assert response.status == 200
    versions = response.json()["versions"]
    assert versions, "the sample notice has versions"
    return [f"{site_url}/{edition}/", f"{site_url}/{edition}/archive/"] + \
        [f"{site_url}/{edition}/{v['url']}" for v in versions]


@pytest.mark.parametrize("edition", list(EDITIONS))
def test_every_page_has_its_language_dates_and_hreflang_alternates(page, site_url, edition):
    lang, _ = EDITIONS[edition]
    checked: dict[str, int] = {}   # href -> status, each asked once

    for url in pages_of(page, site_url, edition):
        page.goto(url)
        assert html_lang(page) == lang, f"<html lang> of {url}"

        # Dates: every <time> names its month in the page's language.
        times = page.eval_on_selector_all(
            "time[datetime]", "ts => ts.map(t => [t.getAttribute('datetime'), t.textContent])")
        assert times, f"{url} shows a date"
        for iso, text in times:
            month = int(iso[5:7])
            assert re.search(rf"\b{MONTHS[lang][month - 1]}\b", text), \
                f"{url}: <time datetime={iso}> reads {text!r}, not the {lang} month name"
            other = "en" if lang == "fr" else "fr"
            assert not re.search(rf"\b{MONTHS[other][month - 1]}\b", text, re.IGNORECASE), \
                f"{url}: <time datetime={iso}> reads {text!r}"

        # hreflang: the three sibling editions and x-default, each resolving.
        alternates = page.eval_on_selector_all(
            "link[rel=alternate][hreflang]",
            "ls => ls.map(l => [l.getAttribute('hreflang'), l.href])")
        archive = "" if url == f"{site_url}/{edition}/" else "archive/"
        expected = {hreflang: f"{site_url}/{other}/{archive}"
                    for other, (_, hreflang) in EDITIONS.items() if other != edition}
        expected["x-default"] = f"{site_url}/"
        assert len(alternates) == len(expected), f"{url}: {alternates}"
        assert dict(alternates) == expected, url
        for _, href in alternates:
            if href not in checked:
                checked[href] = status_of(page, href)
            assert checked[href] == 200, f"{url}: alternate {href} gives {checked[href]}"

    # The header of the current page: "Last Updated" / "Dernière mise à jour" <time>.
    page.goto(f"{site_url}/{edition}/")
    header = page.locator("p.notice-updated").inner_text()
    assert header.strip().startswith(LAST_UPDATED[lang]), f"the header reads {header!r}"
    updated = page.locator("p.notice-updated time")
    assert updated.count() == 1
    month = int(updated.get_attribute("datetime")[5:7])
    assert re.search(rf"\b{MONTHS[lang][month - 1]}\b", updated.inner_text()), \
        f"the Last Updated date reads {updated.inner_text()!r}"


# --- 3. regional sections ------------------------------------------------------------------

REGIONAL = {
    "california-rights": {"us-en"},
    "legal-bases": {"eu-en", "eu-fr", "fr-fr"},
    "eu-transfers": {"eu-en", "eu-fr", "fr-fr"},
    "france-post-mortem": {"fr-fr"},
}


@pytest.mark.parametrize("edition", list(EDITIONS))
def test_regional_sections_appear_exactly_where_they_belong(page, site_url, edition):
    page.goto(f"{site_url}/{edition}/")
    assert page.locator(heading("contact")).count() == 1, "every edition has the contact section"

    present = {section: page.locator(heading(section)).count() for section in REGIONAL}
    expected = {section: int(edition in where) for section, where in REGIONAL.items()}
    assert present == expected
    for section, count in present.items():
        if count:
            assert page.locator(f"section.notice-section h2{heading(section)}").count() == 1, \
                f"#{section} is a section heading"


# --- 4. the switcher -------------------------------------------------------------------------

SWITCH_TO_EU_FR = 'nav.notice-editions a[hreflang="fr-BE"]'

# Both tests open the page and let it settle (networkidle) before switching, as a reader
# would: the theme's scripts, which also listen to clicks on hreflang links, have then run.


def test_the_switcher_keeps_the_section_anchor_on_click(page, site_url):
    page.goto(f"{site_url}/us-en/#contact", wait_until="networkidle")
    wait_in_viewport(page, heading("contact"))

    page.locator(SWITCH_TO_EU_FR).click()

    wait_for_exact_url(page, f"{site_url}/eu-fr/#contact")
    page.wait_for_load_state("load")
    assert html_lang(page) == "fr"
    wait_in_viewport(page, heading("contact"))


def test_the_switcher_works_by_keyboard(page, site_url):
    page.goto(f"{site_url}/us-en/#contact", wait_until="networkidle")
    wait_in_viewport(page, heading("contact"))

    # Start at the current edition's entry, then Tab through the switcher like a reader.
    page.locator('nav.notice-editions a[aria-current="page"]').focus()
    for _ in range(len(EDITIONS)):
        if page.evaluate("document.activeElement.getAttribute('hreflang')") == "fr-BE":
            break
        page.keyboard.press("Tab")
    assert page.evaluate("selector => document.activeElement.matches(selector)",
                         SWITCH_TO_EU_FR), "Tab reaches the eu-fr link of the switcher"
    assert page.evaluate("location.hash") == "#contact", "focusing does not change the hash"

    page.keyboard.press("Enter")

    wait_for_exact_url(page, f"{site_url}/eu-fr/#contact")
    page.wait_for_load_state("load")
    assert html_lang(page) == "fr"
    wait_in_viewport(page, heading("contact"))


# --- 5. privacy ------------------------------------------------------------------------------

def test_chooser_and_editions_make_no_request_to_another_host(new_context, site_url):
    context = new_context("en-US")
    requested: list[str] = []
    context.on("request", lambda request: requested.append(request.url))
    page = context.new_page()

    page.goto(f"{site_url}/", wait_until="commit")          # the chooser, then its redirect
    wait_for_exact_url(page, f"{site_url}/{DEFAULT_EDITION}/")
    page.wait_for_load_state("networkidle")
    page.goto(f"{site_url}/?choose", wait_until="networkidle")
    for edition in EDITIONS:
        page.goto(f"{site_url}/{edition}/", wait_until="networkidle")
        page.evaluate("window.scrollTo(0, document.documentElement.scrollHeight)")
        page.wait_for_function(
            "() => window.innerHeight + window.scrollY >= document.documentElement.scrollHeight - 2",
            timeout=WAIT_MS)
        page.wait_for_load_state("networkidle")  # anything loaded lazily on scroll is recorded

    paths = {urlsplit(url).path for url in requested}
    assert "/" in paths, "the chooser was requested"
    for edition in EDITIONS:
        assert f"/{edition}/" in paths, f"{edition} was requested"
    assert any(url.endswith(".css") for url in requested), "subresources are being recorded"
    elsewhere = [url for url in requested
                 if not url.startswith("data:") and urlsplit(url).hostname != "127.0.0.1"]
    assert elsewhere == []
