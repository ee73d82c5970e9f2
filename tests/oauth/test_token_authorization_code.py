"""The authorization_code grant at /oauth/token (oauth/grants/authorization_code.py)."""

from sqlalchemy import select, update

from bastion import credentials
from bastion.oauth.pkce import s256
from bastion.store.models import AuthorizationCode, Connection, Token, User
from tests.token_flows import (
    RESOURCE,
    assert_error,
    audit_events,
    exchange_code,
    make_code,
    make_party,
    put_setting,
    refresh,
    sign_in,
    stored_token,
)


async def test_a_valid_code_gets_a_bearer_access_token_and_always_a_refresh_token(services, client):
    party = await make_party(services)
    code = await make_code(services, party, scopes="mcp:read mcp:write")

    response = await exchange_code(client, party, code)

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["access_token"].startswith("bst_at_")
    assert body["refresh_token"].startswith("bst_rt_")
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 3600
    assert body["scope"] == "mcp:read mcp:write"


async def test_tokens_are_stored_only_as_digests_bound_to_the_grant(services, client):
    party = await make_party(services)
    body = await sign_in(services, client, party)

    access = await stored_token(services, body["access_token"])
    refresh_row = await stored_token(services, body["refresh_token"])

    assert (access.kind, refresh_row.kind) == ("access", "refresh")
    assert access.digest == credentials.digest(body["access_token"])
    assert access.resource == refresh_row.resource == RESOURCE
    assert access.family_id == refresh_row.family_id and len(access.family_id) == 32
    assert access.code_id is not None and access.code_id == refresh_row.code_id
    assert access.user_id == party.user.id and access.connection_id == party.client.connection.id
    async with services.transaction() as session:
        stored_values = [
            value for row in (await session.scalars(select(Token))).all() for value in (row.digest, row.family_id)
        ]
    assert body["access_token"] not in stored_values and body["refresh_token"] not in stored_values


async def test_two_sign_ins_get_different_families(services, client):
    party = await make_party(services)
    first = await sign_in(services, client, party)
    second = await sign_in(services, client, party)
    assert (await stored_token(services, first["access_token"])).family_id != (
        await stored_token(services, second["access_token"])
    ).family_id


async def test_token_lifetimes_come_from_the_server_settings(services, client, clock):
    await put_setting(services, "access_token_ttl_seconds", 600)
    await put_setting(services, "refresh_token_ttl_seconds", 7200)
    party = await make_party(services)

    body = await sign_in(services, client, party)

    assert body["expires_in"] == 600
    assert (await stored_token(services, body["access_token"])).expires_at.timestamp() == clock.now.timestamp() + 600
    assert (await stored_token(services, body["refresh_token"])).expires_at.timestamp() == clock.now.timestamp() + 7200


async def test_issuing_tokens_is_audited_but_does_not_mark_the_connection_used(services, client):
    party = await make_party(services)
    await sign_in(services, client, party)

    issued = await audit_events(services, "token.issued")
    assert [(e.connection_id, e.user_id, e.detail["grant_type"]) for e in issued] == [
        (party.client.connection.id, party.user.id, "authorization_code")
    ]
    async with services.transaction() as session:
        connection = await session.get(Connection, party.client.connection.id)
    assert connection.last_used_at is None


async def test_the_scopes_are_those_of_the_code_within_what_the_connection_may_have_now(services, client):
    party = await make_party(services)
    code = await make_code(services, party, scopes="mcp:read mcp:write")
    async with services.transaction() as session:
        await session.execute(
            update(Connection).where(Connection.id == party.client.connection.id).values(scopes="mcp:read")
        )

    response = await exchange_code(client, party, code)

    assert response.json()["scope"] == "mcp:read"


async def test_a_public_client_exchanges_a_code_with_its_client_id_and_pkce_only(services, client):
    party = await make_party(services, client_type="public")
    response = await exchange_code(client, party, await make_code(services, party))
    assert response.status_code == 200, response.text


async def test_a_wrong_pkce_verifier_is_invalid_grant_and_leaves_the_code_unspent(services, client):
    party = await make_party(services)
    code = await make_code(services, party)

    response = await exchange_code(client, party, code, code_verifier="w" * 43)

    assert_refused(response, "invalid_grant", "does not match the code_challenge")
    assert (await exchange_code(client, party, code)).status_code == 200


async def test_a_missing_pkce_verifier_is_invalid_grant(services, client):
    party = await make_party(services)
    response = await exchange_code(client, party, await make_code(services, party), code_verifier="")
    assert_refused(response, "invalid_grant", "code_verifier is required")


async def test_a_verifier_that_matches_another_challenge_is_refused(services, client):
    party = await make_party(services)
    other_verifier = "z" * 50
    code = await make_code(services, party, challenge=s256(other_verifier))
    response = await exchange_code(client, party, code)
    assert_refused(response, "invalid_grant", "does not match")


async def test_an_expired_code_is_invalid_grant(services, client, clock):
    party = await make_party(services)
    code = await make_code(services, party)
    clock.advance(600)

    response = await exchange_code(client, party, code)

    assert_refused(response, "invalid_grant", "authorization code has expired")


async def test_a_code_is_still_good_just_before_it_expires(services, client, clock):
    party = await make_party(services)
    code = await make_code(services, party)
    clock.advance(599)
    assert (await exchange_code(client, party, code)).status_code == 200


async def test_a_redirect_uri_other_than_the_authorization_requests_is_invalid_grant(services, client):
    party = await make_party(services)
    code = await make_code(services, party)

    response = await exchange_code(client, party, code, redirect_uri="https://app.example.com/callback/")

    assert_refused(response, "invalid_grant", "redirect_uri does not match")


async def test_a_missing_redirect_uri_is_invalid_request_naming_it(services, client):
    party = await make_party(services)
    response = await exchange_code(client, party, await make_code(services, party), redirect_uri="")
    assert_refused(response, "invalid_request", "redirect_uri is required")


async def test_a_missing_code_is_invalid_request_naming_it(services, client):
    party = await make_party(services)
    response = await exchange_code(client, party, "")
    assert_refused(response, "invalid_request", "code is required")


async def test_an_unknown_code_is_invalid_grant(services, client):
    party = await make_party(services)
    response = await exchange_code(client, party, "bst_ac_not-a-code")
    assert_refused(response, "invalid_grant", "authorization code is not valid")


async def test_a_code_issued_to_another_client_is_invalid_grant_and_stays_usable_by_its_client(services, client):
    owner = await make_party(services, login="alice")
    thief = await make_party(services, login="mallory")
    code = await make_code(services, owner)

    response = await exchange_code(client, thief, code)

    assert_refused(response, "invalid_grant", "issued to another client")
    assert (await exchange_code(client, owner, code)).status_code == 200


async def test_a_code_of_a_user_deactivated_since_is_invalid_grant(services, client):
    party = await make_party(services)
    code = await make_code(services, party)
    async with services.transaction() as session:
        await session.execute(update(User).where(User.id == party.user.id).values(active=False))

    response = await exchange_code(client, party, code)

    assert_refused(response, "invalid_grant", "deactivated")


async def test_a_replayed_code_is_refused_and_revokes_every_token_it_issued(services, client):
    party = await make_party(services)
    code = await make_code(services, party)
    first = (await exchange_code(client, party, code)).json()

    replay = await exchange_code(client, party, code)

    assert_refused(replay, "invalid_grant", "already used")
    # The revocation was committed in its own transaction, although the replay request failed.
    assert (await stored_token(services, first["access_token"])).revoked_at is not None
    assert (await stored_token(services, first["refresh_token"])).revoked_at is not None
    reused = await audit_events(services, "code.reused")
    assert [(e.connection_id, e.detail["tokens_revoked"]) for e in reused] == [(party.client.connection.id, 2)]


async def test_a_replayed_code_also_revokes_the_tokens_its_refresh_token_was_rotated_into(services, client):
    party = await make_party(services)
    code = await make_code(services, party)
    first = (await exchange_code(client, party, code)).json()
    rotated = (await refresh(client, party, first["refresh_token"])).json()

    await exchange_code(client, party, code)

    assert (await stored_token(services, rotated["access_token"])).revoked_at is not None
    assert (await stored_token(services, rotated["refresh_token"])).revoked_at is not None


async def test_a_replay_with_a_wrong_verifier_still_revokes_the_tokens(services, client):
    party = await make_party(services)
    code = await make_code(services, party)
    first = (await exchange_code(client, party, code)).json()

    replay = await exchange_code(client, party, code, code_verifier="w" * 43)

    assert_refused(replay, "invalid_grant", "already used")
    assert (await stored_token(services, first["access_token"])).revoked_at is not None


async def test_a_spent_code_records_when_it_was_used(services, client, clock):
    party = await make_party(services)
    code = await make_code(services, party)
    await exchange_code(client, party, code)
    async with services.transaction() as session:
        row = await session.scalar(
            select(AuthorizationCode).where(AuthorizationCode.digest == credentials.digest(code))
        )
    assert row.consumed_at == clock.now


def assert_refused(response, error, description):
    assert_error(response, 400, error, description)
