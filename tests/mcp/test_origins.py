"""DNS-rebinding protection: the Host and Origin headers /mcp accepts follow BASTION_PUBLIC_URL."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from starlette.requests import Request

from bastion.config import Settings
from bastion.mcp.errors import HostNotAllowed, OriginNotAllowed
from bastion.mcp.origins import check_host_and_origin, transport_security_settings
from tests.factories import make_api_key
from tests.mcp.helpers import audit_events, initialize_request, make_member, post_mcp, sse_messages


def settings_for(public_url: str) -> Settings:
    return Settings(home=Path("/unused"), database_url="sqlite+aiosqlite://", public_url=public_url, secret_key="x")


def request_with(host: str, origin: str | None = None) -> Request:
    headers = [(b"host", host.encode())] + ([(b"origin", origin.encode())] if origin else [])
    return Request({"type": "http", "method": "POST", "path": "/mcp", "headers": headers})


async def check(public_url: str, host: str, origin: str | None = None) -> None:
    settings = settings_for(public_url)
    await check_host_and_origin(request_with(host, origin), transport_security_settings(settings), settings)


@pytest.mark.parametrize(
    ("host", "origin"),
    [
        ("mcp.example.com", None),
        ("mcp.example.com", "https://mcp.example.com"),
        ("mcp.example.com:443", "https://mcp.example.com:443"),
    ],
)
async def test_the_public_host_and_origin_are_accepted(host, origin):
    await check("https://mcp.example.com", host, origin)


async def test_a_foreign_host_is_refused_with_the_address_to_use():
    with pytest.raises(HostNotAllowed, match=re.escape("'evil.example' is not this server's address")) as refused:
        await check("https://mcp.example.com", "evil.example")
    assert "https://mcp.example.com/mcp" in refused.value.description


async def test_a_foreign_origin_is_refused():
    with pytest.raises(OriginNotAllowed, match=re.escape("origin 'https://evil.example' are not allowed")):
        await check("https://mcp.example.com", "mcp.example.com", "https://evil.example")


async def test_a_public_url_that_spells_the_default_port_accepts_clients_that_leave_it_out():
    await check("https://mcp.example.com:443", "mcp.example.com", "https://mcp.example.com")


async def test_the_public_host_on_another_port_is_refused():
    with pytest.raises(HostNotAllowed):
        await check("https://mcp.example.com", "mcp.example.com:8443")


@pytest.mark.parametrize(
    ("host", "origin"),
    [
        ("127.0.0.1:8000", "http://127.0.0.1:8000"),
        ("localhost:8000", "http://localhost:6274"),
        ("[::1]:9999", "http://[::1]:9999"),
        ("localhost", "http://localhost"),
    ],
)
async def test_a_loopback_server_accepts_every_loopback_spelling_on_any_port(host, origin):
    await check("http://127.0.0.1:8000", host, origin)


async def test_a_loopback_server_still_refuses_a_web_origin():
    with pytest.raises(OriginNotAllowed):
        await check("http://localhost:8000", "localhost:8000", "https://evil.example")


async def test_a_public_server_does_not_accept_loopback_spellings():
    with pytest.raises(HostNotAllowed):
        await check("https://mcp.example.com", "127.0.0.1:8000")


async def test_over_http_an_origin_that_is_not_allowed_gets_403_with_a_sentence_and_an_audit_entry(client, services):
    key = (await make_api_key(services, await make_member(services))).secret
    response = await post_mcp(client, initialize_request(), token=key, headers={"Origin": "https://evil.example"})
    assert response.status_code == 403
    error = response.json()["error"]
    assert error["code"] == -32600
    assert "origin 'https://evil.example' are not allowed" in error["message"]
    [rejected] = await audit_events(services, "mcp.rejected")
    assert rejected.detail["reason"] == "origin_not_allowed"


async def test_over_http_the_servers_own_origin_is_let_through(client, services):
    key = (await make_api_key(services, await make_member(services))).secret
    response = await post_mcp(client, initialize_request(), token=key, headers={"Origin": "http://testserver"})
    assert response.status_code == 200
    assert sse_messages(response)[0]["result"]["serverInfo"]["name"] == "bastion"


async def test_over_http_a_host_that_is_not_allowed_gets_421_before_any_credential_check(client, services):
    response = await post_mcp(client, initialize_request(), headers={"Host": "evil.example"})
    assert response.status_code == 421
    assert "'evil.example' is not this server's address" in response.json()["error"]["message"]
    [rejected] = await audit_events(services, "mcp.rejected")
    assert rejected.detail["reason"] == "host_not_allowed"


async def test_a_browser_page_on_an_allowed_origin_gets_a_cors_preflight_answer_without_a_credential(client):
    response = await client.options(
        "/mcp",
        headers={
            "Origin": "http://testserver",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization, content-type, mcp-protocol-version",
        },
    )
    assert response.status_code == 204
    assert response.headers["access-control-allow-origin"] == "http://testserver"
    assert "POST" in response.headers["access-control-allow-methods"]
    allowed = response.headers["access-control-allow-headers"].lower()
    assert all(name in allowed for name in ("authorization", "mcp-protocol-version", "mcp-session-id"))


async def test_an_allowed_origin_can_read_the_challenge_and_the_session_id(client, services):
    unauthenticated = await post_mcp(client, initialize_request(), headers={"Origin": "http://testserver"})
    assert unauthenticated.status_code == 401
    assert unauthenticated.headers["access-control-allow-origin"] == "http://testserver"
    assert "WWW-Authenticate" in unauthenticated.headers["access-control-expose-headers"]

    key = (await make_api_key(services, await make_member(services))).secret
    response = await post_mcp(client, initialize_request(), token=key, headers={"Origin": "http://testserver"})
    assert response.headers["access-control-allow-origin"] == "http://testserver"
    assert "Mcp-Session-Id" in response.headers["access-control-expose-headers"]


async def test_a_foreign_origin_gets_no_cors_permission_even_for_a_preflight(client):
    response = await client.options("/mcp", headers={"Origin": "https://evil.example"})
    assert response.status_code == 403
    assert "access-control-allow-origin" not in response.headers
