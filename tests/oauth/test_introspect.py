"""/oauth/introspect (oauth/introspect.py): who may ask, and what a live token looks like."""

from sqlalchemy import update

from bastion.store.models import User
from tests.factories import make_api_key, make_user
from tests.token_flows import (
    PUBLIC_URL,
    RESOURCE,
    assert_error,
    audit_events,
    basic_auth,
    client_auth,
    make_party,
    sign_in,
)

INTROSPECT_URL = "/oauth/introspect"


async def introspect(http, party, token):
    headers, body = client_auth(party)
    return await http.post(INTROSPECT_URL, data={**body, "token": token}, headers=headers)


async def test_a_confidential_client_sees_its_live_access_token(services, client, clock):
    party = await make_party(services)
    tokens = await sign_in(services, client, party, scopes="mcp:read")

    response = await introspect(client, party, tokens["access_token"])

    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    assert response.json() == {
        "active": True,
        "scope": "mcp:read",
        "client_id": party.client_id,
        "token_type": "Bearer",
        "exp": int(clock.now.timestamp()) + 3600,
        "iat": int(clock.now.timestamp()),
        "sub": "alice",
        "username": "alice",
        "aud": RESOURCE,
        "iss": PUBLIC_URL,
    }


async def test_a_live_refresh_token_is_active_without_a_token_type(services, client):
    party = await make_party(services)
    tokens = await sign_in(services, client, party)
    body = (await introspect(client, party, tokens["refresh_token"])).json()
    assert body["active"] is True and "token_type" not in body


async def test_a_public_client_may_not_introspect(services, client):
    party = await make_party(services, client_type="public")
    tokens = await sign_in(services, client, party)
    response = await introspect(client, party, tokens["access_token"])
    assert_error(response, 401, "invalid_client", "Introspection is for confidential clients")


async def test_a_wrong_secret_may_not_introspect(services, client):
    party = await make_party(services)
    response = await client.post(
        INTROSPECT_URL, data={"token": "x"}, headers=basic_auth(party.client_id, "bst_cs_wrong")
    )
    assert_error(response, 401, "invalid_client", "client secret is wrong")
    rejected = await audit_events(services, "token.rejected")
    assert [e.detail["endpoint"] for e in rejected] == ["introspect"]


async def test_a_missing_token_is_invalid_request_naming_it(services, client):
    party = await make_party(services)
    headers, body = client_auth(party)
    response = await client.post(INTROSPECT_URL, data=body, headers=headers)
    assert_error(response, 400, "invalid_request", "token is required")


async def test_unknown_tokens_are_simply_inactive(services, client):
    party = await make_party(services)
    assert (await introspect(client, party, "bst_at_unknown")).json() == {"active": False}


async def test_a_client_learns_nothing_about_another_clients_token(services, client):
    owner = await make_party(services, login="alice")
    other = await make_party(services, login="mallory")
    tokens = await sign_in(services, client, owner)
    assert (await introspect(client, other, tokens["access_token"])).json() == {"active": False}


async def test_an_administrators_api_key_may_introspect_any_token(services, client):
    party = await make_party(services)
    tokens = await sign_in(services, client, party)
    admin_key = await make_api_key(services, await make_user(services, "root", admin=True, password=None))

    response = await client.post(
        INTROSPECT_URL,
        data={"token": tokens["access_token"]},
        headers={"Authorization": f"Bearer {admin_key.secret}"},
    )

    assert response.json()["active"] is True
    assert response.json()["client_id"] == party.client_id


async def test_a_non_administrators_api_key_may_not_introspect(services, client):
    user = await make_user(services, "bob", password=None)
    key = await make_api_key(services, user)
    response = await client.post(
        INTROSPECT_URL, data={"token": "bst_at_x"}, headers={"Authorization": f"Bearer {key.secret}"}
    )
    assert_error(response, 401, "invalid_client", "API key of an administrator")


async def test_the_api_key_of_a_deactivated_administrator_may_not_introspect(services, client):
    admin = await make_user(services, "root", admin=True, password=None)
    key = await make_api_key(services, admin)
    async with services.transaction() as session:
        await session.execute(update(User).where(User.id == admin.id).values(active=False))
    response = await client.post(
        INTROSPECT_URL, data={"token": "bst_at_x"}, headers={"Authorization": f"Bearer {key.secret}"}
    )
    assert_error(response, 401, "invalid_client", "API key of an administrator")
