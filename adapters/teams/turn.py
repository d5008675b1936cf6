"""One Teams turn: activity to neutral event, who it is, the core's turn, the answer shown.

This is the callback the SDK runs inside ``process_activity``; it knows the turn context,
never the HTTP request. The core decides everything; what is left here is Teams' way of
showing an interaction's answer: replace the pressed card (``ReplaceCard``), re-send the
form with its errors (``FieldErrors``), or close an answered form so it cannot be sent twice.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import Any

from botbuilder.core import InvokeResponse, TurnContext
from botbuilder.schema import Activity, ActivityTypes
from sqlalchemy.engine import Engine

from adapters.teams.inbound import (
    is_cancel,
    is_card_invoke,
    origin_of_press,
    to_event,
    to_locale,
    to_origin,
    to_submission,
)
from adapters.teams.members import MemberCache
from adapters.teams.render import to_card, to_closed_card
from adapters.teams.transport import TeamsTransport
from bot.events import Action, Event, FormSubmit, Installed
from bot.i18n import N_, Catalogs
from bot.replies import Answer, Card, FieldErrors, ReplaceCard, Text
from bot.transport import Transport
from storage.dedup import first_sighting

log = logging.getLogger(__name__)
Handle = Callable[[Event, Transport], Awaitable[Answer]]
INSTALL_WINDOW_S = 600
REQUIRED = N_("This field is required.")


class TeamsTurns:
    def __init__(
        self,
        handle: Handle,
        catalogs: Catalogs,
        engine: Engine,
        members: MemberCache,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.handle = handle
        self.catalogs = catalogs
        self.engine = engine
        self.members = members
        self.clock = clock

    async def run(self, context: TurnContext, activity: dict[str, Any]) -> None:
        invoke = is_card_invoke(activity)
        tr = self.catalogs.get(to_locale(activity))
        transport = TeamsTransport(context, tr.t(REQUIRED), invoke=invoke)
        if is_cancel(activity):
            own = (to_submission(activity) or ({}, {}))[0]
            await transport.replace(
                to_closed_card(str(own.get("title") or ""), f"✗ {own.get('label') or ''}".strip())
            )
        else:
            event = to_event(activity)
            if event is not None and self._is_news(event):
                event = await self._with_member(context, event)
                transport.origin = _origin(event, activity)
                answer = await self.handle(event, transport)
                await self._show(transport, event, answer, activity)
        if invoke:
            await context.send_activity(
                Activity(
                    type=ActivityTypes.invoke_response,
                    value=InvokeResponse(status=200, body=transport.invoke_body()),
                )
            )

    def _is_news(self, event: Event) -> bool:
        """Teams announces one install twice (installationUpdate, then conversationUpdate):
        welcome once per conversation and window. Each sighting also claims the next window,
        so the twin is caught even across a window boundary."""
        if not isinstance(event, Installed):
            return True
        key = hashlib.sha256(event.conversation.id.encode()).hexdigest()
        window = int(self.clock() // INSTALL_WINDOW_S)
        first = first_sighting(self.engine, "teams-install", f"{key}@{window}")
        first_sighting(self.engine, "teams-install", f"{key}@{window + 1}")
        return first

    async def _with_member(self, context: TurnContext, event: Event) -> Event:
        """The email (or UPN) that links this Teams user to the directory."""
        actor = event.actor
        if not actor.user_id:
            return event
        member = await self.members.lookup(context, actor.tenant, actor.user_id)
        if member is None or not member.email:
            return event
        return replace(
            event, actor=replace(actor, email=member.email, name=actor.name or member.name)
        )

    async def _show(
        self, transport: TeamsTransport, event: Event, answer: Answer, activity: dict[str, Any]
    ) -> None:
        match answer:
            case ReplaceCard(card=card) if isinstance(event, FormSubmit) and transport.origin:
                await self._answer_in_place(transport, card, activity)
            case ReplaceCard(card=card):
                await transport.update(card)
            case FieldErrors(form=form) if form is not None:
                await transport.replace(transport.form_card(form))
            case FieldErrors(errors=errors):
                await transport.send(Text("\n".join(errors.values())))
            case None if isinstance(event, FormSubmit):
                own = (to_submission(activity) or ({}, {}))[0]
                await transport.replace(to_closed_card(str(own.get("title") or ""), "✓"))

    async def _answer_in_place(
        self, transport: TeamsTransport, card: Card, activity: dict[str, Any]
    ) -> None:
        """A card answering a form opened from a card: it replaces that card, and the form
        closes. Should the update fail (the card deleted), it replaces the form instead."""
        assert transport.origin is not None
        try:
            await transport.replace_at(str(transport.origin["activity"]), to_card(card))
        except Exception as exc:
            log.warning("teams: card not replaced in place", extra={"error": type(exc).__name__})
            await transport.update(card)
            return
        own = (to_submission(activity) or ({}, {}))[0]
        await transport.replace(to_closed_card(str(own.get("title") or ""), "✓"))


def _origin(event: Event, activity: dict[str, Any]) -> dict[str, Any] | None:
    """What a form opened in this turn records as its origin: the pressed card on a button
    press, the submitted form's own origin on a submit (a form that leads to another)."""
    if isinstance(event, Action):
        return origin_of_press(activity)
    if isinstance(event, FormSubmit):
        return to_origin(activity)
    return None
