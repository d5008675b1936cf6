"""The life of a draft, apart from any turn: store, check, route, decide, publish.

Each step is one transaction and leaves the draft in a status someone can read in
``drafts``; sending (to reviewers, to the author) comes after the commit and only records
its outcome, so a platform that fails never takes a draft with it. The scheduler
(:mod:`handlers.drafts.jobs`) picks up whatever a failure left half done.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from bot.config import Config
from bot.content import NewItem, add_item
from bot.i18n import N_
from bot.lint import Rules, lint, rules_of
from bot.points import points_for
from handlers.drafts import assign
from handlers.drafts.config import review_config
from handlers.drafts.times import aware
from storage.content import ContentItem
from storage.drafts import (
    ACCEPTED,
    APPROVED,
    BLOCKED,
    CHANGES,
    CHANGES_REQUESTED,
    CHECKING,
    CLOSED,
    DECLINED,
    IN_REVIEW,
    PENDING,
    PUBLISHED,
    REJECTED,
    SCHEDULED,
    Draft,
    DraftEvent,
    DraftVersion,
    Review,
    add_version,
    current_version,
    locked_draft,
    reviews_of,
)
from storage.engine import session_scope
from storage.people import utcnow
from storage.points import award

Verdict = Literal["approve", "changes", "reject"]


def post_text(version: DraftVersion) -> str:
    """The post as it will appear: the text, then its link."""
    return f"{version.body.rstrip()}\n\n{version.link}"


def check_version(rules: Rules, version: DraftVersion) -> list[dict[str, Any]]:
    """Findings of the title and of the post, as stored (with ``field`` and ``line``)."""
    found = [{**f.as_dict(), "field": "title"} for f in lint(version.title, rules, ())]
    post = post_text(version)
    for finding in lint(post, rules, version.networks):
        line = post.count("\n", 0, finding.start) + 1
        found.append({**finding.as_dict(), "field": "post", "line": line})
    return found


def record(
    session: Session,
    draft: Draft,
    kind: str,
    *,
    told: bool = False,
    actor_id: int | None = None,
    department: str | None = None,
    note: str = "",
    data: dict[str, Any] | None = None,
) -> DraftEvent:
    """A step in the draft's history; unless ``told``, one the author has yet to hear of."""
    assert draft.id is not None
    event = DraftEvent(
        draft_id=draft.id,
        version=draft.version,
        kind=kind,
        actor_id=actor_id,
        department=department,
        note=note,
        data=data or {},
        notified_at=utcnow() if told else None,
        next_try_at=None if told else utcnow() + assign.GRACE,
    )
    session.add(event)
    return event


def store_new(engine: Engine, author_id: int, values: dict[str, Any]) -> Draft:
    with session_scope(engine) as session:
        draft = Draft(author_id=author_id)
        session.add(draft)
        session.flush()
        add_version(session, draft, values)
        record(session, draft, "submitted", told=True)
        return draft


def store_edit(
    engine: Engine, draft_id: int, editable: tuple[str, ...], values: dict[str, Any]
) -> Draft | None:
    """A new version of the draft, if it may still be edited; None otherwise."""
    with session_scope(engine) as session:
        draft = locked_draft(session, draft_id)
        if draft is None or draft.status not in editable:
            return None
        draft.version += 1
        draft.status = CHECKING
        draft.updated_at = utcnow()
        session.add(draft)
        add_version(session, draft, values)
        record(session, draft, "edited", told=True)
        return draft


def check(engine: Engine, config: Config, draft_id: int, *, told: bool) -> list[int]:
    """Run the policy check and open the reviews; the ids of reviews to deliver."""
    rules = rules_of(config)
    now = utcnow()
    with session_scope(engine) as session:
        draft = locked_draft(session, draft_id)
        if draft is None or draft.status != CHECKING:
            return []
        version = current_version(session, draft)
        findings = check_version(rules, version)
        version.findings = findings
        session.add(version)
        draft.updated_at = now
        session.add(draft)
        if any(finding["severity"] == "block" for finding in findings):
            draft.status = BLOCKED
            record(session, draft, "blocked", told=told)
            return []
        reviews = _route(session, config, draft, version, now)
        draft.status = IN_REVIEW
        record(session, draft, "in_review", told=told)
        return [review.id for review in reviews if review.id and review.reviewer_id]


def _route(
    session: Session, config: Config, draft: Draft, version: DraftVersion, now: datetime
) -> list[Review]:
    kinds = {finding["kind"] for finding in version.findings or []}
    departments = review_config(config).departments_for(kinds, version.tags)
    return assign.open_reviews(session, draft, departments, now)


def route_unrouted(engine: Engine, config: Config) -> list[int]:
    """Drafts in review with no review at all (no department reviewed drafts when they
    came): routed by today's rules. The ids of reviews to deliver."""
    now = utcnow()
    with session_scope(engine) as session:
        opened: list[Review] = []
        for draft in session.exec(select(Draft).where(col(Draft.status) == IN_REVIEW)).all():
            if not reviews_of(session, draft):
                opened += _route(session, config, draft, current_version(session, draft), now)
        return [review.id for review in opened if review.id and review.reviewer_id]


@dataclass(frozen=True)
class Decided:
    """What a decision did: ``refusal`` (a message id) when it did nothing."""

    refusal: str | None = None
    complete: bool = False
    draft_id: int | None = None


def decide(
    engine: Engine,
    review_id: int,
    person_id: int,
    verdict: Verdict,
    comment: str,
    publish_at: datetime | None = None,
) -> Decided:
    now = utcnow()
    with session_scope(engine) as session:
        found = session.get(Review, review_id)
        if found is None:
            return Decided(N_("That review does not exist."))
        draft = locked_draft(session, found.draft_id)
        session.refresh(found)
        review = found
        assert draft is not None
        if draft.author_id == person_id:
            return Decided(N_("You cannot review your own draft."))
        if review.reviewer_id != person_id:
            return Decided(N_("This review is assigned to someone else."))
        if review.state != PENDING or review.version != draft.version:
            return Decided(N_("This review is closed already; nothing was changed."))
        review.state = {"approve": ACCEPTED, "changes": CHANGES, "reject": DECLINED}[verdict]
        review.comment = comment
        review.publish_at = publish_at
        review.decided_at = now
        session.add(review)
        others = [r for r in reviews_of(session, draft) if r.id != review.id]
        draft.updated_at = now
        common: dict[str, Any] = {
            "actor_id": person_id,
            "department": review.department,
            "note": comment,
        }
        if verdict == "approve":
            waiting = [r.department for r in others if r.state == PENDING]
            if waiting:
                record(session, draft, "approved_part", data={"waiting": waiting}, **common)
            else:
                draft.status = APPROVED
        else:
            for other in others:
                if other.state == PENDING:
                    other.state = CLOSED
                    session.add(other)
            draft.status = CHANGES_REQUESTED if verdict == "changes" else REJECTED
            kind = "changes_requested" if verdict == "changes" else "rejected"
            record(session, draft, kind, **common)
        session.add(draft)
        return Decided(complete=draft.status == APPROVED, draft_id=draft.id)


def publish(engine: Engine, config: Config, draft_id: int) -> bool:
    """Make the approved draft a content item, now or at the time its reviewers chose."""
    now = utcnow()
    with session_scope(engine) as session:
        draft = session.get(Draft, draft_id)
        if draft is None or draft.status != APPROVED or draft.item_id is not None:
            return False
        version = current_version(session, draft)
        reviews = reviews_of(session, draft)
        comments = [[r.reviewer_id, r.department, r.comment] for r in reviews if r.comment]
        chosen = [aware(r.publish_at) for r in reviews if r.publish_at]
        publish_at = max(chosen) if chosen and max(chosen) > now else None
        existing = _made_before(session, draft, version)
    item = existing or add_item(
        engine,
        config,
        NewItem(
            title=version.title,
            url=version.link,
            language=version.language,
            tags=version.tags,
            captions={"any": [version.body]},
            publish_at=publish_at,
        ),
        created_by=draft.author_id,
    )
    points = points_for(config, "draft_published")
    with session_scope(engine) as session:
        locked = locked_draft(session, draft_id)
        if locked is None or locked.item_id is not None:
            return False
        locked.item_id = item.id
        locked.publish_at = publish_at
        locked.status = SCHEDULED if publish_at else PUBLISHED
        locked.updated_at = now
        session.add(locked)
        earned = award(session, locked.author_id, "draft_published", f"draft:{draft_id}", points)
        record(
            session,
            locked,
            "scheduled" if publish_at else "published",
            data={"points": points if earned else 0, "item": item.id, "comments": comments},
        )
    return True


def _made_before(session: Session, draft: Draft, version: DraftVersion) -> ContentItem | None:
    """The item an interrupted earlier publication already made, so none is made twice."""
    query = select(ContentItem).where(
        col(ContentItem.created_by) == draft.author_id,
        col(ContentItem.url) == version.link.strip(),
        col(ContentItem.title) == version.title.strip()[:300],
        col(ContentItem.created_at) >= draft.updated_at,
    )
    return session.exec(query).first()


def go_live(engine: Engine, now: datetime) -> list[int]:
    """Scheduled drafts whose time has come are published (the feed shows them already);
    their ids."""
    live = []
    with session_scope(engine) as session:
        query = select(Draft).where(col(Draft.status) == SCHEDULED)
        for draft in session.exec(query).all():
            if draft.publish_at is None or aware(draft.publish_at) <= now:
                draft.status = PUBLISHED
                draft.updated_at = now
                session.add(draft)
                record(session, draft, "published", data={"live": True, "item": draft.item_id})
                live.append(draft.id or 0)
    return live
