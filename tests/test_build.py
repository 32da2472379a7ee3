"""`notice build` end to end: real git repositories, real MkDocs, the sample notice."""

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from notice_engine.cli import main
from support.site import finished, notice_build, notice_with_two_sections, site_files


class PageLinks(HTMLParser):
    """Collects element ids, in-page links and the URLs of everything a browser would load."""

    def __init__(self):
        super().__init__()
        self.ids, self.fragments, self.loads = set(), [], []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "id" in attrs:
            self.ids.add(attrs["id"])
        href = attrs.get("href") or ""
        if href.startswith("#"):
            self.fragments.append(href[1:])
        if tag in ("script", "img", "iframe", "source", "audio", "video") and attrs.get("src"):
            self.loads.append(attrs["src"])
        loaded_rels = {"stylesheet", "icon", "preload", "modulepreload", "manifest", "prefetch"}
        if tag == "link" and href and set((attrs.get("rel") or "").split()) & loaded_rels:
            self.loads.append(href)


def parse(path: Path) -> PageLinks:
    links = PageLinks()
    links.feed(path.read_text(encoding="utf-8"))
    return links


def test_sample_notice_builds_every_edition_with_resolving_anchors(sample_root, tmp_path,
                                                                   capsys):
    site = tmp_path / "site"
    assert main(["--root", str(sample_root), "build", "--site-dir", str(site)]) == 0
    printed = capsys.readouterr().out
    assert f"Site built in {site}" in printed
    for edition in ("us-en", "eu-en"):
        index = site / edition / "index.html"
        assert str(index) in printed
        links = parse(index)
        assert links.fragments, "the sample notice has smart links"
        assert set(links.fragments) - links.ids == set(), "every #anchor resolves on the page"
        third_party = [u for u in links.loads if re.match(r"^(https?:)?//", u)]
        assert third_party == [], "nothing is loaded from another host"
    us = (site / "us-en/index.html").read_text()
    eu = (site / "eu-en/index.html").read_text()
    assert 'id="california-rights"' in us and 'id="california-rights"' not in eu
    assert 'id="legal-bases"' in eu and 'id="legal-bases"' not in us
    assert "{{" not in us and "[[" not in us, "every variable and smart link was replaced"
    # The sample has a section `changes`; an archived page's redline must not take its id.
    archived = (site / "us-en/archive/2023-06-15/index.html").read_text()
    ids = re.findall(r'\sid="([^"]+)"', archived)
    assert 'id="changes"' in archived and 'id="_changes"' in archived
    assert sorted(i for i in set(ids) if ids.count(i) > 1) == [], "every id once on a page"


def test_last_updated_is_the_last_notice_commit_in_the_notice_timezone(repo):
    notice_with_two_sections(repo)
    repo.commit("First notice", date="2024-03-01T23:30:00-08:00")   # 2 March in Paris
    repo.write("README.md", "not part of the notice\n")
    repo.commit("Unrelated change", date="2024-06-01T10:00:00+00:00")
    assert main(["--root", str(repo.root), "build"]) == 0
    html = (repo.root / "site/us-en/index.html").read_text()
    assert re.search(r'Last Updated: <time datetime="2024-03-02">2 March 2024</time>', html)
    assert "Privacy Notice Archive" in html
    assert "<title>Examplary Privacy Notice" in html


def test_without_a_commit_the_page_says_draft_not_a_build_date(repo):
    notice_with_two_sections(repo)
    assert main(["--root", str(repo.root), "build", "--edition", "eu-en"]) == 0
    html = (repo.root / "site/eu-en/index.html").read_text()
    assert "Draft — not published" in html and "Last Updated:" not in html
    assert not (repo.root / "site/us-en").exists()


@pytest.mark.parametrize("breakage, expected", [
    (lambda r: r.write("notice/intro.md", "---\nregions: [\n---\n# Intro\n"),
     "notice/intro.md:2: malformed YAML"),
    (lambda r: r.section("intro", "Introduction", "See [[contactt]]."),
     "notice/intro.md:3: smart link [[contactt]]: no such section or heading"),
    (lambda r: r.section("stray", "Stray"), "notice/stray.md:1: this section is not listed"),
    (lambda r: r.manifest("intro", "contact", "gone"),
     "notice/notice.yml:5: section 'gone' has no file"),
    (lambda r: r.section("contact", "Contact", aliases="[intro]"),
     "notice/contact.md: duplicate id 'intro'"),
])
def test_bad_input_stops_the_build_with_file_and_line(repo, capsys, breakage, expected):
    notice_with_two_sections(repo)
    assert main(["--root", str(repo.root), "build"]) == 0
    previous = (repo.root / "site/us-en/index.html").read_text()
    breakage(repo)
    assert main(["--root", str(repo.root), "build"]) == 1
    assert expected in capsys.readouterr().err
    assert (repo.root / "site/us-en/index.html").read_text() == previous, "nothing is lost"


def test_a_configuration_mkdocs_refuses_stops_the_build_with_the_file(repo, capsys):
    notice_with_two_sections(repo)
    repo.commit("First", date="2024-01-10T09:00:00+01:00")
    text = (repo.root / "mkdocs.yml").read_text(encoding="utf-8")
    (repo.root / "mkdocs.yml").write_text(text.replace("name: material", "name: no-such-theme"),
                                          encoding="utf-8")
    assert main(["--root", str(repo.root), "build"]) == 1
    err = capsys.readouterr().err
    assert "mkdocs.yml" in err and "MkDocs cannot use this configuration" in err
    assert "Traceback" not in err


def test_every_command_has_help(capsys):
    for command in ([], ["build"], ["serve"], ["versions"], ["diff"], ["check"], ["import"],
                    ["notify"]):
        with pytest.raises(SystemExit) as done:
            main([*command, "--help"])
        assert done.value.code == 0
        assert "usage: notice" in capsys.readouterr().out


def test_a_rebuild_with_nothing_changed_keeps_the_edition_and_its_warnings(repo, capsys,
                                                                           monkeypatch):
    notice_with_two_sections(repo)
    repo.commit("First", date="2024-01-10T09:00:00+01:00")
    repo.section("contact", "Contact", "Broken [[nowhere]] link.")
    repo.commit("Broken", date="2024-02-10T09:00:00+01:00")
    notice_with_two_sections(repo)
    repo.commit("Fixed", date="2024-03-10T09:00:00+01:00")
    monkeypatch.setenv("NOTICE_TODAY", "2024-12-31")
    assert main(["--root", str(repo.root), "build", "--edition", "us-en"]) == 0
    first = capsys.readouterr()
    assert "us-en: built" in first.out and "did not build there" in first.err
    index = repo.root / "site/us-en/index.html"
    before = index.stat().st_mtime_ns

    assert main(["--root", str(repo.root), "build", "--edition", "us-en"]) == 0
    second = capsys.readouterr()
    assert "us-en: up to date, kept" in second.out
    assert "did not build there" in second.err, "a kept edition still reports its warnings"
    assert index.stat().st_mtime_ns == before

    monkeypatch.setenv("NOTICE_TODAY", "2025-06-01")       # a later day, nothing falls due: kept
    assert main(["--root", str(repo.root), "build", "--edition", "us-en"]) == 0
    assert "us-en: up to date, kept" in capsys.readouterr().out
    monkeypatch.setenv("NOTICE_TODAY", "2024-06-01")       # a rebuild of an earlier day: rebuilt
    assert main(["--root", str(repo.root), "build", "--edition", "us-en"]) == 0
    assert "us-en: built" in capsys.readouterr().out
    repo.section("contact", "Contact", "An uncommitted draft.")  # a draft: rebuilt
    assert main(["--root", str(repo.root), "build", "--edition", "us-en"]) == 0
    assert "us-en: built" in capsys.readouterr().out
    assert "An uncommitted draft." in index.read_text()


def test_an_incremental_build_equals_a_clean_one(repo, tmp_path, monkeypatch, capsys):
    """After a commit only changed pages are rendered again; the result is byte for byte
    what a clean build gives, and pages of versions that went away are gone."""
    monkeypatch.setenv("NOTICE_TODAY", "2024-12-31")
    notice_with_two_sections(repo)
    repo.commit("First", date="2024-01-10T09:00:00+01:00")
    repo.section("contact", "Contact", "Write to {{ company.email }} or call.")
    repo.commit("Phone", date="2024-02-10T09:00:00+01:00")
    incremental, clean = tmp_path / "incremental", tmp_path / "clean"
    assert main(["--root", str(repo.root), "build", "--site-dir", str(incremental)]) == 0
    first_archive = incremental / "us-en/archive/2024-01-10/index.html"
    kept_mtime = first_archive.stat().st_mtime_ns

    repo.section("contact", "Contact", "Write to {{ company.email }}, call or visit.")
    repo.commit("Visit", date="2024-03-10T09:00:00+01:00")
    repo.section("contact", "Contact", "A change undone the same day.")
    repo.commit("Oops", date="2024-04-10T09:00:00+01:00")
    assert main(["--root", str(repo.root), "build", "--site-dir", str(incremental)]) == 0
    assert (incremental / "us-en/archive/2024-04-10").is_dir()
    repo.section("contact", "Contact", "Write to {{ company.email }}, call or visit.")
    repo.commit("Revert oops", date="2024-04-10T18:00:00+02:00")
    assert main(["--root", str(repo.root), "build", "--site-dir", str(incremental)]) == 0
    assert first_archive.stat().st_mtime_ns == kept_mtime, "an unchanged page is not rewritten"
    assert not (incremental / "us-en/archive/2024-04-10").exists()

    assert main(["--root", str(repo.root), "build", "--site-dir", str(clean)]) == 0
    capsys.readouterr()
    assert site_files(incremental) == site_files(clean)


def test_each_one_commit_rebuild_equals_a_clean_build(repo, tmp_path, monkeypatch):
    """A rebuild after each kind of commit gives a clean build's bytes: a regional change (a
    new version in one edition, the other rebuilt to the same pages), an editorial
    correction (no new page: the version's page changes, notice.1.txt appears), a change of
    every edition, a commit outside the notice. Each rebuild makes both editions in processes
    forked after the shared warm-up; each clean build, one edition at a time without them."""
    monkeypatch.setenv("NOTICE_TODAY", "2024-12-31")
    notice_with_two_sections(repo)
    repo.section("rights", "Your Rights", "Ask us for a copy.", regions="[eu]")
    repo.manifest("intro", "rights", "contact", title="{{ company.name }} Privacy Notice")
    repo.commit("First", date="2024-01-10T09:00:00+01:00")
    rebuilt = tmp_path / "rebuilt"
    assert main(["--root", str(repo.root), "build", "--site-dir", str(rebuilt)]) == 0

    def build(site, *edition):         # a process of its own, as `notice build` runs
        code, output = finished(notice_build(repo, *edition, "--site-dir", str(site)))
        assert code == 0, output

    def eu_only():
        repo.section("rights", "Your Rights", "Ask us for a copy, or to delete it.",
                     regions="[eu]")
        repo.commit("Erasure", date="2024-02-10T09:00:00+01:00")

    def typo():
        repo.section("contact", "Contact", "Write to {{ company.email }} today.")
        repo.commit("Say when\n\nNotice-Change: editorial", date="2024-02-11T09:00:00+01:00")

    def everyone():
        repo.section("contact", "Contact", "Write to {{ company.email }} or call.")
        repo.commit("Phone", date="2024-03-10T09:00:00+01:00")

    def elsewhere():
        repo.write("README.md", "Not part of the notice.\n")
        repo.commit("Readme", date="2024-03-11T09:00:00+01:00")

    def shown(edition):             # all but the gzipped sitemap, dated by the last commit
        return {k: v for k, v in site_files(rebuilt / edition).items() if k != "sitemap.xml.gz"}

    for step, changed in ((eu_only, {"eu-en"}), (typo, {"us-en", "eu-en"}),
                          (everyone, {"us-en", "eu-en"}), (elsewhere, set())):
        before = {edition: shown(edition) for edition in ("us-en", "eu-en")}
        step()
        build(rebuilt)
        clean = tmp_path / f"clean-{step.__name__}"
        for edition in before:         # one at a time: no warm-up, no fork
            build(clean, "--edition", edition)
        assert site_files(rebuilt) == site_files(clean), step.__name__
        assert {e for e in before if shown(e) != before[e]} == changed, step.__name__
    eu = rebuilt / "eu-en/archive"
    assert sorted(p.name for p in eu.iterdir() if p.is_dir()) == ["2024-01-10", "2024-02-10",
                                                                   "2024-03-10"]
    assert (eu / "2024-02-10/notice.1.txt").is_file()         # the typo corrected it


def test_more_one_commit_rebuilds_equal_a_clean_build(repo, tmp_path, monkeypatch):
    """Rebuilds in place after commits that add a section, retitle the notice (the title
    names the pages in every page's navigation and the site), or change a translation
    alone: each gives a clean build's bytes, and changes only the editions it should."""
    monkeypatch.setenv("NOTICE_TODAY", "2024-12-31")
    repo.extra["editions"].append({"id": "eu-fr", "region": "eu", "locale": "fr"})
    repo.write_mkdocs_yml()
    notice_with_two_sections(repo)
    repo.write("notice/intro.fr.md", "# Introduction\n\nBonjour. Voir [[contact]].\n")
    repo.write("notice/contact.fr.md", "# Contact\n\nÉcrivez-nous.\n")
    repo.commit("First", date="2024-01-10T09:00:00+01:00")
    rebuilt = tmp_path / "rebuilt"

    def build(site):                   # a process of its own, as `notice build` runs
        code, output = finished(notice_build(repo, "--site-dir", str(site)))
        assert code == 0, output

    def new_section():
        repo.section("rights", "Your Rights", "Ask us for a copy.")
        repo.write("notice/rights.fr.md", "# Vos droits\n\nDemandez-nous une copie.\n")
        repo.manifest("intro", "contact", "rights", title="{{ company.name }} Privacy Notice")
        repo.commit("Rights", date="2024-02-10T09:00:00+01:00")

    def new_title():
        repo.manifest("intro", "contact", "rights", title="{{ company.name }} Privacy Policy")
        repo.commit("Policy", date="2024-03-10T09:00:00+01:00")

    def translation():
        repo.write("notice/contact.fr.md", "# Contact\n\nÉcrivez-nous par courriel.\n")
        repo.commit("Courriel", date="2024-04-10T09:00:00+01:00")

    def shown(edition):             # all but the gzipped sitemap, dated by the last commit
        files = site_files(rebuilt / edition)
        files.pop("sitemap.xml.gz")
        return files

    build(rebuilt)
    editions = ("us-en", "eu-en", "eu-fr")
    for step, changed in ((new_section, set(editions)), (new_title, set(editions)),
                          (translation, {"eu-fr"})):
        before = {edition: shown(edition) for edition in editions}
        step()
        build(rebuilt)
        clean = tmp_path / f"clean-{step.__name__}"
        build(clean)
        assert site_files(rebuilt) == site_files(clean), step.__name__
        assert {e for e in editions if shown(e) != before[e]} == changed, step.__name__


def _commit_a_call(repo):
    repo.section("contact", "Contact", "Write to us, or call.")
    repo.commit("Call", date="2024-02-10T09:00:00+01:00")


def test_a_staged_build_that_fails_midway_leaves_every_published_file_as_it_was(
        repo, monkeypatch, capsys):
    """A build of a new layout (here: --strict) starts from an empty staging folder, swapped
    in only once complete: a failure before that leaves the published edition as it was."""
    from notice_engine.publish import build as sitebuild

    monkeypatch.setenv("NOTICE_TODAY", "2024-12-31")
    notice_with_two_sections(repo)
    repo.commit("First", date="2024-01-10T09:00:00+01:00")
    assert main(["--root", str(repo.root), "build", "--edition", "us-en"]) == 0
    published = repo.root / "site/us-en"
    before = site_files(published)
    _commit_a_call(repo)

    def disk_full(staging, target):      # once MkDocs has written every page
        assert "Write to us, or call." in (staging / "index.html").read_text()
        raise OSError(28, "No space left on device", str(staging))

    monkeypatch.setattr(sitebuild, "_swap_in", disk_full)
    assert main(["--root", str(repo.root), "build", "--edition", "us-en", "--strict"]) == 1
    err = capsys.readouterr().err
    assert "could not write edition us-en: [Errno 28] No space left on device" in err
    assert "the published edition was left as it was" in err
    assert site_files(published) == before
    assert sorted(p.name for p in published.parent.iterdir()) == ["index.html", "us-en"]

    monkeypatch.undo()
    monkeypatch.setenv("NOTICE_TODAY", "2024-12-31")
    assert main(["--root", str(repo.root), "build", "--edition", "us-en", "--strict"]) == 0
    assert "Write to us, or call." in (published / "index.html").read_text()


def test_a_build_in_place_that_is_interrupted_is_made_again_in_full(repo, tmp_path,
                                                                    monkeypatch, capsys):
    """After a build of the same layout, only the changed files are replaced, in the
    published folder itself, each written whole, while a marker says the folder is being
    replaced. A build stopped midway leaves the marker; the next build sees it and makes the
    edition again from nothing: a clean build's bytes."""
    from notice_engine import mkdocs_adapter
    from notice_engine.publish.buildstamp import REPLACING

    monkeypatch.setenv("NOTICE_TODAY", "2024-12-31")
    notice_with_two_sections(repo)
    repo.commit("First", date="2024-01-10T09:00:00+01:00")
    assert main(["--root", str(repo.root), "build", "--edition", "us-en"]) == 0
    published = repo.root / "site/us-en"
    kept_page = published / "check/index.html"        # the same before and after the commit
    kept_inode = kept_page.stat().st_ino
    _commit_a_call(repo)

    def disk_full(*args, **kwargs):      # MkDocs has written the pages, not versions.json
        raise OSError(28, "No space left on device", str(published / "versions.json"))

    monkeypatch.setattr(mkdocs_adapter, "write_outputs", disk_full)
    assert main(["--root", str(repo.root), "build", "--edition", "us-en"]) == 1
    assert "files may be new until the next build, which makes it again in full" \
        in capsys.readouterr().err
    assert (published / REPLACING).is_file()
    assert "Write to us, or call." in (published / "index.html").read_text()
    assert kept_page.stat().st_ino == kept_inode, "unchanged pages were not written again"
    assert not [p for p in published.rglob("*.part")], "every file was written whole"

    monkeypatch.undo()
    monkeypatch.setenv("NOTICE_TODAY", "2024-12-31")
    assert main(["--root", str(repo.root), "build", "--edition", "us-en"]) == 0
    assert not (published / REPLACING).exists()
    assert kept_page.stat().st_ino != kept_inode, "made again from nothing"
    clean = tmp_path / "clean"
    assert main(["--root", str(repo.root), "build", "--edition", "us-en",
                 "--site-dir", str(clean)]) == 0
    assert site_files(published) == site_files(clean / "us-en")


def test_the_render_cache_persists_between_builds_and_is_safe_to_delete(repo, tmp_path,
                                                                         monkeypatch):
    import shutil
    import sqlite3

    monkeypatch.setenv("NOTICE_TODAY", "2024-12-31")
    notice_with_two_sections(repo)
    repo.section("contact", "Contact", f"Text no other test renders: {tmp_path.name}.")
    repo.commit("First", date="2024-01-10T09:00:00+01:00")
    assert main(["--root", str(repo.root), "build", "--site-dir", str(tmp_path / "a")]) == 0
    store = repo.root / ".cache/notice/render.sqlite"
    with sqlite3.connect(store) as db:
        assert db.execute("SELECT COUNT(*) FROM sections_v2 WHERE html LIKE ?",
                          (f"%{tmp_path.name}%",)).fetchone()[0] == 1
    shutil.rmtree(repo.root / ".cache")
    assert main(["--root", str(repo.root), "build", "--site-dir", str(tmp_path / "b")]) == 0
    assert site_files(tmp_path / "a") == site_files(tmp_path / "b")


# --- editions taken out of mkdocs.yml leave the site ------------------------------------------

def test_a_removed_edition_leaves_the_site_but_hand_made_files_stay(repo, capsys):
    repo.section("intro", "Introduction")
    repo.manifest("intro")
    repo.commit("First notice")
    site = repo.root / "site"
    hand_made = [site / "extra" / "note.html", site / "fr-fr" / "index.html",
                 site / "robots.txt"]
    for path in hand_made:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("put here by hand\n", encoding="utf-8")
    assert main(["--root", str(repo.root), "build"]) == 0
    assert (site / "eu-en" / "index.html").is_file()

    repo.extra = {**repo.extra, "editions": [e for e in repo.extra["editions"]
                                             if e["id"] != "eu-en"]}
    repo.write_mkdocs_yml()
    assert main(["--root", str(repo.root), "build"]) == 0
    assert "removed" in capsys.readouterr().out
    assert not (site / "eu-en").exists()
    assert (site / "us-en" / "index.html").is_file()
    assert "eu-en" not in (site / "index.html").read_text(encoding="utf-8")
    for path in hand_made:
        assert path.read_text(encoding="utf-8") == "put here by hand\n", path


def test_building_one_edition_keeps_the_others(repo):
    repo.section("intro", "Introduction")
    repo.manifest("intro")
    repo.commit("First notice")
    assert main(["--root", str(repo.root), "build"]) == 0
    assert main(["--root", str(repo.root), "build", "--edition", "us-en"]) == 0
    assert (repo.root / "site" / "eu-en" / "index.html").is_file()


def test_a_file_replaced_in_the_site_is_never_written_through_a_planted_link(tmp_path):
    """A link planted under the temporary name a build writes to (in a site folder someone
    else can write) is removed, not followed: what it points at stays as it was."""
    import os

    from notice_engine.publish.build import replace_file

    outside = tmp_path / "outside.txt"
    outside.write_text("not the site's\n", encoding="utf-8")
    site = tmp_path / "site"
    site.mkdir()
    (site / f".index.html.{os.getpid()}.part").symlink_to(outside)
    replace_file(str(site / "index.html"), b"<p>the page</p>\n")
    assert outside.read_text(encoding="utf-8") == "not the site's\n"
    assert (site / "index.html").read_bytes() == b"<p>the page</p>\n"
    assert sorted(p.name for p in site.iterdir()) == ["index.html"]
