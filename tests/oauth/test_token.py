"""The /oauth/token endpoint itself (oauth/token.py): request shape, dispatch, headers, refusals."""

import httpx2
from starlette.applications import Starlette
from starlette.routing import Route

from bastion.oauth import token as token_module
from bastion.oauth.grants.refresh_token import RefreshTokenRequest
from tests import token_flows
from tests.conftest import PUBLIC_URL
from tests.token_flows import (
    TOKEN_URL,
    assert_error,
    audit_events,
    basic_auth,
    exchange_code,
    make_code,
    make_party,
    post_token,
)


async def test_a_missing_grant_type_is_invalid_request_naming_the_field(services, client):
    party = await make_party(services)
    response = await post_token(client, party, code="x")
    assert_error(response, 400, "invalid_request", "grant_type is required")


async def test_an_unsupported_grant_type_is_named_in_the_refusal(services, client):
    party = await make_party(services)
    response = await post_token(client, party, grant_type="password", username="a", password="b")
    assert_error(response, 400, "unsupported_grant_type", "'password' is not supported")
    assert "authorization_code" in response.json()["error_description"]


async def test_a_json_body_is_invalid_request_asking_for_form_encoding(services, client):
    party = await make_party(services)
    response = await client.post(
        TOKEN_URL,
        json={"grant_type": "authorization_code"},
        headers=basic_auth(party.client_id, party.secret),
    )
    assert_error(response, 400, "invalid_request", "application/x-www-form-urlencoded")


async def test_a_body_over_64_kib_is_413_invalid_request(services, app):
    # The endpoint alone, without the app's body-size middleware in front of it (which answers 413 first).
    bare = Starlette(routes=[Route(TOKEN_URL, token_module.token_endpoint(services), methods=["POST"])])
    party = await make_party(services)
    async with httpx2.AsyncClient(transport=httpx2.ASGITransport(app=bare), base_url=PUBLIC_URL) as http:
        response = await post_token(http, party, grant_type="refresh_token", refresh_token="x" * (65 * 1024))
    assert_error(response, 413, "invalid_request", "larger than 64 KiB")


async def test_a_repeated_parameter_is_invalid_request_naming_it(services, client):
    party = await make_party(services)
    response = await client.post(
        TOKEN_URL,
        content="grant_type=refresh_token&refresh_token=a&refresh_token=b",
        headers={**basic_auth(party.client_id, party.secret), "Content-Type": "application/x-www-form-urlencoded"},
    )
    assert_error(response, 400, "invalid_request", "refresh_token appears more than once")


async def test_success_and_error_responses_are_never_cached(services, client):
    party = await make_party(services)
    code = await make_code(services, party)

    success = await exchange_code(client, party, code)
    error = await exchange_code(client, party, "bst_ac_unknown")
    unknown_client = await client.post(TOKEN_URL, data={"grant_type": "refresh_token", "client_id": "nobody"})

    for response in (success, error, unknown_client):
        assert response.headers["cache-control"] == "no-store"
        assert response.headers["pragma"] == "no-cache"
    assert success.status_code == 200 and error.status_code == 400 and unknown_client.status_code == 401


async def test_browser_clients_may_call_the_token_endpoint_cross_origin(services, client):
    party = await make_party(services, client_type="public")

    preflight = await client.options(
        TOKEN_URL,
        headers={"Origin": "https://spa.example.com", "Access-Control-Request-Method": "POST"},
    )
    refused = await post_token(client, party, grant_type="refresh_token", refresh_token="bst_rt_unknown")
    granted = await exchange_code(client, party, await make_code(services, party))

    assert preflight.status_code == 204
    assert preflight.headers["access-control-allow-origin"] == "*"
    assert "POST" in preflight.headers["access-control-allow-methods"]
    assert "Authorization" in preflight.headers["access-control-allow-headers"]
    assert refused.headers["access-control-allow-origin"] == "*"
    assert granted.headers["access-control-allow-origin"] == "*"


async def test_a_refused_request_is_audited_as_token_rejected(services, client):
    party = await make_party(services)
    await post_token(client, party, grant_type="refresh_token", refresh_token="bst_rt_unknown")
    await client.post(TOKEN_URL, data={"grant_type": "refresh_token", "client_id": "bst_ci_nobody"})

    rejected = await audit_events(services, "token.rejected")

    assert [(e.connection_id, e.detail["client_id"], e.detail["error"]) for e in rejected] == [
        (party.client.connection.id, party.client_id, "invalid_grant"),
        (None, "bst_ci_nobody", "invalid_client"),
    ]
    assert rejected[0].detail["grant_type"] == "refresh_token"
    assert "refresh token is not valid" in rejected[0].detail["description"]


async def test_an_unexpected_failure_is_a_server_error_without_detail(services, client, monkeypatch):
    async def broken_grant(*_args, **_kwargs):
        raise RuntimeError("database exploded: secret internals")

    monkeypatch.setitem(token_module.GRANTS, "refresh_token", (RefreshTokenRequest.from_form, broken_grant))
    party = await make_party(services)

    response = await post_token(client, party, grant_type="refresh_token", refresh_token="bst_rt_x")

    assert_error(response, 500, "server_error", "unexpected error")
    assert "secret internals" not in response.text
    assert response.headers["cache-control"] == "no-store"


async def test_the_legacy_default_token_path_at_the_root_serves_the_same_endpoint(services, client):
    # MCP 2025-03-26 §2.3.3: clients that skipped discovery (the SDK refreshing after a restart) use <base>/token.
    party = await make_party(services)
    code = await make_code(services, party)
    headers, body = token_flows.client_auth(party)
    body.update(
        grant_type="authorization_code",
        code=code,
        redirect_uri=token_flows.REDIRECT_URI,
        code_verifier=token_flows.VERIFIER,
    )
    response = await client.post("/token", data=body, headers=headers)
    assert response.status_code == 200, response.text
    assert response.json()["refresh_token"].startswith("bst_rt_")
