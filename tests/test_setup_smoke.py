"""Smoke test of the browser test stack: Playwright drives Debian's Chromium.

`./dev test` installs Chromium and sets NOTICE_CHROMIUM; Playwright's own browser
download is never used.
"""

import os

import pytest
from playwright.sync_api import sync_playwright

CHROMIUM = os.environ.get("NOTICE_CHROMIUM", "/usr/bin/chromium")
# No sandbox (we run as root), and no background traffic: the network is closed.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.mark.browser
def test_chromium_smoke_renders_a_page(tmp_path):
    page_file = tmp_path / "smoke.html"
    page_file.write_text(
        "<!doctype html><html lang='en'><head><meta charset='utf-8'><title>smoke</title></head>"
        "<body><h1 id='greeting'>Privacy notice</h1>"
        "<script>document.getElementById('greeting').textContent += ' rendered';</script>"
        "</body></html>",
        encoding="utf-8",
    )
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.goto(page_file.as_uri())
            assert page.title() == "smoke"
            assert page.text_content("#greeting") == "Privacy notice rendered"
        finally:
            browser.close()
