"""RFC 7662: ``active`` follows a token through its life (expiry, rotation, revocation, its user, its client)."""

from sqlalchemy import update

from bastion import connections
from bastion.store.models import Connection, User
from tests.factories import make_api_key, make_user
from tests.token_flows import client_auth, exchange_code, make_code, make_party, refresh, sign_in


async def _introspect(http, party, token) -> dict:
    headers, body = client_auth(party)
    response = await http.post("/oauth/introspect", data={**body, "token": token}, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


async def test_an_access_token_is_active_until_the_second_it_expires(services, client, clock):
    party = await make_party(services)
    tokens = await sign_in(services, client, party)

    clock.advance(3599)
    assert (await _introspect(client, party, tokens["access_token"]))["active"] is True
    clock.advance(1)
    assert await _introspect(client, party, tokens["access_token"]) == {"active": False}


async def test_a_rotated_refresh_token_is_inactive_and_its_successor_active(services, client):
    party = await make_party(services)
    first = await sign_in(services, client, party)
    second = (await refresh(client, party, first["refresh_token"])).json()

    assert await _introspect(client, party, first["refresh_token"]) == {"active": False}
    assert (await _introspect(client, party, second["refresh_token"]))["active"] is True


async def test_tokens_of_a_deactivated_user_are_inactive(services, client):
    party = await make_party(services)
    tokens = await sign_in(services, client, party)
    async with services.transaction() as session:
        await session.execute(update(User).where(User.id == party.user.id).values(active=False))

    assert await _introspect(client, party, tokens["access_token"]) == {"active": False}


async def test_tokens_of_a_revoked_connection_are_inactive_for_an_administrator_too(services, client):
    party = await make_party(services)
    tokens = await sign_in(services, client, party)
    admin_key = await make_api_key(services, await make_user(services, "root", admin=True, password=None))
    async with services.transaction() as session:
        connection = await session.get(Connection, party.client.connection.id)
        await connections.revoke_connection(session, services.clock(), connection)

    response = await client.post(
        "/oauth/introspect",
        data={"token": tokens["access_token"]},
        headers={"Authorization": f"Bearer {admin_key.secret}"},
    )

    assert response.json() == {"active": False}


async def test_a_replayed_code_makes_its_tokens_inactive(services, client):
    party = await make_party(services)
    code = await make_code(services, party)
    tokens = (await exchange_code(client, party, code)).json()

    await exchange_code(client, party, code)

    assert await _introspect(client, party, tokens["access_token"]) == {"active": False}
