"""The ``privacy:`` section of the YAML: how long click records are kept."""

from __future__ import annotations

from datetime import timedelta

from pydantic import BaseModel, ConfigDict, PositiveInt, ValidationError

from bot.config import Config, ConfigError


class PrivacySettings(BaseModel):
    """``click_retention_days``: clicks older than this are deleted by the daily job."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    click_retention_days: PositiveInt = 90

    @property
    def click_retention(self) -> timedelta:
        return timedelta(days=self.click_retention_days)


def privacy_of(config: Config) -> PrivacySettings:
    """The section, checked; a mistake raises ``ConfigError`` naming the key."""
    section = config.raw.get("privacy")
    section = {} if section is None else section
    if not isinstance(section, dict):
        raise ConfigError("privacy: expected a mapping")
    try:
        return PrivacySettings.model_validate(section, strict=True)
    except ValidationError as exc:
        error = exc.errors()[0]
        key = ".".join(str(part) for part in error["loc"])
        raise ConfigError(f"privacy.{key}: {error['msg']}") from exc
