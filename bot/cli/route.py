"""``elci route``: where a request would go, and why; for admins tuning the vocabulary.

``elci route TEXT`` explains one text; ``elci route - --json`` reads one request per line
from stdin and writes one JSON object per line (``department`` is ``none`` when the router
would not route it on its own: small talk, gibberish, or unsure).
"""

from __future__ import annotations

import json
import sys
from typing import Any

import click

from bot.config import ConfigError, Settings
from bot.routing import build_classifier
from bot.routing.classifier import Routing

BATCH = 512


@click.command()
@click.argument("text", nargs=-1, required=True)
@click.option("--json", "as_json", is_flag=True, help="One JSON object per request.")
def route(text: tuple[str, ...], as_json: bool) -> None:
    """Show which department TEXT would be routed to (`-` reads lines from stdin)."""
    try:
        classifier = build_classifier(Settings().config)
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from exc
    if text == ("-",):
        batch: list[str] = []
        for line in sys.stdin:
            batch.append(line.rstrip("\r\n"))
            if len(batch) == BATCH:
                _write(batch, classifier.classify_many(batch), as_json)
                batch = []
        _write(batch, classifier.classify_many(batch), as_json)
        return
    request = " ".join(text)
    _write([request], classifier.classify_many([request]), as_json)


def to_json(text: str, routing: Routing) -> dict[str, Any]:
    return {
        "department": routing.department or "none",
        "confidence": routing.confidence,
        "verdict": routing.verdict,
        "ranking": [{"department": key, "confidence": value} for key, value in routing.ranking],
        "terms": list(routing.terms),
        "text": text,
    }


def _write(texts: list[str], routings: list[Routing], as_json: bool) -> None:
    lines = []
    for text, routing in zip(texts, routings, strict=True):
        if as_json:
            lines.append(json.dumps(to_json(text, routing), ensure_ascii=False))
            continue
        ranking = ", ".join(f"{key} {value:.2f}" for key, value in routing.ranking)
        why = f"  because: {', '.join(routing.terms)}" if routing.terms else ""
        lines.append(
            f"{routing.department or 'none'}\t{routing.confidence:.2f}\t{routing.verdict}"
            f"\t[{ranking}]{why}"
        )
    if lines:
        sys.stdout.write("\n".join(lines) + "\n")
        sys.stdout.flush()


def register(group: click.Group) -> None:
    group.add_command(route)
