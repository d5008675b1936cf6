"""``length``: the post is longer than a target network takes.

Characters are counted as code points; a network may count every link as a fixed length
(X shortens each one to 23 characters, whatever its real length). The span runs from the
first character that no longer fits to the end, so the author sees where to cut.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from bot.lint.config import Rules
from bot.lint.finding import Hit
from bot.lint.links import urls

KIND = "length"
NETWORK_NAMES = {"linkedin": "LinkedIn", "x": "X", "facebook": "Facebook"}


def measure(text: str, network: str, rules: Rules) -> tuple[int, list[tuple[int, int]]]:
    """The length as ``network`` counts it, and (position, length so far) after each unit."""
    link_length = rules.link_lengths.get(network)
    links = dict(urls(text)) if link_length is not None else {}
    steps: list[tuple[int, int]] = []
    position = total = 0
    while position < len(text):
        if position in links:
            total += link_length or 0
            steps.append((position, total))
            position = links[position]
        else:
            total += 1
            steps.append((position, total))
            position += 1
    return total, steps


def find(text: str, rules: Rules, networks: Sequence[str] | None = None) -> Iterator[Hit]:
    for network in networks if networks is not None else rules.networks:
        limit = rules.limits.get(network)
        if limit is None:
            continue
        total, steps = measure(text, network, rules)
        if total <= limit:
            continue
        start = next(position for position, so_far in steps if so_far > limit)
        yield Hit(
            start,
            len(text),
            {
                "network": NETWORK_NAMES.get(network, network),
                "count": str(total),
                "limit": str(limit),
                "over": str(total - limit),
            },
        )
