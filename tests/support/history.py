"""A small notice and its history, for the tests of versions and dates."""

from __future__ import annotations

from notice_engine.history.walk import edition_history, read_repository
from notice_engine.render.sections import Renderer


def history_of(repo, edition="us-en", today="2024-12-31", store=None, commits=None):
    """The edition's history (through `store` if given), over the first `commits` commits."""
    import dataclasses
    from datetime import date

    config = repo.config()
    repository = read_repository(repo.root)
    if commits is not None:
        repository = dataclasses.replace(repository, commits=repository.commits[:commits])
    return edition_history(repository, config, config.edition(edition), Renderer(),
                           date.fromisoformat(today), store)


def first_notice(repo):
    repo.section("intro", "Introduction", "We keep your data safe.")
    repo.section("contact", "Contact", "Write to us at the address below.")
    repo.manifest("intro", "contact")
