"""The SDK objects one process needs to talk to Teams, built once and shared."""

from __future__ import annotations

from botbuilder.integration.aiohttp import CloudAdapter
from botframework.connector.auth import ServiceClientCredentialsFactory

from adapters.teams.auth import build_authentication
from adapters.teams.clients import ReusingAuthentication
from adapters.teams.config import TeamsConfig


class TeamsConnection:
    """Authentication, the ``CloudAdapter``, and (inside) the reused clients and session."""

    def __init__(
        self, config: TeamsConfig, credentials: ServiceClientCredentialsFactory | None = None
    ) -> None:
        self.config = config
        self.auth: ReusingAuthentication = build_authentication(config, credentials)
        self.adapter = CloudAdapter(self.auth)

    async def close(self) -> None:
        await self.auth.sessions.close()
