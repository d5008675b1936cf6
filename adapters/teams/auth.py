"""Bot Framework authentication, built by the SDK from Elçi's settings.

``ConfigurationBotFrameworkAuthentication`` gets the app id, password, type and tenant
(``MICROSOFT_APP_*``) and every endpoint of the ``Cloud`` explicitly. Giving the endpoints
explicitly selects the SDK's parameterized authentication, the same code path in production
(public cloud endpoints) and in tests (a local OpenID server): issuer, audience, expiry,
signing key, endorsement and the ``serviceurl`` claim are all checked by the SDK.
"""

from __future__ import annotations

from types import SimpleNamespace

from botbuilder.integration.aiohttp import ConfigurationBotFrameworkAuthentication
from botframework.connector.auth import ServiceClientCredentialsFactory

from adapters.teams.clients import ReusingAuthentication
from adapters.teams.config import TeamsConfig


def to_sdk_configuration(config: TeamsConfig) -> SimpleNamespace:
    """The attribute bag ``ConfigurationBotFrameworkAuthentication`` reads."""
    cloud = config.cloud
    return SimpleNamespace(
        APP_ID=config.app_id or None,
        APP_PASSWORD=config.app_password or None,
        # Without an app id only the multi-tenant factory can stand for "auth disabled".
        APP_TYPE=config.app_type if config.app_id else "MultiTenant",
        APP_TENANTID=config.app_tenant_id or None,
        VALIDATE_AUTHORITY=True,
        TO_CHANNEL_FROM_BOT_LOGIN_URL=cloud.login_url,
        TO_CHANNEL_FROM_BOT_OAUTH_SCOPE=cloud.oauth_scope,
        TO_BOT_FROM_CHANNEL_TOKEN_ISSUER=cloud.channel_token_issuer,
        OAUTH_URL=cloud.oauth_url,
        TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL=cloud.channel_openid_metadata_url,
        TO_BOT_FROM_EMULATOR_OPENID_METADATA_URL=cloud.emulator_openid_metadata_url,
        CALLER_ID=cloud.caller_id,
    )


def build_authentication(
    config: TeamsConfig, credentials: ServiceClientCredentialsFactory | None = None
) -> ReusingAuthentication:
    """``credentials`` replaces the password-based factory (tests, other secret stores)."""
    inner = ConfigurationBotFrameworkAuthentication(
        to_sdk_configuration(config), credentials_factory=credentials
    )
    return ReusingAuthentication(inner)


def to_auth_header(config: TeamsConfig, header: str | None) -> str | None:
    """What to hand the SDK: ``None`` when there is no token (the SDK then decides by
    whether auth is enabled; an empty string would crash its parameterized path), and
    always ``None`` in emulator mode, where a token means nothing and checking one would
    fetch Microsoft's keys."""
    if config.emulator or not header or not header.strip():
        return None
    return header
