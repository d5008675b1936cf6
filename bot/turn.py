"""One turn: resolve who is talking, check their role, run the matching handler.

Every platform enters here, so the role check, the unknown-command hint and the handling
of form errors happen once, the same way on Slack, Teams and the console.
"""

from __future__ import annotations

import difflib
import logging
import shlex
from dataclasses import replace

from bot import metrics
from bot.context import Context
from bot.events import Action, Command, Event, FormSubmit, HomeOpened, Installed, Message
from bot.forms import check
from bot.identity import Identity
from bot.replies import Answer, FieldErrors, Text
from bot.roles import allows, role_label
from bot.services import Services
from bot.transport import Transport
from storage.engine import UNREACHABLE

log = logging.getLogger(__name__)


def split_words(text: str) -> list[str]:
    """Shell-like words, so quoted arguments stay whole; a stray quote is not an error."""
    try:
        return shlex.split(text)
    except ValueError:
        return text.split()


class Bot:
    def __init__(self, services: Services) -> None:
        self.services = services

    async def handle(self, event: Event, transport: Transport) -> Answer:
        identity = self.services.identities.resolve(
            self.services.engine,
            event.actor,
            self.services.settings.config.default_locale,
            conversation_ref=event.conversation.ref
            if event.conversation.kind == "direct"
            else None,
        )
        ctx = Context(
            self.services, identity, self.services.catalogs.get(identity.locale), transport
        )
        kind, route = self._route(event)
        log.info(
            "turn",
            extra={"event": type(event).__name__, "platform": event.actor.platform, "route": route},
        )
        metrics.EVENTS.labels(event.actor.platform, type(event).__name__).inc()
        with metrics.HANDLER_SECONDS.labels(kind, route).time():
            try:
                return await self._dispatch(ctx, event)
            except UNREACHABLE:
                metrics.HANDLER_ERRORS.labels(kind, route).inc()
                raise  # no apology: the adapter answers 5xx and the platform retries
            except Exception:
                metrics.HANDLER_ERRORS.labels(kind, route).inc()
                log.exception(
                    "handler failed",
                    extra={"kind": kind, "route": route, "platform": event.actor.platform},
                )
                await self._apologize(ctx)
                return None

    async def _apologize(self, ctx: Context) -> None:
        """A failed handler is logged once, here, for every platform; the person hears it
        went wrong instead of silence (and Teams gets a 200, so it does not redeliver)."""
        try:
            await ctx.reply(
                Text(ctx.t("Sorry, something went wrong on my side. Please try again later."))
            )
        except Exception as exc:  # the reply path itself may be what failed
            log.warning("apology not delivered", extra={"error": type(exc).__name__})

    def _route(self, event: Event) -> tuple[str, str]:
        """The metrics labels of an event: its kind and the registered route it takes.

        Only names the router declared (or ``unknown``), never what the user typed.
        """
        router = self.services.router
        match event:
            case Message():
                words = split_words(event.text.strip())
                found = router.resolve(words[0], tuple(words[1:])) if words else None
                return ("command", found[0].verb) if found else ("message", "text")
            case Command():
                found = router.resolve(event.verb, event.args)
                return "command", found[0].verb if found else "unknown"
            case Action():
                return "action", event.action_id if event.action_id in router.actions else "unknown"
            case FormSubmit():
                return "form", event.form_id if event.form_id in router.forms else "unknown"
            case Installed():
                return "installed", "-"
        return "home", "-"

    async def _dispatch(self, ctx: Context, event: Event) -> Answer:
        match event:
            case Message():
                return await self._message(ctx, event)
            case Command():
                return await self._command(ctx, event)
            case Action():
                return await self._action(ctx, event)
            case FormSubmit():
                return await self._form(ctx, event)
            case Installed():
                for handler in self.services.router.install_handlers:
                    await handler(ctx, event)
            case HomeOpened():
                for home in self.services.router.home_handlers:
                    await home(ctx, event)
        return None

    async def _message(self, ctx: Context, message: Message) -> Answer:
        words = split_words(message.text.strip())
        if words and self.services.router.find_command(words[0]):
            command = Command(
                message.actor, message.conversation, words[0], tuple(words[1:]), message.text
            )
            return await self._command(ctx, command)
        for handler in self.services.router.message_handlers:
            if await handler(ctx, message):
                return None
        await self._unknown(ctx, words[0] if words else "")
        return None

    async def _command(self, ctx: Context, command: Command) -> Answer:
        found = self.services.router.resolve(command.verb, command.args)
        if found is None:
            await self._unknown(ctx, command.verb)
            return None
        spec, args = found
        if await self._permitted(ctx, spec.role):
            await spec.handler(ctx, replace(command, verb=spec.verb, args=args))
        return None

    async def _action(self, ctx: Context, action: Action) -> Answer:
        spec = self.services.router.actions.get(action.action_id)
        if spec is None:
            log.warning("unknown action", extra={"action_id": action.action_id[:80]})
            await ctx.reply(ctx.t("That button no longer works. Type help to start again."))
            return None
        if not await self._permitted(ctx, spec.role):
            return None
        return await spec.handler(ctx, action)

    async def _form(self, ctx: Context, submit: FormSubmit) -> Answer:
        spec = self.services.router.forms.get(submit.form_id)
        if spec is None:
            await ctx.reply(ctx.t("That form has expired. Type help to start again."))
            return None
        if not await self._permitted(ctx, spec.role):
            return None
        form = spec.build(ctx, dict(submit.state))
        values, errors = check(form, submit.values, ctx.tr)
        if errors:
            return FieldErrors(errors, replace(form, errors=errors, values=dict(submit.values)))
        return await spec.handler(ctx, replace(submit, values=values))

    async def _permitted(self, ctx: Context, role: str | None) -> bool:
        """The one role check. A refusal is said, logged, and nothing else happens."""
        if allows(ctx.identity.roles, role):
            return True
        log.info("refused", extra={"role": role, "platform": ctx.identity.account.platform})
        await ctx.reply(Text(_refusal(ctx, ctx.identity, role)))
        return False

    async def _unknown(self, ctx: Context, verb: str) -> None:
        known = sorted(self.services.router.commands)
        close = difflib.get_close_matches(verb.lower(), known, n=1)
        if close:
            text = ctx.t(
                "I don't know “{verb}”. Did you mean “{suggestion}”? "
                "Type help to see what I can do.",
                verb=verb,
                suggestion=close[0],
            )
        else:
            text = ctx.t("I don't know “{verb}”. Type help to see what I can do.", verb=verb)
        await ctx.reply(Text(text))


def _refusal(ctx: Context, identity: Identity, role: str | None) -> str:
    if identity.person is None:
        return ctx.t(
            "You are not in the Elçi directory yet, so I can only show help and change your "
            "language. Ask HR to add you."
        )
    return ctx.t(
        "Only people with the {role} role can do that.", role=role_label(ctx.tr, role or "")
    )
