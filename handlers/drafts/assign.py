"""Who reviews, and who hears when a review waits too long.

Reviewers of a department are the people in it with the ``reviewer`` role, never the
draft's author. They take turns (round-robin, remembered in storage); a new version goes
back to whoever reviewed the last one in that department, if they still may.

A department's lead is the person whose email is ``departments.<key>.lead`` in the YAML
(the key the request routing reads too), otherwise the first person of the department
with the ``leader`` role.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session

from bot.config import Config
from bot.roles import LEADER, REVIEWER
from storage.drafts import Draft, Review, last_reviewer, next_in_rotation, people_in
from storage.people import Person, person_by_email

GRACE = timedelta(minutes=1)  # the turn delivers first; the scheduler only after a failure


def eligible(session: Session, department: str, author_id: int) -> list[int]:
    return [
        person.id
        for person in people_in(session, department)
        if person.id is not None and REVIEWER in person.roles and person.id != author_id
    ]


def pick(session: Session, draft: Draft, department: str) -> int | None:
    assert draft.id is not None
    candidates = eligible(session, department, draft.author_id)
    previous = last_reviewer(session, draft.id, department)
    if previous in candidates:
        return previous
    return next_in_rotation(session, department, candidates)


def open_reviews(
    session: Session, draft: Draft, departments: list[str], now: datetime
) -> list[Review]:
    """One pending review per department for the draft's current version."""
    assert draft.id is not None
    reviews = []
    for department in departments:
        reviewer = pick(session, draft, department)
        review = Review(
            draft_id=draft.id,
            version=draft.version,
            department=department,
            reviewer_id=reviewer,
            assigned_at=now if reviewer else None,
            next_try_at=now + GRACE,
        )
        session.add(review)
        reviews.append(review)
    session.flush()
    return reviews


def lead_of(
    session: Session, config: Config, department: str, exclude: Collection[int | None]
) -> Person | None:
    entry: Any = (config.raw.get("departments") or {}).get(department)
    email = entry.get("lead") if isinstance(entry, dict) else None
    if isinstance(email, str) and email.strip():
        person = person_by_email(session, email)
        if person is not None and person.id not in exclude:
            return person
    for person in people_in(session, department):
        if LEADER in person.roles and person.id not in exclude:
            return person
    return None
