"""Hypothesis settings for the property and fuzz tests."""

from __future__ import annotations

from hypothesis import HealthCheck, Phase, settings


def fuzz(max_examples: int, **more):
    """Deterministic: the same examples every run, nothing saved between runs.

    No `explain` phase: on Python < 3.12 it line-traces every example, which makes the
    git- and Markdown-heavy tests several times slower.
    """
    more.setdefault("phases", [p for p in Phase if p is not Phase.explain])
    return settings(max_examples=max_examples, derandomize=True, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much,
                                           HealthCheck.data_too_large], **more)
