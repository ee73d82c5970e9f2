"""Bastion mounted under a path prefix behind a reverse proxy (``BASTION_PUBLIC_URL=http://host/bastion``).

The proxy does what the README's nginx and Caddy snippets do: ``/bastion/...`` is passed on with the prefix
stripped, and the two root well-known URLs RFC 8414 and RFC 9728 derive from an issuer and a resource with a
path are passed on unchanged. Every address a client learns must then lead back through the proxy.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import httpx2
import pytest

from tests.e2e.browser import InMemoryTokenStorage, ScriptedBrowser
from tests.e2e.mcp_clients import expire_access_token, loopback_redirect_uri, mcp_session, oauth_provider, tool_payload
from tests.e2e.proxy import running_proxy
from tests.e2e.server import BastionProcess, free_port, running_bastion

pytestmark = pytest.mark.e2e

PREFIX = "/bastion"
PASSWORD = "correct horse battery staple"
ROOT_WELL_KNOWN = (
    f"/.well-known/oauth-authorization-server{PREFIX}",
    f"/.well-known/oauth-protected-resource{PREFIX}/mcp",
)


@pytest.fixture
def behind_proxy(tmp_path: Path) -> Iterator[tuple[BastionProcess, BastionProcess]]:
    """(the server as its clients see it, through the proxy; the server itself)."""
    port = free_port()
    public_url = f"http://127.0.0.1:{port}{PREFIX}"
    home = tmp_path / "home"
    with (
        running_bastion(home, f"sqlite:///{home / 'bastion.db'}", public_url=public_url) as server,
        running_proxy(server.base_url, prefix=PREFIX, passthrough=ROOT_WELL_KNOWN, port=port),
    ):
        yield dataclasses.replace(server, base_url=public_url), server


def test_discovery_through_the_proxy_leads_to_the_prefixed_issuer_resource_and_endpoints(behind_proxy):
    public, _server = behind_proxy
    origin = public.base_url.removesuffix(PREFIX)
    with httpx2.Client(trust_env=False, timeout=10.0) as http:
        challenge = http.post(public.mcp_url, json={"jsonrpc": "2.0", "id": 1, "method": "ping"})
        assert challenge.status_code == 401
        metadata_url = challenge.headers["www-authenticate"].split('resource_metadata="', 1)[1].split('"', 1)[0]
        assert metadata_url.startswith(public.base_url + "/")
        # RFC 9728 §3.1: the well-known URL a client builds from the resource, and the one the challenge names.
        for url in (f"{origin}/.well-known/oauth-protected-resource{PREFIX}/mcp", metadata_url):
            resource = http.get(url)
            assert resource.status_code == 200, url
            assert resource.json()["resource"] == f"{public.base_url}/mcp"
            assert resource.json()["authorization_servers"] == [public.base_url]
        # RFC 8414 §3.1: the path-inserted URL for issuer http://host/bastion, and the one under the prefix.
        for url in (f"{origin}/.well-known/oauth-authorization-server{PREFIX}",
                    f"{public.base_url}/.well-known/oauth-authorization-server"):  # fmt: skip
            metadata = http.get(url)
            assert metadata.status_code == 200, url
            document = metadata.json()
            assert document["issuer"] == public.base_url
            endpoints = {key: value for key, value in document.items() if key.endswith("_endpoint")}
            assert set(endpoints) >= {"authorization_endpoint", "token_endpoint", "registration_endpoint"}
            for name, endpoint in endpoints.items():
                assert endpoint.startswith(f"{public.base_url}/oauth/"), (name, endpoint)
        # Each advertised endpoint answers through the proxy (here: the token endpoint refusing an empty grant).
        token = http.post(document["token_endpoint"], data={"grant_type": "authorization_code"})
        assert token.status_code in (400, 401)
        assert "error" in token.json()
        # The page a person is sent to for setting the first password is under the prefix too.
        assert urlsplit(document["service_documentation"]).path == f"{PREFIX}/console"


async def test_the_sdk_client_lists_and_calls_tools_through_the_prefix_with_an_api_key(behind_proxy):
    public, server = behind_proxy
    server.cli("users", "add", "alice", "--admin", "--password-stdin", stdin=PASSWORD + "\n")
    created = server.cli_json("connections", "add-key", "--name", "Behind nginx", "--user", "alice")
    assert created["mcp_url"] == f"{public.base_url}/mcp"
    for mode in ("legacy", "2026-07-28"):
        async with mcp_session(public, headers={"Authorization": f"Bearer {created['api_key']}"}, mode=mode) as client:
            names = {tool.name for tool in (await client.list_tools()).tools}
            assert "whoami" in names
            me = tool_payload(await client.call_tool("whoami", {}))
            assert me["user"]["login"] == "alice"
            assert me["resource"] == f"{public.base_url}/mcp"


async def test_a_self_registering_oauth_client_signs_in_and_refreshes_through_the_prefix(behind_proxy):
    public, server = behind_proxy
    server.cli("users", "add", "alice", "--admin", "--password-stdin", stdin=PASSWORD + "\n")
    browser = ScriptedBrowser(public.base_url, public.issuer, login="alice", password=PASSWORD)
    storage = InMemoryTokenStorage()
    provider = oauth_provider(public, browser, storage, redirect_uri=loopback_redirect_uri())
    try:
        async with mcp_session(public, auth=provider) as client:
            me = tool_payload(await client.call_tool("whoami", {}))
            first = storage.tokens
            expire_access_token(provider)
            again = tool_payload(await client.call_tool("whoami", {}))
    finally:
        await browser.aclose()
    assert me["user"]["login"] == again["user"]["login"] == "alice"
    assert me["resource"] == f"{public.base_url}/mcp"
    # The person signed in on the console's page under the prefix, and the client refreshed through it.
    assert browser.authorizations[0].signed_in
    assert urlsplit(browser.authorizations[0].url).path == f"{PREFIX}/oauth/authorize"
    assert first is not None and storage.tokens is not None
    assert storage.tokens.access_token != first.access_token
