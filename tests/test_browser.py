"""The built sample notice in a real browser: smart links scroll, nothing calls another host.

The site is built once, served over HTTP on 127.0.0.1 and opened in Debian's Chromium
through Playwright (its own browser download is never used).
"""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from conftest import WAIT_MS, heading, in_viewport, wait_in_viewport


VIEWPORT = {"width": 1280, "height": 720}


@pytest.fixture
def page(chromium):
    """A fresh browser context and page per test (no shared history, scroll or cache)."""
    context = chromium.new_context(viewport=VIEWPORT)
    context.set_default_timeout(WAIT_MS)
    try:
        yield context.new_page()
    finally:
        context.close()


# --- helpers --------------------------------------------------------------------------

# --- tests ------------------------------------------------------------------------------

def test_a_smart_link_in_the_text_scrolls_its_target_into_view(page, site_url):
    page.goto(f"{site_url}/us-en/")
    link = page.locator('.md-content section.notice-section p a[href="#contact"]').first
    assert link.evaluate("a => a.closest('nav') === null"), "a link in the text, not a list"
    assert not in_viewport(page, heading("contact")), "the target starts out of view"

    link.click()

    wait_in_viewport(page, heading("contact"))
    assert page.url.endswith("#contact")


def test_every_jump_list_link_resolves_and_the_last_one_scrolls(page, site_url):
    page.goto(f"{site_url}/us-en/")
    hrefs = page.eval_on_selector_all("nav.notice-jump-list a",
                                      "links => links.map(a => a.getAttribute('href'))")
    assert len(hrefs) > 3, "the sample notice has a jump list"
    assert all(h.startswith("#") for h in hrefs), hrefs
    missing = page.evaluate("ids => ids.filter(id => !document.getElementById(id))",
                            [h[1:] for h in hrefs])
    assert missing == [], "every jump-list entry points to an id on the page"

    last = hrefs[-1][1:]
    assert not in_viewport(page, heading(last)), "the last section starts out of view"
    page.locator("nav.notice-jump-list a").last.click()
    wait_in_viewport(page, heading(last))
    assert page.url.endswith(f"#{last}")


@pytest.mark.parametrize("path", [
    "/us-en/", "/eu-en/", "/fr-fr/",            # current pages
    "/us-en/archive/",                          # an archive index
    "/us-en/archive/2021-03-01/",               # the oldest archived version (no redline)
    "/eu-fr/archive/2023-06-15/",               # an archived version with its redline
    "/?choose",                                 # the edition chooser
])
def test_pages_make_no_request_to_another_host(page, site_url, path):
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))

    page.goto(f"{site_url}{path}", wait_until="networkidle")
    page.evaluate("window.scrollTo(0, document.documentElement.scrollHeight)")
    page.wait_for_function(
        "() => window.innerHeight + window.scrollY >= document.documentElement.scrollHeight - 2",
        timeout=WAIT_MS)
    page.wait_for_load_state("networkidle")  # anything loaded lazily on scroll is recorded

    assert requested, "requests are being recorded"
    elsewhere = [url for url in requested
                 if not url.startswith("data:") and urlsplit(url).hostname != "127.0.0.1"]
    assert elsewhere == []

    csp = page.locator('meta[http-equiv="Content-Security-Policy"]')
    assert csp.count() == 1
    policy = csp.get_attribute("content")
    assert "default-src 'self'" in policy
    assert "http" not in policy.lower(), "the policy allows no origin of another host"
