"""What the author reads: a draft's status card, the list of their drafts, one draft's
history."""

from __future__ import annotations

from bot.context import Context
from bot.replies import Button, Card, LinkButton
from handlers.drafts import cards
from handlers.drafts.times import shown
from storage.drafts import EDITABLE, HELD, Draft, current_version, drafts_of, events_of, reviews_of
from storage.people import Person

LIST_SIZE = 15


def _names(ctx: Context) -> dict[str, dict[str, str]]:
    return {d.key: d.names for d in ctx.services.settings.config.departments}


def _status(ctx: Context, draft: Draft) -> str:
    with ctx.db() as session:
        reviews = reviews_of(session, draft)
        ids = {r.reviewer_id for r in reviews if r.reviewer_id is not None}
        people = {pid: p for pid in ids if (p := session.get(Person, pid)) is not None}
    zone = ctx.person.timezone if ctx.person else None
    return cards.status_text(ctx.tr, draft, reviews, people, _names(ctx), zone)


def draft_status(ctx: Context, draft_id: int, intro: str = "") -> Card:
    with ctx.db() as session:
        draft = session.get(Draft, draft_id)
        assert draft is not None
        version = current_version(session, draft)
    return cards.draft_card(ctx.tr, draft, version, _status(ctx, draft), intro=intro)


def list_card(ctx: Context) -> Card:
    assert ctx.person is not None and ctx.person.id is not None
    with ctx.db() as session:
        mine = drafts_of(session, ctx.person.id)
        titles = {d.id: current_version(session, d).title for d in mine[:LIST_SIZE]}
    if not mine:
        return Card(
            title=ctx.t("You have no drafts yet"),
            body=ctx.t("Write one with “submit”: I check it at once and send it to review."),
        )
    lines = [f"#{d.id} {titles[d.id]} — {_status(ctx, d)}" for d in mine[:LIST_SIZE]]
    buttons: list[Button | LinkButton] = []
    for draft in mine[:LIST_SIZE]:
        if draft.status == HELD:
            label = ctx.t("Send #{id} to review", id=draft.id)
            buttons.append(Button(label, cards.RECHECK, str(draft.id)))
        elif draft.status in EDITABLE:
            buttons.append(Button(ctx.t("Edit #{id}", id=draft.id), cards.EDIT, str(draft.id)))
    return Card(
        title=ctx.tn("{n} draft", "{n} drafts", len(mine)),
        body="\n".join(lines),
        footer=ctx.t("“drafts NUMBER” shows one draft with its history."),
        buttons=tuple(buttons[:5]),
    )


async def show_draft(ctx: Context, draft_id: int) -> None:
    """One draft of the reader's: its status, its findings, and every step so far."""
    with ctx.db() as session:
        draft = session.get(Draft, draft_id)
        if draft is None or ctx.person is None or draft.author_id != ctx.person.id:
            draft = None
        else:
            events = events_of(session, draft_id)
            actors = {e.actor_id for e in events if e.actor_id}
            people = {pid: p for pid in actors if (p := session.get(Person, pid)) is not None}
    if draft is None:
        await ctx.reply(ctx.t("You have no draft #{id}.", id=draft_id))
        return
    zone = ctx.person.timezone if ctx.person else None
    history = [
        f"{shown(event.created_at, zone)} · v{event.version} · "
        + cards.event_text(ctx.tr, event, people, _names(ctx))
        for event in events
    ]
    card = draft_status(ctx, draft_id)
    body = "\n".join(filter(None, [card.body, ctx.t("History:"), *history]))
    await ctx.reply(Card(card.title, body, card.facts, buttons=card.buttons))
