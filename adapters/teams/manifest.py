"""``elci manifest teams``: the app package (zip) that installs Elçi in Microsoft Teams.

The package holds ``manifest.json`` (schema 1.29), a Turkish localization file and the two
icons, all generated: the command list comes from the router the composition root builds,
its descriptions are the commands' summaries in each catalog. Teams shows a command's
title as something to type, so the English title is the verb and the Turkish one the
command's Turkish alias (by convention the first alias with a Turkish letter, else the
first alphabetic one: ``yardım``, ``dil``), so that both work when typed.
"""

from __future__ import annotations

import io
import json
import uuid
import zipfile
from collections.abc import Callable
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import click

from adapters.teams.icons import ACCENT, color_icon, outline_icon
from bot.i18n import N_, Translator
from bot.router import CommandSpec, Router
from bot.services import Services

MANIFEST_VERSION = "1.29"
SCHEMA = "https://developer.microsoft.com/en-us/json-schemas/teams/v1.29/MicrosoftTeams.schema.json"
LOCALIZATION_SCHEMA = (
    "https://developer.microsoft.com/en-us/json-schemas/teams/v1.29/"
    "MicrosoftTeams.Localization.schema.json"
)
SCOPES = ["personal", "team"]
MAX_COMMANDS = 12
TURKISH_LETTERS = set("çğıöşüÇĞİÖŞÜ")

NAME = "Elçi"
NAME_FULL = N_("Elçi: employee advocacy in Teams")
DESCRIPTION_SHORT = N_("Company news to share, drafts to review, questions for departments.")
DESCRIPTION_FULL = N_(
    "Elçi brings you company news worth sharing and shares it to LinkedIn, X or Facebook "
    "in one click, takes blog drafts through review, passes questions to the right "
    "department, and lets HR run campaigns and see what they achieved."
)


def package_version() -> str:
    try:
        return version("elci")
    except PackageNotFoundError:
        return "0.1.0"


def listed_commands(router: Router) -> list[CommandSpec]:
    """Open commands first, then the role-gated ones; Teams lists at most 12."""
    specs = sorted(router.commands.values(), key=lambda s: (s.role is not None, s.verb))
    return specs[:MAX_COMMANDS]


def turkish_title(spec: CommandSpec) -> str:
    words = [alias for alias in spec.aliases if alias.isalpha()]
    turkish = [word for word in words if TURKISH_LETTERS & set(word)]
    return (turkish or words or [spec.verb])[0]


def _description(tr: Translator, spec: CommandSpec) -> str:
    return tr.t(spec.summary)[:4000]


def to_manifest(
    router: Router, en: Translator, app_id: str, url: str, app_version: str
) -> dict[str, Any]:
    commands = [
        {"title": spec.verb, "description": _description(en, spec)}
        for spec in listed_commands(router)
    ]
    return {
        "$schema": SCHEMA,
        "manifestVersion": MANIFEST_VERSION,
        "version": app_version,
        "id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"elci:teams:{app_id.lower()}")),
        "localizationInfo": {
            "defaultLanguageTag": "en",
            "additionalLanguages": [{"languageTag": "tr", "file": "tr.json"}],
        },
        "developer": {"name": NAME, "websiteUrl": url, "privacyUrl": url, "termsOfUseUrl": url},
        "name": {"short": NAME, "full": en.t(NAME_FULL)},
        "description": {"short": en.t(DESCRIPTION_SHORT), "full": en.t(DESCRIPTION_FULL)},
        "icons": {"color": "color.png", "outline": "outline.png"},
        "accentColor": ACCENT,
        "bots": [
            {
                "botId": app_id,
                "scopes": SCOPES,
                "isNotificationOnly": False,
                "supportsFiles": False,
                "commandLists": [{"scopes": SCOPES, "commands": commands}],
            }
        ],
        "permissions": ["identity", "messageTeamMembers"],
        "validDomains": [urlsplit(url).hostname or ""],
    }


def to_localization(router: Router, tr: Translator) -> dict[str, Any]:
    """The manifest's strings in Turkish, keyed as the teams-app-localization schema says."""
    strings: dict[str, Any] = {
        "$schema": LOCALIZATION_SCHEMA,
        "name.short": NAME,
        "name.full": tr.t(NAME_FULL),
        "description.short": tr.t(DESCRIPTION_SHORT),
        "description.full": tr.t(DESCRIPTION_FULL),
    }
    for n, spec in enumerate(listed_commands(router)):
        key = f"bots[0].commandLists[0].commands[{n}]"
        strings[f"{key}.title"] = turkish_title(spec)
        strings[f"{key}.description"] = _description(tr, spec)
    return strings


def to_package(services: Services, app_id: str, url: str) -> bytes:
    router, catalogs = services.router, services.catalogs
    files = {
        "manifest.json": to_manifest(router, catalogs.get("en"), app_id, url, package_version()),
        "tr.json": to_localization(router, catalogs.get("tr")),
    }
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as package:
        for name, content in files.items():
            package.writestr(name, json.dumps(content, ensure_ascii=False, indent=2))
        package.writestr("color.png", color_icon())
        package.writestr("outline.png", outline_icon())
    return out.getvalue()


def _app_id(_ctx: click.Context, _param: click.Parameter, value: str) -> str:
    try:
        return str(uuid.UUID(value))
    except ValueError:
        raise click.BadParameter("the bot's Microsoft App ID, a GUID") from None


def _url(_ctx: click.Context, _param: click.Parameter, value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise click.BadParameter("an http(s) URL, such as https://elci.example.com")
    return value.rstrip("/")


def teams_manifest(load_services: Callable[[], Services]) -> click.Command:
    """The click command; ``load_services`` gives the router (compose builds it)."""

    @click.command("teams")
    @click.option("--url", required=True, callback=_url, help="Public HTTPS URL of this server.")
    @click.option("--app-id", required=True, callback=_app_id, help="The bot's Microsoft App ID.")
    @click.option(
        "-o",
        "--output",
        default="elci-teams.zip",
        show_default=True,
        type=click.Path(dir_okay=False, writable=True, path_type=Path),
        help="Where to write the app package.",
    )
    def teams(url: str, app_id: str, output: Path) -> None:
        """Write the Teams app package (manifest, Turkish strings, icons) to upload."""
        output.write_bytes(to_package(load_services(), app_id, url))
        click.echo(str(output))

    return teams
