"""``elci lint FILE|- [--json]``: the policy check a draft gets in chat, from the terminal.

Exit status: 0 when nothing blocks (warnings allowed), 1 when at least one finding blocks,
2 when the input or the configuration cannot be read.
"""

from __future__ import annotations

import json
import sys
from typing import Any, NoReturn

import click

from bot.config import ConfigError, Settings
from bot.content import NETWORKS
from bot.i18n import SUPPORTED, Catalogs, Translator
from bot.lint import Finding, blocking, lint, rules_of

EXIT_BLOCKED = 1
EXIT_UNREADABLE = 2


@click.command("lint")
@click.argument("source", metavar="FILE|-")
@click.option("--json", "as_json", is_flag=True, help="a JSON list of findings, for scripts")
@click.option(
    "--network",
    "networks",
    multiple=True,
    type=click.Choice(NETWORKS),
    help="check the length for this network only (repeatable; default: every network)",
)
@click.option("--lang", type=click.Choice(SUPPORTED), default=None, help="language of messages")
def lint_command(source: str, as_json: bool, networks: tuple[str, ...], lang: str | None) -> None:
    """Check a draft against the policy: personal data, confidentiality markers, disclosure,
    length per network and links. Exits 0 when nothing blocks, 1 when something does,
    2 when the input or the configuration cannot be read."""
    text = _read(source)
    try:
        config = Settings().config
        rules = rules_of(config)
    except ConfigError as exc:
        _fail(f"configuration: {exc}")
    tr = Catalogs().get(lang or config.default_locale)
    findings = lint(text, rules, networks or None)
    if as_json:
        rows = [_row(text, finding, tr) for finding in findings]
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
    else:
        for finding in findings:
            line, column = position(text, finding.start)
            click.echo(
                f"{line}:{column}: {finding.severity} {finding.kind} “{finding.text}”: "
                f"{finding.message(tr)}"
            )
    sys.exit(EXIT_BLOCKED if blocking(findings) else 0)


def position(text: str, offset: int) -> tuple[int, int]:
    """1-based line and column of ``offset``."""
    line_start = text.rfind("\n", 0, offset) + 1
    return text.count("\n", 0, offset) + 1, offset - line_start + 1


def _row(text: str, finding: Finding, tr: Translator) -> dict[str, Any]:
    line, column = position(text, finding.start)
    row = finding.as_dict(tr)
    del row["params"]
    return {**row, "line": line, "column": column}


def _read(source: str) -> str:
    try:
        if source == "-":
            return sys.stdin.buffer.read().decode("utf-8")
        with open(source, "rb") as handle:
            return handle.read().decode("utf-8")
    except OSError as exc:
        _fail(f"cannot read {source}: {exc.strerror or exc}")
    except UnicodeDecodeError:
        _fail(f"{source} is not UTF-8 text")


def _fail(message: str) -> NoReturn:
    click.echo(f"Error: {message}", err=True)
    sys.exit(EXIT_UNREADABLE)


def register(group: click.Group) -> None:
    group.add_command(lint_command)
