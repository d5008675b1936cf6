"""``share`` and the home feed: what this person could share now, best first.

Leaders' items come first (leadership is the first lever of advocacy), then items in the
person's language, then the newest.
"""

from __future__ import annotations

from bot import audience
from bot.context import Context
from bot.events import Action, Command, HomeOpened
from bot.i18n import N_
from bot.replies import Answer, Card, ReplaceCard
from bot.roles import EMPLOYEE
from bot.router import Router
from handlers.policy.gate import gate
from handlers.sharing.cards import item_card
from storage.content import ContentItem, Dismissal, current_items
from storage.people import utcnow
from storage.tracking import rotate_captions

router = Router()
FEED_SIZE = 5


def feed(ctx: Context) -> list[ContentItem]:
    person = ctx.person
    assert person is not None and person.id is not None
    with ctx.db() as session:
        items = current_items(session, person.id, utcnow())
    mine = [item for item in items if audience.matches(person, item.audience)]
    return sorted(mine, key=lambda item: (not item.leader, item.language != ctx.locale))


async def show_feed(ctx: Context) -> None:
    blocked = await gate(ctx)
    if blocked is not None:
        await ctx.reply(blocked)
        return
    items = feed(ctx)
    if not items:
        await ctx.reply(ctx.t("Nothing new to share right now. I will let you know when there is."))
        return
    for item in items[:FEED_SIZE]:
        await ctx.reply(item_card(ctx, item))
    if len(items) > FEED_SIZE:
        more = len(items) - FEED_SIZE
        await ctx.reply(
            ctx.tn(
                "{n} more item is waiting: type share again later.",
                "{n} more items are waiting: type share again later.",
                more,
            )
        )


@router.command(
    "share", summary=N_("content you can share now"), role=EMPLOYEE, aliases=("paylaş",)
)
async def share(ctx: Context, command: Command) -> None:
    await show_feed(ctx)


@router.on_home
async def home_feed(ctx: Context, event: HomeOpened) -> None:
    if ctx.person is not None:
        await show_feed(ctx)


def _item(ctx: Context, value: str) -> ContentItem | None:
    if not value.isdigit():
        return None
    return next((item for item in feed(ctx) if item.id == int(value)), None)


@router.action("share.caption", role=EMPLOYEE)
async def another_caption(ctx: Context, action: Action) -> Answer:
    item = _item(ctx, action.value)
    if item is None:
        return ReplaceCard(_gone(ctx))
    assert ctx.person is not None and ctx.person.id is not None and item.id is not None
    with ctx.db() as session:
        rotate_captions(session, item.id, ctx.person.id)
    return ReplaceCard(item_card(ctx, item))


@router.action("share.skip", role=EMPLOYEE)
async def not_for_me(ctx: Context, action: Action) -> Answer:
    item = _item(ctx, action.value)
    if item is None:
        return ReplaceCard(_gone(ctx))
    assert ctx.person is not None and ctx.person.id is not None and item.id is not None
    with ctx.db() as session:
        session.merge(Dismissal(item_id=item.id, person_id=ctx.person.id))
    return ReplaceCard(
        Card(title=item.title, body=ctx.t("Hidden. You will not see this item again."))
    )


def _gone(ctx: Context) -> Card:
    return Card(title=ctx.t("This item is no longer in your feed."))
