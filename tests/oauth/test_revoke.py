"""/oauth/revoke (oauth/revoke.py); what revocation does to the other endpoints is in tests/spec."""

from tests.token_flows import (
    assert_error,
    audit_events,
    basic_auth,
    client_auth,
    make_party,
    sign_in,
    stored_token,
)

REVOKE_URL = "/oauth/revoke"


async def revoke(http, party, **fields):
    headers, body = client_auth(party)
    body.update(fields)
    return await http.post(REVOKE_URL, data=body, headers=headers)


async def test_a_confidential_client_revokes_its_access_token(services, client):
    party = await make_party(services)
    tokens = await sign_in(services, client, party)

    response = await revoke(client, party, token=tokens["access_token"], token_type_hint="access_token")

    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    assert (await stored_token(services, tokens["access_token"])).revoked_at is not None
    # Only that token: the sign-in goes on.
    assert (await stored_token(services, tokens["refresh_token"])).revoked_at is None


async def test_a_public_client_revokes_with_its_client_id_only(services, client):
    party = await make_party(services, client_type="public")
    tokens = await sign_in(services, client, party)

    response = await revoke(client, party, token=tokens["refresh_token"])

    assert response.status_code == 200
    assert (await stored_token(services, tokens["refresh_token"])).revoked_at is not None


async def test_revoking_a_refresh_token_revokes_the_access_tokens_of_its_family(services, client):
    party = await make_party(services)
    tokens = await sign_in(services, client, party)

    await revoke(client, party, token=tokens["refresh_token"], token_type_hint="refresh_token")

    assert (await stored_token(services, tokens["access_token"])).revoked_at is not None
    revoked = await audit_events(services, "token.revoked")
    assert [(e.connection_id, e.detail["kind"], e.detail["tokens_revoked"]) for e in revoked] == [
        (party.client.connection.id, "refresh", 2)
    ]


async def test_a_wrong_hint_is_ignored(services, client):
    party = await make_party(services)
    tokens = await sign_in(services, client, party)

    response = await revoke(client, party, token=tokens["access_token"], token_type_hint="refresh_token")
    unknown_hint = await revoke(client, party, token=tokens["refresh_token"], token_type_hint="saml_assertion")

    assert response.status_code == unknown_hint.status_code == 200
    assert (await stored_token(services, tokens["access_token"])).revoked_at is not None
    assert (await stored_token(services, tokens["refresh_token"])).revoked_at is not None


async def test_an_unknown_token_is_answered_200_and_changes_nothing(services, client):
    party = await make_party(services)
    response = await revoke(client, party, token="bst_at_never-issued")
    assert response.status_code == 200
    assert await audit_events(services, "token.revoked") == []


async def test_a_token_of_another_client_is_answered_200_and_left_alone(services, client):
    owner = await make_party(services, login="alice")
    other = await make_party(services, login="mallory")
    tokens = await sign_in(services, client, owner)

    response = await revoke(client, other, token=tokens["refresh_token"])

    assert response.status_code == 200
    assert (await stored_token(services, tokens["refresh_token"])).revoked_at is None


async def test_revoking_twice_is_fine_and_audited_once(services, client):
    party = await make_party(services)
    tokens = await sign_in(services, client, party)
    await revoke(client, party, token=tokens["access_token"])
    assert (await revoke(client, party, token=tokens["access_token"])).status_code == 200
    assert len(await audit_events(services, "token.revoked")) == 1


async def test_a_missing_token_is_invalid_request_naming_it(services, client):
    party = await make_party(services)
    response = await revoke(client, party)
    assert_error(response, 400, "invalid_request", "token is required")


async def test_a_wrong_secret_is_invalid_client(services, client):
    party = await make_party(services)
    tokens = await sign_in(services, client, party)
    response = await client.post(
        REVOKE_URL, data={"token": tokens["access_token"]}, headers=basic_auth(party.client_id, "bst_cs_wrong")
    )
    assert_error(response, 401, "invalid_client", "client secret is wrong")
    assert (await stored_token(services, tokens["access_token"])).revoked_at is None
    rejected = await audit_events(services, "token.rejected")
    assert [(e.detail["endpoint"], e.detail["error"]) for e in rejected] == [("revoke", "invalid_client")]


async def test_browser_clients_may_revoke_cross_origin(services, client):
    party = await make_party(services, client_type="public")
    preflight = await client.options(
        REVOKE_URL, headers={"Origin": "https://spa.example.com", "Access-Control-Request-Method": "POST"}
    )
    response = await revoke(client, party, token="bst_at_x")
    assert preflight.status_code == 204 and preflight.headers["access-control-allow-origin"] == "*"
    assert response.headers["access-control-allow-origin"] == "*"
