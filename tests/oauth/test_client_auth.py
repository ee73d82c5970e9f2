"""Client authentication at the back-channel endpoints (oauth/client_auth.py)."""

import base64

import pytest
from sqlalchemy import update

from bastion import connections, credentials
from bastion.oauth.client_auth import parse_basic_authorization, read_client_credentials
from bastion.oauth.errors import InvalidClient, InvalidRequest
from bastion.oauth.parameters import Form
from bastion.store.models import Connection
from tests.factories import make_api_key, make_user
from tests.token_flows import (
    REDIRECT_URI,
    TOKEN_URL,
    VERIFIER,
    assert_error,
    basic_auth,
    exchange_code,
    make_code,
    make_party,
    refresh,
    sign_in,
)


def _basic(raw: str) -> str:
    return "Basic " + base64.b64encode(raw.encode()).decode()


def test_basic_credentials_are_form_urldecoded():
    # RFC 6749 §2.3.1: a ':' in the id and '+', '%' in the secret survive their encoding.
    assert parse_basic_authorization(_basic("https%3A%2F%2Fa.example%2Fc:p%2Bq%25r+s")) == (
        "https://a.example/c",
        "p+q%r s",
    )


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ("Bearer abc", "must use the Basic scheme"),
        ("Basic !!!", "not valid base64"),
        (_basic("no-separator"), "must be 'client_id:client_secret'"),
        (_basic(":secret"), "must be 'client_id:client_secret'"),
    ],
)
def test_a_malformed_authorization_header_is_invalid_client(header, message):
    with pytest.raises(InvalidClient, match=message):
        parse_basic_authorization(header)


def test_a_secret_in_both_the_header_and_the_body_is_invalid_request():
    with pytest.raises(InvalidRequest, match="not both"):
        read_client_credentials(_basic("id:secret"), Form({"client_secret": "secret"}))


def test_a_body_client_id_that_differs_from_the_header_is_invalid_request():
    with pytest.raises(InvalidRequest, match="differs"):
        read_client_credentials(_basic("id:secret"), Form({"client_id": "other"}))


def test_the_same_client_id_in_the_body_and_the_header_is_fine():
    # The MCP SDK client sends client_id in the body alongside Basic credentials.
    presented = read_client_credentials(_basic("id:secret"), Form({"client_id": "id"}))
    assert (presented.client_id, presented.secret, presented.method) == ("id", "secret", "client_secret_basic")


def test_an_empty_basic_password_means_no_secret():
    presented = read_client_credentials(_basic("id:"), Form({}))
    assert (presented.secret, presented.method) == (None, "none")


def test_the_method_follows_where_the_secret_was_sent():
    assert read_client_credentials(None, Form({"client_id": "a", "client_secret": "s"})).method == "client_secret_post"
    assert read_client_credentials(None, Form({"client_id": "a"})).method == "none"


def test_no_client_identification_at_all_is_invalid_client():
    with pytest.raises(InvalidClient, match="Identify the client"):
        read_client_credentials(None, Form({}))


async def test_client_secret_basic_is_accepted(services, client):
    party = await make_party(services)
    response = await exchange_code(client, party, await make_code(services, party))
    assert response.status_code == 200, response.text


async def test_client_secret_basic_with_url_encoded_characters_is_accepted(services, client):
    party = await make_party(services)
    awkward_secret = "s3cr:t+with%odd/chars é"
    async with services.transaction() as session:
        await session.execute(
            update(Connection)
            .where(Connection.id == party.client.connection.id)
            .values(client_secret_digest=credentials.digest(awkward_secret))
        )
    code = await make_code(services, party)

    response = await client.post(
        TOKEN_URL,
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": REDIRECT_URI,
            "code_verifier": VERIFIER,
        },
        headers=basic_auth(party.client_id, awkward_secret),
    )

    assert response.status_code == 200, response.text


async def test_client_secret_post_is_accepted(services, client):
    party = await make_party(services)
    code = await make_code(services, party)
    response = await client.post(
        TOKEN_URL,
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": REDIRECT_URI,
            "code_verifier": VERIFIER,
            "client_id": party.client_id,
            "client_secret": party.secret,
        },
    )
    assert response.status_code == 200, response.text


async def test_a_public_client_authenticates_with_its_client_id_only(services, client):
    party = await make_party(services, client_type="public")
    response = await exchange_code(client, party, await make_code(services, party))
    assert response.status_code == 200, response.text


async def test_a_public_client_presenting_a_secret_is_invalid_client(services, client):
    party = await make_party(services, client_type="public")
    code = await make_code(services, party)
    response = await client.post(
        TOKEN_URL,
        data={"grant_type": "authorization_code", "code": code},
        headers=basic_auth(party.client_id, "made-up"),
    )
    assert_error(response, 401, "invalid_client", "public client and has no secret")


async def test_a_confidential_client_without_its_secret_is_invalid_client(services, client):
    party = await make_party(services)
    code = await make_code(services, party)
    response = await client.post(
        TOKEN_URL, data={"grant_type": "authorization_code", "code": code, "client_id": party.client_id}
    )
    assert_error(response, 401, "invalid_client", "confidential client: authenticate with its client secret")


async def test_a_wrong_secret_is_invalid_client_with_a_basic_challenge(services, client):
    party = await make_party(services)
    response = await client.post(
        TOKEN_URL, data={"grant_type": "authorization_code"}, headers=basic_auth(party.client_id, "bst_cs_wrong")
    )
    assert_error(response, 401, "invalid_client", "client secret is wrong")
    assert response.headers["www-authenticate"].startswith("Basic")


async def test_an_unknown_client_is_401_invalid_client_with_www_authenticate(services, client):
    response = await client.post(TOKEN_URL, data={"grant_type": "refresh_token", "client_id": "bst_ci_gone"})
    assert_error(response, 401, "invalid_client", "Register the client again")
    assert response.headers["www-authenticate"] == 'Basic realm="bastion"'


async def test_an_api_key_connection_is_not_an_oauth_client(services, client):
    key = await make_api_key(services, await make_user(services, "bob", password=None))
    async with services.transaction() as session:
        await session.execute(
            update(Connection).where(Connection.id == key.connection.id).values(client_id="bst_ci_key")
        )
    response = await client.post(TOKEN_URL, data={"grant_type": "refresh_token", "client_id": "bst_ci_key"})
    assert_error(response, 401, "invalid_client", "No client is registered")


async def test_the_old_secret_is_refused_right_after_rotation(services, client):
    party = await make_party(services)
    tokens = await sign_in(services, client, party)
    async with services.transaction() as session:
        connection = await session.get(Connection, party.client.connection.id)
        new_secret = await connections.rotate_credential(session, services.clock(), connection)

    refused = await refresh(client, party, tokens["refresh_token"])

    assert_error(refused, 401, "invalid_client", "If it was rotated")
    accepted = await client.post(
        TOKEN_URL,
        data={"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]},
        headers=basic_auth(party.client_id, new_secret),
    )
    assert accepted.status_code == 200, accepted.text


async def test_a_revoked_connection_is_invalid_client_saying_an_administrator_revoked_it(services, client):
    party = await make_party(services)
    code = await make_code(services, party)
    async with services.transaction() as session:
        connection = await session.get(Connection, party.client.connection.id)
        await connections.revoke_connection(session, services.clock(), connection)

    response = await exchange_code(client, party, code)

    assert_error(response, 401, "invalid_client", "revoked by an administrator")
