"""``share`` and the home feed: what this person could share now, best first.

Leaders' items come first (leadership is the first lever of advocacy), then items in the
person's language, then the newest.
"""

from __future__ import annotations

from sqlmodel import Session, col, select

from bot import audience
from bot.context import Context
from bot.events import Action, Command, HomeOpened
from bot.i18n import N_
from bot.replies import Answer, Card, ReplaceCard
from bot.roles import EMPLOYEE
from bot.router import Router
from handlers.policy.gate import gate
from handlers.sharing.cards import item_card
from storage.campaigns import Campaign, Delivery
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
    """On a campaign's card (``item@campaign``) the new card keeps the campaign's message."""
    item_value, _, campaign_value = action.value.partition("@")
    item = _item(ctx, item_value)
    if item is None:
        return ReplaceCard(_gone(ctx))
    assert ctx.person is not None and ctx.person.id is not None and item.id is not None
    with ctx.db() as session:
        rotate_captions(session, item.id, ctx.person.id)
        campaign = _received(session, campaign_value, item.id, ctx.person.id)
    return ReplaceCard(item_card(ctx, item, campaign))


def _received(session: Session, value: str, item_id: int, person_id: int) -> Campaign | None:
    """The campaign named on the card, if it did bring this item to this person; a value
    naming any other is ignored, so no one can show themselves another campaign's text."""
    if not value.isdigit():
        return None
    campaign = session.get(Campaign, int(value))
    if campaign is None or item_id not in campaign.content_ids:
        return None
    sent = select(Delivery).where(
        col(Delivery.campaign_id) == campaign.id, col(Delivery.person_id) == person_id
    )
    return campaign if session.exec(sent).first() is not None else None


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
