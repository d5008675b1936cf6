"""Where features declare what they answer: commands, actions, forms, installs, messages.

Each handler module owns a ``Router``; the composition root includes them all into one.
The role a command, action or form needs is declared here, beside the handler, and checked
in one place (``bot.turn``) before any handler runs.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any, TypeVar

from bot.events import Action, Command, FormSubmit, HomeOpened, Installed, Message
from bot.replies import Answer, Form
from bot.text import fold_variants

if TYPE_CHECKING:
    from bot.context import Context
    from bot.jobs import JobContext

CommandHandler = Callable[["Context", Command], Awaitable[None]]
ActionHandler = Callable[["Context", Action], Awaitable[Answer]]
FormHandler = Callable[["Context", FormSubmit], Awaitable[Answer]]
FormBuilder = Callable[["Context", dict[str, Any]], Form]
InstallHandler = Callable[["Context", Installed], Awaitable[None]]
HomeHandler = Callable[["Context", HomeOpened], Awaitable[None]]
MessageHandler = Callable[["Context", Message], Awaitable[bool]]
JobHandler = Callable[["JobContext"], Awaitable[None]]
H = TypeVar("H")


@dataclass(frozen=True)
class CommandSpec:
    verb: str
    handler: CommandHandler
    summary: str
    role: str | None = None
    usage: str = ""
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class ActionSpec:
    action_id: str
    handler: ActionHandler
    role: str | None = None


@dataclass(frozen=True)
class FormSpec:
    form_id: str
    build: FormBuilder
    handler: FormHandler
    role: str | None = None


@dataclass(frozen=True)
class JobSpec:
    name: str
    every: timedelta
    handler: JobHandler


class DuplicateRoute(ValueError):
    pass


class Router:
    def __init__(self) -> None:
        self.commands: dict[str, CommandSpec] = {}
        self.actions: dict[str, ActionSpec] = {}
        self.forms: dict[str, FormSpec] = {}
        self.install_handlers: list[InstallHandler] = []
        self.home_handlers: list[HomeHandler] = []
        self.message_handlers: list[MessageHandler] = []
        self.jobs: dict[str, JobSpec] = {}
        self._verbs: dict[str, str] = {}

    def command(
        self,
        verb: str,
        *,
        summary: str,
        role: str | None = None,
        usage: str = "",
        aliases: tuple[str, ...] = (),
    ) -> Callable[[CommandHandler], CommandHandler]:
        """Register ``verb``; ``summary`` and ``usage`` are ``N_``-marked message ids."""

        def register(handler: CommandHandler) -> CommandHandler:
            self._add_command(CommandSpec(verb, handler, summary, role, usage, aliases))
            return handler

        return register

    def action(self, action_id: str, *, role: str | None = None) -> Callable[[H], H]:
        def register(handler: H) -> H:
            self._claim(self.actions, action_id)
            self.actions[action_id] = ActionSpec(action_id, handler, role)  # type: ignore[arg-type]
            return handler

        return register

    def form(
        self, form_id: str, *, build: FormBuilder, role: str | None = None
    ) -> Callable[[H], H]:
        """Register a form: ``build`` makes it (to open or re-check it), the handler takes it."""

        def register(handler: H) -> H:
            self._claim(self.forms, form_id)
            self.forms[form_id] = FormSpec(form_id, build, handler, role)  # type: ignore[arg-type]
            return handler

        return register

    def on_install(self, handler: InstallHandler) -> InstallHandler:
        self.install_handlers.append(handler)
        return handler

    def on_home(self, handler: HomeHandler) -> HomeHandler:
        """Home sections, in registration order; each sends the cards it wants shown."""
        self.home_handlers.append(handler)
        return handler

    def on_message(self, handler: MessageHandler) -> MessageHandler:
        """Free text that is no command goes to these in turn until one returns True."""
        self.message_handlers.append(handler)
        return handler

    def every(self, name: str, interval: timedelta) -> Callable[[JobHandler], JobHandler]:
        """A periodic job (reminders, escalations, scheduled sends): one process runs it at a
        time, about every ``interval``, in ``elci serve`` or ``elci worker``."""

        def register(handler: JobHandler) -> JobHandler:
            self._claim(self.jobs, name)
            self.jobs[name] = JobSpec(name, interval, handler)
            return handler

        return register

    def include(self, other: Router) -> None:
        for spec in other.commands.values():
            self._add_command(spec)
        for action in other.actions.values():
            self._claim(self.actions, action.action_id)
            self.actions[action.action_id] = action
        for form in other.forms.values():
            self._claim(self.forms, form.form_id)
            self.forms[form.form_id] = form
        for job in other.jobs.values():
            self._claim(self.jobs, job.name)
            self.jobs[job.name] = job
        self.install_handlers.extend(other.install_handlers)
        self.home_handlers.extend(other.home_handlers)
        self.message_handlers.extend(other.message_handlers)

    def find_command(self, typed: str) -> CommandSpec | None:
        for variant in fold_variants(typed):
            if variant in self._verbs:
                return self.commands[self._verbs[variant]]
        return None

    def resolve(
        self, verb: str, args: tuple[str, ...]
    ) -> tuple[CommandSpec, tuple[str, ...]] | None:
        """The command these words name, and its own arguments.

        A sub-command registered as two words (``stats campaign``) wins over its first
        word, so it can declare a role of its own: ``stats`` is everyone's, ``stats
        campaign`` is HR's, and the one role check in ``bot.turn`` tells them apart.
        """
        if args:
            sub = self.find_command(f"{verb} {args[0]}")
            if sub is not None:
                return sub, args[1:]
        spec = self.find_command(verb)
        return (spec, args) if spec is not None else None

    def _add_command(self, spec: CommandSpec) -> None:
        self._claim(self.commands, spec.verb)
        names = {spec.verb, *spec.aliases}
        for name in names:
            if name in self._verbs:
                raise DuplicateRoute(f"command name {name!r} is taken")
        self.commands[spec.verb] = spec
        self._verbs.update(dict.fromkeys(names, spec.verb))

    @staticmethod
    def _claim(table: dict[str, Any], key: str) -> None:
        if key in table:
            raise DuplicateRoute(f"{key!r} is registered twice")
