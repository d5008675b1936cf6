"""``elci manifest slack|teams``: what a platform needs to install the bot.

Each platform's adapter owns its manifest command; the composition root lists them.
"""

from __future__ import annotations

import click

from bot.compose import manifest_commands


@click.group("manifest")
def manifest() -> None:
    """Print or write the app manifest that installs Elçi on a platform."""


def register(group: click.Group) -> None:
    for command in manifest_commands():
        manifest.add_command(command)
    group.add_command(manifest)
