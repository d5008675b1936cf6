"""What arrives from any platform, in one neutral shape.

Adapters build these; handlers read them. Button data and form values arrive as one
``Action`` or ``FormSubmit`` whichever platform carried them, so no handler ever parses
text to learn what was clicked.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

Platform = Literal["slack", "teams", "console"]
ConversationKind = Literal["direct", "channel", "home", "form"]


@dataclass(frozen=True)
class Actor:
    """Who did it, as the platform knows them; the core resolves the directory person.

    ``email`` and ``locale`` are what the platform told the adapter, if anything.
    """

    platform: Platform
    user_id: str
    tenant: str = ""
    email: str | None = None
    name: str | None = None
    locale: str | None = None
    timezone: str | None = None


@dataclass(frozen=True)
class Conversation:
    """Where it happened. ``ref`` is the adapter's own data to answer there later."""

    id: str
    kind: ConversationKind = "direct"
    ref: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Message:
    actor: Actor
    conversation: Conversation
    text: str


@dataclass(frozen=True)
class Command:
    """A verb with its arguments: ``/elci share`` on Slack, ``share`` typed elsewhere."""

    actor: Actor
    conversation: Conversation
    verb: str
    args: tuple[str, ...] = ()
    text: str = ""


@dataclass(frozen=True)
class Action:
    """A button pressed on a card. ``values`` holds any inputs the card carried too."""

    actor: Actor
    conversation: Conversation
    action_id: str
    value: str = ""
    values: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class FormSubmit:
    """A form sent back. ``state`` is what the form carried from ``Form.state``."""

    actor: Actor
    conversation: Conversation
    form_id: str
    values: dict[str, Any] = field(default_factory=dict)
    state: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Installed:
    """The bot was added for a user or a team; ``conversation.ref`` reaches them later."""

    actor: Actor
    conversation: Conversation


@dataclass(frozen=True)
class HomeOpened:
    """The person opened the bot's home (Slack App Home); what handlers send is shown there."""

    actor: Actor
    conversation: Conversation


Event = Message | Command | Action | FormSubmit | Installed | HomeOpened
