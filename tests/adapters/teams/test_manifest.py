"""``elci manifest teams`` writes a package Teams accepts: schema-valid, icons to size."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

from click.testing import CliRunner
from jsonschema import validators
from PIL import Image

from bot.cli import main
from tests.support.teams import SPECS

APP_ID = "6c2a4b1e-0d3f-4f5a-9b8c-1e2d3f4a5b6c"


def violations(document: dict, schema_file: str) -> list[str]:
    schema = json.loads((SPECS / schema_file).read_text("utf-8"))
    validator = validators.validator_for(schema)(schema)
    return [f"{e.message} at {list(e.path)}" for e in validator.iter_errors(document)]


def test_the_package_validates_and_lists_the_commands_in_both_languages(tmp_path: Path) -> None:
    out = tmp_path / "elci-teams.zip"
    result = CliRunner().invoke(
        main,
        [
            "manifest",
            "teams",
            "--url",
            "https://elci.example.com/",
            "--app-id",
            APP_ID,
            "-o",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    package = zipfile.ZipFile(out)
    assert set(package.namelist()) == {"manifest.json", "tr.json", "color.png", "outline.png"}
    manifest = json.loads(package.read("manifest.json"))
    turkish = json.loads(package.read("tr.json"))
    assert violations(manifest, "teams-app-manifest.schema.json") == []
    assert violations(turkish, "teams-app-localization.schema.json") == []

    assert manifest["manifestVersion"] == "1.29"
    (bot,) = manifest["bots"]
    assert bot["botId"] == APP_ID and set(bot["scopes"]) == {"personal", "team"}
    assert manifest["validDomains"] == ["elci.example.com"]
    commands = bot["commandLists"][0]["commands"]
    titles = [command["title"] for command in commands]
    assert titles[:2] == ["help", "lang"]
    assert commands[0]["description"] == "show this list"
    assert turkish["bots[0].commandLists[0].commands[0].title"] == "yardım"
    assert turkish["bots[0].commandLists[0].commands[0].description"] == "bu listeyi gösterir"
    assert turkish["bots[0].commandLists[0].commands[1].title"] == "dil"
    assert manifest["localizationInfo"]["additionalLanguages"] == [
        {"languageTag": "tr", "file": "tr.json"}
    ]

    color = Image.open(io.BytesIO(package.read("color.png")))
    outline = Image.open(io.BytesIO(package.read("outline.png")))
    assert (color.format, color.size) == ("PNG", (192, 192))
    assert (outline.format, outline.size, outline.mode) == ("PNG", (32, 32), "RGBA")
    assert outline.getpixel((0, 0))[3] == 0  # transparent around a white outline
    pixels = [outline.getpixel((x, y)) for x in range(32) for y in range(32)]
    assert {pixel[:3] for pixel in pixels if pixel[3]} == {(255, 255, 255)}


def test_the_same_bot_gets_the_same_app_id(tmp_path: Path) -> None:
    ids = []
    for n in range(2):
        out = tmp_path / f"{n}.zip"
        CliRunner().invoke(
            main,
            ["manifest", "teams", "--url", "https://a.example", "--app-id", APP_ID, "-o", str(out)],
        )
        ids.append(json.loads(zipfile.ZipFile(out).read("manifest.json"))["id"])
    assert ids[0] == ids[1]


def test_bad_arguments_are_refused(tmp_path: Path) -> None:
    out = tmp_path / "x.zip"
    result = CliRunner().invoke(
        main, ["manifest", "teams", "--url", "elci.example.com", "--app-id", APP_ID, "-o", str(out)]
    )
    assert result.exit_code == 2 and "http(s) URL" in result.output
    result = CliRunner().invoke(
        main, ["manifest", "teams", "--url", "https://e.example", "--app-id", "bot", "-o", str(out)]
    )
    assert result.exit_code == 2 and "GUID" in result.output
    assert not out.exists()
