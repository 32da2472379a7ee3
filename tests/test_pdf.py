"""`notice build --pdf` on a fresh clone: a PDF per version whose text is the version's words,
made once (kept in .cache/notice/pdf/), linked from the archive, and named by `notice verify`."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from pypdf import PdfReader

from notice_engine.cli import main
from notice_engine.publish.verify import PDF_ATTACHMENT


def pdf_words(path: Path) -> str:
    return " ".join(" ".join(page.extract_text() or "" for page in PdfReader(path).pages).split())


def test_build_pdf_on_a_fresh_clone(sample_root, tmp_path, capsys):
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(sample_root), str(clone)], check=True)
    site = tmp_path / "site"
    assert main(["--root", str(clone), "build", "--pdf", "--edition", "us-en",
                 "--site-dir", str(site)]) == 0
    assert "PDFs written" in capsys.readouterr().out
    edition = site / "us-en"
    versions = json.loads((edition / "versions.json").read_text(encoding="utf-8"))["versions"]
    for entry in versions:
        pdf = edition / entry["pdf"]
        text = (edition / entry["text"]).read_text(encoding="utf-8")
        words = pdf_words(pdf)
        title = text.splitlines()[0].removeprefix("# ")
        assert title in words
        body = [line for line in text.splitlines() if line and not line.startswith(("#", "-", "|"))]
        assert " ".join(body[1].split()[:8]) in words        # a paragraph's words, as laid out
        assert PdfReader(pdf).attachments[PDF_ATTACHMENT][0].decode("utf-8") == text
        fonts = {f["/BaseFont"] for page in PdfReader(pdf).pages
                 for f in page["/Resources"]["/Font"].values()}
        assert fonts and all("+" in font for font in fonts), f"embedded subsets: {fonts}"
        assert main(["--root", str(clone), "verify", str(pdf)]) == 0
        assert f"version {entry['effective']}" in capsys.readouterr().out
    current = json.loads((edition / "versions.json").read_text(encoding="utf-8"))["current"]
    assert (edition / "notice.pdf").read_bytes() == \
        (edition / "archive" / current / "notice.pdf").read_bytes()
    assert 'notice.pdf" type="application/pdf"' in (edition / "archive" / "index.html").read_text()

    # Made once: a second build renders none.
    assert main(["--root", str(clone), "build", "--pdf", "--edition", "us-en",
                 "--site-dir", str(site)]) == 0
    assert "(0 rendered" in capsys.readouterr().out
    assert (edition / "notice.pdf").is_file()


def test_a_pdf_put_into_the_cache_by_anyone_else_is_never_published(repo, tmp_path, capsys):
    """The PDF cache travels with a commit (`git add -f .cache`) or is written by hand: a
    kept PDF is published only under this checkout's seal, else rendered again."""
    repo.section("intro", "Introduction", "We keep your data safe.")
    repo.manifest("intro")
    repo.commit("First", date="2024-01-10T09:00:00+00:00")
    assert main(["--root", str(repo.root), "build", "--pdf"]) == 0
    cache = repo.root / ".cache" / "notice" / "pdf"
    kept = sorted(cache.glob("*.pdf"))
    assert kept
    for pdf in kept:                  # forged PDFs (beside the genuine ones' seals, if any)
        pdf.write_bytes(b"%PDF-1.4 FORGED")
    repo.git("add", "-f", ".cache/notice/pdf")
    repo.commit("A forged PDF cache", date="2024-01-11T09:00:00+00:00")
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(repo.root), str(clone)], check=True)
    for root in (repo.root, clone):    # a checkout whose seal they fail; another checkout
        capsys.readouterr()
        assert main(["--root", str(root), "build", "--pdf"]) == 0
        assert f"({len(kept)} rendered" in capsys.readouterr().out
        published = root / "site" / "us-en" / "notice.pdf"
        assert b"FORGED" not in published.read_bytes()
        assert "We keep your data safe." in pdf_words(published)
