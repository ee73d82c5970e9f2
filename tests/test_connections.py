import pytest
from sqlalchemy import select

from bastion import connections, credentials
from bastion.oauth.redirect_uris import RedirectUriRejected
from bastion.store.models import AuditEvent, Connection, Token
from tests.factories import make_api_key, make_oauth_client, make_user


async def test_a_confidential_client_gets_a_secret_shown_once_and_stored_only_as_a_digest(services):
    issued = await make_oauth_client(services, client_type="confidential")
    assert issued.secret.startswith("bst_cs_")
    assert issued.connection.client_id.startswith("bst_ci_")
    async with services.transaction() as session:
        stored = await session.get(Connection, issued.connection.id)
    assert stored.client_secret_digest == credentials.digest(issued.secret)
    assert issued.secret not in repr(stored.__dict__)
    assert stored.token_endpoint_auth_method == "client_secret_basic"
    assert "client_credentials" in stored.grant_types


async def test_a_public_client_has_no_secret_and_authenticates_with_none(services):
    issued = await make_oauth_client(services, client_type="public")
    assert issued.secret is None
    assert issued.connection.token_endpoint_auth_method == "none"
    assert "client_credentials" not in issued.connection.grant_types


async def test_a_bad_redirect_uri_creates_nothing(services):
    with pytest.raises(RedirectUriRejected, match="use https"):
        await make_oauth_client(services, redirect_uris=["https://ok.example.com/cb", "http://evil.example.com/cb"])
    async with services.transaction() as session:
        assert (await session.scalars(select(Connection))).all() == []


async def test_an_api_key_is_stored_as_a_digest_with_a_visible_prefix(services):
    alice = await make_user(services)
    issued = await make_api_key(services, alice, read_only=True)
    assert issued.secret.startswith("bst_ak_")
    assert issued.connection.key_prefix == issued.secret[:13]
    assert issued.connection.key_digest == credentials.digest(issued.secret)
    assert issued.connection.scopes == "mcp:read"


async def test_rotating_replaces_the_secret_and_the_old_one_no_longer_matches(services):
    issued = await make_oauth_client(services)
    async with services.transaction() as session:
        connection = await connections.get_connection(session, issued.connection.id)
        new_secret = await connections.rotate_credential(session, services.clock(), connection)
    assert new_secret != issued.secret
    assert credentials.digest_matches(new_secret, connection.client_secret_digest)
    assert not credentials.digest_matches(issued.secret, connection.client_secret_digest)


async def test_rotating_a_public_client_says_there_is_no_secret(services):
    issued = await make_oauth_client(services, client_type="public")
    async with services.transaction() as session:
        connection = await connections.get_connection(session, issued.connection.id)
        with pytest.raises(connections.ConnectionRejected, match="no secret to rotate"):
            await connections.rotate_credential(session, services.clock(), connection)


async def test_revoking_kills_every_token_of_the_connection_and_reactivating_does_not_revive_them(services):
    alice = await make_user(services)
    issued = await make_oauth_client(services, owner=alice)
    now = services.clock()
    async with services.transaction() as session:
        for kind in ("access", "refresh"):
            session.add(
                Token(
                    kind=kind,
                    digest=credentials.digest(f"{kind}-token"),
                    connection_id=issued.connection.id,
                    user_id=alice.id,
                    scopes="mcp:read",
                    resource="http://testserver/mcp",
                    family_id="f1",
                    created_at=now,
                    expires_at=now.replace(year=2030),
                )
            )
    async with services.transaction() as session:
        connection = await connections.get_connection(session, issued.connection.id)
        assert await connections.revoke_connection(session, now, connection) == 2
    async with services.transaction() as session:
        connection = await connections.get_connection(session, issued.connection.id)
        await connections.reactivate_connection(session, now, connection)
    async with services.transaction() as session:
        tokens = (await session.scalars(select(Token))).all()
        events = [e.event for e in (await session.scalars(select(AuditEvent).order_by(AuditEvent.id))).all()]
    assert all(token.revoked_at is not None for token in tokens)
    assert connection.revoked_at is None
    assert events[-2:] == ["connection.revoked", "connection.reactivated"]


async def test_an_unknown_connection_id_says_how_to_find_the_right_one(services):
    async with services.transaction() as session:
        with pytest.raises(connections.ConnectionNotFound, match="bastion connections list"):
            await connections.get_connection(session, 999)


async def test_an_empty_name_is_refused():
    with pytest.raises(connections.ConnectionRejected, match="Give the connection a name"):
        connections.check_name("   ")
