"""A public URL with a path (Bastion under a prefix behind a reverse proxy that strips it): every address a
client learns derives from the public URL, and the well-known documents are served both where RFC 8414 /
RFC 9728 put them for an issuer and a resource with a path, and where the stripped prefix delivers them."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import httpx2
import pytest

from bastion.config import Settings
from bastion.public_prefix import prefixed_cookie, prefixed_html, prefixed_location
from bastion.services import build_services
from bastion.store.db import upgrade_database

PUBLIC_URL = "https://example.com/bastion"


@pytest.fixture
async def prefixed(tmp_path: Path, database_url: str, clock) -> AsyncIterator[httpx2.AsyncClient]:
    from bastion.app import create_app

    settings = Settings.from_env(
        {
            "BASTION_HOME": str(tmp_path / "home"),
            "BASTION_DATABASE_URL": database_url,
            "BASTION_PUBLIC_URL": PUBLIC_URL + "/",
            "BASTION_SECRET_KEY": "test-secret-key-" + "x" * 32,
        }
    )
    services = build_services(settings, clock)
    await upgrade_database(services.engine)
    # The proxy in front has stripped /bastion: requests reach Bastion at its own root paths.
    transport = httpx2.ASGITransport(app=create_app(settings, services=services))
    async with httpx2.AsyncClient(transport=transport, base_url="https://example.com") as http:
        yield http
    await services.engine.dispose()


def test_the_public_path_is_the_path_of_the_public_url_without_a_trailing_slash(tmp_path):
    def settings(url: str) -> Settings:
        return Settings.from_env(
            {"BASTION_PUBLIC_URL": url, "BASTION_HOME": str(tmp_path), "BASTION_SECRET_KEY": "k" * 32}
        )

    assert settings("https://example.com/bastion/").public_path == "/bastion"
    assert settings("https://example.com/bastion/").resource_url == "https://example.com/bastion/mcp"
    assert settings("https://example.com").public_path == ""


async def test_rfc_8414_metadata_is_served_at_the_path_inserted_url_and_under_the_prefix(prefixed):
    for path in ("/.well-known/oauth-authorization-server/bastion", "/.well-known/oauth-authorization-server"):
        response = await prefixed.get(path)
        assert response.status_code == 200, path
        metadata = response.json()
        assert metadata["issuer"] == PUBLIC_URL
        for name in ("authorization_endpoint", "token_endpoint", "registration_endpoint", "revocation_endpoint"):
            assert metadata[name].startswith(f"{PUBLIC_URL}/oauth/"), name
        assert metadata["service_documentation"] == f"{PUBLIC_URL}/console"


async def test_rfc_9728_metadata_is_served_for_the_resource_with_a_path(prefixed):
    for path in ("/.well-known/oauth-protected-resource/bastion/mcp", "/.well-known/oauth-protected-resource/mcp"):
        response = await prefixed.get(path)
        assert response.status_code == 200, path
        assert response.json()["resource"] == f"{PUBLIC_URL}/mcp"
        assert response.json()["authorization_servers"] == [PUBLIC_URL]


async def test_the_challenge_names_metadata_the_prefix_delivers(prefixed):
    response = await prefixed.post("/mcp", json={"jsonrpc": "2.0", "id": 1, "method": "ping"})
    assert response.status_code == 401
    expected = f'resource_metadata="{PUBLIC_URL}/.well-known/oauth-protected-resource/mcp"'
    assert expected in response.headers["www-authenticate"]


async def test_console_redirects_and_links_lead_back_through_the_prefix(prefixed):
    home = await prefixed.get("/console")
    assert home.status_code == 303
    assert home.headers["location"].startswith("/bastion/console/login?next=")
    login = await prefixed.get("/console/login")
    assert login.status_code == 200
    assert 'action="/bastion/console/login"' in login.text
    assert 'href="/bastion/static/' in login.text
    # Nothing root-relative escapes the prefix, and the body length matches what was rewritten.
    assert not re.search(r'(href|src|action)="/(?!bastion/)', login.text)
    assert int(login.headers["content-length"]) == len(login.content)
    favicon = await prefixed.get("/favicon.ico")
    assert favicon.headers["location"] == "/bastion/static/favicon.svg"


def test_cookie_paths_redirects_and_html_get_the_prefix_but_absolute_urls_do_not():
    prefix = b"/bastion"
    assert (
        prefixed_location(b"/console/login?next=/oauth/authorize", prefix)
        == b"/bastion/console/login?next=/oauth/authorize"
    )
    assert prefixed_location(b"https://example.com/bastion/console", prefix) == b"https://example.com/bastion/console"
    assert prefixed_location(b"//evil.example/x", prefix) == b"//evil.example/x"
    assert prefixed_cookie(b"bastion_session=x; HttpOnly; Path=/console; SameSite=lax", prefix) == (
        b"bastion_session=x; HttpOnly; Path=/bastion/console; SameSite=lax"
    )
    html = b'<a href="/console">x</a> <form action="/console/login"> <a href="https://a/b"> <img src="//cdn/x">'
    assert prefixed_html(html, prefix) == (
        b'<a href="/bastion/console">x</a> <form action="/bastion/console/login"> '
        b'<a href="https://a/b"> <img src="//cdn/x">'
    )
    # Text that merely shows an address (escaped by the templates) is left as it is.
    assert prefixed_html(b"<code>href=&#34;/console&#34;</code>", prefix) == b"<code>href=&#34;/console&#34;</code>"
