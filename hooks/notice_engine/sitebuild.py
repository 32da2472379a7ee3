"""`notice build`: every edition through MkDocs into site/<edition>/.

The one module besides the hook that drives MkDocs; the engine itself never
imports it. Problems in the notice are found first, without MkDocs, so they are
reported as plain file:line messages rather than as a generator's traceback.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from pathlib import Path

from .config import Edition, NoticeConfig
from .errors import NoticeError
from .edition import render_edition
from .render import Renderer
from .sources import WorkTree, read_notice


@dataclass(frozen=True)
class BuiltEdition:
    edition: Edition
    index: Path
    seconds: float


def check_editions(config: NoticeConfig, editions: list[Edition]) -> None:
    """Read and render every edition in the engine alone; raise NoticeError on bad input."""
    notice = read_notice(WorkTree(config.root), config)
    renderer = Renderer()
    for edition in editions:
        render_edition(notice, edition, renderer)


def build_edition(config: NoticeConfig, edition: Edition, site_dir: Path) -> BuiltEdition:
    """One full MkDocs build of one edition into site_dir/<edition>/."""
    from mkdocs.commands.build import build
    from mkdocs.config import load_config
    from mkdocs.exceptions import MkDocsException

    started = time.monotonic()
    logging.getLogger("mkdocs").setLevel(logging.WARNING)
    try:
        mkdocs_config = load_config(str(config.root / "mkdocs.yml"),
                                    site_dir=str(site_dir / edition.id))
        mkdocs_config.extra["notice_edition"] = edition.id
        build(mkdocs_config)
    except MkDocsException as exc:
        raise NoticeError(f"MkDocs could not build edition {edition.id}: {exc}",
                          file=config.root / "mkdocs.yml",
                          fix="correct the setting named above") from None
    return BuiltEdition(edition, site_dir / edition.id / "index.html",
                        time.monotonic() - started)
