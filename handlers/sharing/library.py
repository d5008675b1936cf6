"""HR's side of the library, from chat: ``content add`` (a form), ``content list``,
``content archive ID``. The rules are the same as the command line's (``bot.content``)."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from bot.content import ContentError, NewItem, add_item, archive, list_items
from bot.context import Context
from bot.events import Command, FormSubmit
from bot.i18n import N_
from bot.replies import Answer, Card, FieldErrors, Form, FormField, Option
from bot.roles import HR
from bot.router import Router

router = Router()
FORM_ID = "content.add"
LIST_SIZE = 20


def content_form(ctx: Context, state: dict[str, Any]) -> Form:
    return Form(
        form_id=FORM_ID,
        title=ctx.t("New content"),
        submit_label=ctx.t("Add"),
        state=state,
        fields=(
            FormField("title", ctx.t("Title"), required=True, max_length=300),
            FormField("url", ctx.t("Link"), required=True, placeholder="https://"),
            FormField("summary", ctx.t("Summary"), kind="multiline", max_length=2000),
            FormField(
                "captions",
                ctx.t("Suggested captions, one per line"),
                kind="multiline",
                max_length=3000,
            ),
            FormField(
                "language",
                ctx.t("Language"),
                kind="select",
                required=True,
                initial=ctx.locale,
                options=(Option("tr", "Türkçe"), Option("en", "English")),
            ),
            FormField("tags", ctx.t("Tags, separated by commas")),
            FormField(
                "audience",
                ctx.t("Audience"),
                hint=ctx.t(
                    "Empty for everyone, or e.g. department:sales, location:İzmir, role:group:pilot"
                ),
            ),
            FormField("image_url", ctx.t("Image link")),
            FormField(
                "publish_at", ctx.t("Publish on"), kind="date", hint=ctx.t("Empty to publish now")
            ),
            FormField("expires_at", ctx.t("Expires on"), kind="date"),
            FormField("leader", ctx.t("A leader's item: show it first"), kind="checkbox"),
        ),
    )


@router.form(FORM_ID, build=content_form, role=HR)
async def content_added(ctx: Context, submit: FormSubmit) -> Answer:
    values = submit.values
    new = NewItem(
        title=values["title"],
        url=values["url"],
        summary=values.get("summary", ""),
        image_url=values.get("image_url") or None,
        language=values.get("language") or "en",
        tags=values.get("tags", "").split(","),
        audience=re.split(r"[,\s]+", values.get("audience", "")),
        captions={"any": values.get("captions", "").splitlines()},
        publish_at=_day(values.get("publish_at")),
        expires_at=_day(values.get("expires_at")),
        leader=bool(values.get("leader")),
    )
    try:
        item = add_item(
            ctx.services.engine,
            ctx.services.settings.config,
            new,
            created_by=ctx.person.id if ctx.person else None,
        )
    except ContentError as exc:
        return FieldErrors({exc.name: exc.localized(ctx.tr)}, content_form(ctx, dict(submit.state)))
    await ctx.reply(
        Card(
            title=ctx.t("Added #{id}: {title}", id=item.id, title=item.title),
            body=ctx.t("It is in the feed of everyone in its audience now."),
        )
    )
    return None


def _day(value: str | None) -> datetime | None:
    """A date from the form, as the start of that day in UTC."""
    return datetime.fromisoformat(value).replace(tzinfo=UTC) if value else None


@router.command(
    "content",
    summary=N_("manage the content library"),
    role=HR,
    usage=N_("add|list|archive ID"),
    aliases=("içerik",),
)
async def content(ctx: Context, command: Command) -> None:
    verb = command.args[0].lower() if command.args else ""
    if verb in ("add", "ekle"):
        await ctx.open_form(FORM_ID)
    elif verb in ("list", "liste"):
        await ctx.reply(_list_card(ctx))
    elif verb in ("archive", "arşivle") and len(command.args) == 2 and command.args[1].isdigit():
        item = archive(ctx.services.engine, int(command.args[1]))
        if item is None:
            await ctx.reply(ctx.t("There is no content item #{id}.", id=command.args[1]))
        else:
            await ctx.reply(
                ctx.t(
                    "Archived #{id}: {title}. It has left every feed.", id=item.id, title=item.title
                )
            )
    else:
        await ctx.reply(ctx.t("Use: content add, content list or content archive ID."))


def _list_card(ctx: Context) -> Card:
    items = list_items(ctx.services.engine)
    if not items:
        return Card(
            title=ctx.t("The library is empty"), body=ctx.t("Add an item with content add.")
        )
    lines = [
        f"#{item.id} [{item.language}] {'★ ' if item.leader else ''}{item.title} — {item.url}"
        for item in items[:LIST_SIZE]
    ]
    return Card(
        title=ctx.tn("{n} item in the library", "{n} items in the library", len(items)),
        body="\n".join(lines),
    )
