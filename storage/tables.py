"""Every table module, imported in one place so ``metadata`` is complete.

Alembic's autogenerate and the drift test compare the database against this metadata; a
table module missing here would look like a table to drop. Add each new table module to
the imports below (a test fails when one is forgotten).
"""

from __future__ import annotations

from sqlmodel import SQLModel

from storage import (
    campaigns,
    click_tallies,
    content,
    dashboard,
    dedup,
    drafts,
    leases,
    people,
    points,
    policy,
    ratelimits,
    requests,
    secrets,
    tracking,
)

metadata = SQLModel.metadata

__all__ = [
    "campaigns",
    "click_tallies",
    "content",
    "dashboard",
    "dedup",
    "drafts",
    "leases",
    "metadata",
    "people",
    "points",
    "policy",
    "ratelimits",
    "requests",
    "secrets",
    "tracking",
]
