"""The bearer-authentication rule, without HTTP: which credentials make a principal and why others do not."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bastion.mcp.auth import authenticate_bearer, bearer_token
from bastion.mcp.errors import InvalidToken, MissingCredential
from bastion.store.models import Connection
from tests.factories import make_api_key, make_oauth_client
from tests.mcp.helpers import make_access_token, make_member


async def authenticate(services, token: str | None):
    async with services.transaction() as session:
        return (await authenticate_bearer(session, services.clock(), token, services.settings)).principal


def test_the_bearer_scheme_is_case_insensitive_and_no_header_means_no_credential():
    assert bearer_token("Bearer abc") == "abc"
    assert bearer_token("bearer   abc ") == "abc"
    assert bearer_token(None) is None
    assert bearer_token("  ") is None


@pytest.mark.parametrize("header", ["Basic YWxpY2U6cHc=", "Bearer", "Bearer   ", "abc"])
def test_an_unusable_authorization_header_is_an_invalid_token(header):
    with pytest.raises(InvalidToken, match="must be 'Bearer <token>'"):
        bearer_token(header)


async def test_no_credential_is_its_own_refusal_and_is_not_audited(services):
    with pytest.raises(MissingCredential, match="needs a bearer credential") as refused:
        await authenticate(services, None)
    assert refused.value.audited is False


async def test_an_access_token_makes_a_principal_with_the_user_the_client_and_the_expiry(services, clock):
    alice = await make_member(services, admin=True)
    issued = await make_oauth_client(services, owner=alice, name="Claude")
    token = await make_access_token(services, issued.connection, alice, scopes="mcp:read", lifetime=600)
    principal = await authenticate(services, token)
    assert principal.kind == "oauth"
    assert (principal.user.login, principal.user.is_admin) == ("alice", True)
    assert (principal.connection.name, principal.connection.type) == ("Claude", "oauth")
    assert principal.client_id == issued.connection.client_id
    assert principal.scopes == ("mcp:read",)
    assert principal.expires_at == clock() + timedelta(seconds=600)
    assert principal.resource == "http://testserver/mcp"


async def test_a_self_registered_client_acts_as_the_user_its_token_was_issued_to(services):
    alice = await make_member(services)
    issued = await make_oauth_client(services, owner=None)  # no owner yet, as after dynamic registration
    token = await make_access_token(services, issued.connection, alice)
    assert (await authenticate(services, token)).user.login == "alice"


async def test_narrowing_a_connections_scopes_narrows_tokens_already_issued(services):
    alice = await make_member(services)
    issued = await make_oauth_client(services, owner=alice)
    token = await make_access_token(services, issued.connection, alice, scopes="mcp:read mcp:write")
    async with services.transaction() as session:
        (await session.get(Connection, issued.connection.id)).scopes = "mcp:read"
    assert (await authenticate(services, token)).scopes == ("mcp:read",)


async def test_an_api_key_makes_a_principal_known_to_the_sdk_by_its_connection(services):
    alice = await make_member(services)
    issued = await make_api_key(services, alice, read_only=True)
    principal = await authenticate(services, issued.secret)
    assert principal.kind == "api_key"
    assert principal.scopes == ("mcp:read",)
    assert principal.expires_at is None
    assert principal.client_id == f"connection:{issued.connection.id}"


async def test_an_expired_token_names_its_connection_and_user_for_the_audit_log(services, clock):
    alice = await make_member(services)
    issued = await make_oauth_client(services, owner=alice)
    token = await make_access_token(services, issued.connection, alice, lifetime=10)
    clock.advance(10)
    with pytest.raises(InvalidToken, match="has expired") as refused:
        await authenticate(services, token)
    assert refused.value.reason == "expired_token"
    assert (refused.value.connection_id, refused.value.user_id) == (issued.connection.id, alice.id)


async def test_an_unknown_api_key_is_refused_with_the_hint_that_it_may_have_been_rotated(services):
    with pytest.raises(InvalidToken, match="it was rotated") as refused:
        await authenticate(services, "bst_ak_not-a-real-key")
    assert refused.value.reason == "unknown_api_key"
