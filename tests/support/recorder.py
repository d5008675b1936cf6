"""A transport that keeps what a turn sent, for tests that call ``Bot.handle`` directly."""

from __future__ import annotations

from bot.replies import Card, Form, Reply


class Recorder:
    def __init__(self) -> None:
        self.sent: list[Reply | Form] = []

    async def send(self, reply: Reply) -> None:
        self.sent.append(reply)

    async def update(self, card: Card) -> None:
        self.sent.append(card)

    async def open_form(self, form: Form) -> None:
        self.sent.append(form)

    @property
    def texts(self) -> list[str]:
        return [getattr(item, "text", "") or getattr(item, "title", "") for item in self.sent]
