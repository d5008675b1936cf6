"""Rate limits shared by every worker process: one budget per Slack workspace or Teams
tenant, and one per conversation, kept in the database (``storage.ratelimits``).

Per batch, in one transaction (a few statements, whatever the batch size):

1. each workspace / tenant reserves a run of back-to-back send slots, one per delivery,
   ``1 / rate`` apart (so N workers together never exceed the rate, and the rate stays
   busy: no worker waits for a token another one holds idle);
2. each delivery's conversation is granted at that slot only if it is free by then
   (Slack: 1 message per second per channel; Teams: 7 per second per conversation). A busy
   conversation is *not* waited for in the worker: the row goes back to the queue for the
   moment its conversation frees up, so a burst to one conversation is throttled while
   the others proceed.

A sender starts no earlier than its slot, and no later than ``LATE_S`` after it: a process
that stalled past its slots (CPU starved, paused) puts those rows back in the queue rather
than send them in a burst. Each process's clock decides "now", so replicas need
NTP-synchronised clocks (see ``storage.ratelimits``).
"""

from __future__ import annotations

import hashlib
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.engine import Engine

from bot.delivery.settings import CampaignSettings
from storage import ratelimits
from storage.ratelimits import Want

FORGET_EVERY_S = 60.0
IDLE_FOR_S = 300.0
LATE_S = 1.0
GRANTED = 1e-6  # float slack when comparing a granted slot's end with the wished one


@dataclass(frozen=True)
class Send:
    """A delivery about to go out: its id, and the budgets it draws on."""

    id: int
    platform: str
    workspace: str  # Slack team id, Teams tenant id
    conversation: str  # the recipient's user id: a campaign delivery goes to their DM


@dataclass(frozen=True)
class Slots:
    at: dict[int, float]  # delivery id -> earliest start (epoch seconds)
    later: dict[int, float]  # delivery id -> conversation busy: try again at (epoch seconds)
    paced: frozenset[int] = frozenset()  # ids whose ``at`` is a workspace / tenant slot

    def missed(self, delivery_id: int, now: float) -> bool:
        """A workspace slot that passed more than ``LATE_S`` ago (the process stalled):
        sending now would crowd the slots after it, so the row goes back to the queue."""
        return delivery_id in self.paced and now - self.at[delivery_id] > LATE_S


class SharedLimits:
    """Plans a batch's sends against the budgets in the database."""

    def __init__(self, engine: Engine, settings: CampaignSettings) -> None:
        self.engine = engine
        self.workspace_rates = dict(settings.rates)
        self.conversation_rates = dict(settings.conversation_rates)
        self.active = any(rate > 0 for _, rate in (*settings.rates, *settings.conversation_rates))
        self._forgotten_at = 0.0

    def plan(self, sends: Sequence[Send]) -> Slots:
        """Slots for a batch (blocking: run it in a thread)."""
        if not sends or not self.active:
            now = time.time()
            return Slots({send.id: now for send in sends}, {})
        paced: set[int] = set()
        later: dict[int, float] = {}
        with self.engine.begin() as connection:
            ratelimits.hold(connection)
            now = time.time()
            at = {send.id: now for send in sends}
            by_workspace: dict[tuple[str, str], list[Send]] = defaultdict(list)
            for send in sends:
                if self.workspace_rates.get(send.platform, 0.0) > 0:
                    by_workspace[(send.platform, send.workspace)].append(send)
            for (platform, workspace), group in sorted(by_workspace.items()):
                span = 1.0 / self.workspace_rates[platform]
                key = budget_key(platform, workspace)
                first = ratelimits.reserve(connection, key, len(group), span, now)
                for n, send in enumerate(group):
                    at[send.id] = first + n * span
                    paced.add(send.id)
            wants: dict[str, tuple[int, Want]] = {}
            for send in sends:
                rate = self.conversation_rates.get(send.platform, 0.0)
                if rate <= 0:
                    continue
                key = budget_key(send.platform, send.workspace, send.conversation)
                if key in wants:  # the same conversation twice in one batch: one goes later
                    earlier = wants[key][1]
                    later[send.id] = earlier.at + earlier.span
                    continue
                wants[key] = (send.id, Want(key, at[send.id], 1.0 / rate))
            # In key order, as the reservations above: two workers lock rows in one order
            # and never deadlock.
            free = ratelimits.grant(connection, [wants[key][1] for key in sorted(wants)])
            for key, (delivery_id, want) in wants.items():
                if abs(free[key] - (want.at + want.span)) > GRANTED:
                    later[delivery_id] = free[key]
        if now - self._forgotten_at > FORGET_EVERY_S:
            self._forgotten_at = now
            with self.engine.begin() as connection:
                ratelimits.forget_idle(connection, now - IDLE_FOR_S)
        for delivery_id in later:
            at.pop(delivery_id, None)
        return Slots(at, later, frozenset(paced))


def budget_key(*parts: str) -> str:
    """The budget's row key; a long one (Teams conversation ids run to 200+ characters)
    is replaced by its digest to fit the column."""
    key = ":".join(parts)
    return key if len(key) <= 128 else hashlib.sha256(key.encode()).hexdigest()
