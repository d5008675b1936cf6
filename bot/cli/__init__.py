"""The ``elci`` command line: one click group, one module per command family."""

from __future__ import annotations

import click

from bot.cli import chat, content, db, lint, manifest, people, serve, worker


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """Elçi: the employee-advocacy bot for Slack and Microsoft Teams."""


for family in (serve, worker, chat, db, people, content, lint, manifest):
    family.register(main)
