"""What the drafts feature does when nobody is talking to it.

- ``drafts.retry`` (every minute): finish what a failure interrupted — check drafts left
  ``checking``, assign reviewers where a department had none, deliver review cards and
  author notices that did not arrive, publish approved drafts, and publish scheduled
  ones whose time has come.
- ``drafts.remind`` (every 10 minutes): a review waiting longer than
  ``review.remind_after_hours`` reminds its reviewer once; one waiting longer than
  ``review.escalate_after_hours`` is escalated once to the department's lead.
- ``drafts.shares`` (every 5 minutes): authors hear when colleagues share their published
  posts, in one message per post per run; what was told is remembered.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from datetime import timedelta

from sqlmodel import col, select

from bot.i18n import N_
from bot.jobs import JobContext
from bot.replies import Card
from bot.router import Router
from handlers.drafts import assign, cards, flow, notices
from handlers.drafts.config import review_config
from handlers.drafts.times import aware
from storage.drafts import (
    APPROVED,
    CHECKING,
    Draft,
    DraftShareNotice,
    Review,
    current_version,
    drafts_in,
    events_of,
    open_reviews,
    unannounced_shares,
    unnotified_events,
)
from storage.people import Person, utcnow
from storage.tracking import ShareIntent

log = logging.getLogger(__name__)
router = Router()
STUCK = timedelta(minutes=2)
NETWORKS = {"linkedin": "LinkedIn", "x": "X", "facebook": "Facebook"}


@router.every("drafts.retry", timedelta(minutes=1))
async def retry(jobs: JobContext) -> None:
    engine, config = jobs.services.engine, jobs.services.settings.config
    now = utcnow()
    with jobs.db() as session:
        checking = drafts_in(session, [CHECKING])
        stuck = [d.id or 0 for d in checking if aware(d.updated_at) < now - STUCK]
        approved = [d.id or 0 for d in drafts_in(session, [APPROVED]) if d.item_id is None]
    touched: set[int] = set(stuck) | set(approved)  # their new events are told in this run
    for draft_id in stuck:
        for checked in flow.check(engine, config, draft_id, told=False):
            await notices.deliver_review(jobs, checked)
    for routed in flow.route_unrouted(engine, config):
        await notices.deliver_review(jobs, routed)
    with jobs.db() as session:
        for review in open_reviews(session):
            if review.reviewer_id is None:
                draft = session.get(Draft, review.draft_id)
                assert draft is not None
                review.reviewer_id = assign.pick(session, draft, review.department)
                review.assigned_at = now if review.reviewer_id else None
                review.next_try_at = None  # delivered below, in this run
                session.add(review)
        due = [
            r.id
            for r in open_reviews(session)
            if r.reviewer_id
            and r.delivered_at is None
            and (r.next_try_at is None or aware(r.next_try_at) <= now)
        ]
    for review_id in due:
        await notices.deliver_review(jobs, review_id or 0)
    for draft_id in approved:
        try:
            flow.publish(engine, config, draft_id)
        except Exception:
            log.exception("publication failed", extra={"draft_id": draft_id})
    touched.update(flow.go_live(engine, now))
    with jobs.db() as session:
        mine = [e for d in touched for e in events_of(session, d) if e.notified_at is None]
        events = {e.id: e for e in [*unnotified_events(session, now), *mine]}
    for event_id in sorted(filter(None, events)):
        await notices.tell_author(jobs, event_id)


@router.every("drafts.remind", timedelta(minutes=10))
async def remind(jobs: JobContext) -> None:
    rules = review_config(jobs.services.settings.config)
    now = utcnow()
    with jobs.db() as session:
        waiting = [r for r in open_reviews(session)]
    for review in waiting:
        since = aware(review.assigned_at or review.created_at)
        if review.reviewer_id and review.reminded_at is None and since < now - rules.remind_after:
            footer = N_("Reminder: this draft is still waiting for your review.")
            if await notices.deliver_review(jobs, review.id or 0, footer=footer):
                _mark(jobs, review.id or 0, reminded=True)
        if review.escalated_at is None and since < now - rules.escalate_after:
            await escalate(jobs, review, hours=int((now - since).total_seconds() // 3600))


def _mark(
    jobs: JobContext, review_id: int, *, reminded: bool = False, lead: int | None = None
) -> None:
    with jobs.db() as session:
        row = session.get(Review, review_id)
        assert row is not None
        if reminded:
            row.reminded_at = utcnow()
        else:
            row.escalated_at, row.escalated_to = utcnow(), lead
        session.add(row)


async def escalate(jobs: JobContext, review: Review, hours: int) -> None:
    config = jobs.services.settings.config
    with jobs.db() as session:
        draft = session.get(Draft, review.draft_id)
        assert draft is not None
        version = current_version(session, draft)
        author = session.get(Person, draft.author_id)
        reviewer = session.get(Person, review.reviewer_id) if review.reviewer_id else None
        lead = assign.lead_of(
            session, config, review.department, {draft.author_id, review.reviewer_id}
        )
    if lead is None:
        log.warning("no lead to escalate to", extra={"department": review.department})
        _mark(jobs, review.id or 0)
        return
    tr = jobs.translator_for(lead)
    department = cards.department_label(tr, notices.departments(jobs), review.department)
    values = {
        "title": version.title,
        "id": draft.id,
        "author": author.name if author else "?",
        "hours": hours,
        "department": department,
    }
    if reviewer is not None:
        body = tr.t(
            "“{title}” (draft #{id} by {author}) has waited {hours} hours for {reviewer}, "
            "who reviews it for {department}.",
            reviewer=reviewer.name,
            **values,
        )
    else:
        body = tr.t(
            "“{title}” (draft #{id} by {author}) has waited {hours} hours: nobody in "
            "{department} can review it. Give someone there the reviewer role.",
            **values,
        )
    card = Card(title=tr.t("A draft is waiting too long for review"), body=body)
    error, _wait = await notices.attempt(jobs, lead, card)
    if error is None:
        _mark(jobs, review.id or 0, lead=lead.id)


@router.every("drafts.shares", timedelta(minutes=5))
async def shares(jobs: JobContext) -> None:
    with jobs.db() as session:
        found = unannounced_shares(session)
        own = [(i, d) for i, d in found if i.person_id == d.author_id]
        for intent, draft in own:
            session.add(DraftShareNotice(intent_id=intent.id or 0, draft_id=draft.id or 0))
    by_draft: dict[int, list[ShareIntent]] = defaultdict(list)
    for intent, draft in found:
        if intent.person_id != draft.author_id:
            by_draft[draft.id or 0].append(intent)
    for draft_id, intents in by_draft.items():
        await _tell_shares(jobs, draft_id, intents)


async def _tell_shares(jobs: JobContext, draft_id: int, intents: list[ShareIntent]) -> None:
    with jobs.db() as session:
        draft = session.get(Draft, draft_id)
        assert draft is not None
        title = current_version(session, draft).title
        author = session.get(Person, draft.author_id)
        ids = {intent.person_id for intent in intents}
        people = {p.id: p for p in session.exec(select(Person).where(col(Person.id).in_(ids)))}
    assert author is not None
    tr = jobs.translator_for(author)

    def who(intent: ShareIntent) -> str:
        person = people.get(intent.person_id)
        name = tr.t("a colleague") if person is None or person.leaderboard_hidden else person.name
        return f"{name} ({NETWORKS.get(intent.network, intent.network)})"

    text = tr.tn(
        "Your post “{title}” was shared {n} time: {who}.",
        "Your post “{title}” was shared {n} times: {who}.",
        len(intents),
        title=title,
        who=", ".join(who(intent) for intent in intents),
    )
    error, _wait = await notices.attempt(jobs, author, Card(title=tr.t("Shared!"), body=text))
    if error is not None:
        return  # told next time
    with jobs.db() as session:
        for intent in intents:
            session.add(DraftShareNotice(intent_id=intent.id or 0, draft_id=draft_id))
