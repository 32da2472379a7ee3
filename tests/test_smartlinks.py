"""Smart links and anchors: resolved per edition, checked, never broken."""

import re

import pytest

from notice_engine.render.edition import render_edition
from notice_engine.errors import NoticeError
from notice_engine.render.sections import Renderer
from notice_engine.sources.notice import WorkTree, read_notice


def render(repo, edition="us-en"):
    config = repo.config()
    notice = read_notice(WorkTree(repo.root), config)
    return render_edition(notice, config.edition(edition), Renderer())


def html_of(text) -> str:
    return "\n".join(s.html for s in text.sections)


def failure(repo, edition="us-en") -> str:
    with pytest.raises(NoticeError) as caught:
        render(repo, edition)
    return str(caught.value)


def test_smart_link_takes_the_target_title_or_given_text(repo):
    repo.section("intro", "Introduction", "See [[contact]] or [[contact|write to us]].")
    repo.section("contact", "How to Contact Us", "## Data Protection Officer\n\nText.")
    repo.manifest("intro", "contact")
    html = html_of(render(repo))
    assert '<a href="#contact">How to Contact Us</a>' in html
    assert '<a href="#contact">write to us</a>' in html
    assert '<h2 id="contact">How to Contact Us' in html
    assert '<h3 id="data-protection-officer">Data Protection Officer' in html


def test_smart_link_to_a_sub_heading_and_explicit_ids(repo):
    repo.section("intro", "Introduction", "Ask [[dpo]] or see [the officer](#dpo).")
    repo.section("contact", "Contact", "## Our Data Protection Officer {#dpo}\n\nText.")
    repo.manifest("intro", "contact")
    html = html_of(render(repo))
    assert '<a href="#dpo">Our Data Protection Officer</a>' in html
    assert '<h3 id="dpo">Our Data Protection Officer' in html


def test_alias_keeps_an_old_id_resolving(repo):
    repo.section("intro", "Introduction", "See [[how-to-contact-us]] and [old](#how-to-contact-us).")
    repo.section("contact", "Contact", aliases="[how-to-contact-us]")
    repo.manifest("intro", "contact")
    text = render(repo)
    assert '<a href="#contact">Contact</a>' in html_of(text)
    assert text.aliases == {"contact": ("how-to-contact-us",)}


def test_unknown_smart_link_names_file_line_and_nearest_ids(repo):
    repo.section("intro", "Introduction", "First line.\n\nWrite via [[contcat]].")
    repo.section("contact", "Contact")
    repo.manifest("intro", "contact")
    message = failure(repo)
    assert "notice/intro.md:5: smart link [[contcat]]: no such section or heading" in message
    assert "nearest existing ids: contact" in message


def test_unknown_anchor_link_is_checked_too(repo):
    repo.section("intro", "Introduction", "See [here](#contat-us).")
    repo.section("contact", "Contact")
    repo.manifest("intro", "contact")
    assert "notice/intro.md:3: link to #contat-us: no such section or heading" in failure(repo)


def test_link_to_a_section_of_another_region_fails_in_the_edition_without_it(repo):
    repo.section("intro", "Introduction", "See [[legal-bases]].")
    repo.section("legal-bases", "Legal Bases", regions="[eu]")
    repo.manifest("intro", "legal-bases")
    assert render(repo, "eu-en")
    message = failure(repo, "us-en")
    assert "notice/intro.md:3: smart link [[legal-bases]] points to a section that is not on " \
           "this page: 'legal-bases' is only in regions eu" in message


def test_regional_sections_only_in_their_editions(repo):
    repo.section("intro", "Introduction")
    repo.section("eea", "EEA clause", regions="[eu]")
    repo.section("france", "France clause", regions="[fr]")
    repo.manifest("intro", "eea", "france")
    assert [s.id for s in render(repo, "us-en").sections] == ["intro"]
    assert [s.id for s in render(repo, "eu-en").sections] == ["intro", "eea"]
    repo.extra["editions"].append({"id": "fr-en", "region": "fr", "locale": "en"})
    assert [s.id for s in render(repo, "fr-en").sections] == ["intro", "eea", "france"]


def test_duplicate_heading_anchor_fails_with_a_fix(repo):
    repo.section("a", "A", "## Your choices\n\nx")
    repo.section("b", "B", "## Your Choices\n\ny")
    repo.manifest("a", "b")
    message = failure(repo)
    assert "notice/b.md:3: duplicate id 'your-choices': notice/a.md has it too" in message
    assert "{#b-your-choices}" in message


def test_smart_links_inside_code_are_left_alone(repo):
    repo.section("intro", "Introduction", "```\n[[not-a-link]]\n```")
    repo.manifest("intro")
    assert "[[not-a-link]]" in html_of(render(repo))


def test_translation_uses_localised_titles_and_source_anchors(repo):
    repo.extra["editions"].append({"id": "eu-fr", "region": "eu", "locale": "fr"})
    repo.section("intro", "Introduction", "See [[contact]] and [the officer](#officer).")
    repo.write("notice/intro.fr.md", "# Introduction\n\nVoir [[contact]] et [le délégué](#officer).\n")
    repo.section("contact", "Contact Us", "## Officer\n\nText.")
    repo.write("notice/contact.fr.md", "# Nous contacter\n\n## Délégué\n\nTexte.\n")
    repo.manifest("intro", "contact")
    html = html_of(render(repo, "eu-fr"))
    assert '<a href="#contact">Nous contacter</a>' in html
    assert '<h3 id="officer">Délégué' in html


def test_external_links_do_not_leak_the_referrer(repo):
    repo.section("intro", "Introduction", "See [the EDPB](https://edpb.europa.eu/).")
    repo.manifest("intro")
    assert re.search(r'<a href="https://edpb.europa.eu/" rel="noopener noreferrer">',
                     html_of(render(repo)))


def test_jump_list_and_toc(repo):
    repo.section("intro", "Introduction")
    repo.section("smart-links", "Smart Links", "Jump below.")
    repo.section("contact", "Contact", "## Officer\n\nText.")
    repo.manifest("intro", "smart-links", "contact", jump_list="smart-links")
    text = render(repo)
    assert text.jump_list == "smart-links"
    assert [t["id"] for t in text.toc()] == ["intro", "smart-links", "contact"]
    assert text.toc()[2]["children"][0]["id"] == "officer"
