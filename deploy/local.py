"""Run deploy/compose.yaml's topology on this machine, without Docker.

nginx from the distribution (``apt-get install nginx``), listening on loopback with
``deploy/nginx.conf`` itself (only the upstream addresses and the listen address replaced),
in front of N ``elci serve`` replicas and M ``elci worker`` processes, all on one PostgreSQL
database. Everything nginx writes (pid, logs, temp files) goes to a folder of its own, so it
runs as an ordinary user and never touches /etc or /var.

    .venv/bin/python deploy/local.py [--database-url URL] [--schema elci_local]
                                     [--replicas 2] [--workers 1] [--port 8080]

The script creates the schema, starts everything, prints the addresses and then reads
commands on stdin: ``stop NAME``, ``kill NAME`` (SIGKILL), ``start NAME``, ``status``,
``quit``. Names are ``replica1``, ``replica2``..., ``worker1``..., ``nginx``, as in the
compose file. Tests and ``bench/replicas.py`` drive the same ``LocalDeployment`` from
Python.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NGINX_CONF = ROOT / "deploy" / "nginx.conf"
ELCI = ROOT / ".venv" / "bin" / "elci"
HOST = "127.0.0.1"
DEFAULT_POSTGRES = "postgresql://postgres@127.0.0.1:5432/test"
STOP_GRACE_S = 20.0  # compose.yaml's stop_grace_period


def nginx_binary() -> str | None:
    """nginx on PATH, or where Debian puts it (/usr/sbin is not on every user's PATH)."""
    return shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/usr/local/sbin")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def local_site(conf: str, listen: str, upstreams: list[str]) -> str:
    """deploy/nginx.conf with its replica servers replaced by ``upstreams`` (host:port) and
    its ``listen`` by ``listen``; every other line is kept, so what runs here is what ships."""
    servers = re.findall(r"^(\s*)server\s+replica\d+:\d+(.*);$", conf, flags=re.MULTILINE)
    if not servers:
        raise ValueError("deploy/nginx.conf has no `server replicaN:PORT` lines")
    indent, options = servers[0]
    lines = "".join(f"{indent}server {address}{options};\n" for address in upstreams)
    conf = re.sub(r"^\s*server\s+replica\d+:\d+.*;\n", "", conf, flags=re.MULTILINE)
    conf = re.sub(r"(upstream elci \{\n(?:\s*#.*\n)*)", lambda m: m.group(1) + lines, conf)
    conf, listens = re.subn(r"^(\s*)listen\s+80;$", rf"\1listen {listen};", conf, flags=re.M)
    if listens != 1:
        raise ValueError("deploy/nginx.conf must have exactly one `listen 80;`")
    return conf


def main_conf(folder: Path, site: Path, workers: int = 1) -> str:
    """The top-level nginx.conf the Debian package would provide, with every path in
    ``folder``; the master stays in the foreground so the script owns it."""
    temp = folder / "temp"
    for kind in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (temp / kind).mkdir(parents=True, exist_ok=True)
    # As root the workers would drop to `nobody`, who cannot read a private temp folder.
    user = "user root;\n" if os.geteuid() == 0 else ""
    return (
        f"{user}daemon off;\nworker_processes {workers};\n"
        f"pid {folder / 'nginx.pid'};\nerror_log {folder / 'nginx-error.log'} warn;\n"
        "events { worker_connections 1024; }\n"
        "http {\n"
        "    access_log off;\n"
        f"    client_body_temp_path {temp / 'body'};\n"
        f"    proxy_temp_path {temp / 'proxy'};\n"
        f"    fastcgi_temp_path {temp / 'fastcgi'};\n"
        f"    uwsgi_temp_path {temp / 'uwsgi'};\n"
        f"    scgi_temp_path {temp / 'scgi'};\n"
        f"    include {site};\n"
        "}\n"
    )


def write_nginx_conf(folder: Path, listen: str, upstreams: list[str], workers: int = 1) -> Path:
    """Both files in ``folder``; returns the top-level one (for ``nginx -c``)."""
    site = folder / "elci-site.conf"
    site.write_text(local_site(NGINX_CONF.read_text("utf-8"), listen, upstreams), "utf-8")
    main = folder / "nginx.conf"
    main.write_text(main_conf(folder, site, workers), "utf-8")
    return main


def nginx_command(binary: str, folder: Path, conf: Path) -> list[str]:
    return [binary, "-p", str(folder), "-e", str(folder / "nginx-error.log"), "-c", str(conf)]


@dataclass
class Component:
    """One process of the topology, restartable under the same name, port and log."""

    name: str
    argv: list[str]
    env: dict[str, str]
    log: Path
    health_url: str | None = None
    process: subprocess.Popen[bytes] | None = None

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def start(self, cwd: Path) -> None:
        if self.running:
            return
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                self.argv, env=self.env, cwd=cwd, stdout=log, stderr=log, start_new_session=True
            )

    def send(self, signum: int) -> None:
        if self.running:
            assert self.process is not None
            self.process.send_signal(signum)

    def stop(self, signum: int = signal.SIGTERM, grace: float = STOP_GRACE_S) -> int | None:
        """Signal, wait up to ``grace`` seconds, then SIGKILL; the exit status."""
        if self.process is None:
            return None
        self.send(signum)
        try:
            return self.process.wait(grace)
        except subprocess.TimeoutExpired:
            self.process.kill()
            return self.process.wait(5)

    def wait_healthy(self, timeout: float = 60.0) -> None:
        if self.health_url is None:
            return
        deadline = time.monotonic() + timeout
        while True:
            if not self.running:
                raise RuntimeError(f"{self.name} exited; see {self.log}:\n{self.tail()}")
            try:
                with urllib.request.urlopen(self.health_url, timeout=2) as response:
                    if response.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                pass
            if time.monotonic() > deadline:
                raise TimeoutError(f"{self.name} not healthy after {timeout:.0f} s:\n{self.tail()}")
            time.sleep(0.1)

    def tail(self, lines: int = 20) -> str:
        try:
            return "\n".join(self.log.read_text("utf-8", "replace").splitlines()[-lines:])
        except FileNotFoundError:
            return ""


@dataclass
class LocalDeployment:
    """nginx → ``replicas`` × ``elci serve`` + ``workers`` × ``elci worker``, on loopback.

    ``database_url`` is what the Elçi processes connect to (tests point it at a fault proxy
    in front of PostgreSQL); ``env`` adds settings (Slack, Teams, ELCI_CONFIG...)."""

    database_url: str
    folder: Path
    replicas: int = 2
    workers: int = 1
    env: dict[str, str] = field(default_factory=dict)
    port: int = 0
    nginx_workers: int = 1
    components: dict[str, Component] = field(default_factory=dict, init=False)

    def __post_init__(self) -> None:
        binary = nginx_binary()
        if binary is None:
            raise FileNotFoundError("nginx is not installed (Debian: apt-get install nginx)")
        self.port = self.port or free_port()
        self.folder.mkdir(parents=True, exist_ok=True)
        ports = [free_port() for _ in range(self.replicas)]
        for number, port in enumerate(ports, 1):
            self._add(f"replica{number}", ["serve"], port)
        for number in range(1, self.workers + 1):
            self._add(f"worker{number}", ["worker"], None)
        conf = write_nginx_conf(
            self.folder, f"{HOST}:{self.port}", [f"{HOST}:{p}" for p in ports], self.nginx_workers
        )
        self.components["nginx"] = Component(
            "nginx",
            nginx_command(binary, self.folder, conf),
            dict(os.environ),
            self.folder / "nginx.log",
            f"{self.url}/healthz",
        )

    def _add(self, name: str, command: list[str], port: int | None) -> None:
        env = {
            **os.environ,
            "ELCI_DATABASE_URL": self.database_url,
            "ELCI_PUBLIC_URL": f"http://{HOST}:{self.port}",
            "ELCI_HOST": HOST,
            "ELCI_LOG_LEVEL": "WARNING",
            **self.env,
        }
        if port is not None:
            env["ELCI_PORT"] = str(port)
        health = f"http://{HOST}:{port}/healthz" if port is not None else None
        argv = [str(ELCI), *command]
        self.components[name] = Component(name, argv, env, self.folder / f"{name}.log", health)

    @property
    def url(self) -> str:
        """The front door: nginx."""
        return f"http://{HOST}:{self.port}"

    def replica_url(self, name: str) -> str:
        """A replica directly, past nginx (as a second delivery of the same event would)."""
        return f"http://{HOST}:{self.components[name].env['ELCI_PORT']}"

    @property
    def replica_names(self) -> list[str]:
        return [name for name in self.components if name.startswith("replica")]

    def start(self, name: str | None = None, timeout: float = 60.0) -> None:
        """Start one component, or all of them (replicas first, so migrations run once and
        nginx has somewhere to send the first request)."""
        names = [name] if name else [*self.replica_names, *self._others()]
        for each in names:
            self.components[each].start(self.folder)
        for each in names:
            self.components[each].wait_healthy(timeout)

    def _others(self) -> list[str]:
        return [name for name in self.components if not name.startswith("replica")]

    def stop(self, name: str | None = None, signum: int = signal.SIGTERM) -> None:
        """Stop one component, or all (nginx first, then the Elçi processes)."""
        names = [name] if name else [*reversed(self._others()), *self.replica_names]
        for each in names:
            self.components[each].stop(signum)

    def kill(self, name: str) -> None:
        """SIGKILL: no drain, no goodbye, as when a machine dies."""
        self.stop(name, signal.SIGKILL)

    def status(self) -> dict[str, bool]:
        return {name: component.running for name, component in self.components.items()}

    def __enter__(self) -> LocalDeployment:
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop()


def create_schema(admin_url: str, schema: str) -> str:
    """A fresh schema on the server; the URL that reaches it (through ``search_path``)."""
    from sqlalchemy import text
    from sqlalchemy.engine import make_url

    from storage.engine import make_engine

    if not re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", schema):
        raise ValueError(f"schema name {schema!r}: lower-case letters, digits and _ only")
    engine = make_engine(admin_url)
    try:
        with engine.begin() as connection:
            connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    finally:
        engine.dispose()
    url = make_url(admin_url).update_query_dict({"options": f"-csearch_path={schema}"})
    return url.render_as_string(hide_password=False)


def _serve_commands(deployment: LocalDeployment) -> None:
    print("commands: stop NAME | kill NAME | start NAME | status | quit", flush=True)
    for line in sys.stdin:
        words = line.split()
        if not words:
            continue
        verb, name = words[0], (words[1] if len(words) > 1 else "")
        if verb == "quit":
            return
        if verb == "status":
            for each, running in deployment.status().items():
                print(f"{each}: {'running' if running else 'stopped'}", flush=True)
        elif verb in ("stop", "kill", "start") and name in deployment.components:
            {"stop": deployment.stop, "kill": deployment.kill, "start": deployment.start}[verb](
                name
            )
            print(f"{verb} {name}: done", flush=True)
        else:
            print(f"? {line.strip()} (names: {', '.join(deployment.components)})", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get("ELCI_TEST_POSTGRES_URL",
                                                                 DEFAULT_POSTGRES))  # fmt: skip
    parser.add_argument("--schema", default="elci_local", help="created afresh (dropped first)")
    parser.add_argument("--replicas", type=int, default=2)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--port", type=int, default=8080, help="nginx on 127.0.0.1:PORT")
    parser.add_argument("--folder", type=Path, help="pid, logs, config (default: a temp dir)")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    url = create_schema(args.database_url, args.schema)
    folder = args.folder or Path(tempfile.mkdtemp(prefix="elci-local-"))
    deployment = LocalDeployment(url, folder, args.replicas, args.workers, port=args.port)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    with deployment:
        print(f"nginx: {deployment.url}  (logs and config in {folder})", flush=True)
        for name in deployment.replica_names:
            print(f"{name}: {deployment.replica_url(name)}", flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            _serve_commands(deployment)


if __name__ == "__main__":
    main()
