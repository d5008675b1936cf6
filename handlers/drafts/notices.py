"""Sending what a draft's people must hear, and remembering whether it arrived.

A reviewer's card and each of the author's notices are sent after their step is
committed. A failure (nobody reachable, a platform refusing) is recorded with the next
time to try, for the scheduler; the draft itself is never touched by it.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import datetime, timedelta

from bot.i18n import Translator
from bot.jobs import JobContext
from bot.outbound import NotReachable
from bot.replies import Button, Card, Reply
from bot.transport import DeliveryError
from handlers.drafts import cards
from handlers.drafts.times import shown
from storage.drafts import Draft, DraftEvent, DraftVersion, Review, versions_of
from storage.people import Person, utcnow

log = logging.getLogger(__name__)
RETRY_CAP = timedelta(hours=1)


async def attempt(
    jobs: JobContext, person: Person, reply: Reply
) -> tuple[str | None, float | None]:
    """(None, None) when delivered; else the reason and any wait the platform asked for."""
    try:
        await jobs.notify(person, reply)
    except NotReachable:
        return "not reachable", None
    except DeliveryError as exc:
        return exc.reason[:300], exc.retry_after
    except Exception as exc:  # any platform error: the draft must survive it
        log.exception("draft notice failed", extra={"person_id": person.id})
        return type(exc).__name__[:300], None
    return None, None


def next_try(attempts: int, retry_after: float | None) -> datetime:
    wait = (
        timedelta(seconds=retry_after)
        if retry_after
        else min(timedelta(minutes=2 ** min(attempts, 6)), RETRY_CAP)
    )
    return utcnow() + wait


def departments(jobs: JobContext) -> dict[str, dict[str, str]]:
    return {d.key: d.names for d in jobs.services.settings.config.departments}


async def deliver_review(jobs: JobContext, review_id: int, *, footer: str = "") -> bool:
    """Send the review card to its reviewer; ``footer`` is a message id (a reminder)."""
    with jobs.db() as session:
        review = session.get(Review, review_id)
        if review is None or review.state != "pending" or review.reviewer_id is None:
            return False
        draft = session.get(Draft, review.draft_id)
        assert draft is not None
        version = next(v for v in versions_of(session, draft.id or 0) if v.number == review.version)
        reviewer = session.get(Person, review.reviewer_id)
        author = session.get(Person, draft.author_id)
    assert reviewer is not None
    tr = jobs.translator_for(reviewer)
    card = reviewer_card(tr, jobs, review, version, author, footer)
    error, wait = await attempt(jobs, reviewer, card)
    with jobs.db() as session:
        row = session.get(Review, review_id)
        assert row is not None
        if error is None:
            row.delivered_at = row.delivered_at or utcnow()
            row.delivery_error = None
        else:
            row.attempts += 1
            row.delivery_error = error
            row.next_try_at = next_try(row.attempts, wait)
        session.add(row)
    return error is None


def reviewer_card(
    tr: Translator,
    jobs: JobContext,
    review: Review,
    version: DraftVersion,
    author: Person | None,
    footer: str = "",
) -> Card:
    department = cards.department_label(tr, departments(jobs), review.department)
    return cards.review_card(
        tr, review, version, author, department, footer=tr.t(footer) if footer else ""
    )


async def tell_author(jobs: JobContext, event_id: int) -> bool:
    with jobs.db() as session:
        event = session.get(DraftEvent, event_id)
        if event is None or event.notified_at is not None:
            return False
        draft = session.get(Draft, event.draft_id)
        assert draft is not None
        version = next(v for v in versions_of(session, event.draft_id) if v.number == event.version)
        author = session.get(Person, draft.author_id)
        actor = session.get(Person, event.actor_id) if event.actor_id else None
        commenters = {c[0] for c in event.data.get("comments") or ()}
        people = {i: p for i in commenters if i and (p := session.get(Person, i)) is not None}
    assert author is not None
    tr = jobs.translator_for(author)
    card = notice_card(tr, jobs, event, draft, version, actor, author)
    if event.data.get("comments"):
        names = departments(jobs)
        said = [
            f"{cards.name_of(people, reviewer)} ({cards.department_label(tr, names, key)}): "
            f"“{comment}”"
            for reviewer, key, comment in event.data["comments"]
        ]
        card = replace(card, body="\n".join([card.body, *said]))
    error, wait = await attempt(jobs, author, card)
    with jobs.db() as session:
        row = session.get(DraftEvent, event_id)
        assert row is not None
        if error is None:
            row.notified_at = utcnow()
        else:
            row.attempts += 1
            row.next_try_at = next_try(row.attempts, wait)
        session.add(row)
    return error is None


def notice_card(
    tr: Translator,
    jobs: JobContext,
    event: DraftEvent,
    draft: Draft,
    version: DraftVersion,
    actor: Person | None,
    author: Person,
) -> Card:
    """What the author hears of one step, in their language."""
    names = departments(jobs)
    department = cards.department_label(tr, names, event.department or "")
    who = tr.t("{name} ({department})", name=actor.name if actor else "?", department=department)
    title = version.title
    edit = (Button(tr.t("Edit"), cards.EDIT, str(draft.id), "primary"),)
    points = int(event.data.get("points") or 0)
    earned = tr.tn("You earned {n} point.", "You earned {n} points.", points) if points else ""
    if event.kind == "blocked":
        return cards.draft_card(
            tr,
            draft,
            version,
            tr.t(cards.STATUS["blocked"]),
            intro=tr.t("Your draft needs changes before it can go to review."),
        )
    if event.kind == "in_review":
        return Card(
            title=tr.t("In review: {title}", title=title),
            body=tr.t("Your draft #{id} has gone to review.", id=draft.id),
        )
    if event.kind == "approved_part":
        waiting = ", ".join(cards.department_label(tr, names, d) for d in event.data["waiting"])
        return Card(
            title=tr.t("Approved by {department}: {title}", department=department, title=title),
            body=tr.t("Still waiting for: {waiting}.", waiting=waiting),
        )
    if event.kind == "changes_requested":
        return Card(
            title=tr.t("Changes requested: {title}", title=title),
            body=tr.t("{who} asks for changes:", who=who) + f"\n“{event.note}”",
            footer=tr.t("Edit the draft; your new version goes back to review."),
            buttons=edit,
        )
    if event.kind == "rejected":
        return Card(
            title=tr.t("Not accepted: {title}", title=title),
            body=tr.t("{who} did not accept it:", who=who) + f"\n“{event.note}”",
        )
    if event.kind == "scheduled" and draft.publish_at:
        when = shown(draft.publish_at, author.timezone)
        body = tr.t("It will be published on {when}, in colleagues' feeds from then on.", when=when)
        return Card(title=tr.t("Approved: {title}", title=title), body=body, footer=earned)
    if event.data.get("live"):
        body = tr.t("The time has come: it is in colleagues' feeds now.")
    else:
        body = tr.t("Approved and published: it is in colleagues' feeds now.")
    return Card(title=tr.t("Published: {title}", title=title), body=body, footer=earned)
