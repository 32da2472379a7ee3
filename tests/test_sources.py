"""Reading notice/: the section model and every way it can be malformed."""

import pytest

from notice_engine.errors import NoticeError
from notice_engine.sources.notice import WorkTree, read_notice


def read(repo):
    return read_notice(WorkTree(repo.root), repo.config())


def error_text(repo) -> str:
    with pytest.raises(NoticeError) as caught:
        read(repo)
    return str(caught.value)


def test_sections_in_manifest_order_with_titles_and_front_matter(repo):
    repo.section("intro", "Introduction")
    repo.section("legal-bases", "Legal Bases", regions="[eu]", aliases="[legal-basis]")
    repo.section("contact", "How to Contact {{ company.name }}", "Write to {{ company.email }}.")
    repo.manifest("intro", "contact", "legal-bases", title="{{ company.name }} Privacy Notice")
    notice = read(repo)
    assert list(notice.sections) == ["intro", "contact", "legal-bases"]
    assert notice.manifest.title("en") == "Examplary Privacy Notice"
    contact = notice.sections["contact"]
    assert contact.title == "How to Contact Examplary"
    assert "privacy@example.test" in contact.body
    assert contact.body_line == 3
    legal = notice.sections["legal-bases"]
    assert legal.regions == ("eu",) and legal.aliases == ("legal-basis",)
    assert legal.title_line == 5


def test_translations_sit_beside_their_source(repo):
    repo.section("contact", "Contact")
    repo.write("notice/contact.fr.md", "# Nous contacter\n\nÉcrivez-nous.\n")
    repo.manifest("contact")
    notice = read(repo)
    assert notice.text_of("contact", "fr").title == "Nous contacter"
    assert notice.text_of("contact", "de").title == "Contact"


def test_malformed_front_matter_names_file_and_line(repo):
    repo.write("notice/contact.md", "---\nregions: [eu\naliases: x\n---\n# Contact\n")
    repo.manifest("contact")
    message = error_text(repo)
    assert message.startswith("notice/contact.md:3: malformed YAML")
    assert "Fix:" in message


def test_unclosed_front_matter(repo):
    repo.write("notice/contact.md", "---\nregions: [eu]\n# Contact\n")
    repo.manifest("contact")
    assert "notice/contact.md:1: front matter opened on line 1 is never closed" in error_text(repo)


def test_unknown_front_matter_key_is_refused_not_ignored(repo):
    # A typo such as `region:` silently ignored would publish a regional clause everywhere.
    repo.write("notice/contact.md", "---\naliases: [old]\nregion: [eu]\n---\n# Contact\n")
    repo.manifest("contact")
    assert "notice/contact.md:3: unknown front matter key 'region'" in error_text(repo)


def test_unknown_region(repo):
    repo.section("contact", "Contact", regions="[mars]")
    repo.manifest("contact")
    assert "notice/contact.md: unknown region 'mars'" in error_text(repo)


def test_manifest_entry_without_file_names_manifest_line(repo):
    repo.section("intro", "Introduction")
    repo.manifest("intro", "contact")
    assert "notice/notice.yml:4: section 'contact' has no file notice/contact.md" in error_text(repo)


def test_file_not_in_manifest(repo):
    repo.section("intro", "Introduction")
    repo.section("stray", "Stray")
    repo.manifest("intro")
    assert "notice/stray.md:1: this section is not listed in notice/notice.yml" in error_text(repo)


def test_duplicate_manifest_entry(repo):
    repo.section("intro", "Introduction")
    repo.manifest("intro", "intro")
    assert "notice/notice.yml:4: section 'intro' is listed twice (first at line 3)" in error_text(repo)


def test_alias_that_duplicates_another_id(repo):
    repo.section("intro", "Introduction")
    repo.section("contact", "Contact", aliases="[intro]")
    repo.manifest("intro", "contact")
    assert "notice/contact.md: duplicate id 'intro': also used by notice/intro.md" in error_text(repo)


def test_an_anchor_may_not_take_the_pages_own_ids(repo):
    """The archived page's redline is #_changes: no heading of the notice may take it."""
    repo.section("contact", "Contact", "Text.\n\n## What changed {#_changes}\n\nMore.")
    repo.manifest("contact")
    message = error_text(repo)
    assert ("notice/contact.md:5: the anchor '_changes' starts with _, which the page keeps for "
            "its own parts") in message
    assert "use {#changes}" in message


def test_section_without_title_heading(repo):
    repo.write("notice/contact.md", "Just text.\n\n# Contact\n")
    repo.manifest("contact")
    message = error_text(repo)
    assert "notice/contact.md:1: a section starts with its title heading" in message
    assert "has no file" not in message


def test_malformed_manifest_yaml(repo):
    repo.section("intro", "Introduction")
    repo.write("notice/notice.yml", "title: x\nsections:\n  - intro\n - bad\n")
    assert error_text(repo).startswith("notice/notice.yml:4: malformed YAML")


def test_unknown_variable_names_line_and_nearest(repo):
    repo.section("contact", "Contact", "Line one.\n\nWrite to {{ company.emial }}.")
    repo.manifest("contact")
    message = error_text(repo)
    assert "notice/contact.md:5: unknown variable {{ company.emial }}" in message
    assert "did you mean company.email" in message


def test_not_utf8(repo):
    (repo.root / "notice").mkdir()
    (repo.root / "notice/contact.md").write_bytes(b"# Contact\n\nCaf\xe9\n")
    repo.manifest("contact")
    assert "notice/contact.md:3: not valid UTF-8" in error_text(repo)


def test_crlf_and_bom_are_read_as_plain_text(repo):
    (repo.root / "notice").mkdir()
    (repo.root / "notice/contact.md").write_bytes("\ufeff# Contact\r\n\r\nText.\r\n".encode())
    repo.manifest("contact")
    section = read(repo).sections["contact"]
    assert section.title == "Contact" and section.body == "Text.\n"


def test_bad_file_name_is_not_an_id(repo):
    repo.write("notice/Contact Us.md", "# Contact\n")
    repo.manifest("intro")
    assert "'Contact Us' is not a valid section id" in error_text(repo)


def test_all_problems_reported_together(repo):
    repo.section("a", "A", regions="[mars]")
    repo.section("b", "B")
    repo.manifest("a", "c")
    message = error_text(repo)
    assert "section 'c' has no file" in message
    assert "notice/b.md:1: this section is not listed" in message
    assert "unknown region 'mars'" in message
