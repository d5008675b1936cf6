"""Housekeeping no one asks for: forgetting platform delivery ids once redelivery is over.

Slack retries for minutes and the Bot Framework for less; two days of ids is ample, and
the table stays small however long the bot runs.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

from bot.jobs import JobContext
from bot.router import Router
from storage.dedup import forget_older_than

router = Router()
log = logging.getLogger(__name__)
KEEP_SEEN = timedelta(days=2)


@router.every("maintenance.seen-deliveries", timedelta(hours=1))
async def forget_seen_deliveries(ctx: JobContext) -> None:
    removed = await asyncio.to_thread(forget_older_than, ctx.services.engine, KEEP_SEEN)
    log.info("forgot seen deliveries", extra={"removed": removed})
