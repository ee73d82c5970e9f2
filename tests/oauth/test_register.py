from contextlib import asynccontextmanager
from datetime import timedelta

import pytest
from sqlalchemy import select, update
from starlette.requests import Request

from bastion import credentials
from bastion.oauth.client_metadata import check_client_metadata
from bastion.oauth.errors import InvalidClientMetadata, InvalidRedirectUri
from bastion.oauth.register import RegistrationTooLarge, read_registration
from bastion.store.models import Connection, Token
from bastion.store.repositories import StoredSettings
from tests.oauth.authorization_helpers import audit_events

CLAUDE_CALLBACK = "https://claude.ai/api/mcp/auth_callback"
DAY = 24 * 60 * 60


def metadata(**overrides):
    body = {"redirect_uris": [CLAUDE_CALLBACK], "client_name": "Claude"}
    body.update(overrides)
    return {name: value for name, value in body.items() if value is not None}


async def register(client, **overrides):
    return await client.post("/oauth/register", json=metadata(**overrides))


async def stored(services, client_id):
    async with services.transaction() as session:
        return await session.scalar(select(Connection).where(Connection.client_id == client_id))


async def all_connections(services):
    async with services.transaction() as session:
        return list((await session.scalars(select(Connection).order_by(Connection.id))).all())


async def set_setting(services, key, value):
    async with services.transaction() as session:
        await StoredSettings(session).put(key, value, services.clock())


def assert_refused(response, status, error, description):
    assert response.status_code == status, response.text
    assert response.json()["error"] == error
    assert description in response.json()["error_description"]
    assert response.headers["cache-control"] == "no-store"


# --- successful registrations ------------------------------------------------------------------------


async def test_a_public_client_is_registered_without_a_secret(client, services):
    response = await register(client, token_endpoint_auth_method="none", application_type="web")

    assert response.status_code == 201
    info = response.json()
    assert info["client_id"].startswith("bst_ci_")
    assert info["client_id_issued_at"] == int(services.clock().timestamp())
    assert "client_secret" not in info
    assert "client_secret_expires_at" not in info
    assert info["token_endpoint_auth_method"] == "none"
    assert info["redirect_uris"] == [CLAUDE_CALLBACK]
    assert info["grant_types"] == ["authorization_code", "refresh_token"]
    assert info["response_types"] == ["code"]
    assert info["client_name"] == "Claude"
    assert info["application_type"] == "web"
    assert response.headers["cache-control"] == "no-store"


async def test_a_registered_client_is_stored_as_an_unowned_dynamic_oauth_connection(client, services):
    info = (await register(client, token_endpoint_auth_method="none")).json()

    connection = await stored(services, info["client_id"])
    assert connection.type == "oauth"
    assert connection.is_dynamic is True
    assert connection.user_id is None
    assert connection.client_type == "public"
    assert connection.client_secret_digest is None
    assert connection.registered_from_ip == "127.0.0.1"
    assert connection.name == "Claude"


async def test_a_client_that_does_not_choose_gets_a_secret_for_client_secret_basic(client, services):
    response = await register(client)

    info = response.json()
    assert response.status_code == 201
    assert info["token_endpoint_auth_method"] == "client_secret_basic"
    assert info["client_secret"].startswith("bst_cs_")
    assert info["client_secret_expires_at"] == 0
    connection = await stored(services, info["client_id"])
    assert connection.client_type == "confidential"
    assert connection.client_secret_digest == credentials.digest(info["client_secret"])


async def test_client_secret_post_is_accepted(client, services):
    info = (await register(client, token_endpoint_auth_method="client_secret_post")).json()

    assert info["token_endpoint_auth_method"] == "client_secret_post"
    assert info["client_secret"].startswith("bst_cs_")


async def test_optional_metadata_is_stored_and_echoed(client, services):
    extra = {
        "application_type": "native",
        "client_uri": "https://claude.ai",
        "logo_uri": "https://claude.ai/logo.png",
        "software_id": "claude-desktop",
        "software_version": "1.2.3",
        "contacts": ["security@example.com"],
    }

    info = (await register(client, **extra)).json()

    assert {name: info[name] for name in extra} == extra
    connection = await stored(services, info["client_id"])
    assert {name: connection.registration_metadata[name] for name in extra} == extra


async def test_the_scope_asked_at_registration_never_narrows_what_the_client_may_be_granted(client, services):
    info = (await register(client, scope="mcp:read")).json()

    connection = await stored(services, info["client_id"])
    assert info["scope"] == "mcp:read"
    assert connection.registration_metadata["scope"] == "mcp:read"
    assert connection.scopes == "mcp:read mcp:write"


async def test_the_client_name_is_trimmed_and_a_missing_one_is_replaced(client, services):
    trimmed = (await register(client, client_name="  Claude \n Desktop\t")).json()
    missing = (await register(client, client_name=None)).json()
    blank = (await register(client, client_name="   ")).json()

    assert trimmed["client_name"] == "Claude Desktop"
    assert missing["client_name"] == blank["client_name"] == "Unnamed client"


async def test_unknown_metadata_fields_are_ignored(client):
    response = await register(client, tos_uri="https://example.com/tos", jwks={"keys": []}, made_up=1)

    assert response.status_code == 201
    assert "made_up" not in response.json()


async def test_a_registration_is_audited(client, services):
    info = (await register(client)).json()

    (event,) = await audit_events(services, "client.registered")
    connection = await stored(services, info["client_id"])
    assert event.connection_id == connection.id
    assert event.client_ip == "127.0.0.1"
    assert event.detail["client_name"] == "Claude"


async def test_the_registration_response_is_readable_from_a_browser_page(client):
    response = await register(client, token_endpoint_auth_method="none")

    assert response.headers["access-control-allow-origin"] == "*"


async def test_a_cors_preflight_for_registration_is_answered(client):
    response = await client.options(
        "/oauth/register",
        headers={
            "Origin": "http://localhost:6274",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
    )

    assert response.status_code == 204
    assert response.headers["access-control-allow-origin"] == "*"
    assert "POST" in response.headers["access-control-allow-methods"]
    assert "Content-Type" in response.headers["access-control-allow-headers"]


# --- refused registrations ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("redirect_uris", "reason"),
    [
        (["http://app.example.com/callback"], "use https"),
        (["https://app.example.com/callback#frag"], "fragment"),
        (["javascript:alert(1)"], "not an absolute URL"),
        ([], "redirect_uris is required"),
        (None, "redirect_uris is required"),
        ("https://app.example.com/callback", "must be a JSON array of strings"),
        ([42], "must be a JSON array of strings"),
    ],
)
async def test_unusable_redirect_uris_are_refused_with_the_reason(client, services, redirect_uris, reason):
    response = await register(client, redirect_uris=redirect_uris)

    assert_refused(response, 400, "invalid_redirect_uri", reason)
    assert await all_connections(services) == []


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        (
            {"token_endpoint_auth_method": "private_key_jwt"},
            "token_endpoint_auth_method 'private_key_jwt' is not supported",
        ),
        ({"grant_types": ["authorization_code", "client_credentials"]}, "client_credentials is not available"),
        ({"grant_types": ["implicit"]}, "are not supported"),
        ({"grant_types": ["refresh_token"]}, "must include authorization_code"),
        ({"grant_types": "authorization_code"}, "grant_types must be a JSON array of strings"),
        ({"response_types": ["token"]}, 'response_types must be ["code"]'),
        ({"application_type": "desktop"}, "application_type must be 'web' or 'native'"),
        ({"client_name": 42}, "client_name must be a string"),
        ({"client_name": "x" * 121}, "client_name may be at most 120 characters"),
        ({"client_uri": "javascript:alert(1)"}, "client_uri must be an https URL"),
        ({"logo_uri": "not a url"}, "logo_uri must be an https URL"),
        ({"contacts": ["a"] * 11}, "contacts may list at most 10"),
    ],
)
async def test_unusable_metadata_is_refused_with_the_reason(client, services, overrides, reason):
    response = await register(client, **overrides)

    assert_refused(response, 400, "invalid_client_metadata", reason)
    assert await all_connections(services) == []


async def test_a_body_that_is_not_json_is_refused(client):
    response = await client.post("/oauth/register", content=b"redirect_uris=x", headers={"Content-Type": "text/plain"})

    assert_refused(response, 400, "invalid_client_metadata", "Content-Type: application/json")


async def test_malformed_json_is_refused(client):
    response = await client.post("/oauth/register", content=b"{not json", headers={"Content-Type": "application/json"})

    assert_refused(response, 400, "invalid_client_metadata", "not valid JSON")


async def test_a_json_value_that_is_not_an_object_is_refused(client):
    response = await client.post("/oauth/register", json=[CLAUDE_CALLBACK])

    assert_refused(response, 400, "invalid_client_metadata", "must be a JSON object")


async def test_a_body_over_64_kib_is_refused_as_too_large(client, services):
    response = await register(client, client_uri="https://example.com/" + "a" * 70_000)

    # Refused on its declared length before anything is read, in the RFC 7591 error format.
    assert response.status_code == 413
    assert response.json()["error"] == "invalid_client_metadata"
    assert "larger than 64 KiB" in response.json()["error_description"]
    assert response.headers["cache-control"] == "no-store"
    assert await all_connections(services) == []


async def test_the_handler_refuses_an_oversized_body_streamed_without_a_length():
    chunks = [b"{" + b" " * 40_000, b" " * 40_000 + b"}"]

    async def receive():
        body = chunks.pop(0)
        return {"type": "http.request", "body": body, "more_body": bool(chunks)}

    request = Request({"type": "http", "method": "POST", "headers": [], "path": "/oauth/register"}, receive)

    with pytest.raises(RegistrationTooLarge, match="larger than 64 KiB") as refused:
        await read_registration(request)
    assert (refused.value.error, refused.value.status_code) == ("invalid_client_metadata", 413)


async def test_a_refused_registration_is_audited_and_stores_nothing(client, services):
    await register(client, redirect_uris=["http://evil.example.com/cb"])

    (event,) = await audit_events(services, "client.registration_refused")
    assert event.detail["error"] == "invalid_redirect_uri"
    assert event.client_ip == "127.0.0.1"
    assert await audit_events(services, "client.registered") == []
    assert await all_connections(services) == []


async def test_a_refused_registration_is_still_answered_when_its_audit_entry_cannot_be_written(
    client, services, monkeypatch
):
    opened = services.transaction
    transactions = 0

    @asynccontextmanager
    async def audit_write_fails():
        nonlocal transactions
        transactions += 1
        if transactions > 1:  # the first is the request's own; the second would write the audit entry
            raise OSError("disk full")
        async with opened() as session:
            yield session

    monkeypatch.setattr(services, "transaction", audit_write_fails)

    response = await register(client, redirect_uris=["http://evil.example.com/cb"])

    assert_refused(response, 400, "invalid_redirect_uri", "http://evil.example.com/cb")
    assert response.headers["access-control-allow-origin"] == "*"
    assert transactions == 2


async def test_registration_can_be_switched_off(client, services):
    await set_setting(services, "dynamic_registration_enabled", False)

    response = await register(client)

    assert_refused(response, 403, "access_denied", "Dynamic client registration is turned off on this server")
    assert "Custom OAuth connection" in response.json()["error_description"]
    assert response.headers["access-control-allow-origin"] == "*"
    assert await all_connections(services) == []
    (event,) = await audit_events(services, "client.registration_refused")
    assert event.detail["error"] == "access_denied"


async def test_registrations_are_limited_per_address_per_hour(client, services, clock):
    for _ in range(10):
        assert (await register(client)).status_code == 201
        clock.advance(60)

    refused = await register(client)
    clock.advance(60 * 60 + 1)
    after_an_hour = await register(client)

    assert_refused(refused, 429, "slow_down", "Too many registrations from your address")
    # The oldest of the ten registered 10 minutes ago: the limit frees up in 50 minutes, not a whole hour.
    assert refused.headers["retry-after"] == str(50 * 60)
    assert after_an_hour.status_code == 201
    assert len(await all_connections(services)) == 11


async def test_registrations_never_used_are_purged_after_the_set_number_of_days(client, services, clock):
    await set_setting(services, "unused_registration_days", 3)
    unused = (await register(client)).json()["client_id"]
    used = (await register(client)).json()["client_id"]
    async with services.transaction() as session:
        await session.execute(update(Connection).where(Connection.client_id == used).values(last_used_at=clock()))
    clock.advance(3 * DAY + 1)

    fresh = (await register(client)).json()["client_id"]

    assert [c.client_id for c in await all_connections(services)] == [used, fresh]
    (_, _, last) = await audit_events(services, "client.registered")
    assert last.detail["purged_unused"] == 1
    assert unused not in [c.client_id for c in await all_connections(services)]


async def test_a_registration_that_signed_in_but_never_called_mcp_is_not_purged(client, services, clock):
    signed_in = (await register(client)).json()["client_id"]
    async with services.transaction() as session:
        connection = (await session.scalars(select(Connection).where(Connection.client_id == signed_in))).one()
        session.add(
            Token(
                kind="refresh",
                digest=credentials.digest("bst_rt_example"),
                connection_id=connection.id,
                user_id=None,
                scopes="mcp:read",
                resource="http://testserver/mcp",
                family_id="family",
                created_at=clock(),
                expires_at=clock() + timedelta(days=30),
            )
        )
    clock.advance(8 * DAY)

    await register(client)

    assert signed_in in [c.client_id for c in await all_connections(services)]


async def test_recent_unused_registrations_are_kept(client, services, clock):
    first = (await register(client)).json()["client_id"]
    clock.advance(7 * DAY - 1)

    await register(client)

    assert first in [c.client_id for c in await all_connections(services)]


# --- the rule, without HTTP --------------------------------------------------------------------------


def test_duplicate_redirect_uris_are_stored_once():
    registration = check_client_metadata(metadata(redirect_uris=[CLAUDE_CALLBACK, CLAUDE_CALLBACK]))

    assert registration.redirect_uris == [CLAUDE_CALLBACK]


def test_control_characters_in_a_client_name_are_removed():
    registration = check_client_metadata(metadata(client_name="Claude\u0000\u200e\x1b[31m"))

    assert registration.client_name == "Claude [31m"


def test_a_loopback_redirect_uri_may_be_registered_over_http():
    registration = check_client_metadata(metadata(redirect_uris=["http://localhost:6274/oauth/callback"]))

    assert registration.redirect_uris == ["http://localhost:6274/oauth/callback"]


def test_too_many_redirect_uris_are_refused():
    with pytest.raises(InvalidRedirectUri, match="at most 20 redirect URIs"):
        check_client_metadata(metadata(redirect_uris=[f"https://app.example.com/{n}" for n in range(21)]))


def test_an_overlong_scope_string_is_refused():
    with pytest.raises(InvalidClientMetadata, match="scope may be at most"):
        check_client_metadata(metadata(scope="mcp:read " * 100))


async def test_an_unexpected_failure_answers_server_error_and_stores_nothing(client, services, monkeypatch):
    def failing_check(body):
        raise RuntimeError("boom")

    monkeypatch.setattr("bastion.oauth.register.check_client_metadata", failing_check)

    response = await register(client)

    assert_refused(response, 500, "server_error", "unexpected error")
    assert response.headers["access-control-allow-origin"] == "*"
    assert await all_connections(services) == []
