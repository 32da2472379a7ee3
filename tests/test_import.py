"""`notice import`: splitting an existing notice into section files.

The reference notice is read at test time from ../shared/reference; none of
its sentences are copied here. The small notices below are made up.
"""

import dataclasses
import re
from pathlib import Path

import pytest

from notice_engine.errors import NoticeError
import yaml

from notice_engine.sources import importer
from notice_engine.sources.importer import ImportFailed, import_notice

REFERENCE = Path(__file__).resolve().parents[1].parent / "shared" / "reference" / "ujet-privacy-notice-2019.txt"

# The reference's headings, in order, as ids: what the import must find.
REFERENCE_IDS = [
    "introduction",
    "your-privacy",
    "smart-links",
    "ujet-service",
    "end-user-personal-data-processed-on-behalf-of-customers",
    "customer-processing-of-end-user-personal-data",
    "personal-data-we-collect-process-and-how-we-use-it",
    "data-you-provide-voluntarily",
    "data-we-collect-automatically",
    "how-we-use-your-personal-data",
    "how-we-share-personal-data",
    "ujet-service-providers",
    "how-to-access-and-control-your-personal-data",
    "changes-to-marketing-preferences",
    "your-california-privacy-rights",
    "california-online-privacy-protection-act-notice-concerning-do-not-track-signals",
    "other-important-privacy-information",
    "security-of-personal-data",
    "where-we-store-and-process-personal-data",
    "our-retention-of-personal-data",
    "updates-to-this-privacy-notice",
    "third-party-services",
    "childrens-privacy",
    "how-to-contact-us",
]


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def manifest(notice_dir: Path) -> dict:
    return yaml.safe_load((notice_dir / "notice.yml").read_text(encoding="utf-8"))


def section(notice_dir: Path, section_id: str) -> str:
    return (notice_dir / f"{section_id}.md").read_text(encoding="utf-8")


def markdown_words(text: str) -> list[str]:
    """The words of a section file without the markup the import adds."""
    words = []
    for line in text.splitlines():
        line = re.sub(r"^#+ ", "", line)  # headings
        line = re.sub(r"^- ", "", line)  # list items
        line = re.sub(r"^\\", "", line)  # escaped '#' or '>'
        line = re.sub(r"^(\d+)\\\.", r"\1.", line)  # escaped '1.'
        words += line.split()
    return words


@pytest.fixture
def reference() -> Path:
    if not REFERENCE.is_file():
        pytest.skip("../shared/reference is not beside this checkout; the import fixture lives there")
    return REFERENCE


@pytest.fixture
def notice_dir(tmp_path: Path) -> Path:
    return tmp_path / "notice"


# --- The reference notice ----------------------------------------------------


def test_reference_splits_at_its_headings_in_order(reference, notice_dir):
    result = import_notice(reference, notice_dir)

    assert result.title == "UJET Privacy Notice"
    assert [section_id for section_id, _ in result.sections] == REFERENCE_IDS
    assert manifest(notice_dir) == {
        "title": "UJET Privacy Notice",
        "sections": REFERENCE_IDS,
        "jump_list": "smart-links",
    }
    assert sorted(path.name for path in notice_dir.iterdir()) == sorted(
        [f"{section_id}.md" for section_id in REFERENCE_IDS] + ["notice.yml"]
    )


def test_reference_headings_are_its_standalone_lines(reference, notice_dir):
    """Each section title is a line of the reference standing alone, in order."""
    result = import_notice(reference, notice_dir)
    lines = reference.read_text(encoding="utf-8").splitlines()
    position = 0
    for section_id, title in result.sections:
        found = lines.index(title, position)
        assert not lines[found - 1].strip() and not lines[found + 1].strip(), title
        assert section(notice_dir, section_id).startswith(f"# {title}\n")
        position = found + 1


def test_reference_words_round_trip(reference, notice_dir):
    """Title and sections, in manifest order, hold every word of the original
    in its order, except the "Last Updated" line the site prints itself."""
    import_notice(reference, notice_dir)
    original_words = []
    for line in reference.read_text(encoding="utf-8").splitlines():
        if line.lower().startswith("last updated"):
            continue
        original_words += re.sub(r"^\s*•", "", line).split()

    imported = manifest(notice_dir)
    imported_words = imported["title"].split()
    for section_id in imported["sections"]:
        imported_words += markdown_words(section(notice_dir, section_id))

    assert imported_words == original_words


def test_reference_keeps_address_lines_and_bullets(reference, notice_dir):
    import_notice(reference, notice_dir)
    text = reference.read_text(encoding="utf-8")
    multi_line = [p.splitlines() for p in text.split("\n\n") if len(p.strip().splitlines()) > 1]
    address = multi_line[-1]
    contact = section(notice_dir, "how-to-contact-us")
    assert "\n".join(line + "  " for line in address[:-1]) + "\n" + address[-1] in contact

    privacy = section(notice_dir, "your-privacy")
    bullets = [line for line in privacy.splitlines() if line.startswith("- ")]
    assert bullets and "•" not in privacy
    assert all("Last Updated" not in section(notice_dir, i) for i in REFERENCE_IDS)


# --- Markdown ----------------------------------------------------------------


def test_markdown_front_matter_title_sections_and_sub_headings(tmp_path, notice_dir):
    source = write(
        tmp_path / "old.md",
        "---\ntitle: Acme Privacy Notice\nlayout: legal\n---\n"
        "# Acme Privacy Notice\n\n"
        "Effective date: 1 March 2024\n\n"
        "We are Acme.\n\n"
        "## What We Collect\n\nNames.\n\n### Cookies\n\nSmall files.\n\n#### Lifetime\n\nA day.\n\n"
        "## Contact Us\n\nWrite to us.\n",
    )
    result = import_notice(source, notice_dir)

    assert result.title == "Acme Privacy Notice"
    assert result.sections == [
        ("introduction", "Introduction"),
        ("what-we-collect", "What We Collect"),
        ("contact-us", "Contact Us"),
    ]
    assert manifest(notice_dir) == {
        "title": "Acme Privacy Notice",
        "sections": ["introduction", "what-we-collect", "contact-us"],
    }
    assert section(notice_dir, "introduction") == "# Introduction\n\nWe are Acme.\n"
    assert section(notice_dir, "what-we-collect") == (
        "# What We Collect\n\nNames.\n\n## Cookies\n\nSmall files.\n\n### Lifetime\n\nA day.\n"
    )
    assert section(notice_dir, "contact-us") == "# Contact Us\n\nWrite to us.\n"
    assert "layout" not in (notice_dir / "notice.yml").read_text(encoding="utf-8")
    assert any("Effective date" in warning for warning in result.warnings)


def test_manifest_starts_with_its_comment(tmp_path, notice_dir):
    import_notice(write(tmp_path / "n.md", "# A\n\nx\n\n# B\n\ny\n"), notice_dir)
    text = (notice_dir / "notice.yml").read_text(encoding="utf-8")
    assert text.startswith("# The notice: its title and the order of its sections")


def test_markdown_several_h1_split_at_h1(tmp_path, notice_dir):
    source = write(tmp_path / "n.md", "# Scope\n\nAll of it.\n\n## Details\n\nSome.\n\n# Rights\n\nMany.\n")
    result = import_notice(source, notice_dir)

    assert result.title == "Privacy Notice"
    assert [section_id for section_id, _ in result.sections] == ["scope", "rights"]
    assert section(notice_dir, "scope") == "# Scope\n\nAll of it.\n\n## Details\n\nSome.\n"


def test_markdown_setext_headings(tmp_path, notice_dir):
    source = write(tmp_path / "n.md", "Acme Policy\n===========\n\nOne\n---\n\nFirst.\n\nTwo\n---\n\nSecond.\n")
    result = import_notice(source, notice_dir)

    assert result.title == "Acme Policy"
    assert result.sections == [("one", "One"), ("two", "Two")]
    assert section(notice_dir, "two") == "# Two\n\nSecond.\n"


def test_markdown_last_updated_line_dropped_without_a_gap(tmp_path, notice_dir):
    source = write(tmp_path / "n.md", "*Last updated: 2 May 2024*\n\nHello.\n\n## A\n\nx\n\n## B\n\ny\n")
    import_notice(source, notice_dir)
    assert section(notice_dir, "introduction") == "# Introduction\n\nHello.\n"


def test_date_line_inside_a_section_is_kept(tmp_path, notice_dir):
    source = write(tmp_path / "n.md", "## A\n\nEffective: tomorrow\n\n## B\n\ny\n")
    import_notice(source, notice_dir)
    assert section(notice_dir, "a") == "# A\n\nEffective: tomorrow\n"


def test_duplicate_and_empty_headings_get_unique_ids(tmp_path, notice_dir):
    """Ids are the anchors GitHub gave the headings (duplicates numbered -1, -2), so old deep
    links land on the same section."""
    source = write(tmp_path / "n.md", "## Contact\n\na\n\n## Contact\n\nb\n\n## Contact!\n\nc\n\n## ???\n\nd\n")
    result = import_notice(source, notice_dir)
    assert [section_id for section_id, _ in result.sections] == ["contact", "contact-1", "contact-2", "section-4"]
    assert section(notice_dir, "contact-1") == "# Contact\n\nb\n"


def test_fenced_code_hashes_are_not_headings(tmp_path, notice_dir):
    code = "```\n# not a heading\n## nor this\n```"
    source = write(tmp_path / "n.md", f"## A\n\n{code}\n\n## B\n\n~~~~\n# still code\n~~~~\n")
    result = import_notice(source, notice_dir)
    assert [section_id for section_id, _ in result.sections] == ["a", "b"]
    assert section(notice_dir, "a") == f"# A\n\n{code}\n"


def test_markdown_without_md_suffix_is_recognised_by_its_headings(tmp_path, notice_dir):
    result = import_notice(write(tmp_path / "exported", "# One\n\na\n\n# Two\n\nb\n"), notice_dir)
    assert [section_id for section_id, _ in result.sections] == ["one", "two"]


def test_smart_link_syntax_is_kept_and_reported(tmp_path, notice_dir):
    source = write(tmp_path / "n.md", "## A\n\nSee [[b]] and {{ x }}.\n\n## B\n\ny\n")
    result = import_notice(source, notice_dir)
    assert "See [[b]] and {{ x }}." in section(notice_dir, "a")
    assert any(warning.startswith(f"{source}:3:") for warning in result.warnings)


def test_title_only_markdown_becomes_one_introduction(tmp_path, notice_dir):
    source = write(tmp_path / "n.md", "# Lamp Co Privacy\n\nAll of it.\n")
    result = import_notice(source, notice_dir)
    assert result.title == "Lamp Co Privacy"
    assert result.sections == [("introduction", "Introduction")]
    assert any("only the notice title" in warning for warning in result.warnings)


# --- Plain text --------------------------------------------------------------


def test_plain_text_first_line_is_a_heading_unless_it_names_the_notice(tmp_path, notice_dir):
    source = write(tmp_path / "n.txt", "About Us\n\nWe sell lamps.\n\nYour Rights\n\nPlenty.\n")
    result = import_notice(source, notice_dir)
    assert result.title == "Privacy Notice"
    assert [section_id for section_id, _ in result.sections] == ["about-us", "your-rights"]


def test_plain_text_escapes_lines_markdown_would_change(tmp_path, notice_dir):
    source = write(
        tmp_path / "n.txt",
        "Lamp Co Privacy Policy\n\nScope\n\n1. First point.\n\n# not a heading\n\n> not a quote\n\n"
        "• a bullet\n• another\n\nOther\n\n    Indented text.\n",
    )
    import_notice(source, notice_dir)
    assert section(notice_dir, "scope") == (
        "# Scope\n\n1\\. First point.\n\n\\# not a heading\n\n\\> not a quote\n\n- a bullet\n- another\n"
    )
    assert section(notice_dir, "other") == "# Other\n\nIndented text.\n"


def test_plain_text_title_followed_by_date_line(tmp_path, notice_dir):
    source = write(tmp_path / "n.txt", "Lamp Co\nEffective date: 1 May 2024\n\nIntro words.\n\nScope\n\nAll.\n")
    result = import_notice(source, notice_dir)
    assert result.title == "Lamp Co"
    assert result.sections == [("introduction", "Introduction"), ("scope", "Scope")]
    assert section(notice_dir, "introduction") == "# Introduction\n\nIntro words.\n"


# --- Replacing a notice ------------------------------------------------------


def test_refuses_to_overwrite_without_replace(tmp_path, notice_dir):
    notice_dir.mkdir()
    write(notice_dir / "contact.md", "# Contact\n\nOld.\n")
    source = write(tmp_path / "n.md", "## Contact\n\nNew.\n\n## Rights\n\nSome.\n")

    with pytest.raises(ImportFailed, match=r"(?s)already has a notice.*--replace") as failure:
        import_notice(source, notice_dir)
    assert str(failure.value).startswith(f"{notice_dir}: ")
    assert section(notice_dir, "contact") == "# Contact\n\nOld.\n"


def test_replace_removes_stale_sections_and_keeps_translations(tmp_path, notice_dir):
    """--replace leaves a notice that builds: a section the new text lacks goes, with its
    translations; a translation of a section it keeps stays, and the import says so."""
    notice_dir.mkdir()
    write(notice_dir / "notice.yml", "title: Old\nsections: [contact, cookies]\n")
    write(notice_dir / "contact.md", "# Contact\n\nOld.\n")
    write(notice_dir / "cookies.md", "# Cookies\n\nOld.\n")
    write(notice_dir / "contact.fr.md", "# Contact\n\nAncien.\n")
    write(notice_dir / "cookies.pt_BR.md", "# Cookies\n\nAntigo.\n")
    source = write(tmp_path / "n.md", "## Contact\n\nNew.\n\n## Rights\n\nSome.\n")

    result = import_notice(source, notice_dir, replace=True)

    assert result.removed == [notice_dir / "cookies.md", notice_dir / "cookies.pt_BR.md"]
    assert sorted(path.name for path in notice_dir.iterdir()) == [
        "contact.fr.md",
        "contact.md",
        "notice.yml",
        "rights.md",
    ]
    assert section(notice_dir, "contact") == "# Contact\n\nNew.\n"
    assert manifest(notice_dir)["sections"] == ["contact", "rights"]
    kept = [warning for warning in result.warnings if "translat" in warning]
    assert len(kept) == 1 and "contact.fr.md: kept" in kept[0]


# --- Errors ------------------------------------------------------------------


def test_missing_file(tmp_path, notice_dir):
    missing = tmp_path / "nope.md"
    with pytest.raises(ImportFailed, match="no such file") as failure:
        import_notice(missing, notice_dir)
    assert str(failure.value).startswith(f"{missing}: ")
    assert not notice_dir.exists()


def test_not_utf8_names_file_and_line(tmp_path, notice_dir):
    source = tmp_path / "latin1.txt"
    source.write_bytes("Privacy Policy\n\nScope\n\nDonn\u00e9es.\n".encode("latin-1"))
    with pytest.raises(ImportFailed, match="not UTF-8") as failure:
        import_notice(source, notice_dir)
    assert str(failure.value).startswith(f"{source}:5: ")
    assert "Save the file as UTF-8" in str(failure.value)


def test_plain_text_without_headings_is_refused(tmp_path, notice_dir):
    source = write(tmp_path / "n.txt", "just one long paragraph of text that has no heading at all.\n\nand another one.\n")
    with pytest.raises(ImportFailed, match="no headings found"):
        import_notice(source, notice_dir)


def test_markdown_without_headings_becomes_one_section(tmp_path, notice_dir):
    """A published page may have no heading at all (or hold only a template): every word is kept."""
    source = write(tmp_path / "n.md", "Only text, no heading.\n\n```\n# code\n```\n")
    result = import_notice(source, notice_dir)
    assert result.sections == [("introduction", "Introduction")]
    assert section(notice_dir, "introduction") == "# Introduction\n\nOnly text, no heading.\n\n```\n# code\n```\n"
    assert any("no section headings found" in w for w in result.warnings)


def test_empty_file(tmp_path, notice_dir):
    source = write(tmp_path / "n.md", "  \n\n")
    with pytest.raises(ImportFailed, match="the file is empty"):
        import_notice(source, notice_dir)


def test_failure_is_an_exception_with_path_and_line():
    failure = ImportFailed(Path("x.md"), "something is wrong", "Do this", line=3)
    assert str(failure) == "x.md:3: something is wrong\n  Fix: Do this"
    assert isinstance(failure, NoticeError) and failure.line == 3
    assert (failure.path, failure.line) == (Path("x.md"), 3)
    assert [field.name for field in dataclasses.fields(importer.ImportResult)] == [
        "title",
        "sections",
        "removed",
        "warnings",
    ]


def test_broken_front_matter_names_the_line(tmp_path, notice_dir):
    source = write(tmp_path / "n.md", "---\ntitle: [unclosed\n---\n\n## A\n\nx\n")
    with pytest.raises(ImportFailed, match="front matter is not valid YAML") as failure:
        import_notice(source, notice_dir)
    assert str(failure.value).startswith(f"{source}:2: ")     # the line of the bad YAML
