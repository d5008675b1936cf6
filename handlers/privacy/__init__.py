"""``privacy``: what my employer sees. Every employee can ask exactly what Elçi keeps about
them, how much of it there is, who sees it and for how long.

Also the daily job that deletes clicks older than ``privacy.click_retention_days``.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

from bot.context import Context
from bot.events import Command
from bot.i18n import N_
from bot.jobs import JobContext
from bot.privacy.config import privacy_of
from bot.privacy.holdings import counts
from bot.privacy.retention import purge_clicks, retention_cutoff
from bot.replies import Card, Fact
from bot.roles import EMPLOYEE
from bot.router import Router
from handlers.standing.labels import department_name
from storage.people import Person, utcnow

router = Router()
log = logging.getLogger(__name__)


@router.command(
    "privacy",
    summary=N_("what Elçi keeps about you and who sees it"),
    role=EMPLOYEE,
    aliases=("gizlilik",),
)
async def privacy_command(ctx: Context, _command: Command) -> None:
    person = ctx.person
    assert person is not None and person.id is not None  # the employee role needs one
    with ctx.db() as session:
        held = counts(session.connection(), person.id, person.email)
    await ctx.reply(privacy_card(ctx, person, held))


def privacy_card(ctx: Context, person: Person, held: dict[str, int]) -> Card:
    days = privacy_of(ctx.services.settings.config).click_retention_days
    department = department_name(ctx, person.department) if person.department else ctx.t("none")
    facts = (
        Fact(
            ctx.t("Your directory entry"),
            ctx.t(
                "{name}, {email}, department {department}, location, title, time zone, "
                "manager and roles. Seen by HR. Your name shows on leaderboards unless you "
                "type “leaderboard hide”.",
                name=person.name,
                email=person.email,
                department=department,
            ),
        ),
        Fact(
            ctx.t("Shares and points"),
            ctx.t(
                "Shares: {shares} · point entries: {entries}. Seen by you (stats) and by HR in "
                "reports; figures for a department or group smaller than 5 people are hidden.",
                shares=held["shareintent"],
                entries=held["pointentry"],
            ),
        ),
        Fact(
            ctx.t("Clicks on your links"),
            ctx.t(
                "Clicks: {clicks}, counted for you and for HR. The reader's IP address is never "
                "stored, only a keyed hash of its network. Deleted after {days} days.",
                clicks=held["click"],
                days=days,
            ),
        ),
        Fact(
            ctx.t("Blog drafts"),
            ctx.t(
                "Drafts: {drafts}, with every version. Seen by the reviewers each was sent to; "
                "HR sees how many are in each stage.",
                drafts=held["draft"],
            ),
        ),
        Fact(
            ctx.t("Requests to departments"),
            ctx.t(
                "Requests: {requests}, with their replies. Seen by the agents of the department "
                "each went to.",
                requests=held["supportrequest"],
            ),
        ),
        Fact(
            ctx.t("Campaign messages"),
            ctx.t(
                "Messages sent to you: {deliveries}. HR sees whether each reached you.",
                deliveries=held["delivery"],
            ),
        ),
        Fact(
            ctx.t("Social media policy"),
            ctx.t(
                "Acknowledgements: {acknowledgements} · training attempts: {attempts}. HR sees "
                "the totals per department.",
                acknowledgements=held["policyacknowledgement"],
                attempts=held["trainingresult"],
            ),
        ),
        Fact(
            ctx.t("Chat accounts"),
            ctx.t(
                "Chat accounts: {accounts}, used only to reach you. Nobody sees them.",
                accounts=held["platformaccount"],
            ),
        ),
    )
    return Card(
        title=ctx.t("What Elçi keeps about you, and who sees it"),
        body=ctx.t(
            "Nothing else is kept: not your messages to others, not what you do on the "
            "networks you share to."
        ),
        facts=facts,
        footer=ctx.t(
            "Ask HR for a copy of all of it, or to erase it: your shares and points then "
            "stay only as anonymous totals."
        ),
    )


@router.every("privacy.click-retention", timedelta(days=1))
async def forget_old_clicks(ctx: JobContext) -> None:
    """Tally and delete clicks past the retention, and log what was destroyed."""
    retention = privacy_of(ctx.services.settings.config).click_retention
    before = retention_cutoff(utcnow(), retention)
    purged = await asyncio.to_thread(purge_clicks, ctx.services.engine, before)
    log.info(
        "privacy: old clicks deleted",
        extra={"retention_days": retention.days, "before": before.isoformat(), **purged.as_log()},
    )
