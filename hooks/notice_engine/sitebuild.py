"""`notice build`: every edition through MkDocs into site/<edition>/.

The one module besides the hook that drives MkDocs; the engine itself never
imports it. Problems in the notice stop the build and are
reported as the engine's own file:line messages, not as a generator's traceback.
"""

from __future__ import annotations

import logging
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

from .config import Edition, NoticeConfig
from .errors import NoticeError


@dataclass(frozen=True)
class BuiltEdition:
    edition: Edition
    index: Path
    seconds: float
    warnings: list[str]


def build_edition(config: NoticeConfig, edition: Edition, site_dir: Path, *,
                  allow_shallow: bool = False) -> BuiltEdition:
    """One full MkDocs build of one edition into site_dir/<edition>/."""
    from mkdocs.commands.build import build
    from mkdocs.config import load_config
    from mkdocs.exceptions import MkDocsException

    started = time.monotonic()
    messages = _Messages()
    mkdocs_log = logging.getLogger("mkdocs")
    mkdocs_log.setLevel(logging.INFO)
    mkdocs_log.propagate = False
    mkdocs_log.addHandler(messages)
    target = site_dir / edition.id
    staging = site_dir / f".{edition.id}.building"
    shutil.rmtree(staging, ignore_errors=True)
    try:
        mkdocs_config = load_config(str(config.root / "mkdocs.yml"), site_dir=str(staging))
        mkdocs_config.extra["notice_edition"] = edition.id
        mkdocs_config.extra["notice_allow_shallow"] = allow_shallow
        build(mkdocs_config)
        _swap_in(staging, target)
    except MkDocsException as exc:
        # The hook's NoticeError was logged by MkDocs with its file:line; pass that on as is.
        raise NoticeError("\n".join(messages.errors) or f"MkDocs could not build edition "
                          f"{edition.id}: {exc}") from None
    finally:
        mkdocs_log.removeHandler(messages)
        shutil.rmtree(staging, ignore_errors=True)
    return BuiltEdition(edition, target / "index.html",
                        time.monotonic() - started, messages.warnings)


def _swap_in(staging: Path, target: Path) -> None:
    """Replace the published edition only once the new one is complete: a failed or
    interrupted build leaves the previous site/ as it was."""
    retired = target.with_name(f".{target.name}.previous")
    shutil.rmtree(retired, ignore_errors=True)
    if target.exists():
        target.rename(retired)
    staging.rename(target)
    shutil.rmtree(retired, ignore_errors=True)


class _Messages(logging.Handler):
    """Collects what MkDocs and the hook log, so the CLI prints it once, in its own words."""

    def __init__(self):
        super().__init__(logging.INFO)
        self.errors: list[str] = []
        self.warnings: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if record.levelno >= logging.WARNING:
            (self.errors if record.levelno >= logging.ERROR else self.warnings).append(message)
        elif message.startswith("warning: "):
            self.warnings.append(message[len("warning: "):])
