"""Redline: word-level comparison of two notice versions, as data, HTML and terminal text."""

from __future__ import annotations

import re
from dataclasses import dataclass
from html.parser import HTMLParser

import pytest
from conftest import assert_redline_exact
from hypothesis import given, settings
from hypothesis import strategies as st

from notice_engine.render.sections import Renderer
from notice_engine.render.redline import (DEFAULT_LABELS, BlockChange, Op, Redline, SectionChange, blocks_of, compare,
                                   to_html, to_terminal)


@dataclass(frozen=True)
class Sec:
    id: str
    title: str
    html: str


def heading(title: str, anchor: str, level: int = 2) -> str:
    """A heading as the renderer writes it, permalink included."""
    return (f'<h{level} id="{anchor}">{title}<a class="headerlink" href="#{anchor}" '
            f'title="Permanent link">¶</a></h{level}>\n')


def section(section_id: str, title: str, *paragraphs: str) -> Sec:
    body = "".join(f"<p>{p}</p>\n" for p in paragraphs)
    return Sec(section_id, title, heading(title, section_id) + body)


LEGAL = (
    "We process personal data that you provide to us directly, that we collect "
    "automatically when you use the services, and that we receive from third parties "
    "such as our service providers, business partners and publicly available sources. "
    "The categories of personal data we process depend on how you interact with us, "
    "the services you use and the choices you make, including your privacy settings. "
    "Where we rely on your consent to process personal data, you may withdraw that "
    "consent at any time by contacting us using the details set out below, without "
    "affecting the lawfulness of processing based on consent before its withdrawal. "
    "We retain personal data for as long as necessary to provide the services and "
    "fulfil the purposes described in this notice, unless a longer retention period "
    "is required or permitted by law, for example for tax, accounting or audit "
    "purposes, or to establish, exercise or defend legal claims in any jurisdiction."
)


def ops_of(kind: str, redline: Redline) -> list[str]:
    return [op.text for s in redline.sections for b in s.blocks for op in b.ops if op.kind == kind]


def statuses(redline: Redline) -> list[tuple[str, str]]:
    return [(s.id, s.status) for s in redline.sections]


# --------------------------------------------------------------------------- blocks_of

def test_blocks_of_reads_each_block_once_without_permalinks():
    fragment = (heading("Your &amp; our rights", "rights")
                + "<p>Intro with <strong>bold</strong>,\n   a <a href='https://x.test'>link</a>"
                  " &amp; &lt;angle&gt;.</p>\n"
                  "<ul>\n<li>item one</li>\n<li>item two<ul>\n<li>nested</li>\n</ul>\n</li>\n</ul>\n"
                  "<table><thead><tr><th>Data</th><th>Why</th></tr></thead>"
                  "<tbody><tr><td>Email</td><td>Login&nbsp;and notices</td></tr></tbody></table>\n"
                  "<dl><dt>Term</dt><dd>Meaning<br>on two lines</dd></dl>\n"
                  "<blockquote><p>Quoted</p></blockquote>\n"
                  "<pre><code>code   line\nmore</code></pre>\n"
                + heading("Sub", "sub", 3))
    assert blocks_of(fragment) == [
        "Your & our rights", "Intro with bold, a link & <angle>.", "item one", "item two",
        "nested", "Data", "Why", "Email", "Login and notices", "Term", "Meaning on two lines",
        "Quoted", "code line more", "Sub"]


def test_blocks_of_empty_fragment():
    assert blocks_of("") == []
    assert blocks_of("<p>  </p><ul><li></li></ul>") == []


# --------------------------------------------------------------------------- compare

def test_one_word_change_in_a_long_paragraph_is_one_small_pair():
    old = section("data", "Data we collect", LEGAL)
    new = section("data", "Data we collect", LEGAL.replace("audit purposes", "regulatory purposes"))
    assert len(LEGAL.split()) > 150
    redline = compare([old], [new])
    [change] = redline.sections
    assert change.status == "changed"
    assert ops_of("delete", redline) == ["audit"]
    assert ops_of("insert", redline) == ["regulatory"]
    assert redline.counts() == {"added": 0, "removed": 0, "changed": 1,
                                "words_inserted": 1, "words_deleted": 1}
    html_out = to_html(redline)
    assert html_out.count("<del>") == 2 and html_out.count("<ins>") == 2   # one + the legend
    assert re.search(r"<del><span class=\"redline-label\">deleted: </span>audit</del>", html_out)


def test_words_appended_and_removed_at_the_end_of_a_block():
    redline = compare([section("s", "S", "We keep server logs for security reasons.",
                               "We delete them after a year or on request.")],
                      [section("s", "S", "We keep server logs for security reasons and audits.",
                               "We delete them after a year.")])
    blocks = [b for b in redline.sections[0].blocks if b.old != b.new]
    assert blocks[0].ops == (Op("equal", "We keep server logs for security "),
                             Op("delete", "reasons."), Op("insert", "reasons and audits."))
    assert blocks[1].ops == (Op("equal", "We delete them after a "),
                             Op("delete", "year or on request."), Op("insert", "year."))


def test_paragraph_inserted_between_two_unchanged_ones():
    old = section("s", "S", "First paragraph stays.", "Last paragraph stays.")
    new = section("s", "S", "First paragraph stays.", "A brand new paragraph.",
                  "Last paragraph stays.")
    [change] = compare([old], [new]).sections
    assert [b.ops for b in change.blocks] == [
        (Op("equal", "S"),), (Op("equal", "First paragraph stays."),),
        (Op("insert", "A brand new paragraph."),), (Op("equal", "Last paragraph stays."),)]
    html_out = to_html(Redline((change,)))
    assert html_out.count('class="redline-skip"') == 2
    assert "… 1 unchanged paragraph …" in html_out      # the title's own block is the <h3>
    assert "First paragraph stays." not in html_out      # unchanged blocks collapse


def test_heavy_rewrite_is_a_whole_block_replacement():
    old = section("s", "S", "We may share your data with carefully chosen partners in Europe.")
    new = section("s", "S", "Nobody outside the company ever receives the information you give.")
    [change] = compare([old], [new]).sections
    rewritten = [b for b in change.blocks if b.old != b.new]
    assert [b.ops for b in rewritten] == [
        (Op("delete", "We may share your data with carefully chosen partners in Europe."),),
        (Op("insert", "Nobody outside the company ever receives the information you give."),)]


def test_mostly_rewritten_but_paired_block_does_not_become_confetti():
    old = "We share your data with partners for marketing and analytics purposes only."
    new = "We sell your information to affiliates for marketing and analytics purposes only."
    [change] = compare([section("s", "S", old)], [section("s", "S", new)]).sections
    [block] = [b for b in change.blocks if b.old != b.new]
    assert block.ops == (Op("equal", "We "), Op("delete", "share your data with partners"),
                         Op("insert", "sell your information to affiliates"),
                         Op("equal", " for marketing and analytics purposes only."))


def test_edited_paragraphs_pair_up_in_a_rewritten_stretch():
    old = section("s", "S", "Alpha one two three four five.", "Beta six seven eight nine ten.")
    new = section("s", "S", "Totally different words here now.", "Alpha one two three four six.",
                  "Beta six seven eight nine eleven.")
    [change] = compare([old], [new]).sections
    assert [b.ops for b in change.blocks[1:]] == [
        (Op("insert", "Totally different words here now."),),
        (Op("equal", "Alpha one two three four "), Op("delete", "five."), Op("insert", "six.")),
        (Op("equal", "Beta six seven eight nine "), Op("delete", "ten."), Op("insert", "eleven.")),
    ]


def test_sections_added_removed_unchanged_in_reading_order():
    old = [section("intro", "Intro", "Hello."), section("gone", "Gone", "Bye."),
           section("data", "Data", "Some data."), section("first-gone", "X", "x")]
    old = [old[3]] + old[:3]          # a removed section before any survivor
    new = [section("data", "Data", "Some data."), section("new", "New", "Fresh text."),
           section("intro", "Intro", "Hello there.")]
    redline = compare(old, new)
    assert statuses(redline) == [("first-gone", "removed"), ("data", "unchanged"),
                                 ("new", "added"), ("intro", "changed"), ("gone", "removed")]
    by_id = {s.id: s for s in redline.sections}
    assert [b.ops for b in by_id["new"].blocks] == [(Op("insert", "New"),),
                                                     (Op("insert", "Fresh text."),)]
    assert [b.ops for b in by_id["gone"].blocks] == [(Op("delete", "Gone"),),
                                                      (Op("delete", "Bye."),)]
    assert [b.ops for b in by_id["data"].blocks] == [(Op("equal", "Data"),),
                                                      (Op("equal", "Some data."),)]
    assert redline.changed
    # "Hello." -> "Hello there." is two whole blocks: no word is shared ("Hello." != "Hello").
    assert redline.counts() == {"added": 1, "removed": 2, "changed": 1,
                                "words_inserted": 5, "words_deleted": 5}


def test_renamed_title_is_a_change_and_reports_the_new_title():
    [change] = compare([section("c", "Contact", "Write to us.")],
                       [section("c", "Contact us", "Write to us.")]).sections
    assert (change.title, change.status) == ("Contact us", "changed")
    assert change.blocks[0].ops == (Op("equal", "Contact"), Op("insert", " us"))


def test_markup_only_change_is_unchanged():
    old = Sec("s", "S", "<p>Read the <a href='/a'>policy</a>.</p>")
    new = Sec("s", "S", "<p>Read the\n<strong><a href='/b'>policy</a></strong>.</p>")
    redline = compare([old], [new])
    assert statuses(redline) == [("s", "unchanged")] and not redline.changed


def test_lists_and_tables_are_compared_per_item_and_cell():
    old = Sec("s", "S", "<ul><li>name</li><li>email address</li></ul>"
                        "<table><tr><td>Email</td><td>2 years</td></tr></table>")
    new = Sec("s", "S", "<ul><li>name</li><li>postal address</li><li>phone</li></ul>"
                        "<table><tr><td>Email</td><td>3 years</td></tr></table>")
    [change] = compare([old], [new]).sections
    assert [b.ops for b in change.blocks] == [
        (Op("equal", "name"),),
        (Op("delete", "email"), Op("insert", "postal"), Op("equal", " address")),
        (Op("insert", "phone"),),
        (Op("equal", "Email"),),
        (Op("delete", "2"), Op("insert", "3"), Op("equal", " years")),
    ]


def test_duplicate_section_ids_are_refused():
    with pytest.raises(ValueError, match="twice"):
        compare([section("a", "A", "x"), section("a", "A", "y")], [])


def test_sections_from_the_renderer():
    """The real input: Renderer output, title heading with its permalink included."""
    renderer = Renderer()
    outline = ((2, "sharing", "Sharing"), (3, "partners", "Partners"))
    body = ("We share data with:\n\n- payment processors\n- hosting providers\n\n"
            "## Partners\n\n| Partner | Purpose |\n|---|---|\n| Acme | billing |\n")
    old = renderer.section("sharing", "Sharing", body, outline)
    new = renderer.section("sharing", "Sharing",
                           body.replace("hosting providers", "cloud hosting providers")
                               .replace("billing", "monthly billing"), outline)
    assert blocks_of(old.html) == ["Sharing", "We share data with:", "payment processors",
                                   "hosting providers", "Partners", "Partner", "Purpose",
                                   "Acme", "billing"]
    [change] = compare([old], [new]).sections
    assert change.status == "changed"
    changed = [b.ops for b in change.blocks if b.old != b.new]
    assert changed == [(Op("insert", "cloud "), Op("equal", "hosting providers")),
                       (Op("insert", "monthly "), Op("equal", "billing"))]
    assert "¶" not in to_html(compare([old], [new]))


# --------------------------------------------------------------------------- HTML

class _Ids(HTMLParser):
    def __init__(self):
        super().__init__()
        self.ids: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.ids += [value for name, value in attrs if name == "id"]


def test_html_structure_labels_and_no_real_anchor_ids():
    old = [section("intro", "Intro", "Hello world."), section("gone", "Gone", "Bye."),
           section("same", "Same", "Steady text.")]
    new = [section("intro", "Intro", "Hello wide world."), section("same", "Same", "Steady text."),
           section("new", "New", "Fresh.")]
    out = to_html(compare(old, new))
    assert out.startswith('<div class="redline">') and out.endswith("</div>")
    assert '<p class="redline-legend"><ins>…</ins> added text <del>…</del> removed text</p>' in out
    assert '<section class="redline-section redline-changed" id="_changes-intro">' in out
    assert '<section class="redline-section redline-removed" id="_changes-gone">' in out
    assert '<section class="redline-section redline-added" id="_changes-new">' in out
    assert "<h3>Gone <span class=\"redline-status\">— section removed</span></h3>" in out
    assert "<h3>New <span class=\"redline-status\">— new section</span></h3>" in out
    assert '<p class="redline-skip redline-unchanged-run">… 1 section unchanged …</p>' in out
    assert "Steady text." not in out          # the page shows the full text below anyway
    assert '<ins><span class="redline-label">inserted: </span>wide </ins>' in out
    parser = _Ids()
    parser.feed(out)
    assert not {"intro", "gone", "same", "new"} & set(parser.ids)
    assert all(i.startswith("_changes-") for i in parser.ids)

    without = to_html(compare(old, new), include_unchanged=False, id_prefix="")
    assert "redline-unchanged-run" not in without and "Steady text." not in without
    assert " id=" not in without


def test_html_escapes_text_and_titles():
    old = [Sec("s", "Terms & <conditions>", "<p>If a &lt; b then c.</p>")]
    new = [Sec("s", "Terms & <conditions>", "<p>If a &lt; b &amp; d then c.</p>")]
    out = to_html(compare(old, new))
    assert "<h3>Terms &amp; &lt;conditions&gt;</h3>" in out
    assert '<p class="redline-block">If a &lt; b <ins>' in out
    assert "</span>&amp; d </ins>then c.</p>" in out
    assert "<conditions>" not in out and "b & d" not in out


def test_html_uses_given_labels():
    labels = {"inserted": "ajouté", "deleted": "supprimé", "unchanged": "inchangée",
              "added_section": "nouvelle section", "removed_section": "section supprimée",
              "unchanged_blocks": "{n} paragraphes inchangés", "legend_inserted": "texte ajouté",
              "legend_deleted": "texte retiré", "no_changes": "Aucun changement du texte.",
              "unchanged_sections": "{n} sections inchangées"}
    old = [section("a", "A", "Un texte.", "Deux.", "Trois."), section("b", "B", "Pareil."),
           section("c", "C", "Fin.")]
    new = [section("a", "A", "Un autre texte.", "Deux.", "Trois."), section("b", "B", "Pareil."),
           section("d", "D", "Neuf.")]
    out = to_html(compare(old, new), labels)
    for expected in ['<span class="redline-label">ajouté: </span>autre </ins>',
                     '<span class="redline-label">supprimé: </span>Fin.</del>',
                     "… 1 sections inchangées …", "— nouvelle section</span>",
                     "— section supprimée</span>", "… 2 paragraphes inchangés …",
                     "<ins>…</ins> texte ajouté <del>…</del> texte retiré"]:
        assert expected in out
    assert "inserted" not in out and "unchanged" not in out.replace("redline-unchanged", "")

    same = to_html(compare(old, old), labels)
    assert '<p class="redline-none">Aucun changement du texte.</p>' in same
    assert "redline-legend" not in same


def test_html_separates_a_deletion_from_the_insertion_after_it():
    out = to_html(compare([section("s", "S", "Kept for two years here.")],
                          [section("s", "S", "Kept for three years here.")]))
    assert "two</del> <ins>" in out


# --------------------------------------------------------------------------- terminal

def _sample() -> Redline:
    old = [section("a", "Alpha", "One two three.", "Same para."), section("b", "Beta", "Same."),
           section("c", "Gamma", "Same too."), section("gone", "Gone", "Bye.")]
    new = [section("a", "Alpha", "One 2 three.", "Same para."), section("b", "Beta", "Same."),
           section("c", "Gamma", "Same too.")]
    return compare(old, new)


def test_terminal_without_colour():
    assert to_terminal(_sample(), color=False) == (
        "== Alpha (changed) ==\n"
        "One [-two-]{+2+} three.\n"
        "  … 1 unchanged paragraph …\n"
        "\n"
        "… 2 sections unchanged …\n"
        "\n"
        "== Gone (removed) ==\n"
        "[-Bye.-]")


def test_a_run_of_unchanged_sections_is_one_line_everywhere():
    """Page, email and terminal: one line for each run, in its place, not a box per section."""
    from notice_engine.mail import redline_email

    same = [section(f"s{n}", f"Same {n}", f"Text {n}.") for n in range(12)]
    old = [*same, section("x", "X", "Old words.")]
    new = [*same, section("x", "X", "New words.")]
    changes = compare(old, new)
    assert to_html(changes).count("redline-unchanged-run") == 1
    assert "… 12 sections unchanged …" in to_html(changes)
    assert to_terminal(changes, color=False).startswith("… 12 sections unchanged …\n\n== X")
    labels = {**DEFAULT_LABELS, "unchanged_sections": "{n} sections inchangées"}
    assert "… 12 sections inchangées …" in redline_email.text(changes, labels)
    assert "12 sections inchangées" in redline_email.html(changes, labels)


def test_every_email_style_lands_on_an_element_of_the_template():
    """A kind renamed in templates/redline.html must not leave an email style unused."""
    from notice_engine.mail import redline_email
    from notice_engine.render import redline

    pieces = redline.html_pieces()
    kinds = set(re.findall(r"\{css\[(\w+)\]\}", "".join(pieces.values())))
    statuses = {f"section_{s}" for s in (redline.ADDED, redline.REMOVED, redline.CHANGED,
                                          redline.UNCHANGED)}
    assert set(redline_email.STYLES) <= kinds | statuses
    drawn = redline_email.html(_sample(), DEFAULT_LABELS)
    for kind in ("legend", "heading", "block", "skip", "unchanged_run", "status", "ins", "del",
                 "label", "section_changed", "section_removed"):
        assert f'style="{redline_email.STYLES[kind]}"' in drawn, kind
    assert "{" not in drawn.replace("{+", "")         # every field filled in


def test_terminal_with_colour():
    out = to_terminal(_sample(), color=True)
    assert "One \x1b[31m\x1b[9mtwo\x1b[0m \x1b[32m\x1b[4m2\x1b[0m three." in out
    assert "\x1b[31m\x1b[9mBye.\x1b[0m" in out
    assert "[-" not in out and "{+" not in out
    assert "… 2 sections unchanged …" in out


def test_terminal_when_nothing_changed():
    old = [section("a", "A", "Same.")]
    assert to_terminal(compare(old, old), color=False) == "No change to the text.\n… 1 section unchanged …"


# --------------------------------------------------------------------------- property

VOCABULARY = ["data", "we", "you", "may", "share", "the", "personal", "consent", "law",
              "&", "<b>", "processing", "partners", "rights", "ÉTÉ", "a", "of", "."]

paragraph = st.lists(st.sampled_from(VOCABULARY), min_size=1, max_size=12).map(" ".join)
paragraphs = st.lists(paragraph, max_size=6)


@st.composite
def edited(draw, original: list[str]) -> list[str]:
    """The paragraphs after a few random edits: word swaps, paragraph inserts and deletes."""
    result = list(original)
    for _ in range(draw(st.integers(0, 4))):
        action = draw(st.sampled_from(["word", "insert", "delete", "keep"]))
        if action == "word" and result:
            k = draw(st.integers(0, len(result) - 1))
            words = result[k].split()
            words[draw(st.integers(0, len(words) - 1))] = draw(st.sampled_from(VOCABULARY))
            if draw(st.booleans()):
                words.insert(draw(st.integers(0, len(words))), draw(st.sampled_from(VOCABULARY)))
            result[k] = " ".join(words)
        elif action == "insert":
            result.insert(draw(st.integers(0, len(result))), draw(paragraph))
        elif action == "delete" and result:
            del result[draw(st.integers(0, len(result) - 1))]
    return result


def _html(paras: list[str]) -> str:
    from html import escape
    return "".join(f"<p>{escape(p)}</p>\n" for p in paras)


@st.composite
def notices(draw):
    ids = draw(st.lists(st.sampled_from("abcdefgh"), unique=True, max_size=6))
    old, new = [], []
    for section_id in ids:
        paras = draw(paragraphs)
        where = draw(st.sampled_from(["both", "both", "both", "old", "new"]))
        if where in ("both", "old"):
            old.append(Sec(section_id, section_id.upper(), _html(paras)))
        if where in ("both", "new"):
            new.append(Sec(section_id, section_id.upper(), _html(draw(edited(paras)))))
    new = draw(st.permutations(new))
    return old, new


@settings(max_examples=300, deadline=None)
@given(notices())
def test_redline_is_exact(notice_pair):
    old, new = notice_pair
    redline = compare(old, new)
    assert_redline_exact(old, new, redline)
    to_html(redline)
    to_terminal(redline, color=True)


def test_types_are_frozen_values():
    block = BlockChange((Op("equal", "a "), Op("delete", "b"), Op("insert", "c")))
    assert (block.old, block.new) == ("a b", "a c")
    assert SectionChange("x", "X", "changed", (block,)) == SectionChange("x", "X", "changed", (block,))
