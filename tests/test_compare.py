"""Compare any two versions on the site, receipts anyone can check, and `notice verify`.

The compare page is opened in Chromium and must show exactly the insertions and
deletions `notice diff` computes for the same pair, drawn as the archive page draws a
redline (the engine's own Python runs there under Brython; nothing is precomputed per
pair); every version's notice.txt must
hash to its versions.json entry; `notice verify` must name the version of a saved page
and of its notice.txt, and reject an edited copy.
"""

from __future__ import annotations

import hashlib
import json

import pytest
from support.axe import blocking, describe, inject_axe, run_axe

from notice_engine.render import redline
from notice_engine.cli import main
from notice_engine.history.walk import edition_history, read_repository
from notice_engine.history.dates import today
from notice_engine.render.sections import Renderer

WAIT_MS = 60_000         # Brython compiles the redline code on a first visit: seconds on a busy machine
EDITION = "us-en"


@pytest.fixture(scope="module")
def history(sample_root):
    from notice_engine.config import load

    config = load(sample_root)
    edition = config.edition(EDITION)
    return edition_history(read_repository(sample_root), config, edition, Renderer(),
                           today(edition))


@pytest.fixture
def page(chromium):
    context = chromium.new_context(viewport={"width": 1280, "height": 800}, locale="en-US")
    context.set_default_timeout(WAIT_MS)
    try:
        yield context.new_page()
    finally:
        context.close()


def diff_ops(history, older: str, newer: str) -> list[tuple[str, str]]:
    """What `notice diff OLDER NEWER` inserts and deletes, in order, spaces folded."""
    changes = redline.compare(history.find(older).text.sections, history.find(newer).text.sections)
    return [("ins" if op.kind == redline.INSERT else "del", " ".join(op.text.split()))
            for section in changes.sections for block in redline.under_heading(section)
            for op in block.ops if op.kind != redline.EQUAL]


PAGE_OPS_JS = """() => Array.from(document.querySelectorAll('#_compare-result ins, #_compare-result del'))
    .filter(e => !e.closest('.redline-legend'))
    .map(e => { const c = e.cloneNode(true); c.querySelectorAll('.redline-label').forEach(l => l.remove());
                return [e.tagName.toLowerCase(), c.textContent.split(/\\s+/).filter(Boolean).join(' ')]; })"""


def open_compare(page, site_url: str, query: str, edition: str = EDITION) -> list[str]:
    """Open compare/?QUERY; return every URL the page requested. Every script and data file
    asked for must be there (Brython asks the server for a module missing from the bundle;
    the theme's probes for other editions' sitemap.xml are not the compare page's)."""
    requested: list[str] = []
    failed: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    page.on("requestfailed", lambda request: failed.append(request.url))
    page.on("response", lambda response: response.status >= 400 and failed.append(response.url))
    ours = (".py", ".js", ".json")
    page.goto(f"{site_url}/{edition}/compare/{query}")
    page.wait_for_selector("#_compare-result .redline")
    failed = [url for url in failed if url.split("?")[0].endswith(ours)]
    assert not failed, f"requests failed: {failed}"
    return requested


def drawn_as_the_archive_draws_it(page, history, older: str, newer: str) -> None:
    """The page's redline is, element for element, `redline.to_html` of the pair."""
    expected = redline.to_html(
        redline.compare(history.find(older).text.sections, history.find(newer).text.sections),
        redline.labels(history.edition.locale), id_prefix="_changes-", heading_level=3)
    as_parsed = page.evaluate("html => { const d = document.createElement('div'); "
                              "d.innerHTML = html; return d.innerHTML; }", expected)
    assert page.inner_html("#_compare-result") == as_parsed


@pytest.mark.parametrize("older, newer", [("2021-03-01", "2023-06-15"), ("2021-03-01", None),
                                          ("2023-06-15", None)])
def test_compare_page_shows_exactly_the_redline_of_notice_diff(page, site_url, history,
                                                               older, newer, capsys, sample_root):
    newer = newer or history.current.date.isoformat()
    requested = open_compare(page, site_url, f"?from={older}&to={newer}")
    shown = [tuple(pair) for pair in page.evaluate(PAGE_OPS_JS)]
    expected = diff_ops(history, older, newer)
    assert expected, "the pair differs"
    assert shown == expected
    drawn_as_the_archive_draws_it(page, history, older, newer)
    assert page.locator("#_compare-from").input_value() == older        # the deep link
    assert page.locator("#_compare-to").input_value() == newer
    elsewhere = [url for url in requested if not url.startswith(site_url)]
    assert not elsewhere, f"requests left the site: {elsewhere}"
    # notice diff prints the same words
    assert main(["--root", str(sample_root), "diff", older, newer, "--color", "never"]) == 0
    printed = capsys.readouterr().out
    for kind, text in expected:
        assert (f"{{+{text}" if kind == "ins" else f"[-{text}") in " ".join(printed.split())


def test_compare_shows_added_and_removed_sections_in_the_reader_s_language(page, site_url,
                                                                          sample_root):
    from notice_engine.config import load

    config = load(sample_root)
    edition = config.edition("eu-fr")
    past = edition_history(read_repository(sample_root), config, edition, Renderer(),
                           today(edition))
    older, newer = past.versions[0], past.versions[-1]                    # not neighbours
    changes = redline.compare(older.text.sections, newer.text.sections)
    assert {redline.ADDED, redline.REMOVED} <= {s.status for s in changes.sections}
    open_compare(page, site_url, f"?from={older.date.isoformat()}&to={newer.date.isoformat()}",
                 edition="eu-fr")
    drawn_as_the_archive_draws_it(page, past, older.date.isoformat(), newer.date.isoformat())
    assert page.locator(".redline-added").count() and page.locator(".redline-removed").count()


def test_compare_says_it_is_comparing_then_that_it_could_not(page, site_url):
    held, holding = [], [True]
    page.route("**/compare/t/*.json",          # the section texts wait until we have looked
               lambda route: held.append(route) if holding[0] else route.continue_())
    page.goto(f"{site_url}/{EDITION}/compare/?from=2021-03-01&to=2023-06-15")
    page.wait_for_selector("#_compare-result .notice-compare-busy")
    assert page.locator("#_compare").get_attribute("aria-busy") == "true"
    holding[0] = False
    for route in held:
        route.continue_()
    page.wait_for_selector("#_compare-result .redline")
    assert page.locator("#_compare").get_attribute("aria-busy") is None
    page.route("**/compare/js/redline-*.js", lambda route: route.abort())      # no Python
    page.reload()
    page.wait_for_selector("#_compare-result .redline-none")
    assert "could not be compared" in page.inner_text("#_compare-result")
    assert page.locator(".notice-compare-links a").count() >= 2          # where to go instead


def test_only_the_compare_page_may_eval(page, site_url):
    """Brython compiles Python in the browser: 'unsafe-eval' on compare/, nowhere else."""
    def policy(path):
        page.goto(f"{site_url}/{EDITION}/{path}")
        return page.locator('meta[http-equiv="Content-Security-Policy"]').get_attribute("content")

    assert "'unsafe-eval'" in policy("compare/").split("script-src", 1)[1].split(";")[0]
    for path in ("", "archive/", "archive/2021-03-01/", "check/"):
        assert "unsafe-eval" not in policy(path), path


def test_compare_reads_a_reversed_deep_link_as_older_to_newer(page, site_url, history):
    open_compare(page, site_url, "?from=2023-06-15&to=2021-03-01")
    shown = [tuple(pair) for pair in page.evaluate(PAGE_OPS_JS)]
    assert shown == diff_ops(history, "2021-03-01", "2023-06-15")
    assert page.locator("#_compare-from").input_value() == "2021-03-01"


def test_compare_form_by_keyboard_and_accessible(page, site_url, history):
    open_compare(page, site_url, "")
    current = history.current.date.isoformat()
    assert page.locator("#_compare-to").input_value() == current          # default: current
    page.focus("#_compare-from")
    page.select_option("#_compare-from", "2021-03-01")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")                                          # the Compare button
    page.wait_for_url(f"**/compare/?from=2021-03-01&to={current}")
    page.wait_for_selector("#_compare-result .redline")
    assert page.locator("#_compare-heading").is_visible()
    assert page.locator("#_compare-result").get_attribute("aria-live") == "polite"
    assert page.locator(".redline-unchanged-run").count() >= 0
    # axe is injected as an inline script: in a context that bypasses the CSP (tested elsewhere)
    context = page.context.browser.new_context(viewport={"width": 1280, "height": 800},
                                               locale="en-US", bypass_csp=True)
    try:
        checked = context.new_page()
        checked.goto(page.url)
        checked.wait_for_selector("#_compare-result .redline")
        inject_axe(checked)
        violations = blocking(run_axe(checked))
    finally:
        context.close()
    assert not violations, describe(violations, page.url)


def test_without_javascript_each_versions_own_redline_is_linked(chromium, site_url, history):
    context = chromium.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(f"{site_url}/{EDITION}/compare/")
        links = page.eval_on_selector_all(".notice-compare-links a", "as => as.map(a => a.href)")
        assert len(links) == len(history.versions) - 1
        assert all(link.endswith("/#_changes") for link in links)
    finally:
        context.close()


def test_every_archived_version_links_compare_with_the_current(site_url, history, page):
    old = history.versions[0].date.isoformat()
    page.goto(f"{site_url}/{EDITION}/archive/{old}/")
    link = page.get_by_role("link", name="Compare with the current version")
    # only this version's date: the page, kept from build to build, stays right when a
    # newer version becomes the current one
    assert link.get_attribute("href") == f"../../compare/?from={old}"
    link.click()
    page.wait_for_selector("#_compare-result .redline")
    assert page.locator("#_compare-from").input_value() == old
    assert page.locator("#_compare-to").input_value() == history.current.date.isoformat()


def test_every_notice_txt_hashes_to_its_versions_json_entry(site_url, sample_root, tmp_path):
    """sha256sum notice.txt == versions.json's sha256, for every version of every edition."""
    site = tmp_path / "site"
    assert main(["--root", str(sample_root), "build", "--site-dir", str(site)]) == 0
    checked = 0
    for versions_json in site.glob("*/versions.json"):
        data = json.loads(versions_json.read_text(encoding="utf-8"))
        for entry in data["versions"]:
            text = versions_json.parent / entry["text"]
            assert hashlib.sha256(text.read_bytes()).hexdigest() == entry["sha256"], text
            text.read_bytes().decode("utf-8")
            checked += 1
    assert checked >= 4 * 3


def test_notice_verify_names_a_saved_page_and_its_text_and_rejects_an_edited_copy(
        page, site_url, sample_root, tmp_path, capsys):
    page.goto(f"{site_url}/{EDITION}/archive/2023-06-15/")
    saved = tmp_path / "saved.html"
    saved.write_text(page.content(), encoding="utf-8")          # the browser's DOM, as saved
    assert main(["--root", str(sample_root), "verify", str(saved), "--edition", EDITION]) == 0
    assert "matches edition us-en, version 2023-06-15" in capsys.readouterr().out

    text = tmp_path / "notice.txt"
    text.write_bytes(page.request.get(f"{site_url}/{EDITION}/archive/2023-06-15/notice.txt").body())
    assert main(["--root", str(sample_root), "verify", str(text)]) == 0
    assert "version 2023-06-15" in capsys.readouterr().out

    for copy, content in ((saved, saved.read_text(encoding="utf-8")),
                          (text, text.read_text(encoding="utf-8"))):
        edited = tmp_path / f"edited{copy.suffix}"
        head, _, tail = content.rpartition("personal")     # in the full text, at the end
        edited.write_text(f"{head}personnel{tail}", encoding="utf-8")
        assert main(["--root", str(sample_root), "verify", str(edited)]) == 1
        err = capsys.readouterr().err
        assert "matches no published version" in err and "2023-06-15" in err


def test_verify_refuses_a_file_that_is_no_copy(sample_root, tmp_path, capsys):
    other = tmp_path / "other.html"
    other.write_text("<html><body><p>Hello</p></body></html>", encoding="utf-8")
    assert main(["--root", str(sample_root), "verify", str(other)]) == 1
    assert "no notice sections" in capsys.readouterr().err
