"""The `notice` command: new, build, serve, versions, diff, verify, check, import."""

from __future__ import annotations

import argparse
import inspect
import sys
import time
from contextlib import contextmanager
from pathlib import Path

from . import cache, config as config_module
from .core.safe_paths import writable
from .errors import NoticeError
from .mail import cli as mail_cli


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if not getattr(args, "run", None):
        parser.print_help()
        return 2
    cache.check_again()
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

    new = _command(commands, _new, "start a notice repository of your own in DIR",
                   formatter_class=argparse.RawDescriptionHelpFormatter,
                   epilog="The pin defaults to where this engine was installed from: a git "
                          "checkout's\ncurrent commit (git+file://localhost/…@SHA), the git URL "
                          "and commit pip\nrecorded, a wheel, or a version. A pin on a path of "
                          "this machine does not\ninstall in CI: pass --engine with a URL that "
                          "CI can reach.")
    new.add_argument("dir", type=Path, metavar="DIR", help="the folder to create (or an empty one)")
    new.add_argument("--engine", metavar="SPEC",
                     help="the requirement that pins the engine in requirements.txt, any pip "
                          "requirement: 'privacy-notice-site @ git+https://…/engine.git@v0.1.0', "
                          "a wheel path, 'privacy-notice-site==0.1.0' (default: this engine)")
    new.add_argument("--from", dest="from_file", type=Path, metavar="FILE",
                     help="import an existing notice (Markdown or plain text, as notice import) "
                          "instead of the starter sections")
    _history_source_options(
        new, history="bring the notice's past versions into archive/ (a REPO:PATH or a folder "
                     "of dated copies, as notice import --history)",
        timezone="the notice's timezone, in which each version's day is counted: written "
                 "into mkdocs.yml (extra.notice.timezone; default America/New_York) and "
                 "used to date --history's commits, e.g. Europe/Paris")
    new.add_argument("--no-git", action="store_true",
                     help="do not run git init or make the first commit")

    build = _command(commands, _build, "build every edition into site/")
    build.add_argument("--edition", action="append", metavar="ID",
                       help="build only this edition (repeatable)")
    build.add_argument("--site-dir", type=Path, default=None, metavar="DIR",
                       help="where to write the site (default: site/ in the repository)")
    build.add_argument("--allow-shallow", action="store_true",
                       help="build from a shallow clone anyway; pages carry a warning banner")
    build.add_argument("--strict", action="store_true",
                       help="fail on stale translations (for the publishing CI job)")
    build.add_argument("--published", metavar="URL|PATH",
                       default=None, help="the published site (its <edition>/versions.json): "
                       "stop when a version it lists would disappear or read differently "
                       "(default: extra.notice.published in mkdocs.yml, if set)")
    build.add_argument("--pdf", action="store_true",
                       help="also write a PDF of every version (archive/<date>/notice.pdf) and "
                            "of the current one (notice.pdf), each made once and kept in "
                            ".cache/notice/pdf/; needs Pango (./dev installs it)")

    serve = _command(commands, _serve, "preview an edition with live reload")
    serve.add_argument("--edition", metavar="ID", help="the edition (default: the default one)")
    serve.add_argument("-a", "--dev-addr", default="127.0.0.1:8000", metavar="IP:PORT",
                       help="where to serve (default: 127.0.0.1:8000)")

    versions = _command(commands, _versions, "list the versions of an edition")
    _history_options(versions)
    versions.add_argument("--json", action="store_true", help="print versions.json instead")

    diff = _command(commands, _diff, "show a redline between two versions")
    diff.add_argument("a", metavar="A", nargs="?",
                      help="the older version: a date or a commit (not with --base)")
    diff.add_argument("b", metavar="B", nargs="?", help="the newer version (default: current)")
    diff.add_argument("--base", metavar="REF",
                      help="review a pull request: the notice at HEAD against the notice at its "
                           "merge base with REF (what merging would publish), e.g. origin/main")
    diff.add_argument("--format", choices=("terminal", "markdown", "html"), default="terminal",
                      help="terminal (default); markdown or html for a pull-request comment")
    _history_options(diff)
    diff.add_argument("--color", choices=("auto", "always", "never"), default="auto",
                      help="colour insertions and deletions (default: when printing to a terminal)")

    verify = _command(commands, _verify, "say which published version a saved copy is")
    verify.add_argument("file", type=Path, metavar="FILE", help="the saved copy")
    _history_options(verify, edition="look only in this edition (default: every edition)")

    check = _command(commands, _check, "lint the notice before publishing")
    check.add_argument("--format", choices=("text", "json"), default="text",
                       help="text for people (default) or json for machines")
    check.add_argument("--strict", action="store_true",
                       help="fail (exit 1) on warnings too, as `notice build --strict` does")
    check.add_argument("--base", metavar="REF",
                       help="check a pull request: only what the branch adds since its merge "
                            "base with REF (its commits' trailers and dates, the files it "
                            "changes, the notice it leaves), e.g. --base origin/main")

    imp = _command(commands, _import,
                   "split an existing notice into notice/ sections, or bring in its history")
    imp.add_argument("file", type=Path, nargs="?", help="the notice to import (.md, .html or .txt)")
    _history_source_options(
        imp, history="import past versions into archive/ instead: REPO:PATH or a folder",
        timezone="with --history: the timezone that dates commits (default: "
                 "extra.notice.timezone)")
    imp.add_argument("--locale", metavar="LOCALE",
                     help="with --history: the versions' language, e.g. fr (archive/<date>.fr.md; "
                          "default: the notice's source language)")
    imp.add_argument("--replace", action="store_true",
                     help="overwrite the sections already in notice/ (with --history: files of "
                          "archive/ that differ)")

    hook = _command(commands, _hook,
                    "git hooks: check a commit message's trailers before the commit exists")
    hook.add_argument("name", choices=("commit-msg",), help="the git hook")
    hook.add_argument("file", type=Path, metavar="FILE", help="the message file git passes")

    mail_cli.register(commands)
    return parser


def _history_source_options(parser, *, history: str, timezone: str) -> None:
    """--history and --timezone, which `notice new` and `notice import` share: where the
    past versions come from, and the timezone that dates their commits."""
    parser.add_argument("--history", metavar="SOURCE", help=history)
    parser.add_argument("--timezone", metavar="ZONE", type=_timezone, help=timezone)


def _timezone(name: str) -> str:
    try:
        return config_module.known_timezone(name)
    except NoticeError as error:
        raise argparse.ArgumentTypeError(f"{error.message}: {error.fix}") from None


def _command(commands, run, summary: str, **options) -> argparse.ArgumentParser:
    """The sub-command `run` carries out, named after it (`_import` is `notice import`); its
    --help describes it in `run`'s docstring, so what a command does is said once, where
    it is done."""
    command = commands.add_parser(run.__name__.lstrip("_"), help=summary,
                                  description=inspect.cleandoc(run.__doc__), **options)
    command.set_defaults(run=run)
    return command


def _new(args) -> int:
    """Start a notice repository for your organisation in DIR (new, or empty
    but for .git), as `mkdocs new` starts a site:

      mkdocs.yml        theme, the hook, extra.notice: placeholder facts,
                        timezone, one us-en edition (and how to add one)
      notice/           the manifest and short starter sections (or --from's)
      archive/          versions published before git (see its README)
      hooks/            the MkDocs hook; it imports the installed engine
      requirements.txt  the engine, pinned: upgrade it by changing the pin
      README.md, .gitignore, .github/workflows/publish.yml

    The engine, its theme overrides and catalogs stay in the installed
    package, so the notice's history never mixes with the engine's. Then
    git init (branch main) and a first commit, unless --no-git."""
    from .scaffold import FIRST_COMMIT, new_notice

    made = new_notice(args.dir, engine=args.engine, from_file=args.from_file,
                      history=args.history, timezone=args.timezone, git=not args.no_git)
    print(f"Started a privacy notice in {made.root}:")
    for name in made.files:
        print(f"  {name}")
    print(f"The engine, pinned in requirements.txt: {made.engine}")
    if made.commit:
        print(f"git: branch main, first commit {made.commit[:12]} \"{FIRST_COMMIT}\"")
    for warning in made.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    print(f"\nNext:\n  cd {made.root}\n  python3 -m venv .venv\n"
          "  .venv/bin/pip install -r requirements.txt\n"
          "  # put your organisation's facts in mkdocs.yml (extra.notice), your words in notice/\n"
          "  .venv/bin/notice serve                          # preview with live reload\n"
          "  .venv/bin/notice check && .venv/bin/notice build  # then commit and publish site/")
    return 0


def _build(args) -> int:
    """Build the current notice of every edition into site/<edition>/."""
    from .publish import build as sitebuild

    root = args.root.resolve()
    config = config_module.load(root)
    editions = [config.edition(e) for e in args.edition] if args.edition else config.editions
    site_dir = writable(root, args.site_dir.absolute() if args.site_dir else root / "site",
                        "the site", folder=True).resolve()
    published = args.published or config.published
    if published:
        from .publish.published import check_site
        print(f"Checking against the published record at {published} …", flush=True)
        check_site(config, editions, str(published), allow_shallow=args.allow_shallow)
    print(f"Building {len(editions)} edition(s) into {site_dir} …", flush=True)
    started = time.monotonic()

    def progress(done: int, built) -> None:
        state = "up to date, kept" if built.up_to_date else "built"
        print(f"[{done}/{len(editions)}] {built.edition.id}: {state} in {built.seconds:.1f}s",
              flush=True)
        for warning in built.warnings:
            print(f"  warning: {warning}", file=sys.stderr)

    def retired(edition_id: str) -> None:
        print(f"removed {site_dir / edition_id} (edition {edition_id} is no longer in mkdocs.yml)")

    sitebuild.build_site(config, editions, site_dir, allow_shallow=args.allow_shallow,
                         strict=args.strict, pdf=args.pdf, progress=progress, retired=retired,
                         waiting=lambda message: print(message, file=sys.stderr, flush=True))
    print(f"All editions built in {time.monotonic() - started:.1f}s")
    if args.pdf:
        from .publish.pdf import write_pdfs

        began = time.monotonic()
        made = write_pdfs(config, editions, site_dir, allow_shallow=args.allow_shallow)
        print(f"PDFs written in {time.monotonic() - began:.1f}s ({made} rendered, the others "
              "from .cache/notice/pdf/)")
    print(f"\nSite built in {site_dir} — open {site_dir / 'index.html'} (it picks an edition "
          "from the browser's language), or serve the folder with any web server:")
    for edition in editions:
        print(f"  {edition.id}: {site_dir / edition.id / 'index.html'}")
    return 0


def _history_options(command: argparse.ArgumentParser,
                     edition: str = "the edition (default: the default one)") -> None:
    """The options of the commands that read the history."""
    command.add_argument("--edition", metavar="ID", help=edition)
    command.add_argument("--allow-shallow", action="store_true",
                         help="read a shallow clone anyway (dates may be wrong)")


def _serve(args) -> int:
    """Preview one edition with live reload (mkdocs serve); edits under notice/ show as a
    draft."""
    import os

    from mkdocs.commands.serve import serve
    from mkdocs.exceptions import Abort

    root = args.root.resolve()
    edition = config_module.load(root).edition(args.edition)
    os.environ["NOTICE_EDITION"] = edition.id
    print(f"Serving edition {edition.id} at http://{args.dev_addr}/ (Ctrl-C to stop)")
    try:
        with _quick_reload(), _mkdocs_messages_shown():
            serve(str(root / "mkdocs.yml"), build_type="dirty", dev_addr=args.dev_addr)
    except Abort as exc:         # the first build failed: MkDocs has logged why, above
        raise NoticeError(f"the preview could not start: {exc.message}",
                          fix="correct what the messages above name (then `notice check` "
                              "finds nothing), and run `notice serve` again") from None
    return 0


@contextmanager
def _mkdocs_messages_shown():
    """What MkDocs logs (a build's progress, the hook's errors with file:line) on stderr, as
    `mkdocs serve` shows it: run in-process, MkDocs has no handler of its own."""
    import logging

    logger = logging.getLogger("mkdocs")
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(levelname)-7s -  %(message)s"))
    level, propagate = logger.level, logger.propagate
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
        logger.propagate = propagate


@contextmanager
def _quick_reload():
    """An editor saves a sentence and looks: MkDocs' server looks at the files every 0.5 s
    and waits 0.1 s more for further changes. Look every 50 ms (a few hundred small files:
    a stat each), and start the rebuild 20 ms after the last change."""
    from mkdocs.commands import serve as mkdocs_serve

    plain = mkdocs_serve.LiveReloadServer

    class QuickReloadServer(plain):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, polling_interval=0.05, **kwargs)
            self.build_delay = 0.02

    mkdocs_serve.LiveReloadServer = QuickReloadServer
    try:
        yield
    finally:
        mkdocs_serve.LiveReloadServer = plain


def _history(args):
    from .history.walk import edition_history, read_repository
    from .history.dates import today
    from .render.sections import Renderer

    root = args.root.resolve()
    config = config_module.load(root)
    edition = config.edition(args.edition)
    repository = read_repository(root, allow_shallow=args.allow_shallow)
    past = edition_history(repository, config, edition, Renderer(), today(edition))
    for warning in past.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    return past


def _versions(args) -> int:
    """List every version of an edition, newest first: date, kind of change, commit and
    summary."""
    from .publish import feeds

    past = _history(args)
    if args.json:
        print(feeds.versions_json(past), end="")
        return 0
    if not past.versions:
        print(f"{past.edition.id}: no published version yet (nothing committed under notice/)")
        return 0
    current = past.current
    print(f"{'date':<10}  {'change':<9}  {'commit':<12}  summary")
    for version in reversed(past.versions):
        state = (" (current)" if version is current else
                 f" (withdrawn {version.withdrawn.isoformat()})" if version.withdrawn else
                 " (upcoming)" if version.date > past.today else "")
        commit = version.commit[:12] if version.commit else "archive/"
        fixes = f" [+{len(version.corrections)} editorial]" if version.corrections else ""
        print(f"{version.date.isoformat():<10}  {version.change:<9}  {commit:<12}  "
              f"{version.summary or '(published before git)'}{fixes}{state}")
    return 0


def _diff(args) -> int:
    """Show what changed between two versions of an edition, word by word. A and B are version
    dates (YYYY-MM-DD) or commits; B defaults to the current version."""
    from .render import redline

    if args.base:
        return _diff_base(args)
    if not args.a:
        raise NoticeError("notice diff needs A (a version), or --base REF",
                          fix="notice diff 2024-01-10, or notice diff --base origin/main")
    past = _history(args)
    older = past.find(args.a)
    newer = past.find(args.b) if args.b else past.current
    if newer is None:
        raise NoticeError(f"edition {past.edition.id} has no current version to compare with",
                          fix="name both versions: notice diff A B")
    print(f"{past.edition.id}: {older.date} → {newer.date}")
    _print_redline(args, redline.compare(older.text.sections, newer.text.sections))
    return 0


def _diff_base(args) -> int:
    """What merging the branch would publish, edition by edition: the notice as HEAD has it
    against the notice at the merge base."""
    from .render import redline
    from .check import merge_base
    from .render.edition import render_edition
    from .render.sections import Renderer
    from .sources.notice import CommitTree, read_notice

    if args.a:
        raise NoticeError("give versions A B or --base REF, not both")
    root = args.root.resolve()
    config = config_module.load(root)
    start = merge_base(root, args.base)
    editions = [config.edition(args.edition)] if args.edition else config.editions
    renderer = Renderer()
    before = read_notice(CommitTree(root, start), config) if CommitTree(root, start).list(
        "notice") else None
    after = read_notice(CommitTree(root, "HEAD"), config)
    for edition in editions:
        old = render_edition(before, edition, renderer).sections if before else []
        change = redline.compare(old, render_edition(after, edition, renderer).sections)
        heading = f"{edition.id}: {args.base} ({start[:12]}) → HEAD"
        print(f"## {heading}\n" if args.format == "markdown" else
              f"<h2>{heading}</h2>" if args.format == "html" else heading)
        _print_redline(args, change)
    return 0


def _print_redline(args, change) -> None:
    from .render import redline

    if args.format == "markdown":
        print(redline.to_markdown(change))
    elif args.format == "html":
        print(redline.to_html(change, include_unchanged=False))
    else:
        color = args.color == "always" or (args.color == "auto" and sys.stdout.isatty())
        print(redline.to_terminal(change, color=color))


def _verify(args) -> int:
    """Say which published version FILE is: its edition, date and commit. FILE is a version's
    notice.txt, a page saved from the browser (the current notice or an archived
    version, .html) or a PDF of `notice build --pdf`. A text or page matches when its
    canonical text is exactly the version's (the SHA-256 in versions.json); a PDF when
    the notice.txt it carries is and its words read as that version. Exit 0 on a match;
    1, naming the closest version, when it matches none."""
    from .history.walk import edition_history, read_repository
    from .cache import HISTORY_DIR, at as cache_at
    from .history.store import HistoryStore
    from .history.dates import today
    from .render.sections import Renderer
    from .publish.verify import identify, read_copy

    root = args.root.resolve()
    config = config_module.load(root)
    copy = read_copy(args.file)
    editions = [config.edition(args.edition)] if args.edition else config.editions
    repository = read_repository(root, allow_shallow=args.allow_shallow)
    renderer = Renderer()
    histories = [edition_history(repository, config, e, renderer, today(e),
                                 HistoryStore(cache_at(root, HISTORY_DIR), root)) for e in editions]
    matches, closest = identify(copy, histories)
    for match in matches:
        version = match.version
        print(f"{args.file}: matches edition {match.edition}, version {version.date.isoformat()}"
              f" (commit {version.commit or 'none: published before git'}), sha256 "
              f"{match.corrected.previous.sha256 if match.corrected else version.sha256}"
              + (f", as it read before the editorial correction of "
                 f"{match.corrected.day.isoformat()} (commit {match.corrected.commit[:12]})"
                 if match.corrected else ""))
    if matches:
        return 0
    version = closest.version
    print(f"{args.file}: matches no published version. Closest: edition {closest.edition}, "
          f"version {version.date.isoformat()} (commit {version.commit or 'none'}), "
          f"{closest.similarity:.1%} of its words alike", file=sys.stderr)
    return 1


def _check(args) -> int:
    """Report everything that would stop or spoil a publication: broken smart links and
    anchors, duplicate ids, manifest problems, missing and stale translations, malformed
    trailers, date problems, a shallow clone, uncommitted changes, unknown variables.
    Exit 0 when there is no error (warnings are listed), 1 on an error (or any warning
    with --strict), 2 could not run."""
    from .check import as_json, run_checks

    try:
        findings = run_checks(config_module.load(args.root.resolve()), base=args.base)
    except NoticeError as exc:            # mkdocs.yml unreadable, git missing: could not run
        print(f"error: could not run the checks: {exc}", file=sys.stderr)
        return 2
    if args.format == "json":
        print(as_json(findings))
    else:
        for finding in findings:
            print(finding)
        errors = sum(f.severity == "error" for f in findings)
        print(f"{errors} error(s), {len(findings) - errors} warning(s)" if findings else
              "No findings: ready to publish.")
    failing = findings if args.strict else [f for f in findings if f.severity == "error"]
    return 1 if failing else 0


def _hook(args) -> int:
    """notice hook commit-msg FILE checks the trailers of the message git is about to commit
    (misspelt keys, malformed dates and kinds, trailers out of the last paragraph) and
    refuses it with the line and the fix. Install it with: printf '#!/bin/sh\\nexec
    notice hook commit-msg "$1"\\n' > .git/hooks/commit-msg && chmod +x
    .git/hooks/commit-msg"""
    from .history.trailers import check_message

    errors = check_message(args.file.resolve())
    for error in errors:
        print(f"error: {error}", file=sys.stderr)
    if errors:
        print(f"(the message was kept in {args.file}: edit it and commit again)", file=sys.stderr)
    return 1 if errors else 0


def _import(args) -> int:
    """notice import FILE splits a Markdown or plain-text notice into one file per section in
    notice/, with a manifest. notice import --history SOURCE brings the notice's past
    versions into archive/<YYYY-MM-DD>.md, where the archive starts: SOURCE is REPO:PATH
    (a git repository and the notice file in it; the commits of HEAD's first-parent line
    that changed it, renames followed, each dated the day it landed in the notice's
    timezone) or a folder of dated files (2019-08-15.md, .txt, .html; 2019-08-15.fr.md).
    Versions whose visible words did not change are skipped; the changes of one day make
    one version, its summary the commit subjects."""
    from .sources.importer import import_notice

    root = args.root.resolve()
    if args.history:
        if args.file:
            raise NoticeError("give FILE or --history SOURCE, not both",
                              fix="import the current text and its history in two runs")
        return _import_history(args, root)
    if args.file is None or args.locale or args.timezone:
        raise NoticeError("notice import needs FILE (--locale and --timezone go with --history)",
                          fix="notice import FILE, or notice import --history REPO:PATH|FOLDER")
    try:
        language = config_module.load(root).language
    except NoticeError:
        language = None             # no notice configured here yet: one title for every language
    result = import_notice(args.file, root / "notice", replace=args.replace, language=language)
    print(f"Imported {args.file} as {len(result.sections)} sections into {root / 'notice'}:")
    for section_id, title in result.sections:
        print(f"  {section_id}.md  {title}")
    for removed in result.removed:
        print(f"  removed {removed}")
    for warning in result.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    return 0


def _import_history(args, root: Path) -> int:
    from .history.importer import import_history

    result = import_history(args.history, root, locale=args.locale, timezone=args.timezone,
                            replace=args.replace)
    for path in result.written:
        print(f"  wrote {path.relative_to(root)}")
    print(f"Imported {len(result.written) + len(result.unchanged)} version(s) from "
          f"{args.history} into {root / 'archive'}: {len(result.written)} written, "
          f"{len(result.unchanged)} already there; of {result.versions} read, {result.skipped} "
          f"changed no visible word and {result.folded} folded into a later change that day")
    for warning in result.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
