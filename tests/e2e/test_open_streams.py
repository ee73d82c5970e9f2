"""Issue 7 defect 8 and issue 10 point 3 against real server processes: a revocation, a deactivation or the
master switch, made by the ``bastion`` CLI or by another server process on the same database, ends the
open /mcp event streams and is enforced on the next request."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from pathlib import Path

import httpx2
import pytest

from tests.e2e.browser import Account
from tests.e2e.conftest import PASSWORD
from tests.e2e.mcp_clients import mcp_session, tool_payload
from tests.e2e.open_streams import ENDS_WITHIN_SECONDS, ConsoleAdmin, bare_ping, bearer, open_event_stream
from tests.e2e.server import (
    BastionProcess,
    create_postgres_database,
    drop_postgres_database,
    running_bastion,
)

pytestmark = pytest.mark.e2e


def add_member_with_key(server: BastionProcess, login: str = "bob") -> tuple[int, str]:
    """A user without administrator rights and an API key acting as them: (connection id, key)."""
    server.cli("users", "add", login)
    created = server.cli_json("connections", "add-key", "--name", f"{login}'s laptop", "--user", login)
    return created["connection_id"], created["api_key"]


async def cli_then_wait_for_stream_end(server: BastionProcess, key: str, *command: str) -> None:
    stream = await open_event_stream(server, key)
    try:
        await asyncio.to_thread(server.cli, *command)
        cli_exited = time.monotonic()
        ended = await stream.ended_within(ENDS_WITHIN_SECONDS)
        print(f"`bastion {' '.join(command)}`: stream ended {ended - cli_exited:+.2f} s after the CLI exited")
    finally:
        await stream.aclose()


async def test_revoking_a_connection_with_the_cli_ends_its_open_event_stream(
    bastion: BastionProcess, alice: Account
) -> None:
    connection_id, key = add_member_with_key(bastion)
    await cli_then_wait_for_stream_end(bastion, key, "connections", "revoke", str(connection_id), "--yes")
    assert (await bare_ping(bastion, key)).status_code == 401


async def test_deactivating_a_user_with_the_cli_ends_their_open_event_stream(
    bastion: BastionProcess, alice: Account
) -> None:
    _, key = add_member_with_key(bastion)
    await cli_then_wait_for_stream_end(bastion, key, "users", "deactivate", "bob", "--yes")
    assert (await bare_ping(bastion, key)).status_code == 401


async def test_switching_mcp_off_with_the_cli_ends_every_open_event_stream(
    bastion: BastionProcess, alice: Account
) -> None:
    _, key = add_member_with_key(bastion)
    await cli_then_wait_for_stream_end(bastion, key, "settings", "set", "mcp_enabled", "false")
    assert (await bare_ping(bastion, key)).status_code == 503
    bastion.cli("settings", "set", "mcp_enabled", "true")
    async with mcp_session(bastion, headers=bearer(key)) as client:
        assert tool_payload(await client.call_tool("whoami", {}))["user"]["login"] == "bob"


# --- two server processes on one PostgreSQL -----------------------------------------------------------


@pytest.fixture
def shared_database(postgres_database: str | None) -> Iterator[str]:
    if postgres_database is None:
        pytest.skip("PostgreSQL tests need BASTION_TEST_POSTGRES_URL (e.g. postgresql://postgres@127.0.0.1:5432/test)")
    database_url = create_postgres_database(postgres_database)
    try:
        yield database_url
    finally:
        drop_postgres_database(postgres_database, database_url)


@pytest.fixture
def two_servers(tmp_path: Path, shared_database: str) -> Iterator[tuple[BastionProcess, BastionProcess]]:
    """Two ``bastion serve`` processes on one database and one home (one secret key), as behind a balancer."""
    home = tmp_path / "home"
    with running_bastion(home, shared_database) as first, running_bastion(home, shared_database) as second:
        first.cli("users", "add", "alice", "--admin", "--password-stdin", stdin=PASSWORD + "\n")
        yield first, second


async def warm_up(server: BastionProcess, key: str) -> None:
    """A first call through the real SDK client: the server now holds the settings in memory."""
    async with mcp_session(server, headers=bearer(key)) as client:
        assert tool_payload(await client.call_tool("whoami", {}))["user"]["login"] == "bob"


async def console_of(server: BastionProcess) -> ConsoleAdmin:
    admin = ConsoleAdmin(server, "alice", PASSWORD)
    await admin.sign_in()
    return admin


async def test_a_connection_revoked_on_one_server_is_refused_by_the_other_and_its_stream_there_ends(two_servers):
    first, second = two_servers
    connection_id, key = add_member_with_key(first)
    await warm_up(second, key)
    stream = await open_event_stream(second, key)
    admin = await console_of(first)
    try:
        path = f"/console/connections/{connection_id}"
        await admin.submit(f"{path}/revoke", f"{path}/revoke")
        refused = await bare_ping(second, key)
        assert refused.status_code == 401, refused.text
        assert "revoked" in refused.json()["error_description"]
        await stream.ended_within(ENDS_WITHIN_SECONDS)
    finally:
        await admin.aclose()
        await stream.aclose()


async def test_a_user_deactivated_on_one_server_is_refused_by_the_other_and_their_stream_there_ends(two_servers):
    first, second = two_servers
    _, key = add_member_with_key(first)
    bob = next(user for user in first.cli_json("users", "list") if user["login"] == "bob")
    await warm_up(second, key)
    stream = await open_event_stream(second, key)
    admin = await console_of(first)
    try:
        path = f"/console/users/{bob['user_id']}"
        await admin.submit(path, f"{path}/deactivate")
        assert (await bare_ping(second, key)).status_code == 401
        await stream.ended_within(ENDS_WITHIN_SECONDS)
    finally:
        await admin.aclose()
        await stream.aclose()


async def test_the_master_switch_flipped_on_one_server_is_in_force_on_the_other_from_its_next_request(two_servers):
    first, second = two_servers
    _, key = add_member_with_key(first)
    await warm_up(second, key)
    stream = await open_event_stream(second, key)
    admin = await console_of(first)
    try:
        await admin.submit("/console/settings", "/console/settings/mcp-access")  # the confirming "off" button
        switched_off = await bare_ping(second, key)
        assert switched_off.status_code == 503, switched_off.text
        await stream.ended_within(ENDS_WITHIN_SECONDS)
        await admin.submit("/console/settings", "/console/settings/mcp-access")  # now the "on" button
        await warm_up(second, key)
    finally:
        await admin.aclose()
        await stream.aclose()


async def test_an_access_token_revoked_at_one_servers_revocation_endpoint_is_refused_by_the_other(two_servers):
    first, second = two_servers
    first.cli("users", "add", "bob")
    client = first.cli_json(
        "connections", "add-oauth", "--name", "Nightly sync", "--type", "confidential", "--owner", "bob",
        "--redirect-uri", "https://sync.example.com/callback",
    )  # fmt: skip
    credentials = (client["client_id"], client["client_secret"])
    async with httpx2.AsyncClient(trust_env=False, timeout=10.0) as http:
        # Issued by the server that checks it: each test server has its own public URL, so its own audience.
        issued = await http.post(second.token_url, data={"grant_type": "client_credentials"}, auth=credentials)
        assert issued.status_code == 200, issued.text
        token = issued.json()["access_token"]
        await warm_up(second, token)
        revoked = await http.post(f"{first.base_url}/oauth/revoke", data={"token": token}, auth=credentials)
        assert revoked.status_code == 200, revoked.text
    refused = await bare_ping(second, token)
    assert refused.status_code == 401, refused.text
    assert "revoked" in refused.json()["error_description"]
