"""The SDK objects one process needs to talk to Teams, built once and shared."""

from __future__ import annotations

from functools import cached_property

from botbuilder.integration.aiohttp import CloudAdapter
from botframework.connector.auth import ServiceClientCredentialsFactory

from adapters.teams.auth import build_authentication
from adapters.teams.clients import ReusingAuthentication
from adapters.teams.config import TeamsConfig


class TeamsConnection:
    """Authentication, the ``CloudAdapter``, and (inside) the reused clients and session.

    Built on first use, so that a process that never talks to Teams (``elci chat``) is not
    stopped by Teams settings it does not need; ``elci serve`` checks them up front.
    """

    def __init__(
        self, config: TeamsConfig, credentials: ServiceClientCredentialsFactory | None = None
    ) -> None:
        self.config = config
        self.credentials = credentials

    @cached_property
    def auth(self) -> ReusingAuthentication:
        return build_authentication(self.config, self.credentials)

    @cached_property
    def adapter(self) -> CloudAdapter:
        return CloudAdapter(self.auth)

    async def close(self) -> None:
        if "auth" in self.__dict__:
            await self.auth.sessions.close()
