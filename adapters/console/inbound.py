"""Typed lines as neutral events. The console user is identified by their email."""

from __future__ import annotations

from typing import Any

from bot.events import Action, Actor, Conversation, FormSubmit, Message
from bot.replies import Button, Form, FormField


def to_actor(email: str) -> Actor:
    return Actor(platform="console", user_id=email.strip().lower(), email=email.strip().lower())


def to_conversation(email: str) -> Conversation:
    return Conversation(id=f"console:{email.strip().lower()}", kind="direct", ref={"email": email})


def to_message(email: str, text: str) -> Message:
    return Message(to_actor(email), to_conversation(email), text)


def to_action(email: str, button: Button) -> Action:
    return Action(to_actor(email), to_conversation(email), button.action_id, button.value)


def to_form_submit(email: str, form: Form, values: dict[str, Any]) -> FormSubmit:
    return FormSubmit(
        to_actor(email), to_conversation(email), form.form_id, values, dict(form.state)
    )


def to_field_value(field: FormField, typed: str) -> Any:
    """Numbers pick options; ``\\n`` in a multiline answer starts a new line."""
    typed = typed.strip()
    if field.kind == "multiline":
        return typed.replace("\\n", "\n")
    if field.kind == "select":
        return _option(field, typed)
    if field.kind == "multiselect":
        return [_option(field, part.strip()) for part in typed.split(",") if part.strip()]
    return typed


def _option(field: FormField, typed: str) -> str:
    if typed.isdigit() and 1 <= int(typed) <= len(field.options):
        return field.options[int(typed) - 1].value
    for option in field.options:
        if typed.casefold() in (option.value.casefold(), option.label.casefold()):
            return option.value
    return typed
