"""A two-section notice and a built site's files, for the build tests."""

from __future__ import annotations


def notice_with_two_sections(repo):
    repo.section("intro", "Introduction", "Hello from {{ company.name }}. See [[contact]].")
    repo.section("contact", "Contact", "Write to {{ company.email }}.")
    repo.manifest("intro", "contact", title="{{ company.name }} Privacy Notice")


def site_files(site) -> dict:
    return {p.relative_to(site).as_posix(): p.read_bytes()
            for p in site.rglob("*") if p.is_file()}


def notice_build(repo, *args: str, env: dict | None = None):
    """`notice build` as its own process, as a user (or CI) runs it."""
    import os
    import subprocess
    import sys

    return subprocess.Popen(
        [sys.executable, "-m", "notice_engine.cli", "--root", str(repo.root), "build", *args],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "NOTICE_TODAY": "2024-12-31", **(env or {})})


def finished(process) -> tuple[int, str]:
    out, err = process.communicate(timeout=600)
    return process.returncode, out + err
