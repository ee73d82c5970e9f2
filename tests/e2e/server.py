"""A real ``bastion serve`` process on a free loopback port, and the real CLI run against the same data.

The end-to-end tests and the benchmarks (``bench/``) both start Bastion through this module, so
what they exercise is exactly what an administrator runs: the console script's ``serve`` command,
its environment variables, its database migrations on start, and ``bastion ... --json``.
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx2

STARTUP_TIMEOUT_SECONDS = 30.0
SHUTDOWN_TIMEOUT_SECONDS = 10.0
CLI_TIMEOUT_SECONDS = 60.0
PORT_ATTEMPTS = 3
# The checkout: test builds run as ``python -m tests.e2e...`` from here.
REPOSITORY = Path(__file__).resolve().parents[2]
HEALTH_POLL_SECONDS = 0.05


class BastionFailed(RuntimeError):
    """The server did not start, or a CLI command failed; the message carries its output."""


def free_port() -> int:
    """A loopback port free right now (another process may still take it: ``serve`` retries)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def bastion_environment(home: Path, database_url: str, public_url: str) -> dict[str, str]:
    """The parent's environment without any BASTION_* setting of its own, plus this server's."""
    env = {name: value for name, value in os.environ.items() if not name.startswith("BASTION_")}
    env.update(
        {
            "BASTION_HOME": str(home),
            "BASTION_DATABASE_URL": database_url,
            "BASTION_PUBLIC_URL": public_url,
            "PYTHONUNBUFFERED": "1",
        }
    )
    return env


@dataclass
class BastionProcess:
    """One running ``bastion serve``; ``cli`` runs commands against the same home and database."""

    base_url: str
    env: dict[str, str]
    process: subprocess.Popen[bytes]
    log_path: Path

    @property
    def issuer(self) -> str:
        return self.base_url

    @property
    def mcp_url(self) -> str:
        return f"{self.base_url}/mcp"

    @property
    def token_url(self) -> str:
        return f"{self.base_url}/oauth/token"

    def cli(self, *args: str, stdin: str | None = None, check: bool = True) -> subprocess.CompletedProcess[str]:
        completed = subprocess.run(
            [sys.executable, "-m", "bastion", *args],
            input=stdin,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=CLI_TIMEOUT_SECONDS,
        )
        if check and completed.returncode != 0:
            raise BastionFailed(
                f"`bastion {' '.join(args)}` exited with {completed.returncode}\n"
                f"stdout:\n{completed.stdout}\nstderr:\n{completed.stderr}"
            )
        return completed

    def cli_json(self, *args: str, stdin: str | None = None) -> Any:
        """Run a command that takes ``--json`` and return what it printed, parsed."""
        completed = self.cli(*args, "--json", stdin=stdin)
        try:
            return json.loads(completed.stdout)
        except json.JSONDecodeError as exc:
            raise BastionFailed(
                f"`bastion {' '.join(args)} --json` printed no JSON:\n{completed.stdout}\n{completed.stderr}"
            ) from exc

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def stop(self) -> None:
        """Ask the server to stop (SIGTERM), and kill it if it has not stopped in time."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=SHUTDOWN_TIMEOUT_SECONDS)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=SHUTDOWN_TIMEOUT_SECONDS)


def start_bastion(
    home: Path,
    database_url: str,
    *,
    extra_args: Sequence[str] = (),
    extra_env: Mapping[str, str] | None = None,
    startup_timeout: float = STARTUP_TIMEOUT_SECONDS,
    serve_command: Sequence[str] = ("-m", "bastion", "serve"),
    public_url: str | None = None,
) -> BastionProcess:
    """Start ``bastion serve`` on a free loopback port and return once ``/healthz`` answers.

    ``serve_command`` runs a test build instead (``-m tests.e2e.diagnostic_serve``), taking the same options;
    ``extra_env`` adds to its environment; ``public_url`` is the address clients use when a proxy stands in
    front (``{port}`` is replaced by the server's port)."""
    home.mkdir(parents=True, exist_ok=True)
    failure = ""
    for attempt in range(PORT_ATTEMPTS):
        port = free_port()
        base_url = f"http://127.0.0.1:{port}"
        public = (public_url or base_url).replace("{port}", str(port))
        env = {**bastion_environment(home, database_url, public), **(extra_env or {})}
        log_path = home / f"serve-{port}.log"
        with log_path.open("wb") as log:
            process = subprocess.Popen(
                [sys.executable, *serve_command, "--host", "127.0.0.1", "--port", str(port), *extra_args],
                env=env,
                cwd=REPOSITORY,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        server = BastionProcess(base_url=base_url, env=env, process=process, log_path=log_path)
        if _wait_until_healthy(server, startup_timeout):
            return server
        server.stop()
        failure = server.log()
        # Another process may have taken the port between our probe and the bind: try a new one.
        if "address already in use" not in failure.lower() or attempt == PORT_ATTEMPTS - 1:
            break
    raise BastionFailed(
        f"`bastion serve` did not become healthy within {startup_timeout:.0f} s. Its output:\n{failure}"
    )


def _wait_until_healthy(server: BastionProcess, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    with httpx2.Client(trust_env=False, timeout=2.0) as http:
        while time.monotonic() < deadline:
            try:
                if http.get(f"{server.base_url}/healthz").status_code == 200:
                    return True
            except httpx2.TransportError:
                pass
            try:
                # Waiting on the process doubles as the poll interval and notices a server that died.
                server.process.wait(timeout=HEALTH_POLL_SECONDS)
                return False
            except subprocess.TimeoutExpired:
                continue
    return False


@contextmanager
def running_bastion(
    home: Path, database_url: str, *, extra_args: Sequence[str] = (), **options: Any
) -> Iterator[BastionProcess]:
    """``start_bastion`` (``options``: its ``serve_command``, ``extra_env`` and ``public_url``), stopped when the
    block ends."""
    server = start_bastion(home, database_url, extra_args=extra_args, **options)
    try:
        yield server
    finally:
        server.stop()


def _plain_postgres_url(url: str) -> str:
    for prefix in ("postgresql+asyncpg://", "postgresql+psycopg://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql://" + url.removeprefix(prefix)
    return url


async def _run_admin_sql(admin_url: str, sql: str) -> None:
    import asyncpg

    connection = await asyncpg.connect(_plain_postgres_url(admin_url))
    try:
        await connection.execute(sql)
    finally:
        await connection.close()


async def new_postgres_database(admin_url: str, prefix: str = "bastion_e2e") -> str:
    """A new, empty database on the server of ``admin_url``; returns its URL."""
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    await _run_admin_sql(admin_url, f'CREATE DATABASE "{name}"')
    base, _, _ = _plain_postgres_url(admin_url).partition("?")
    return f"{base.rpartition('/')[0]}/{name}"


async def remove_postgres_database(admin_url: str, database_url: str) -> None:
    name = database_url.rpartition("/")[2]
    await _run_admin_sql(admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def create_postgres_database(admin_url: str, prefix: str = "bastion_e2e") -> str:
    """``new_postgres_database`` for synchronous callers (pytest fixtures)."""
    return asyncio.run(new_postgres_database(admin_url, prefix))


def drop_postgres_database(admin_url: str, database_url: str) -> None:
    asyncio.run(remove_postgres_database(admin_url, database_url))
