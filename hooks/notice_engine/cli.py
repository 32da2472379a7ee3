"""The `notice` command: build, import (more commands join as the engine grows)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from . import config as config_module
from .errors import NoticeError


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if not getattr(args, "run", None):
        parser.print_help()
        return 2
    try:
        return args.run(args) or 0
    except NoticeError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="notice", description="Publish a privacy notice from Markdown sections in git.")
    parser.add_argument("--root", type=Path, default=Path("."),
                        help="the notice repository (default: the current folder)")
    commands = parser.add_subparsers(metavar="COMMAND")

    build = commands.add_parser("build", help="build every edition into site/",
                                description="Build the current notice of every edition "
                                            "into site/<edition>/.")
    build.add_argument("--edition", action="append", metavar="ID",
                       help="build only this edition (repeatable)")
    build.add_argument("--site-dir", type=Path, default=None, metavar="DIR",
                       help="where to write the site (default: site/ in the repository)")
    build.add_argument("--allow-shallow", action="store_true",
                       help="build from a shallow clone anyway; pages carry a warning banner")
    build.set_defaults(run=_build)

    imp = commands.add_parser("import", help="split an existing notice into notice/ sections",
                              description="Split a Markdown or plain-text notice into one file "
                                          "per section in notice/, with a manifest.")
    imp.add_argument("file", type=Path, help="the notice to import (.md or .txt)")
    imp.add_argument("--replace", action="store_true",
                     help="overwrite the sections already in notice/")
    imp.set_defaults(run=_import)
    return parser


def _build(args) -> int:
    from . import sitebuild

    root = args.root.resolve()
    config = config_module.load(root)
    editions = [config.edition(e) for e in args.edition] if args.edition else config.editions
    site_dir = (args.site_dir or root / "site").resolve()
    for number, edition in enumerate(editions, start=1):
        print(f"[{number}/{len(editions)}] {edition.id}: building…", end="", flush=True)
        try:
            built = sitebuild.build_edition(config, edition, site_dir,
                                            allow_shallow=args.allow_shallow)
        except NoticeError:
            print(" failed", flush=True)
            raise
        print(f" done in {built.seconds:.1f}s", flush=True)
        for warning in built.warnings:
            print(f"  warning: {warning}", file=sys.stderr)
    print(f"\nSite built in {site_dir}")
    for edition in editions:
        print(f"  {edition.id}: {site_dir / edition.id / 'index.html'}")
    return 0


def _import(args) -> int:
    from .importer import import_notice

    root = args.root.resolve()
    result = import_notice(args.file, root / "notice", replace=args.replace)
    print(f"Imported {args.file} as {len(result.sections)} sections into {root / 'notice'}:")
    for section_id, title in result.sections:
        print(f"  {section_id}.md  {title}")
    for removed in result.removed:
        print(f"  removed {removed}")
    for warning in result.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
