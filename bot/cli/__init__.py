"""The ``elci`` command line: one click group, one module per command family.

Each family module (``bot/cli/<name>.py``) is imported only when its command runs (or
``--help`` lists them), so a quick command such as ``elci route`` does not pay for
loading the web server, the platform SDKs and every feature.
"""

from __future__ import annotations

import importlib

import click

FAMILIES = (
    "serve", "worker", "chat", "db", "people", "content", "lint", "manifest", "route", "campaign",
    "export", "erase", "report",
)  # fmt: skip
# Commands whose module is named for their family rather than for the command.
MODULES = {"export": "privacy", "erase": "privacy"}


class _Families(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*self.commands, *FAMILIES})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in FAMILIES and cmd_name not in self.commands:
            importlib.import_module(f"bot.cli.{MODULES.get(cmd_name, cmd_name)}").register(self)
        return super().get_command(ctx, cmd_name)


@click.group(cls=_Families, context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """Elçi: the employee-advocacy bot for Slack and Microsoft Teams."""
