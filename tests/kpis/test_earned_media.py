"""The ``kpis: earned_media:`` section: shipped defaults, checked at start-up, the value."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

import pytest

from bot.compose import check_config
from bot.config import ConfigError, load_config
from bot.kpis.earned_media import earned_media_settings


def test_shipped_rates() -> None:
    settings = earned_media_settings(load_config())
    assert settings.currency == "USD"
    assert {name for name, _ in settings.networks} == {"linkedin", "x", "facebook"}
    # 2 LinkedIn shares × 300 impressions at 33/1000, 10 clicks at 5.50; no rates for "mastodon"
    assert settings.value({"linkedin": 2, "mastodon": 50}, {"linkedin": 10}) == 74.8


@pytest.mark.parametrize(
    ("section", "problem"),
    [
        ("kpis: [1]", "kpis: expected a mapping"),
        ("kpis: {earned_media: {networks: [x]}}", "expected a mapping with a 'networks'"),
        ("kpis: {earned_media: {networks: {x: 3}}}", "kpis.earned_media.networks.x: expected"),
        ("kpis: {earned_media: {networks: {x: {cpc: cheap}}}}", "networks.x.cpc: 'cheap'"),
        ("kpis: {earned_media: {networks: {x: {cpm: -1}}}}", "networks.x.cpm: cannot be negative"),
    ],
)
def test_a_bad_section_stops_start_up_with_the_key_named(
    tmp_path: Path, section: str, problem: str
) -> None:
    shipped = files("bot").joinpath("default_config.yaml").read_text("utf-8")
    path = tmp_path / "elci.yaml"
    path.write_text(shipped[: shipped.index("\nkpis:")] + f"\n{section}\n", "utf-8")
    check_config(load_config())  # the shipped one passes
    with pytest.raises(ConfigError, match=problem.replace("[", r"\[")):
        check_config(load_config(path))
