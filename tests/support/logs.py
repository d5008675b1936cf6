"""Structured log lines as production writes them (``bot.logs``), captured for a test."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from bot.logs import configure


@contextmanager
def json_logs(secrets: tuple[str, ...] = ()) -> Iterator[list[dict[str, Any]]]:
    """The JSON lines written while inside, parsed, in the list yielded (filled on exit)."""
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    out = io.StringIO()
    configure("INFO", secrets=secrets, stream=out)
    lines: list[dict[str, Any]] = []
    try:
        yield lines
    finally:
        root.handlers[:] = saved[0]
        root.setLevel(saved[1])
        lines += [json.loads(line) for line in out.getvalue().splitlines()]
