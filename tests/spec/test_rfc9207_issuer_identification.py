"""RFC 9207: the authorization server names itself (iss) in every authorization response."""

import pytest
from mcp.client.auth.utils import validate_authorization_response_iss
from mcp.shared.auth import OAuthMetadata

from tests.factories import make_oauth_client
from tests.oauth.authorization_helpers import (
    ISSUER,
    authorize_params,
    decide,
    make_person,
    redirect_query,
    sign_in,
)


@pytest.fixture
async def oauth_client(services):
    return (await make_oauth_client(services)).connection


async def sdk_metadata(client) -> OAuthMetadata:
    return OAuthMetadata.model_validate_json((await client.get("/.well-known/oauth-authorization-server")).content)


async def test_a_successful_response_carries_the_metadata_issuer_byte_for_byte(client, services, oauth_client):
    await sign_in(services, client, await make_person(services, "alice"))
    page = await client.get("/oauth/authorize", params=authorize_params(oauth_client.client_id))

    query = redirect_query(await decide(client, page))

    assert query["iss"] == (await client.get("/.well-known/oauth-authorization-server")).json()["issuer"]
    assert "code" in query
    validate_authorization_response_iss(query["iss"], await sdk_metadata(client))


async def test_a_denied_request_carries_iss(client, services, oauth_client):
    await sign_in(services, client, await make_person(services, "alice"))
    page = await client.get("/oauth/authorize", params=authorize_params(oauth_client.client_id))

    query = redirect_query(await decide(client, page, decision="deny"))

    assert (query["error"], query["iss"]) == ("access_denied", ISSUER)


@pytest.mark.parametrize(
    ("overrides", "error", "description"),
    [
        ({"response_type": "token"}, "unsupported_response_type", "use response_type=code"),
        ({"code_challenge_method": "plain"}, "invalid_request", "only S256"),
        ({"resource": "https://elsewhere.example.com/mcp"}, "invalid_target", "is not served here"),
        ({"prompt": "none"}, "login_required", "Nobody is signed in"),
    ],
)
async def test_every_redirected_error_carries_iss(client, oauth_client, overrides, error, description):
    response = await client.get("/oauth/authorize", params=authorize_params(oauth_client.client_id, **overrides))

    query = redirect_query(response)
    assert query["error"] == error
    assert description in query["error_description"]
    assert query["iss"] == ISSUER
    validate_authorization_response_iss(query["iss"], await sdk_metadata(client))


async def test_the_server_advertises_that_it_sends_iss(client):
    assert (await sdk_metadata(client)).authorization_response_iss_parameter_supported is True
