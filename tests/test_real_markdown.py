"""Markdown as GitHub, Jekyll (kramdown) and CMS exports write it: imported, built, read back.

The oracle of what a reader saw is a CommonMark renderer (markdown-it-py): the
page must show the same words, and every anchor the published page had must
still land.
"""

from __future__ import annotations

import re
import subprocess
import sys

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from conftest import page_words
from markdown_it import MarkdownIt

from notice_engine.render.edition import render_edition
from notice_engine.errors import NoticeError
from notice_engine.sources.importer import import_notice
from notice_engine.sources.markdown import visible_text
from notice_engine.render.sections import Renderer
from notice_engine.sources.notice import WorkTree, read_notice

ORACLE = MarkdownIt("commonmark").enable("table")

GITHUB_README = """\
# Privacy notice

Contents: [Privacy notice](#privacy-notice) · [Data & security](#data--security) ·
[Cookies](#cookies) · [More cookies](#cookies-1) · [Old name](#how-we-protect-data)
Write to {{ site.data.contact.privacy_email }} ![logo]({% asset_path logo.png %})

## Data & security
We protect:
- accounts
- payments

Our office:\\
1 Rope Street\\
Springfield

## Cookies

| Name | Why |
| --- | --- |
| `sid` | to keep you signed in |

Cookies
-------

Second cookies section, <strong>with HTML</strong> and <https://example.test/cookies>.

## Contact &amp; *support*
{: #contact-us }

<div class="cms-export">
<p>Exported by a CMS.</p>
</div>

Write to us.
{: .lead }
"""


def build(repo) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "notice_engine.cli", "build"], cwd=repo.root,
                          capture_output=True, text=True)


@pytest.fixture
def imported(repo, tmp_path):
    source = tmp_path / "README.md"
    source.write_text(GITHUB_README, encoding="utf-8")
    result = import_notice(source, repo.root / "notice", language="en")
    repo.commit("Import the notice")
    return result


def test_every_word_a_commonmark_reader_saw_is_on_the_page(repo, imported):
    oracle = visible_text(ORACLE.render(re.sub(r"\{:[^}]*\}", "", GITHUB_README))).split()
    assert page_words(repo) == oracle


def test_lists_hard_breaks_and_setext_render_as_on_github(repo, imported):
    built = build(repo)
    assert built.returncode == 0, built.stderr
    page = (repo.root / "site" / "us-en" / "index.html").read_text(encoding="utf-8")
    assert "<li>accounts</li>" in page and "<li>payments</li>" in page
    assert "1 Rope Street<br>" in page and "\\" not in re.sub(r"<[^>]*>", "", page).split(
        "Our office")[1][:80]
    assert "- accounts" not in page


def test_every_anchor_the_published_page_had_still_lands(repo, imported):
    built = build(repo)
    assert built.returncode == 0, built.stderr
    page = (repo.root / "site" / "us-en" / "index.html").read_text(encoding="utf-8")
    ids = set(re.findall(r'id="([^"]+)"', page))
    for anchor in ("privacy-notice", "data--security", "cookies", "cookies-1", "contact-us"):
        assert anchor in ids, anchor
    for href in re.findall(r'href="#([^"]*)"', page):
        assert href in ids or href == "how-we-protect-data" or href.startswith("__"), href


def test_foreign_template_syntax_is_kept_as_written_and_listed(repo, imported):
    built = build(repo)
    assert built.returncode == 0, built.stderr
    assert "{{ site.data.contact.privacy_email }}" in built.stderr
    lines = (repo.root / "notice" / "introduction.md").read_text(encoding="utf-8").split("\n")
    line = next(n for n, text in enumerate(lines, start=1) if "site.data" in text)
    assert f"notice/introduction.md:{line}: kept as written" in built.stderr
    page = (repo.root / "site" / "us-en" / "index.html").read_text(encoding="utf-8")
    assert "{{ site.data.contact.privacy_email }}" in page
    assert "{% asset_path logo.png %}" in page and 'src="{%' not in page


def test_a_foreign_variable_can_be_mapped_onto_ours(repo, imported):
    repo.extra = {**repo.extra, "imported_variables": {
        "site.data.contact.privacy_email": "company.email"}}
    repo.write_mkdocs_yml()
    assert "privacy@example.test" in " ".join(page_words(repo))


def test_a_typo_in_one_of_our_variables_still_stops(repo):
    repo.manifest("contact")
    repo.section("contact", "Contact", "Write to {{ company.emial }}.")
    with pytest.raises(NoticeError, match=r"notice/contact\.md:3: unknown variable") as error:
        read_notice(WorkTree(repo.root), repo.config())
    assert "did you mean company.email" in str(error.value)


def test_a_link_broken_when_published_warns_and_a_new_one_stops(repo, imported):
    checked = subprocess.run([sys.executable, "-m", "notice_engine.cli", "check"],
                             cwd=repo.root, capture_output=True, text=True)
    assert checked.returncode == 0, checked.stdout
    assert "kept as published: link to #how-we-protect-data" in checked.stdout
    section = repo.root / "notice" / "cookies.md"
    section.write_text(section.read_text(encoding="utf-8") + "\nSee [x](#nowhere).\n",
                       encoding="utf-8")
    checked = subprocess.run([sys.executable, "-m", "notice_engine.cli", "check"],
                             cwd=repo.root, capture_output=True, text=True)
    assert checked.returncode == 1
    assert re.search(r"error N101: notice/cookies\.md:\d+: link to #nowhere", checked.stdout)


def test_an_edition_in_another_language_without_a_title_is_told(repo, imported):
    repo.extra = {**repo.extra, "editions": [
        {"id": "us-en", "region": "us", "locale": "en"},
        {"id": "fr-fr", "region": "fr", "locale": "fr"}]}
    repo.write_mkdocs_yml()
    config = repo.config()
    notice = read_notice(WorkTree(repo.root), config)
    french = render_edition(notice, config.edition("fr-fr"), Renderer())
    assert any("no title in 'fr'" in n.message for n in french.notes)
    english = render_edition(notice, config.edition("us-en"), Renderer())
    assert not any("no title" in n.message for n in english.notes)


# A notice made of the constructs real notices hold, in any order.
CONSTRUCTS = [
    "A paragraph\n- with a list right after it\n- and a second item",
    "Line one\\\nline two after a backslash break",
    "Two spaces  \nmake a break too",
    "Setext heading\n--------------",
    "| a | b |\n| --- | --- |\n| 1 | 2 |",
    "<div>\n<p>an HTML block</p>\n</div>",
    "A paragraph with an id\n{: #para-id }",
    "<https://example.test/autolink> and https://example.test/bare",
    "{{ site.data.company }} and {% include footer.html %} and {{< lastmod >}}",
    "[a link to the title](#privacy-notice) and [one broken](#gone-long-ago)",
    "### Cookies",
    "Text with &amp; entities &copy; and `code` and *emphasis*",
]


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(parts=st.lists(st.sampled_from(CONSTRUCTS), min_size=1, max_size=8),
       headings=st.lists(st.sampled_from(["Cookies", "Data & security", "Contact",
                                          "Learn [more](https://example.test/more)"]),
                         min_size=1, max_size=4))
def test_any_mix_imports_builds_and_keeps_every_word(tmp_path_factory, parts, headings):
    from conftest import NoticeRepo

    base = tmp_path_factory.mktemp("mix")
    repo = NoticeRepo(base / "repo")
    text = "# Privacy notice\n\n" + "\n\n".join(
        f"## {heading}\n\n" + "\n\n".join(parts[i::len(headings)] or ["Some text."])
        for i, heading in enumerate(headings)) + "\n"
    source = base / "notice.md"
    source.write_text(text, encoding="utf-8")
    import_notice(source, repo.root / "notice", language="en")
    oracle = visible_text(ORACLE.render(re.sub(r"\{:[^}]*\}", "", text))).split()
    assert page_words(repo) == oracle


def test_a_section_written_the_github_way_renders_as_github_shows_it(repo):
    repo.manifest("rights")
    repo.section("rights", "Your rights", "You may:\n- see your data\n- delete it\n\n"
                 "Post:\\\nAcme\\\nSpringfield")
    html = render_edition(read_notice(WorkTree(repo.root), repo.config()),
                          repo.config().editions[0], Renderer()).sections[0].html
    assert "<li>see your data</li>" in html and "Acme<br>" in html and "\\" not in html


def test_a_title_keeps_its_links_and_emphasis(repo):
    """A heading `## Learn more about [our data](https://…)` showed a link where it was
    published; the section made of it shows one too (and reads the same to the archive)."""
    repo.manifest("learn")
    repo.section("learn", "Learn *more* about [our data](https://example.test/data)", "Text.")
    section = render_edition(read_notice(WorkTree(repo.root), repo.config()),
                             repo.config().editions[0], Renderer()).sections[0]
    assert '<a href="https://example.test/data" rel="noopener noreferrer">our data</a>' \
        in section.html and "<em>more</em>" in section.html
    assert section.title == "Learn more about our data"
    assert section.headings[0][2] == "Learn more about our data"         # the contents' entry


CMS_EXPORT = """<!DOCTYPE html>
<html><head><title>Privacy Policy | Acme</title><style>p{color:red}</style></head>
<body><nav>Skip</nav><main>
<h1>Privacy Policy</h1>
<p>Last updated: 3 May 2021</p>
<h2 id="what-we-collect">What we collect</h2>
<p>We collect your <strong>name</strong> and <a href="#contact">how to reach you</a>.</p>
<ul><li>Orders</li><li>Support tickets</li></ul>
<h2 id="contact">Contact</h2>
<p>Acme Ltd<br>1 Rope Street<br>Springfield</p>
</main></body></html>
"""


def test_a_cms_html_export_imports_with_every_word(repo, tmp_path):
    source = tmp_path / "privacy.html"
    source.write_text(CMS_EXPORT, encoding="utf-8")
    result = import_notice(source, repo.root / "notice", language="en")
    # Every word is kept, the page's own navigation too (an editor deletes it after the import).
    assert [section_id for section_id, _ in result.sections] == [
        "introduction", "privacy-policy", "what-we-collect", "contact"]
    words = page_words(repo)
    for expected in ("We collect your name and how to reach you.", "Orders", "Support tickets",
                     "Acme Ltd", "1 Rope Street", "Springfield"):
        assert expected in " ".join(words), expected
    assert "color:red" not in " ".join(words)
