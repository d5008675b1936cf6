"""The ``campaign new`` form and what its values mean."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from bot.audience import parse
from bot.content import list_items
from bot.context import Context
from bot.delivery.ledger import NewCampaign
from bot.replies import Form, FormField, Option

FORM_ID = "campaign.new"


def campaign_form(ctx: Context, state: dict[str, Any]) -> Form:
    items = list_items(ctx.services.engine)[:100]
    return Form(
        form_id=FORM_ID,
        title=ctx.t("New campaign"),
        intro=ctx.t("Choose what to share and with whom; you confirm before anything is sent."),
        submit_label=ctx.t("Create"),
        cancel_label=ctx.t("Cancel"),
        fields=(
            FormField("name", ctx.t("Name"), required=True, max_length=200),
            FormField("purpose", ctx.t("Purpose"), kind="multiline", max_length=1000),
            FormField(
                "content",
                ctx.t("Content"),
                kind="multiselect",
                required=True,
                options=tuple(Option(str(item.id), item.title[:75]) for item in items),
            ),
            FormField("message", ctx.t("Message"), kind="multiline", max_length=2000),
            FormField(
                "audience",
                ctx.t("Audience"),
                placeholder="all, department:sales, role:leader",
                hint=ctx.t("Several, separated by commas; empty means everyone."),
            ),
            FormField(
                "pilot",
                ctx.t("Pilot wave first"),
                placeholder="role:group:pilot",
                hint=ctx.t("They get it first; the rest after you approve."),
            ),
            FormField("start", ctx.t("Start (UTC)"), placeholder="2026-12-01 09:30"),
        ),
    )


def _list(value: Any) -> list[str]:
    if isinstance(value, list | tuple):
        return [str(part) for part in value]
    return [part.strip() for part in str(value or "").split(",") if part.strip()]


def parse_values(ctx: Context, values: dict[str, Any]) -> NewCampaign:
    """Raises ``SelectorError`` for a bad selector, ``ValueError`` for a bad start."""
    departments = [department.key for department in ctx.services.settings.config.departments]
    audience = parse(_list(values.get("audience")), departments)
    pilot = parse(_list(values.get("pilot")), departments)
    start_text = str(values.get("start") or "").strip()
    start = datetime.fromisoformat(start_text).replace(tzinfo=UTC) if start_text else None
    content = [int(part) for part in _list(values.get("content")) if part.isdigit()]
    assert ctx.person is not None
    return NewCampaign(
        name=str(values.get("name") or "").strip(),
        content_ids=content,
        audience=audience,
        message=str(values.get("message") or ""),
        start_at=start,
        purpose=str(values.get("purpose") or ""),
        pilot=pilot,
        created_by=ctx.person.id,
    )
