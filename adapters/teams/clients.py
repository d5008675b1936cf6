"""Connector and user-token clients built once per service URL and audience, then reused.

botbuilder 4.17.1 builds a new msrest client for every activity: a ``ConnectorClient`` in
``ConnectorFactory.create`` and a ``TokenApiClient`` in ``create_user_token_client``. Each
build constructs ``msrest.universal_http.requests.ClientRetryPolicy``, whose list
comprehension costs about 5 ms of CPU; twice per activity that alone caps a process near
100 activities/s. The wrapper below keeps the library untouched and caches what it builds:
the clients are stateless between calls (the credentials cache their own token), so one per
(app id, service URL, audience) serves every turn.

The cached connector clients also send over aiohttp in the event loop
(``adapters.teams.http``) rather than ``requests`` in a thread pool, and so never retry
on HTTP status codes themselves: retries (429, 412, 502, 504, honouring Retry-After) are
decided by ``adapters.teams.retry``, which needs to see the status.
"""

from __future__ import annotations

from typing import Any

from botbuilder.schema import Activity
from botframework.connector.aio import ConnectorClient
from botframework.connector.auth import (
    AuthenticateRequestResult,
    BotFrameworkAuthentication,
    ClaimsIdentity,
    ConnectorFactory,
    UserTokenClient,
)
from botframework.connector.skills import BotFrameworkClient
from cachetools import LRUCache

from adapters.teams.http import Sessions, on_aiohttp

MAX_CLIENTS = 256


def app_id_of(claims: ClaimsIdentity | None) -> str:
    """The bot's app id as the SDK reads it from claims (audience, else appid)."""
    if claims is None:
        return ""
    return str(claims.get_claim_value("aud") or claims.get_claim_value("appid") or "")


class ReusingConnectorFactory(ConnectorFactory):
    def __init__(
        self,
        inner: ConnectorFactory,
        app_id: str,
        cache: LRUCache[tuple[Any, ...], Any],
        sessions: Sessions,
    ) -> None:
        self.inner = inner
        self.app_id = app_id
        self.cache = cache
        self.sessions = sessions

    async def create(self, service_url: str, audience: str | None = None) -> ConnectorClient:
        key = (self.app_id, service_url, audience)
        client = self.cache.get(key)
        if client is None:
            client = on_aiohttp(await self.inner.create(service_url, audience), self.sessions)
            self.cache[key] = client
        return client


class ReusingAuthentication(BotFrameworkAuthentication):
    """Delegates everything to the SDK's authentication; only the clients are remembered."""

    def __init__(self, inner: BotFrameworkAuthentication, size: int = MAX_CLIENTS) -> None:
        self.inner = inner
        self.sessions = Sessions()
        self.connectors: LRUCache[tuple[Any, ...], Any] = LRUCache(size)
        self.token_clients: LRUCache[tuple[Any, ...], Any] = LRUCache(size)

    def _factory(self, inner: ConnectorFactory, claims: ClaimsIdentity) -> ConnectorFactory:
        return ReusingConnectorFactory(inner, app_id_of(claims), self.connectors, self.sessions)

    async def authenticate_request(
        self, activity: Activity, auth_header: str
    ) -> AuthenticateRequestResult:
        result = await self.inner.authenticate_request(activity, auth_header)
        if result.connector_factory is not None:
            result.connector_factory = self._factory(
                result.connector_factory, result.claims_identity
            )
        return result

    async def authenticate_streaming_request(
        self, auth_header: str, channel_id_header: str
    ) -> AuthenticateRequestResult:
        return await self.inner.authenticate_streaming_request(auth_header, channel_id_header)

    def create_connector_factory(self, claims_identity: ClaimsIdentity) -> ConnectorFactory:
        return self._factory(self.inner.create_connector_factory(claims_identity), claims_identity)

    async def create_user_token_client(self, claims_identity: ClaimsIdentity) -> UserTokenClient:
        key = (app_id_of(claims_identity),)
        client = self.token_clients.get(key)
        if client is None:
            client = await self.inner.create_user_token_client(claims_identity)
            self.token_clients[key] = client
        return client

    def create_bot_framework_client(self) -> BotFrameworkClient:
        return self.inner.create_bot_framework_client()

    def get_originating_audience(self) -> str:
        return self.inner.get_originating_audience()

    async def authenticate_channel_request(self, auth_header: str) -> ClaimsIdentity:
        return await self.inner.authenticate_channel_request(auth_header)
