"""``elci chat``: talk to the bot in the terminal, interactively or with ``--say``."""

from __future__ import annotations

import asyncio
import sys

import click

from bot.cli.setup import prepare
from bot.compose import build_console


@click.command("chat")
@click.option("--as", "email", required=True, help="Talk as this person (their email).")
@click.option(
    "--say",
    "lines",
    multiple=True,
    help='Send this and print the replies; "!click N" presses button N.',
)
def chat(email: str, lines: tuple[str, ...]) -> None:
    """Talk to Elçi in the terminal, through the same router as Slack and Teams."""
    services = prepare(log_level="WARNING")
    session = build_console(services, email, sys.stdout)
    asyncio.run(_run(session, lines))


async def _run(session, lines: tuple[str, ...]) -> None:  # type: ignore[no-untyped-def]
    if lines:
        for line in lines:
            session.print(f"> {line}")
            await session.say(line)
        return
    while True:
        try:
            line = await asyncio.to_thread(input, "> ")
        except (EOFError, KeyboardInterrupt):
            session.print("")
            return
        if line.strip() in ("!quit", "!exit"):
            return
        await session.say(line)


def register(group: click.Group) -> None:
    group.add_command(chat)
