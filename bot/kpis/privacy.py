"""Small groups stay hidden: a figure about fewer than ``MIN_GROUP`` people could single
someone out, so it is reported as suppressed, never as a number (KVKK / GDPR)."""

from __future__ import annotations

MIN_GROUP = 5
"""The one place the threshold lives; every grouped KPI consults ``is_hidden``."""


def is_hidden(people: int) -> bool:
    return people < MIN_GROUP
