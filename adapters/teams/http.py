"""The connector clients' HTTP leg on aiohttp, in the event loop.

msrest's default driver runs every connector call with ``requests`` in the default thread
pool: a thread hop, a blocking client and its urllib3 machinery per reply, and a pool shared
with the database work. The cached clients (``adapters.teams.clients``) get this pipeline
instead: the SDK still builds and serializes every call, signs it with its own credentials
and raises its own errors; only the bytes travel through one shared ``aiohttp`` session.
No status code is retried here; ``adapters.teams.retry`` decides that.
"""

from __future__ import annotations

import asyncio
import json
from types import SimpleNamespace
from typing import Any

import aiohttp
from msrest.exceptions import ClientRequestError
from msrest.pipeline import (
    AsyncHTTPSender,
    AsyncPipeline,
    Request,
    Response,
    SansIOHTTPPolicy,
)
from msrest.pipeline.universal import RawDeserializer
from msrest.universal_http import AsyncClientResponse, ClientRequest
from multidict import CIMultiDict

TIMEOUT_S = 30.0


class Sessions:
    """One ``aiohttp`` session per event loop (tests run many loops; a server one)."""

    def __init__(self, timeout: float = TIMEOUT_S) -> None:
        self.timeout = timeout
        self._session: aiohttp.ClientSession | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def get(self) -> aiohttp.ClientSession:
        loop = asyncio.get_running_loop()
        if self._session is None or self._session.closed or self._loop is not loop:
            self._session = aiohttp.ClientSession(
                timeout=aiohttp.ClientTimeout(total=self.timeout),
                connector=aiohttp.TCPConnector(limit=100),
            )
            self._loop = loop
        return self._session

    async def close(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()


class ConnectorResponse(AsyncClientResponse):
    """What msrest reads of a response; also what its errors keep as ``.response``."""

    def __init__(
        self, request: ClientRequest, status: int, headers: Any, reason: str, body: bytes
    ) -> None:
        super().__init__(request, None)
        self.internal_response = self
        self.status_code = status
        self.headers = CIMultiDict(headers)
        self.reason = reason
        self._body = body

    def body(self) -> bytes:
        return self._body

    def text(self, encoding: str | None = None) -> str:
        return self._body.decode(encoding or "utf-8", errors="replace")

    def json(self) -> Any:
        return json.loads(self._body or b"null")

    def raise_for_status(self) -> None:
        if (self.status_code or 0) >= 400:
            raise ClientRequestError(f"connector answered {self.status_code} {self.reason}")

    def stream_download(self, chunk_size: Any = None, callback: Any = None) -> Any:
        raise NotImplementedError("connector responses are read whole")


class AiohttpSender(AsyncHTTPSender):
    def __init__(self, sessions: Sessions) -> None:
        self.sessions = sessions

    async def __aenter__(self) -> AiohttpSender:
        return self

    async def __aexit__(self, *exc_details: Any) -> None:
        return None

    def build_context(self) -> Any:
        return None

    async def send(self, request: Request, **config: Any) -> Response:
        http = request.http_request
        try:
            async with self.sessions.get().request(
                http.method, http.url, data=http.data, headers=dict(http.headers)
            ) as answer:
                body = await answer.read()
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise ClientRequestError(f"connector unreachable: {type(exc).__name__}") from exc
        return Response(
            request,
            ConnectorResponse(http, answer.status, answer.headers, answer.reason or "", body),
        )


class CredentialsPolicy(SansIOHTTPPolicy):
    """The SDK's credentials sign a stand-in for a session; the header goes on the request.

    ``signed_session`` only sets (or removes) ``Authorization`` on what it is given, and the
    token comes from the credentials' own cache (msal), as with msrest's requests driver.
    """

    def __init__(self, credentials: Any) -> None:
        self.credentials = credentials

    def on_request(self, request: Request, **kwargs: Any) -> None:
        carrier = SimpleNamespace(headers={})
        self.credentials.signed_session(carrier)
        if "Authorization" in carrier.headers:
            request.http_request.headers["Authorization"] = carrier.headers["Authorization"]


def on_aiohttp(client: Any, sessions: Sessions) -> Any:
    """Give an msrest client (a ConnectorClient) the aiohttp pipeline; returns the client."""
    config = client.config
    policies: list[Any] = [config.user_agent_policy, RawDeserializer(), config.http_logger_policy]
    if config.credentials is not None:
        policies.insert(1, CredentialsPolicy(config.credentials))
    config.pipeline = AsyncPipeline(policies, AiohttpSender(sessions))
    return client
