"""The ``campaign new`` form and what its values mean."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from bot.audience import parse
from bot.content import list_items
from bot.context import Context
from bot.delivery.ledger import NewCampaign
from bot.i18n import N_
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
            *(
                FormField(
                    target.name,
                    ctx.t(target.label),
                    placeholder=target.example,
                    hint=ctx.t(target.hint),
                )
                for target in TARGETS
            ),
        ),
    )


@dataclass(frozen=True)
class Target:
    """A KPI target field: its name is the CLI's (``--kpi NAME=NUMBER``)."""

    name: str
    label: str
    hint: str
    example: str
    high: float | None = None
    above_zero: bool = False  # else 0 is allowed
    whole: bool = False
    percent: bool = False  # typed as 0–100, stored as 0–1 like the CLI's

    def fits(self, number: float) -> bool:
        low = number > 0 if self.above_zero else number >= 0
        return low and (self.high is None or number <= self.high)


TARGETS = (
    Target("shares", N_("Target: shares"), N_("A whole number, e.g. 200."), "200", whole=True),
    Target("human_clicks", N_("Target: human clicks"),
           N_("Clicks by people, not link previews; a whole number."), "1000", whole=True),
    Target("participation_rate", N_("Target: participation rate (%)"),
           N_("The share of recipients who share, from 0 to 100."), "30", high=100,
           percent=True),
    Target("time_to_first_share_hours", N_("Target: time to first share (hours)"),
           N_("The median, from delivery to a person's first share; above 0."), "24",
           above_zero=True),
)  # fmt: skip


def parse_targets(ctx: Context, values: dict[str, Any]) -> tuple[dict[str, float], dict[str, str]]:
    """The targets filled in, and a localized error per field that is not a fit number."""
    targets: dict[str, float] = {}
    errors: dict[str, str] = {}
    for target in TARGETS:
        text = str(values.get(target.name) or "").strip(" %").replace(",", ".")
        if not text:
            continue
        number = _finite(text)
        if number is None or (target.whole and not number.is_integer()):
            kind = (
                N_("Write a whole number, like {example}.")
                if target.whole
                else N_("Write a number, like {example}.")
            )
            errors[target.name] = ctx.t(kind, example=target.example)
        elif not target.fits(number):
            errors[target.name] = _range(ctx, target)
        else:
            targets[target.name] = number / 100 if target.percent else number
    return targets, errors


def _finite(text: str) -> float | None:
    """The number written, or None (not a number, or infinite: no target to reach)."""
    try:
        number = float(text)
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def _range(ctx: Context, target: Target) -> str:
    if target.high is not None:
        return ctx.t("Write a number from 0 to {high}.", high=f"{target.high:g}")
    if target.above_zero:
        return ctx.t("Write a number above 0.")
    return ctx.t("Write a number of 0 or more.")


def _list(value: Any) -> list[str]:
    if isinstance(value, list | tuple):
        return [str(part) for part in value]
    return [part.strip() for part in str(value or "").split(",") if part.strip()]


def parse_values(ctx: Context, values: dict[str, Any], kpis: dict[str, float]) -> NewCampaign:
    """Raises ``SelectorError`` for a bad selector, ``ValueError`` for a bad start;
    ``kpis`` are the targets ``parse_targets`` found."""
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
        kpis=kpis,
        pilot=pilot,
        created_by=ctx.person.id,
    )
