"""deploy/ is documentation users copy: Docker does not run here, so these tests keep it true.

The compose file must name commands the CLI has, settings Elçi reads and the replicas nginx
balances; the Dockerfile must run ``elci serve`` on the port nginx expects; and nginx must
accept deploy/nginx.conf itself (``nginx -t``, with the replicas' addresses and the paths
made local, exactly as deploy/local.py runs it).
"""

from __future__ import annotations

import os
import re
import subprocess
import tomllib
from fnmatch import fnmatch
from pathlib import Path
from typing import Any

import click
import pytest
import yaml

from bot.cli import main as cli
from bot.config import Settings
from deploy.local import NGINX_CONF, local_site, nginx_binary, nginx_command, write_nginx_conf

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
ROUTES = ["/slack/events", "/api/messages", "/r/", "/s/", "/admin", "/healthz"]


def _compose() -> dict[str, Any]:
    return yaml.safe_load((DEPLOY / "compose.yaml").read_text("utf-8"))


def _settings_names() -> set[str]:
    return {field.alias for field in Settings.model_fields.values() if field.alias}


def _elci_services(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        name: service
        for name, service in compose["services"].items()
        if service.get("image", "").startswith("elci")
    }


def _is_command(argv: list[str]) -> bool:
    """``elci NAME`` is a command the console script really has."""
    with click.Context(cli) as context:
        return argv[0] == "elci" and cli.get_command(context, argv[1]) is not None


def test_compose_runs_two_replicas_one_worker_postgres_and_nginx() -> None:
    compose = _compose()
    elci = _elci_services(compose)
    commands = sorted(tuple(service["command"]) for service in elci.values())
    assert commands == [("elci", "serve"), ("elci", "serve"), ("elci", "worker")]
    assert all(_is_command(list(command)) for command in commands)
    assert {"postgres", "nginx"} <= set(compose["services"])
    assert compose["services"]["nginx"]["ports"] == ["80:80"]
    assert set(compose["services"]["nginx"]["depends_on"]) == {
        name for name, service in elci.items() if service["command"][1] == "serve"
    }


def test_compose_settings_are_ones_elci_reads_and_reach_the_compose_database() -> None:
    compose = _compose()
    known = _settings_names()
    postgres = compose["services"]["postgres"]["environment"]
    for name, service in _elci_services(compose).items():
        environment = service["environment"]
        assert set(environment) <= known, f"{name}: {set(environment) - known}"
        url = environment["ELCI_DATABASE_URL"]
        assert url == (
            f"postgresql://{postgres['POSTGRES_USER']}:{postgres['POSTGRES_PASSWORD']}"
            f"@postgres:5432/{postgres['POSTGRES_DB']}"
        )
        assert environment["ELCI_HOST"] == "0.0.0.0", f"{name} must listen beyond loopback"
        assert service["depends_on"]["postgres"]["condition"] == "service_healthy"
        assert service["env_file"] == "elci.env"
    example = (DEPLOY / "elci.env.example").read_text("utf-8")
    names = set(re.findall(r"^([A-Z_]+)=", example, flags=re.MULTILINE))
    assert names and names <= known, names - known
    assert {"SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "MICROSOFT_APP_ID"} <= names


def test_nginx_balances_the_compose_replicas_on_their_port() -> None:
    compose = _compose()
    conf = NGINX_CONF.read_text("utf-8")
    upstream = set(re.findall(r"^\s*server\s+([\w.-]+:\d+)", conf, flags=re.MULTILINE))
    replicas = {
        f"{name}:{service['environment']['ELCI_PORT']}"
        for name, service in _elci_services(compose).items()
        if service["command"][1] == "serve"
    }
    assert upstream == replicas
    for route in ROUTES:
        assert re.search(rf"location (= )?{re.escape(route)} \{{", conf), f"no location {route}"
    assert "/metrics" not in re.findall(r"location (?:= )?(\S+) \{", conf)


def test_dockerfile_builds_the_package_and_serves_on_the_compose_port() -> None:
    dockerfile = (DEPLOY / "Dockerfile").read_text("utf-8")
    assert re.search(r"^FROM python:3\.11-slim$", dockerfile, flags=re.MULTILINE)
    assert re.search(r"^RUN pip install \.", dockerfile, flags=re.MULTILINE)
    assert re.search(r'^CMD \["elci", "serve"\]$', dockerfile, flags=re.MULTILINE)
    exposed = re.search(r"^EXPOSE (\d+)$", dockerfile, flags=re.MULTILINE)
    assert exposed is not None
    ports = {s["environment"]["ELCI_PORT"] for s in _elci_services(_compose()).values()}
    assert ports == {exposed.group(1)}
    copied = set(re.findall(r"^COPY (\w+) \./", dockerfile, flags=re.MULTILINE))
    assert copied == {"bot", "handlers", "adapters", "storage"}  # the packages pyproject ships


def test_local_site_keeps_every_line_but_the_addresses() -> None:
    conf = NGINX_CONF.read_text("utf-8")
    site = local_site(conf, "127.0.0.1:8080", ["127.0.0.1:1", "127.0.0.1:2", "127.0.0.1:3"])
    assert "replica" not in re.sub(r"#.*", "", site)
    assert re.findall(r"server 127\.0\.0\.1:(\d) max_fails=3 fail_timeout=5s;", site) == [
        "1", "2", "3",
    ]  # fmt: skip
    assert "listen 127.0.0.1:8080;" in site
    kept = [line for line in conf.splitlines() if "replica" not in line and "listen" not in line]
    assert [line for line in site.splitlines() if line in kept] == kept


def test_nginx_accepts_the_config(tmp_path: Path) -> None:
    binary = nginx_binary()
    if binary is None:
        if os.environ.get("CI") == "true":
            pytest.fail("nginx is not installed; .ci/run installs it")
        pytest.skip("nginx is not installed (apt-get install nginx)")
    conf = write_nginx_conf(tmp_path, "127.0.0.1:8080", ["127.0.0.1:3978", "127.0.0.1:3979"])
    checked = subprocess.run(
        [*nginx_command(binary, tmp_path, conf), "-t"], capture_output=True, text=True
    )
    assert checked.returncode == 0, checked.stderr
    assert "test is successful" in checked.stderr


def test_the_image_ships_every_data_file_the_packages_read() -> None:
    """``pip install .`` (the Dockerfile) copies only files package-data names; a template
    or catalog left out would work in a checkout and fail in the image."""
    root = DEPLOY.parent
    config = tomllib.loads((root / "pyproject.toml").read_text("utf-8"))
    patterns = config["tool"]["setuptools"]["package-data"]["*"]
    left_out = [
        str(path.relative_to(root))
        for package in ("bot", "handlers", "adapters", "storage")
        for path in (root / package).rglob("*")
        if path.is_file()
        and path.suffix not in {".py", ".pyc", ".md"}
        and not any(fnmatch(path.name, pattern) for pattern in patterns)
    ]
    assert not left_out, f"add these to [tool.setuptools.package-data]: {left_out}"
