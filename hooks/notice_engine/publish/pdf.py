"""`notice build --pdf`: a PDF of every version, as legal teams file them.

Each version's PDF is laid out by WeasyPrint from the version's sections and the
print stylesheet the site uses (theme/assets/notice-print.css): the edition, the
version date and page numbers in the margins, link targets written out, fonts
embedded. It carries the version's notice.txt as an attachment, so `notice
verify` can name the version a PDF is. Nothing is fetched: every URL the layout
would load is refused. A PDF is made once per distinct document and kept in
`.cache/notice/pdf/` (safe to delete), so a rebuild copies, not renders. Each kept PDF
has a seal beside it (core/sealed.py, the checkout's secret over its key and bytes): a
PDF put there by anyone else, a committed one too, is rendered again, never published.
"""

from __future__ import annotations

import hashlib
import io
import os
import shutil
import tempfile
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from . import page_html as page
from ..cache import HISTORY_DIR, PDF_CACHE, at as cache_at
from ..config import Edition, NoticeConfig
from ..core import sealed
from ..core.safe_paths import replace_file
from ..errors import NoticeError
from .verify import PDF_ATTACHMENT

PRINT_CSS = Path(__file__).resolve().parents[1] / "theme" / "assets" / "notice-print.css"


def write_pdfs(config: NoticeConfig, editions: list[Edition], site_dir: Path, *,
               allow_shallow: bool = False) -> int:
    """archive/<date>/notice.pdf for every version of every edition, and notice.pdf for
    the current one; returns how many PDFs had to be rendered (the rest came from the
    cache). The missing ones are rendered in parallel processes."""
    from ..history.walk import edition_history, read_repository
    from ..history.store import HistoryStore
    from ..history.dates import today
    from ..render.sections import Renderer

    repository = read_repository(config.root, allow_shallow=allow_shallow)
    seal = sealed.seal_for(config.root)
    renderer = Renderer()
    placed: list[tuple[Path, Path]] = []                  # (cached PDF, where it goes)
    missing: dict[Path, tuple[str, str]] = {}             # cached PDF -> (document, text)
    for edition in editions:
        past = edition_history(repository, config, edition, renderer, today(edition),
                               HistoryStore(cache_at(config.root, HISTORY_DIR), config.root))
        label = page.edition_label(config, edition)
        for version in past.versions:
            document = pdf_document(past, version, label)
            cached = cached_pdf(config.root, document)
            if not _sealed(seal, cached):
                missing[cached] = (document, version.text.fingerprint)
            folder = site_dir / edition.id
            placed.append((cached, folder / "archive" / version.date.isoformat() / "notice.pdf"))
            if version is past.current:
                placed.append((cached, folder / "notice.pdf"))
    _render_all(missing)
    for cached in missing:
        _seal(seal, cached)
    for cached, target in placed:
        _place(cached, target)
    return len(missing)


def _sealed(seal: sealed.Seal | None, cached: Path) -> bool:
    """Whether `cached` is a PDF this checkout rendered (without a seal, none is)."""
    if seal is None:
        return False
    try:
        mark = _seal_path(cached).read_text(encoding="ascii").strip()
        data = cached.read_bytes()
    except (OSError, UnicodeDecodeError):
        return False
    return seal.valid(mark, cached.name, data)


def _seal(seal: sealed.Seal | None, cached: Path) -> None:
    if seal is not None:
        replace_file(_seal_path(cached), seal.sign(cached.name, cached.read_bytes()).encode())


def _seal_path(cached: Path) -> Path:
    return cached.with_name(cached.name + ".seal")


def cached_pdf(root: Path, document: str) -> Path:
    """Where the PDF of this document is kept: one per distinct document and WeasyPrint."""
    key = hashlib.sha256(f"{_weasyprint_version()}\0{document}".encode()).hexdigest()
    return cache_at(root, PDF_CACHE / f"{key}.pdf")


def _render_all(missing: dict[Path, tuple[str, str]]) -> None:
    if len(missing) < 2:
        for cached, (document, text) in missing.items():
            _render_to_cache(cached, document, text)
        return
    with ProcessPoolExecutor(max_workers=min(len(missing), os.cpu_count() or 1)) as pool:
        for job in [pool.submit(_render_to_cache, cached, document, text)
                    for cached, (document, text) in missing.items()]:
            job.result()


def _render_to_cache(cached: Path, document: str, text: str) -> None:
    """Render into the cache atomically: a reader never sees half a PDF."""
    cached.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=cached.parent, prefix=".", suffix=".pdf",
                                     delete=False) as out:
        written = Path(out.name)
    try:
        render_pdf(document, text, written)
        written.chmod(0o644)            # a published file, readable like the site's others
        os.replace(written, cached)
    finally:
        written.unlink(missing_ok=True)


def pdf_document(history, version, edition_label: str) -> str:
    """The HTML the PDF is laid out from: the version's page without the site around it."""
    edition = history.edition
    return page.render_template(
        "pdf.html", edition.locale, text=version.text, version=version,
        fmt=page.Formatter(edition), edition_label=edition_label, stale={},
        stylesheet=PRINT_CSS.read_text(encoding="utf-8"),
        source_language=page.language_name(version.text.source_language, edition.locale))


def render_pdf(document: str, canonical_text: str, target: Path) -> None:
    """Lay the document out to `target`, notice.txt attached; no URL is ever fetched."""
    try:
        from weasyprint import HTML, Attachment
    except OSError as exc:           # the Python package is there, Pango is not
        raise NoticeError(f"WeasyPrint cannot load its system libraries: {exc}",
                          fix="install Pango (Debian: apt-get install libpango-1.0-0 "
                              "libpangoft2-1.0-0 fonts-dejavu-core; ./dev does it)") from None
    attachment = Attachment(file_obj=io.BytesIO(canonical_text.encode("utf-8")), name=PDF_ATTACHMENT,
                            description="The canonical text; its SHA-256 is in versions.json")
    HTML(string=document, url_fetcher=_no_network).write_pdf(
        target, attachments=[attachment], pdf_variant=None)


def _no_network(url: str, *args, **kwargs):
    """A privacy notice's PDF loads nothing from anywhere: refuse every URL."""
    raise ValueError(f"not fetched (a notice's PDF loads nothing): {url}")


def _place(source: Path, target: Path) -> None:
    """Put a cached PDF into the site (a hard link where the file system allows)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    target.unlink(missing_ok=True)
    try:
        os.link(source, target)
    except OSError:
        shutil.copyfile(source, target)


def _weasyprint_version() -> str:
    from importlib import metadata

    return metadata.version("weasyprint")
