"""Request body limits for the one web app: a 413 before a large body is read, on every route.

aiohttp's ``client_max_size`` caps a body only when a handler reads it, and only for the
whole application; a route that never reads its body (``/r/``, ``/healthz``) would still
let a client stream into it. This middleware decides before the handler runs:

- a route mounted with ``limit_body`` accepts at most that many bytes (Slack and Teams
  declare theirs when they mount);
- ``GET``/``HEAD``/``OPTIONS`` routes take no body at all;
- anything else takes at most ``MAX_BODY``, the application's ``client_max_size``.

A declared ``Content-Length`` over the limit is refused without reading a byte; a chunked
body is read up to the limit and refused when it goes past. The handler then gets the body
already read, so its own ``read()``/``json()``/``post()`` costs nothing more. A refusal
closes the connection, so aiohttp does not drain the rest of a huge body.

Requests aiohttp cannot even parse (a header line over 8 KB, too many headers, a broken
request line) get its own 400, but aiohttp logs each with a traceback at ERROR;
``ClientParseErrors`` turns those into one INFO line, so a scanner cannot page anyone.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from aiohttp import web
from aiohttp.http_exceptions import HttpProcessingError

MAX_BODY = 1024 * 1024
"""The largest body any route takes unless it asks for less: aiohttp's own default."""
BODYLESS_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
BODY_LIMITS: web.AppKey[dict[str, int]] = web.AppKey("body_limits", dict)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def limit_body(app: web.Application, path: str, max_bytes: int) -> None:
    """Let the route at ``path`` (as it was added, e.g. ``/slack/events``) take at most
    ``max_bytes``; call it where the route is added, so the limit sits beside the reason."""
    app[BODY_LIMITS][path] = max_bytes


def limit_for(request: web.Request) -> int:
    route = request.match_info.route
    declared = (
        request.app.get(BODY_LIMITS, {}).get(route.resource.canonical) if route.resource else None
    )
    if declared is not None:
        return declared
    return 0 if request.method in BODYLESS_METHODS else MAX_BODY


def too_large(limit: int) -> web.Response:
    message = "request body too large" if limit else "this route takes no request body"
    response = web.json_response({"error": message, "limit_bytes": limit}, status=413)
    response.force_close()
    return response


@web.middleware
async def body_limits(request: web.Request, handler: Handler) -> web.StreamResponse:
    if not request.body_exists:
        return await handler(request)
    limit = limit_for(request)
    declared = request.content_length
    if limit == 0 or (declared is not None and declared > limit):
        return too_large(limit)
    bounded = request.clone(client_max_size=limit + 1)  # aiohttp refuses at >= its maximum
    try:
        await bounded.read()
    except web.HTTPRequestEntityTooLarge:
        return too_large(limit)
    return await handler(bounded)


class ClientParseErrors(logging.Filter):
    """On aiohttp's server logger: an unparsable request is the client's error, not ours."""

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        if isinstance(exc, HttpProcessingError):
            record.msg = "malformed HTTP request refused"
            record.args = None
            record.levelno, record.levelname = logging.INFO, "INFO"
            record.exc_info = None
            record.__dict__["error"] = type(exc).__name__
        return True


def quiet_client_parse_errors(logger: logging.Logger | None = None) -> None:
    """Install ``ClientParseErrors`` once on aiohttp's server logger."""
    logger = logger or logging.getLogger("aiohttp.server")
    if not any(isinstance(existing, ClientParseErrors) for existing in logger.filters):
        logger.addFilter(ClientParseErrors())
