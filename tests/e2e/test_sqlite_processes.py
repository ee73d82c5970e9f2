"""Two ``bastion serve`` processes and the ``bastion`` CLI writing one SQLite file at once: every request and
every command succeeds, and nobody sees "database is locked" (store/sqlite_inline.py waits for the other
process's write transaction without blocking its event loop); and what a server answered survives kill -9."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import anyio
import httpx2
import pytest

from bastion import credentials
from tests.e2e.mcp_clients import mcp_session
from tests.e2e.server import BastionProcess, running_bastion

pytestmark = pytest.mark.e2e

CLIENTS_PER_SERVER = 2
CALLS_PER_CLIENT = 10
CLI_WRITES = 3


async def call_tools(server: BastionProcess, key: str) -> int:
    """``tools/list`` again and again: each call's admission is a write transaction (the connection's last use)."""
    async with mcp_session(server, headers={"Authorization": f"Bearer {key}"}) as client:
        for _ in range(CALLS_PER_CLIENT):
            assert (await client.list_tools()).tools
    return CALLS_PER_CLIENT


def cli_writes(server: BastionProcess) -> None:
    for n in range(CLI_WRITES):
        server.cli("settings", "set", "rate_limit_per_minute", str(100000 - n))


async def test_two_servers_and_the_cli_write_one_sqlite_file_without_database_is_locked(tmp_path: Path) -> None:
    database_url = f"sqlite:///{tmp_path / 'bastion.db'}"
    with (
        running_bastion(tmp_path / "home", database_url) as first,
        running_bastion(tmp_path / "home", database_url) as second,
    ):
        first.cli("users", "add", "alice", "--password-stdin", stdin="correct horse battery staple\n")
        first.cli("settings", "set", "rate_limit_per_minute", "100000")
        keys = [
            first.cli_json("connections", "add-key", "--name", f"Load {n}", "--user", "alice")["api_key"]
            for n in range(2 * CLIENTS_PER_SERVER)
        ]
        servers = [first, second] * CLIENTS_PER_SERVER

        calls = asyncio.gather(*(call_tools(server, key) for server, key in zip(servers, keys, strict=True)))
        commands = anyio.to_thread.run_sync(cli_writes, first)
        done, _ = await asyncio.gather(calls, commands)

        assert sum(done) == 2 * CLIENTS_PER_SERVER * CALLS_PER_CLIENT
        for server in (first, second):
            assert "database is locked" not in server.log()
        assert first.cli_json("settings", "show")  # the file is still whole and readable


async def test_every_token_answered_survives_a_kill_9_right_after_the_response(tmp_path: Path) -> None:
    """The commit comes before the response, and WAL with synchronous=NORMAL keeps it through a process crash."""
    database = tmp_path / "bastion.db"
    with running_bastion(tmp_path / "home", f"sqlite:///{database}") as server:
        server.cli("users", "add", "alice", "--password-stdin", stdin="correct horse battery staple\n")
        client = server.cli_json(
            "connections", "add-oauth", "--name", "Nightly job", "--type", "confidential",
            "--redirect-uri", "https://job.example/cb", "--owner", "alice",
        )  # fmt: skip
        auth = httpx2.BasicAuth(client["client_id"], client["client_secret"])
        async with httpx2.AsyncClient(trust_env=False, timeout=30.0) as http:

            async def token() -> str:
                response = await http.post(server.token_url, data={"grant_type": "client_credentials"}, auth=auth)
                assert response.status_code == 200, response.text
                return str(response.json()["access_token"])

            answered = await asyncio.gather(*(token() for _ in range(20)))
            server.process.kill()  # SIGKILL: no shutdown, no flush
            server.process.wait(timeout=10)

    with sqlite3.connect(database) as stored:
        digests = {row[0] for row in stored.execute("SELECT digest FROM tokens")}
    assert {credentials.digest(value) for value in answered} <= digests
