"""The author's side: ``submit`` a draft, ``drafts`` to follow them, edit when asked.

A submitted draft is stored first, in its own transaction; the policy check, routing and
delivery come after, and whatever of them fails leaves the draft in ``drafts`` with a
status that says so (the scheduler finishes the work).
"""

from __future__ import annotations

import logging
from dataclasses import replace

from bot.content import ContentError, check_url
from bot.context import Context
from bot.events import Action, Command, FormSubmit
from bot.i18n import N_
from bot.jobs import JobContext
from bot.replies import Answer, FieldErrors
from bot.roles import BLOGGER
from bot.router import Router
from handlers.drafts import cards, flow, notices
from handlers.drafts.form import FORM_ID, draft_form, editable_version, version_values
from handlers.drafts.views import draft_status, list_card, show_draft
from handlers.policy.gate import gate
from storage.drafts import CHECKING, EDITABLE, HELD, Draft

log = logging.getLogger(__name__)
router = Router()


@router.command(
    "submit", summary=N_("send a blog draft to review"), role=BLOGGER, aliases=("gönder",)
)
async def submit(ctx: Context, command: Command) -> None:
    blocked = await gate(ctx)
    if blocked is not None:
        await ctx.reply(blocked)
        return
    await ctx.open_form(FORM_ID)


@router.command(
    "drafts",
    summary=N_("your blog drafts and where they stand"),
    usage=N_("[NUMBER]"),
    role=BLOGGER,
    aliases=("taslaklar",),
)
async def drafts(ctx: Context, command: Command) -> None:
    wanted = command.args[0].lstrip("#") if command.args else ""
    if wanted.isdigit():
        await show_draft(ctx, int(wanted))
    elif wanted:
        await ctx.reply(ctx.t("Use: drafts, or drafts NUMBER for one draft and its history."))
    else:
        await ctx.reply(list_card(ctx))


@router.action(cards.EDIT, role=BLOGGER)
async def edit_button(ctx: Context, action: Action) -> Answer:
    draft = _own(ctx, action.value)
    if draft is None or draft.status not in EDITABLE or draft.status == HELD:
        await ctx.reply(
            ctx.t("Only your drafts that are blocked or have changes requested can be edited.")
        )
        return None
    blocked = await gate(ctx)
    if blocked is not None:
        await ctx.reply(blocked)
        return None
    await ctx.open_form(FORM_ID, {"draft": draft.id})
    return None


@router.action(cards.RECHECK, role=BLOGGER)
async def recheck_button(ctx: Context, action: Action) -> Answer:
    draft = _own(ctx, action.value)
    if draft is None or draft.status != HELD:
        await ctx.reply(ctx.t("That draft is not waiting to be sent."))
        return None
    blocked = await gate(ctx)
    if blocked is not None:
        await ctx.reply(blocked)
        return None
    with ctx.db() as session:
        row = session.get(Draft, draft.id)
        if row is not None and row.status == HELD:
            row.status = CHECKING
            session.add(row)
    await _check_and_send(ctx, draft.id or 0)
    return None


@router.form(FORM_ID, build=draft_form, role=BLOGGER)
async def submitted(ctx: Context, submit: FormSubmit) -> Answer:
    assert ctx.person is not None and ctx.person.id is not None
    try:
        check_url(submit.values["link"], ())
    except ContentError as exc:
        errors = {"link": exc.localized(ctx.tr)}
        form = draft_form(ctx, dict(submit.state))
        return FieldErrors(errors, replace(form, errors=errors, values=dict(submit.values)))
    values = version_values(submit.values)
    engine = ctx.services.engine
    draft: Draft | None = None
    if editable_version(ctx, dict(submit.state)) is not None:
        draft = flow.store_edit(engine, submit.state["draft"], EDITABLE, values)
        if draft is None:
            await ctx.reply(
                ctx.t("That draft can no longer be changed, so your text is saved as a new draft.")
            )
    if draft is None:
        draft = flow.store_new(engine, ctx.person.id, values)
    assert draft.id is not None
    held = await gate(ctx)
    if held is not None:
        with ctx.db() as session:
            row = session.get(Draft, draft.id)
            if row is not None:
                row.status = HELD
                session.add(row)
        intro = ctx.t(
            "Your draft is saved. It goes to review once you have finished the policy steps."
        )
        await ctx.reply(draft_status(ctx, draft.id, intro=intro))
        await ctx.reply(held)
        return None
    await _check_and_send(ctx, draft.id)
    return None


async def _check_and_send(ctx: Context, draft_id: int) -> None:
    """Check, route and deliver; on any failure the stored draft waits for the scheduler."""
    jobs = JobContext(ctx.services)
    try:
        config = ctx.services.settings.config
        review_ids = flow.check(ctx.services.engine, config, draft_id, told=True)
        for review_id in review_ids:
            await notices.deliver_review(jobs, review_id)
    except Exception:
        log.exception("draft check failed", extra={"draft_id": draft_id})
        await ctx.reply(
            ctx.t(
                "Your draft #{id} is saved. I could not finish checking it just now; I will "
                "try again shortly, and you can follow it with “drafts”.",
                id=draft_id,
            )
        )
        return
    await ctx.reply(draft_status(ctx, draft_id))


def _own(ctx: Context, value: str) -> Draft | None:
    if not value.isdigit() or ctx.person is None:
        return None
    with ctx.db() as session:
        draft = session.get(Draft, int(value))
    return draft if draft is not None and draft.author_id == ctx.person.id else None
