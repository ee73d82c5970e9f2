"""RFC 9728 protected-resource metadata at both well-known URLs, public and readable cross-origin."""

from __future__ import annotations

import pytest

EXPECTED = {
    "resource": "http://testserver/mcp",
    "authorization_servers": ["http://testserver"],
    "scopes_supported": ["mcp:read", "mcp:write"],
    "bearer_methods_supported": ["header"],
    "resource_name": "Bastion MCP server",
}
URLS = ["/.well-known/oauth-protected-resource/mcp", "/.well-known/oauth-protected-resource"]


@pytest.mark.parametrize("url", URLS)
async def test_the_metadata_names_this_resource_and_its_authorization_server_without_auth(client, url):
    response = await client.get(url)
    assert response.status_code == 200
    assert response.json() == EXPECTED
    assert response.headers["access-control-allow-origin"] == "*"


async def test_the_resource_is_exactly_the_mcp_url_and_offline_access_is_not_a_resource_scope(client):
    document = (await client.get(URLS[0])).json()
    assert document["resource"] == "http://testserver/mcp"  # byte for byte, no trailing slash
    assert "offline_access" not in document["scopes_supported"]


@pytest.mark.parametrize("url", URLS)
async def test_a_browser_preflight_is_answered(client, url):
    response = await client.options(
        url, headers={"Origin": "https://inspector.example", "Access-Control-Request-Method": "GET"}
    )
    assert response.status_code == 204
    assert response.headers["access-control-allow-origin"] == "*"
    assert "GET" in response.headers["access-control-allow-methods"]
    assert "mcp-protocol-version" in response.headers["access-control-allow-headers"].lower()
