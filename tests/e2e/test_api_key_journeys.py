"""API key connections and the master switch, with the real MCP client against a real ``bastion serve``."""

from __future__ import annotations

import httpx2
import pytest

from tests.e2e.browser import Account
from tests.e2e.mcp_clients import ERA_VERSIONS, mcp_session, refused_whoami, tool_payload
from tests.e2e.server import BastionProcess

pytestmark = pytest.mark.e2e


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


async def bare_mcp_post(server: BastionProcess, key: str) -> httpx2.Response:
    """A bare ``ping`` on /mcp with ``key``, to read the HTTP refusal the SDK client turns into an exception."""
    headers = {**bearer(key), "Accept": "application/json, text/event-stream", "Content-Type": "application/json"}
    async with httpx2.AsyncClient(trust_env=False, timeout=10.0) as http:
        return await http.post(server.mcp_url, json={"jsonrpc": "2.0", "id": 1, "method": "ping"}, headers=headers)


async def test_an_api_key_acts_as_its_user_in_both_protocol_eras_and_dies_when_rotated(
    bastion: BastionProcess, alice: Account
) -> None:
    created = bastion.cli_json("connections", "add-key", "--name", "Cursor on my laptop", "--user", alice.login)
    assert created["mcp_url"] == bastion.mcp_url
    old_key = created["api_key"]
    assert old_key.startswith("bst_ak_")

    for era, version in ERA_VERSIONS.items():
        async with mcp_session(bastion, headers=bearer(old_key), mode=era) as client:
            assert client.protocol_version == version
            me = tool_payload(await client.call_tool("whoami", {}))
        assert me["user"]["login"] == "alice"
        assert me["connection"] == {"id": created["connection_id"], "name": "Cursor on my laptop", "type": "api_key"}
        assert me["credential"]["kind"] == "api_key"
        assert me["protocol"]["version"] == version

    new_key = bastion.cli_json("connections", "rotate", str(created["connection_id"]), "--yes")["api_key"]
    assert new_key != old_key

    refused = await bare_mcp_post(bastion, old_key)
    assert refused.status_code == 401
    assert 'error="invalid_token"' in refused.headers["www-authenticate"]
    assert "api key" in refused.json()["error_description"].lower()
    await refused_whoami(bastion, headers=bearer(old_key))

    async with mcp_session(bastion, headers=bearer(new_key)) as client:
        assert tool_payload(await client.call_tool("whoami", {}))["connection"]["id"] == created["connection_id"]


async def test_the_master_switch_refuses_every_mcp_call_with_a_clear_message_until_it_is_back_on(
    bastion: BastionProcess, alice: Account
) -> None:
    key = bastion.cli_json("connections", "add-key", "--name", "Nightly report", "--user", alice.login)["api_key"]

    bastion.cli("settings", "set", "mcp_enabled", "false")

    switched_off = await bare_mcp_post(bastion, key)
    assert switched_off.status_code == 503
    assert "switched off by an administrator" in switched_off.json()["error"]["message"]
    for era in ERA_VERSIONS:
        refusal = await refused_whoami(bastion, headers=bearer(key), mode=era)
        assert "switched off by an administrator" in refusal.error.message

    bastion.cli("settings", "set", "mcp_enabled", "true")

    async with mcp_session(bastion, headers=bearer(key)) as client:
        assert tool_payload(await client.call_tool("whoami", {}))["user"]["login"] == "alice"
