"""The OAuth journeys of a real MCP client against a real ``bastion serve``: a custom confidential
client, a custom public client and a client that registers itself, each signing in through the
browser (a scripted person), calling ``whoami``, refreshing, and losing access when revoked.
"""

from __future__ import annotations

import httpx2
import pytest

from tests.e2e.browser import InMemoryTokenStorage, ScriptedBrowser
from tests.e2e.mcp_clients import (
    ERA_VERSIONS,
    LEGACY_VERSION,
    MODERN_VERSION,
    Era,
    expire_access_token,
    loopback_redirect_uri,
    mcp_session,
    oauth_provider,
    pre_registered_client,
    tool_payload,
)
from tests.e2e.server import BastionProcess

pytestmark = pytest.mark.e2e


async def refresh_directly(
    server: BastionProcess, refresh_token: str, client_id: str, client_secret: str | None
) -> httpx2.Response:
    """A refresh grant sent by hand, for the cases the SDK would hide behind a new browser sign-in."""
    data = {"grant_type": "refresh_token", "refresh_token": refresh_token}
    auth = None
    if client_secret is None:
        data["client_id"] = client_id
    else:
        auth = httpx2.BasicAuth(client_id, client_secret)
    async with httpx2.AsyncClient(trust_env=False, timeout=10.0) as http:
        return await http.post(server.token_url, data=data, auth=auth)


async def mcp_status_with(server: BastionProcess, access_token: str) -> httpx2.Response:
    """A bare ``initialize`` on /mcp carrying ``access_token``: 200 while the token is good."""
    initialize = {
        "jsonrpc": "2.0",
        "id": 1,
        "method": "initialize",
        "params": {
            "protocolVersion": LEGACY_VERSION,
            "capabilities": {},
            "clientInfo": {"name": "e2e", "version": "1"},
        },
    }
    headers = {
        "Authorization": f"Bearer {access_token}",
        "Accept": "application/json, text/event-stream",
        "Content-Type": "application/json",
    }
    async with httpx2.AsyncClient(trust_env=False, timeout=10.0) as http:
        return await http.post(server.mcp_url, json=initialize, headers=headers)


def find_connection(server: BastionProcess, client_id: str) -> dict:
    listed = server.cli_json("connections", "list")
    matches = [c for c in listed if c.get("client_id") == client_id]
    assert len(matches) == 1, f"expected one connection with client_id {client_id} in {listed}"
    return matches[0]


async def test_a_confidential_custom_client_signs_in_refreshes_and_obeys_rotation_and_revocation(
    bastion: BastionProcess, browser: ScriptedBrowser
) -> None:
    redirect_uri = loopback_redirect_uri()
    created = bastion.cli_json(
        "connections", "add-oauth", "--name", "Acme Internal CRM", "--type", "confidential",
        "--redirect-uri", redirect_uri,
    )  # fmt: skip
    assert created["mcp_url"] == bastion.mcp_url
    client_id, old_secret = created["client_id"], created["client_secret"]
    storage = InMemoryTokenStorage(pre_registered_client(client_id, old_secret, redirect_uri))
    provider = oauth_provider(bastion, browser, storage, redirect_uri=redirect_uri)

    async with mcp_session(bastion, auth=provider, mode="legacy") as client:
        assert client.protocol_version == LEGACY_VERSION
        me = tool_payload(await client.call_tool("whoami", {}))
        first = storage.tokens
        expire_access_token(provider)
        after_refresh = tool_payload(await client.call_tool("whoami", {}))
        refreshed = storage.tokens

    assert me["user"]["login"] == "alice"
    assert me["connection"] == {"id": created["connection_id"], "name": "Acme Internal CRM", "type": "oauth"}
    assert me["client"] == {"client_id": client_id, "dynamic": False}
    assert me["protocol"]["version"] == LEGACY_VERSION
    assert me["scopes"] == ["mcp:read", "mcp:write"]
    assert me["resource"] == bastion.mcp_url
    assert first is not None and refreshed is not None
    assert first.access_token.startswith("bst_at_") and first.refresh_token.startswith("bst_rt_")
    # The refresh rotated both tokens (RFC 9700 §4.14.2) without a second trip through the browser.
    assert refreshed.access_token != first.access_token
    assert refreshed.refresh_token not in (None, first.refresh_token)
    assert after_refresh["user"]["login"] == "alice"
    assert len(browser.authorizations) == 1 and browser.authorizations[0].signed_in

    rotated = bastion.cli_json("connections", "rotate", str(created["connection_id"]), "--yes")
    new_secret = rotated["client_secret"]
    assert new_secret != old_secret

    refused = await refresh_directly(bastion, refreshed.refresh_token, client_id, old_secret)
    assert refused.status_code == 401
    assert refused.json()["error"] == "invalid_client"
    assert "secret" in refused.json()["error_description"].lower()

    # The operator pastes the new secret into the running client, which carries on with its tokens.
    # (The SDK has no call for that; a fresh provider would refresh before discovering the token endpoint.)
    storage.client_info = provider.context.client_info = pre_registered_client(client_id, new_secret, redirect_uri)
    expire_access_token(provider)
    async with mcp_session(bastion, auth=provider, mode="legacy") as client:
        assert tool_payload(await client.call_tool("whoami", {}))["user"]["login"] == "alice"
    assert storage.tokens.refresh_token != refreshed.refresh_token
    assert len(browser.authorizations) == 1, "the new secret refreshed without a new sign-in"
    last_access, last_refresh = storage.tokens.access_token, storage.tokens.refresh_token
    assert (await mcp_status_with(bastion, last_access)).status_code == 200

    bastion.cli("connections", "revoke", str(created["connection_id"]), "--yes")

    revoked_call = await mcp_status_with(bastion, last_access)
    assert revoked_call.status_code == 401
    assert 'error="invalid_token"' in revoked_call.headers["www-authenticate"]
    assert "revoked" in revoked_call.json()["error_description"]
    refused_refresh = await refresh_directly(bastion, last_refresh, client_id, new_secret)
    assert refused_refresh.status_code == 401
    assert refused_refresh.json()["error"] == "invalid_client"
    assert "revoked" in refused_refresh.json()["error_description"]


async def test_a_public_custom_client_signs_in_with_pkce_alone_read_only_and_refreshes_on_the_modern_protocol(
    bastion: BastionProcess, browser: ScriptedBrowser
) -> None:
    redirect_uri = loopback_redirect_uri()
    created = bastion.cli_json(
        "connections", "add-oauth", "--name", "Desk assistant", "--type", "public", "--redirect-uri", redirect_uri
    )
    assert "client_secret" not in created or created["client_secret"] is None
    storage = InMemoryTokenStorage(pre_registered_client(created["client_id"], None, redirect_uri))
    provider = oauth_provider(bastion, browser, storage, redirect_uri=redirect_uri)
    browser.access = "read"  # alice grants read-only access on the consent page

    async with mcp_session(bastion, auth=provider) as client:
        assert client.protocol_version == MODERN_VERSION
        me = tool_payload(await client.call_tool("whoami", {}))
        first = storage.tokens
        expire_access_token(provider)
        again = tool_payload(await client.call_tool("whoami", {}))

    assert me["user"]["login"] == "alice"
    assert me["connection"]["id"] == created["connection_id"]
    assert me["client"] == {"client_id": created["client_id"], "dynamic": False}
    assert me["protocol"] == {"version": MODERN_VERSION, "era": "modern"}
    assert me["scopes"] == ["mcp:read"]
    assert again["scopes"] == ["mcp:read"], "a refresh keeps the read-only grant"
    assert storage.tokens.access_token != first.access_token
    assert storage.tokens.refresh_token != first.refresh_token
    assert len(browser.authorizations) == 1

    bastion.cli("connections", "revoke", str(created["connection_id"]), "--yes")
    revoked_call = await mcp_status_with(bastion, storage.tokens.access_token)
    assert revoked_call.status_code == 401
    assert "revoked" in revoked_call.json()["error_description"]
    refused = await refresh_directly(bastion, storage.tokens.refresh_token, created["client_id"], None)
    assert refused.status_code == 401
    assert refused.json()["error"] == "invalid_client"
    assert "revoked" in refused.json()["error_description"]


@pytest.mark.parametrize("era", ["legacy", "auto"])
async def test_a_client_that_registers_itself_signs_in_and_is_listed_as_dynamic_for_alice(
    bastion: BastionProcess, browser: ScriptedBrowser, era: Era
) -> None:
    redirect_uri = loopback_redirect_uri(47012)
    storage = InMemoryTokenStorage()
    provider = oauth_provider(bastion, browser, storage, redirect_uri=redirect_uri, client_name="Inspector on my desk")

    async with mcp_session(bastion, auth=provider, mode=era) as client:
        assert client.protocol_version == ERA_VERSIONS[era]
        me = tool_payload(await client.call_tool("whoami", {}))
        first = storage.tokens
        expire_access_token(provider)
        tool_payload(await client.call_tool("whoami", {}))

    registered = storage.client_info
    assert registered is not None and registered.client_id
    assert me["user"]["login"] == "alice"
    assert me["client"] == {"client_id": registered.client_id, "dynamic": True}
    assert me["protocol"]["version"] == ERA_VERSIONS[era]
    assert storage.tokens.refresh_token != first.refresh_token
    consent = browser.authorizations[0].consent_form
    assert consent is not None and consent.hidden["client_id"] == registered.client_id

    listed = find_connection(bastion, registered.client_id)
    assert listed["connection_id"] == me["connection"]["id"]
    assert listed["name"] == "Inspector on my desk"
    assert listed["is_dynamic"] is True
    assert listed["user"] == "alice"
    assert listed["status"] == "connected"
