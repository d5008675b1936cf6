"""Answers within one Teams turn, through the SDK's ``TurnContext``.

Replies go back as activities addressed by the SDK (a reply to the incoming activity).
Replacing "the card whose button started this turn" means ``update_activity`` on the
message the button was on (its id is the submit's ``replyToId``); for an ``Action.Execute``
invoke, Teams instead waits for the new card in the HTTP response, so it is kept for the
invoke response.

A form opened by a button press records the pressed card (``origin``, in the form's own
submit data); a card answering that form replaces the pressed card (``replace_at``), always
in the conversation of the turn, while the form itself is closed.
"""

from __future__ import annotations

from typing import Any

from botbuilder.core import TurnContext
from botbuilder.schema import Activity, ActivityTypes, Attachment

from adapters.teams.render import (
    CARD_CONTENT_TYPE,
    Json,
    to_card,
    to_form_card,
    to_message_text,
)
from bot.replies import Card, Form, Reply, Text

ANSWERED = "elci.answered"
"""``turn_state`` key: what to await once the turn's first message is out (the endpoint
marks the activity done then, so a retry after a crash does not answer twice)."""


def to_activity(reply: Reply) -> Activity:
    if isinstance(reply, Text):
        return Activity(
            type=ActivityTypes.message, text=to_message_text(reply), text_format="plain"
        )
    return card_activity(to_card(reply))


def card_activity(card: Json) -> Activity:
    return Activity(
        type=ActivityTypes.message,
        attachments=[Attachment(content_type=CARD_CONTENT_TYPE, content=card)],
    )


class TeamsTransport:
    def __init__(self, context: TurnContext, required_message: str, invoke: bool = False) -> None:
        self.context = context
        self.required_message = required_message
        self.invoke = invoke
        self.replacement: Json | None = None
        # The card the forms of this turn were opened from (see ``inbound.to_origin``).
        self.origin: Json | None = None

    async def send(self, reply: Reply) -> None:
        await self._send(to_activity(reply))

    async def update(self, card: Card) -> None:
        await self.replace(to_card(card))

    async def open_form(self, form: Form) -> None:
        await self._send(card_activity(self.form_card(form)))

    def form_card(self, form: Form) -> Json:
        return to_form_card(form, self.required_message, self.origin)

    async def replace_at(self, activity_id: str, card: Json) -> None:
        """Show ``card`` instead of the activity ``activity_id`` of this conversation (the
        SDK addresses the update to the turn's own conversation)."""
        activity = card_activity(card)
        activity.id = activity_id
        await self.context.update_activity(activity)

    async def replace(self, card: Json) -> None:
        """Show ``card`` instead of the one pressed; a new message when there is none."""
        if self.invoke:
            self.replacement = card
            return
        pressed = self.context.activity.reply_to_id
        if not pressed:
            await self._send(card_activity(card))
            return
        activity = card_activity(card)
        activity.id = pressed
        await self.context.update_activity(activity)

    async def _send(self, activity: Activity) -> None:
        await self.context.send_activity(activity)
        answered = self.context.turn_state.pop(ANSWERED, None)
        if answered is not None:
            await answered()

    def invoke_body(self) -> dict[str, Any]:
        """The ``adaptiveCard/action`` response: the replacing card, else a quiet message."""
        if self.replacement is not None:
            return {"statusCode": 200, "type": CARD_CONTENT_TYPE, "value": self.replacement}
        return {
            "statusCode": 200,
            "type": "application/vnd.microsoft.activity.message",
            "value": "",
        }
