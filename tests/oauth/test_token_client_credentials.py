"""The client_credentials grant at /oauth/token (oauth/grants/client_credentials.py)."""

from sqlalchemy import update

from bastion.store.models import Connection, User
from tests.token_flows import (
    RESOURCE,
    assert_error,
    audit_events,
    make_party,
    post_token,
    stored_token,
)


async def test_a_confidential_custom_client_gets_an_access_token_acting_as_its_owner(services, client):
    party = await make_party(services)

    response = await post_token(client, party, grant_type="client_credentials", resource=RESOURCE)

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["access_token"].startswith("bst_at_") and body["token_type"] == "Bearer"
    assert body["scope"] == "mcp:read mcp:write"
    # RFC 6749 §4.4.3: no refresh token; the client asks again with its secret.
    assert "refresh_token" not in body
    stored = await stored_token(services, body["access_token"])
    assert (stored.user_id, stored.resource, stored.code_id) == (party.user.id, RESOURCE, None)
    issued = await audit_events(services, "token.issued")
    assert [e.detail["grant_type"] for e in issued] == ["client_credentials"]


async def test_the_scope_asked_is_granted_within_the_connection_and_unknown_values_are_dropped(services, client):
    party = await make_party(services)
    async with services.transaction() as session:
        await session.execute(
            update(Connection).where(Connection.id == party.client.connection.id).values(scopes="mcp:read")
        )

    asked_write = await post_token(client, party, grant_type="client_credentials", scope="mcp:write")
    asked_unknown = await post_token(client, party, grant_type="client_credentials", scope="claudeai")

    assert asked_write.json()["scope"] == "mcp:read"
    assert asked_unknown.json()["scope"] == "mcp:read"


async def test_a_public_client_may_not_use_client_credentials(services, client):
    party = await make_party(services, client_type="public")
    response = await post_token(client, party, grant_type="client_credentials")
    assert_error(response, 400, "unauthorized_client", "for confidential custom clients")


async def test_a_client_not_registered_for_client_credentials_may_not_use_it(services, client):
    party = await make_party(services)
    async with services.transaction() as session:
        await session.execute(
            update(Connection)
            .where(Connection.id == party.client.connection.id)
            .values(grant_types=["authorization_code", "refresh_token"])
        )
    response = await post_token(client, party, grant_type="client_credentials")
    assert_error(response, 400, "unauthorized_client", "may not use the client_credentials grant")


async def test_a_client_without_an_owner_gets_unauthorized_client_saying_why(services, client):
    party = await make_party(services)
    async with services.transaction() as session:
        await session.execute(
            update(Connection).where(Connection.id == party.client.connection.id).values(user_id=None)
        )
    response = await post_token(client, party, grant_type="client_credentials")
    assert_error(response, 400, "unauthorized_client", "no owner to act as")


async def test_a_client_whose_owner_is_deactivated_gets_unauthorized_client(services, client):
    party = await make_party(services)
    async with services.transaction() as session:
        await session.execute(update(User).where(User.id == party.user.id).values(active=False))
    response = await post_token(client, party, grant_type="client_credentials")
    assert_error(response, 400, "unauthorized_client", "deactivated")


async def test_a_foreign_resource_is_invalid_target(services, client):
    party = await make_party(services)
    response = await post_token(
        client, party, grant_type="client_credentials", resource="https://elsewhere.example.com/mcp"
    )
    assert_error(response, 400, "invalid_target", "is not served here")
