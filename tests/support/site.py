"""A two-section notice and a built site's files, for the build tests."""

from __future__ import annotations


def notice_with_two_sections(repo):
    repo.section("intro", "Introduction", "Hello from {{ company.name }}. See [[contact]].")
    repo.section("contact", "Contact", "Write to {{ company.email }}.")
    repo.manifest("intro", "contact", title="{{ company.name }} Privacy Notice")


def site_files(site) -> dict:
    return {p.relative_to(site).as_posix(): p.read_bytes()
            for p in site.rglob("*") if p.is_file()}
