"""A terminal conversation with the bot, through the very same turn as Slack and Teams.

The session remembers the last card's buttons (``!click N``) and, while a form is open,
takes each typed line as the answer to the next field.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TextIO

from adapters.console.inbound import to_action, to_field_value, to_form_submit, to_message
from adapters.console.render import field_prompt, form_heading, to_text
from bot.events import Event
from bot.replies import Answer, Button, Card, FieldErrors, Form, LinkButton, ReplaceCard, Reply
from bot.transport import DeliveryError, Transport

Handle = Callable[[Event, Transport], Awaitable[Answer]]


@dataclass
class _OpenForm:
    form: Form
    pending: list[str]
    values: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)


class ConsoleChat:
    """Also the console's proactive sender: messages for the person at this terminal are
    printed here; anyone else cannot be reached from a terminal."""

    platform = "console"

    def __init__(self, handle: Handle, email: str, out: TextIO) -> None:
        self.handle = handle
        self.email = email
        self.out = out
        self.buttons: tuple[Button | LinkButton, ...] = ()
        self.form: _OpenForm | None = None

    async def say(self, line: str) -> None:
        """One typed line: a click, a form answer, or something for the bot."""
        if self.form is not None:
            await self._answer_field(line)
        elif line.strip().startswith("!click"):
            await self._click(line.strip().removeprefix("!click").strip())
        else:
            await self._turn(to_message(self.email, line))

    def print(self, text: str) -> None:
        self.out.write(text + "\n")
        self.out.flush()

    def show(self, reply: Reply) -> None:
        if isinstance(reply, Card):
            self.buttons = reply.buttons
        self.print(to_text(reply))

    async def deliver(
        self, user_id: str, conversation_ref: dict[str, Any] | None, reply: Reply
    ) -> None:
        if user_id != self.email.strip().lower():
            raise DeliveryError("not at this terminal", permanent=False)
        self.show(reply)

    def start_form(self, form: Form) -> None:
        self.form = _OpenForm(form, [spec.name for spec in form.fields], dict(form.values))
        self.print(form_heading(form))
        self._prompt()

    @property
    def form_open(self) -> bool:
        return self.form is not None

    async def _turn(self, event: Event, submitted: _OpenForm | None = None) -> None:
        answer = await self.handle(event, _ConsoleTransport(self))
        if isinstance(answer, ReplaceCard):
            self.show(answer.card)
        elif isinstance(answer, FieldErrors) and submitted is not None:
            self._reopen(submitted, answer)

    async def _click(self, number: str) -> None:
        if not number.isdigit() or not 1 <= int(number) <= len(self.buttons):
            self.print(f"! !click 1…{len(self.buttons)}" if self.buttons else "! —")
            return
        button = self.buttons[int(number) - 1]
        if isinstance(button, LinkButton):
            self.print(f"→ {button.url}")
            return
        await self._turn(to_action(self.email, button))

    async def _answer_field(self, line: str) -> None:
        assert self.form is not None
        if line.strip() == "!cancel":
            self.form = None
            self.print("✗")
            return
        spec = next(f for f in self.form.form.fields if f.name == self.form.pending[0])
        self.form.values[spec.name] = to_field_value(spec, line)
        self.form.pending.pop(0)
        if self.form.pending:
            self._prompt()
            return
        opened, self.form = self.form, None
        await self._turn(to_form_submit(self.email, opened.form, opened.values), opened)

    def _reopen(self, opened: _OpenForm, answer: FieldErrors) -> None:
        opened.errors = answer.errors
        opened.pending = [spec.name for spec in opened.form.fields if spec.name in answer.errors]
        self.form = opened
        self._prompt()

    def _prompt(self) -> None:
        assert self.form is not None
        spec = next(f for f in self.form.form.fields if f.name == self.form.pending[0])
        self.print(field_prompt(spec, self.form.errors.get(spec.name, "")))


class _ConsoleTransport:
    def __init__(self, chat: ConsoleChat) -> None:
        self.chat = chat

    async def send(self, reply: Reply) -> None:
        self.chat.show(reply)

    async def update(self, card: Card) -> None:
        self.chat.show(card)

    async def open_form(self, form: Form) -> None:
        self.chat.start_form(form)
