"""The reviewer's side: ``review`` lists my queue; each card has Approve (with an optional
publication time), Request changes (a comment) and Reject (a reason).

Only the assigned reviewer may decide, never the draft's author, and only while the
review is open; any refusal is said and changes nothing. After a decision the card is
replaced by the same card without buttons, saying what was decided.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import Any

from bot.content import ContentError, allowed_domains, check_url
from bot.context import Context
from bot.events import Action, Command, FormSubmit
from bot.i18n import N_
from bot.jobs import JobContext
from bot.replies import Answer, FieldErrors, Form, FormField, ReplaceCard
from bot.roles import REVIEWER
from bot.router import Router
from handlers.drafts import cards, flow, notices
from handlers.drafts.times import combine, parse_clock, shown
from storage.drafts import PENDING, Draft, DraftVersion, Review, events_of, queue_of, versions_of
from storage.people import Person, utcnow

log = logging.getLogger(__name__)
router = Router()
APPROVE_FORM = "review.approval"
CHANGES_FORM = "review.comment"
REJECT_FORM = "review.reason"
QUEUE_SIZE = 5
Loaded = tuple[Review, Draft, DraftVersion, Person | None]


def load(ctx: Context, value: Any) -> Loaded | str:
    """The review named by ``value`` if the reader may decide it now, else why not."""
    review_id = int(value) if str(value).isdigit() else 0
    me = ctx.person.id if ctx.person else None
    with ctx.db() as session:
        review = session.get(Review, review_id) if review_id else None
        if review is None:
            return N_("That review does not exist.")
        draft = session.get(Draft, review.draft_id)
        assert draft is not None
        if draft.author_id == me:
            return N_("You cannot review your own draft.")
        if review.reviewer_id != me:
            return N_("This review is assigned to someone else.")
        if review.state != PENDING or review.version != draft.version:
            return N_("This review is closed already; nothing was changed.")
        version = next(v for v in versions_of(session, draft.id or 0) if v.number == review.version)
        author = session.get(Person, draft.author_id)
    return review, draft, version, author


@router.command(
    "review", summary=N_("drafts waiting for your review"), role=REVIEWER, aliases=("incele",)
)
async def review_queue(ctx: Context, command: Command) -> None:
    assert ctx.person is not None and ctx.person.id is not None
    with ctx.db() as session:
        queue = queue_of(session, ctx.person.id)
    if not queue:
        await ctx.reply(ctx.t("Nothing waits for your review."))
        return
    await ctx.reply(
        ctx.tn("{n} draft waits for your review.", "{n} drafts wait for your review.", len(queue))
    )
    for review in queue[:QUEUE_SIZE]:
        loaded = load(ctx, review.id)
        if isinstance(loaded, str):
            continue
        await ctx.reply(
            notices.reviewer_card(ctx.tr, JobContext(ctx.services), *_card_args(loaded))
        )
        with ctx.db() as session:
            row = session.get(Review, review.id)
            if row is not None and row.delivered_at is None:
                row.delivered_at, row.delivery_error = utcnow(), None
                session.add(row)


def _card_args(loaded: Loaded) -> tuple[Review, DraftVersion, Person | None]:
    review, _draft, version, author = loaded
    return review, version, author


async def _open(ctx: Context, action: Action, form_id: str) -> Answer:
    loaded = load(ctx, action.value)
    if isinstance(loaded, str):
        await ctx.reply(ctx.t(loaded))
        return None
    await ctx.open_form(form_id, {"review": loaded[0].id})
    return None


@router.action(cards.APPROVE, role=REVIEWER)
async def approve_button(ctx: Context, action: Action) -> Answer:
    return await _open(ctx, action, APPROVE_FORM)


@router.action(cards.REQUEST_CHANGES, role=REVIEWER)
async def changes_button(ctx: Context, action: Action) -> Answer:
    return await _open(ctx, action, CHANGES_FORM)


@router.action(cards.REJECT, role=REVIEWER)
async def reject_button(ctx: Context, action: Action) -> Answer:
    return await _open(ctx, action, REJECT_FORM)


def _zone(ctx: Context) -> str:
    return (ctx.person.timezone if ctx.person else None) or ctx.identity.account.timezone or "UTC"


def approval_form(ctx: Context, state: dict[str, Any]) -> Form:
    return Form(
        form_id=APPROVE_FORM,
        title=ctx.t("Approve"),
        intro=ctx.t(
            "Leave the date empty to publish now. Times are in your time zone ({zone}).",
            zone=_zone(ctx),
        ),
        submit_label=ctx.t("Approve"),
        cancel_label=ctx.t("Cancel"),
        state=state,
        fields=(
            FormField(
                "comment", ctx.t("Comment for the author"), kind="multiline", max_length=2000
            ),
            FormField("publish_date", ctx.t("Publish on"), kind="date"),
            FormField("publish_time", ctx.t("At (HH:MM)"), placeholder="09:30"),
        ),
    )


def comment_form(ctx: Context, state: dict[str, Any]) -> Form:
    return Form(
        form_id=CHANGES_FORM,
        title=ctx.t("Request changes"),
        submit_label=ctx.t("Send to the author"),
        cancel_label=ctx.t("Cancel"),
        state=state,
        fields=(
            FormField(
                "comment",
                ctx.t("What should change?"),
                kind="multiline",
                required=True,
                max_length=2000,
            ),
        ),
    )


def reason_form(ctx: Context, state: dict[str, Any]) -> Form:
    return Form(
        form_id=REJECT_FORM,
        title=ctx.t("Reject"),
        submit_label=ctx.t("Reject"),
        cancel_label=ctx.t("Cancel"),
        state=state,
        fields=(
            FormField(
                "reason",
                ctx.t("Why can it not be published?"),
                kind="multiline",
                required=True,
                max_length=2000,
            ),
        ),
    )


@router.form(APPROVE_FORM, build=approval_form, role=REVIEWER)
async def approved(ctx: Context, submit: FormSubmit) -> Answer:
    day, clock_text = submit.values.get("publish_date"), submit.values.get("publish_time") or ""
    clock = parse_clock(clock_text) if clock_text else None
    errors = {}
    if clock_text and clock is None:
        errors["publish_time"] = ctx.t("Give a time as HH:MM, for example 09:30.")
    elif clock_text and not day:
        errors["publish_date"] = ctx.t("Give the date as well.")
    if errors:
        form = approval_form(ctx, dict(submit.state))
        return FieldErrors(errors, replace(form, errors=errors, values=dict(submit.values)))
    publish_at = combine(day, clock, _zone(ctx)) if day else None
    loaded = load(ctx, submit.state.get("review"))
    if not isinstance(loaded, str):
        try:
            check_url(loaded[2].link, allowed_domains(ctx.services.settings.config))
        except ContentError as exc:
            await ctx.reply(
                ctx.t(
                    "It cannot be published as it is: {reason} Request changes instead.",
                    reason=exc.localized(ctx.tr),
                )
            )
            return None
    outcome = ctx.t("You approved this on {when}.", when=shown(utcnow(), _zone(ctx)))
    return await _decide(
        ctx, submit, "approve", submit.values.get("comment", ""), publish_at, outcome
    )


@router.form(CHANGES_FORM, build=comment_form, role=REVIEWER)
async def changes_requested(ctx: Context, submit: FormSubmit) -> Answer:
    outcome = ctx.t("You asked for changes: “{comment}”", comment=submit.values["comment"])
    return await _decide(ctx, submit, "changes", submit.values["comment"], None, outcome)


@router.form(REJECT_FORM, build=reason_form, role=REVIEWER)
async def rejected(ctx: Context, submit: FormSubmit) -> Answer:
    outcome = ctx.t("You rejected it: “{reason}”", reason=submit.values["reason"])
    return await _decide(ctx, submit, "reject", submit.values["reason"], None, outcome)


async def _decide(
    ctx: Context,
    submit: FormSubmit,
    verdict: flow.Verdict,
    comment: str,
    publish_at: Any,
    outcome: str,
) -> Answer:
    loaded = load(ctx, submit.state.get("review"))
    if isinstance(loaded, str):
        await ctx.reply(ctx.t(loaded))
        return None
    assert ctx.person is not None and ctx.person.id is not None
    review, draft, _version, _author = loaded
    decided = flow.decide(
        ctx.services.engine, review.id or 0, ctx.person.id, verdict, comment, publish_at
    )
    if decided.refusal:
        await ctx.reply(ctx.t(decided.refusal))
        return None
    jobs = JobContext(ctx.services)
    if decided.complete:
        try:
            flow.publish(ctx.services.engine, ctx.services.settings.config, draft.id or 0)
        except Exception:  # the scheduler publishes it later; the approval stands
            log.exception("publication failed", extra={"draft_id": draft.id})
    with ctx.db() as session:
        pending = [e.id for e in events_of(session, draft.id or 0) if e.notified_at is None]
    for event_id in pending:
        await notices.tell_author(jobs, event_id or 0)
    card = notices.reviewer_card(ctx.tr, jobs, *_card_args(loaded))
    return ReplaceCard(cards.decided_card(ctx.tr, card, outcome))
