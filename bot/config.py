"""Settings from the environment (and ``.env``), and the YAML configuration.

The environment carries what differs per deployment (URLs, secrets); the YAML carries
what HR tunes (departments, policy, points). A default YAML ships in the package.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from importlib.resources import files
from pathlib import Path
from typing import Any

import yaml
from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from storage import DEFAULT_URL


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    database_url: str = Field(default=DEFAULT_URL, alias="ELCI_DATABASE_URL")
    public_url: str = Field(default="http://127.0.0.1:3978", alias="ELCI_PUBLIC_URL")
    host: str = Field(default="127.0.0.1", alias="ELCI_HOST")
    port: int = Field(default=3978, alias="ELCI_PORT")
    config_path: Path | None = Field(default=None, alias="ELCI_CONFIG")
    log_level: str = Field(default="INFO", alias="ELCI_LOG_LEVEL")

    slack_bot_token: SecretStr | None = Field(default=None, alias="SLACK_BOT_TOKEN")
    slack_signing_secret: SecretStr | None = Field(default=None, alias="SLACK_SIGNING_SECRET")
    slack_api_url: str = Field(default="https://slack.com/api/", alias="SLACK_API_URL")
    slack_app_token: SecretStr | None = Field(default=None, alias="SLACK_APP_TOKEN")

    microsoft_app_id: str = Field(default="", alias="MICROSOFT_APP_ID")
    microsoft_app_password: SecretStr | None = Field(default=None, alias="MICROSOFT_APP_PASSWORD")
    microsoft_app_type: str = Field(default="MultiTenant", alias="MICROSOFT_APP_TYPE")
    microsoft_app_tenant_id: str = Field(default="", alias="MICROSOFT_APP_TENANT_ID")
    microsoft_allowed_tenants: str = Field(default="", alias="MICROSOFT_ALLOWED_TENANTS")
    allow_unauthenticated: bool = Field(default=False, alias="ELCI_ALLOW_UNAUTHENTICATED")
    # Opens the /admin dashboard without a one-time link from chat (scripts, first setup).
    admin_token: SecretStr | None = Field(default=None, alias="ELCI_ADMIN_TOKEN")

    @property
    def slack_enabled(self) -> bool:
        return bool(self.slack_bot_token and self.slack_signing_secret)

    @cached_property
    def config(self) -> Config:
        return load_config(self.config_path)


@dataclass(frozen=True)
class Department:
    key: str
    names: dict[str, str]

    def name(self, locale: str) -> str:
        return self.names.get(locale) or self.names.get("en") or self.key


@dataclass(frozen=True)
class Config:
    departments: tuple[Department, ...]
    default_locale: str = "en"
    raw: dict[str, Any] = field(default_factory=dict)


# libyaml's loader when PyYAML has it: the shipped YAML parses several times faster.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class ConfigError(ValueError):
    pass


def load_config(path: Path | None = None) -> Config:
    text = (
        path.read_text("utf-8")
        if path
        else (files("bot").joinpath("default_config.yaml").read_text("utf-8"))
    )
    try:
        raw = yaml.load(text, Loader=_LOADER) or {}
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML: {exc}") from exc
    if not isinstance(raw, dict) or not isinstance(raw.get("departments", {}), dict):
        raise ConfigError(f"{path}: expected a mapping with a 'departments' mapping")
    departments = tuple(
        Department(key=str(key), names=_names(entry))
        for key, entry in raw.get("departments", {}).items()
    )
    return Config(departments=departments, default_locale=raw.get("default_locale", "en"), raw=raw)


def _names(entry: Any) -> dict[str, str]:
    """A department's names by locale: the two-letter keys beside its other settings
    (``description``, ``agents``, ``keywords`` …, read by the routing feature)."""
    if not isinstance(entry, dict):
        return {}
    return {str(k): str(v) for k, v in entry.items() if len(str(k)) == 2 and isinstance(v, str)}
