"""What the Teams adapter is allowed to do, decided once from the settings.

Two modes. With ``MICROSOFT_APP_ID`` every request carries a Bot Framework JWT that the SDK
validates. Without it the adapter runs in emulator mode: nothing is authenticated, so it is
only tolerated on a loopback address (or when the operator says
``ELCI_ALLOW_UNAUTHENTICATED=1``), and it only ever talks back to loopback service URLs, so
a stray request cannot make the bot post to an arbitrary host.

The Bot Framework endpoints live in ``Cloud`` rather than being hard-wired, because tests
(and sovereign clouds) point the OpenID metadata at their own server; production uses
``PUBLIC_CLOUD``, the values botframework-connector itself uses for the public cloud.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from bot.config import Settings

AUTH_DISABLED_WARNING = (
    "Teams emulator mode: MICROSOFT_APP_ID is empty, so /api/messages accepts "
    "UNAUTHENTICATED requests and replies only to loopback service URLs. "
    "Set MICROSOFT_APP_ID and MICROSOFT_APP_PASSWORD before exposing this server."
)


@dataclass(frozen=True)
class Cloud:
    """Where tokens come from and where the bot gets its own; see module docstring."""

    channel_openid_metadata_url: str
    channel_token_issuer: str
    emulator_openid_metadata_url: str
    login_url: str
    oauth_scope: str
    oauth_url: str
    caller_id: str


PUBLIC_CLOUD = Cloud(
    channel_openid_metadata_url="https://login.botframework.com/v1/.well-known/openidconfiguration",
    channel_token_issuer="https://api.botframework.com",
    emulator_openid_metadata_url=(
        "https://login.microsoftonline.com/common/v2.0/.well-known/openid-configuration"
    ),
    login_url="https://login.microsoftonline.com/",
    oauth_scope="https://api.botframework.com",
    oauth_url="https://api.botframework.com",
    caller_id="urn:botframework:azure",
)


class TeamsConfigError(RuntimeError):
    """The Teams settings cannot work; the message says which variable to fix."""


class UnsafeEmulatorMode(TeamsConfigError):
    """Emulator mode was asked for on an address other people can reach."""


@dataclass(frozen=True)
class TeamsConfig:
    app_id: str = ""
    app_password: str = ""
    app_type: str = "MultiTenant"
    app_tenant_id: str = ""
    allowed_tenants: frozenset[str] = field(default_factory=frozenset)
    cloud: Cloud = PUBLIC_CLOUD

    @property
    def emulator(self) -> bool:
        return not self.app_id

    def serves_tenant(self, tenant: str) -> bool:
        return not self.allowed_tenants or tenant in self.allowed_tenants

    def may_reply_to(self, service_url: str | None) -> bool:
        """Authenticated bots reply where the (validated) token says; emulators only locally."""
        return not self.emulator or is_loopback_url(service_url)


def to_teams_config(settings: Settings, cloud: Cloud = PUBLIC_CLOUD) -> TeamsConfig:
    password = settings.microsoft_app_password
    return TeamsConfig(
        app_id=settings.microsoft_app_id.strip(),
        app_password=password.get_secret_value() if password else "",
        app_type=settings.microsoft_app_type.strip() or "MultiTenant",
        app_tenant_id=settings.microsoft_app_tenant_id.strip(),
        allowed_tenants=to_tenant_set(settings.microsoft_allowed_tenants),
        cloud=cloud,
    )


def to_tenant_set(text: str) -> frozenset[str]:
    return frozenset(part.strip() for part in text.split(",") if part.strip())


def check_serving(settings: Settings, config: TeamsConfig) -> None:
    """Refuse to serve unauthenticated Teams traffic on a non-loopback address."""
    if (
        config.emulator
        and not is_loopback_host(settings.host)
        and not settings.allow_unauthenticated
    ):
        raise UnsafeEmulatorMode(
            f"Refusing to serve Teams without authentication on {settings.host}: "
            "MICROSOFT_APP_ID is empty (emulator mode), which is allowed only on a loopback "
            "address. Set MICROSOFT_APP_ID and MICROSOFT_APP_PASSWORD, listen on 127.0.0.1, "
            "or set ELCI_ALLOW_UNAUTHENTICATED=1 if you really mean it."
        )


def check_credentials(config: TeamsConfig) -> None:
    """What the SDK would only find out on the first reply (or with a bare ``Exception``)."""
    if config.emulator:
        return
    kind = config.app_type.lower()
    if kind not in ("multitenant", "singletenant", "userassignedmsi"):
        raise TeamsConfigError(
            f"MICROSOFT_APP_TYPE={config.app_type!r}: use MultiTenant, SingleTenant or "
            "UserAssignedMSI."
        )
    if kind != "userassignedmsi" and not config.app_password:
        raise TeamsConfigError("MICROSOFT_APP_ID is set but MICROSOFT_APP_PASSWORD is empty.")
    if kind != "multitenant" and not config.app_tenant_id:
        raise TeamsConfigError(
            f"MICROSOFT_APP_TYPE={config.app_type} needs MICROSOFT_APP_TENANT_ID."
        )


def is_loopback_host(host: str | None) -> bool:
    if not host:
        return False
    name = host.strip().strip("[]").lower()
    if name == "localhost" or name.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def is_loopback_url(url: str | None) -> bool:
    if not url:
        return False
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and is_loopback_host(parts.hostname)
