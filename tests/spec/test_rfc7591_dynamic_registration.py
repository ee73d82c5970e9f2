"""RFC 7591 across modules: discovery, registration as the MCP SDK client does it, then authorization."""

from mcp.client.auth.utils import create_client_registration_request, handle_registration_response
from mcp.shared.auth import OAuthClientMetadata, OAuthMetadata
from sqlalchemy import select

from bastion.store.models import Connection
from bastion.store.repositories import StoredSettings
from tests.oauth.authorization_helpers import (
    authorize_params,
    codes,
    consent_form,
    decide,
    make_person,
    redirect_query,
    sign_in,
)

CALLBACK = "https://claude.ai/api/mcp/auth_callback"


async def discover(client) -> OAuthMetadata:
    return OAuthMetadata.model_validate_json((await client.get("/.well-known/oauth-authorization-server")).content)


async def register_like_the_sdk(client, **fields):
    client_metadata = OAuthClientMetadata(redirect_uris=[CALLBACK], client_name="Claude", **fields)
    request = create_client_registration_request(await discover(client), client_metadata, "http://testserver")
    response = await client.post(str(request.url), content=request.content, headers=dict(request.headers))
    return response


async def test_the_sdk_client_registers_at_the_advertised_endpoint_and_reads_the_answer(client):
    response = await register_like_the_sdk(client, token_endpoint_auth_method="none")

    info = await handle_registration_response(response)
    assert response.status_code == 201
    assert info.client_id.startswith("bst_ci_")
    assert info.token_endpoint_auth_method == "none"
    assert info.client_secret is None
    assert [str(uri) for uri in info.redirect_uris] == [CALLBACK]


async def test_the_sdk_client_gets_a_secret_when_it_does_not_ask_for_none(client):
    info = await handle_registration_response(await register_like_the_sdk(client))

    assert info.token_endpoint_auth_method == "client_secret_basic"
    assert info.client_secret.startswith("bst_cs_")
    assert info.client_secret_expires_at == 0


async def test_a_self_registered_client_is_shown_as_unverified_and_owned_by_whoever_allows_it_first(client, services):
    info = await handle_registration_response(await register_like_the_sdk(client, token_endpoint_auth_method="none"))
    alice = await make_person(services, "alice")
    await sign_in(services, client, alice)

    page = await client.get("/oauth/authorize", params=authorize_params(info.client_id, redirect_uri=CALLBACK))
    response = await decide(client, page)

    assert "This app registered itself" in page.text
    assert "claude.ai" in page.text
    assert redirect_query(response)["code"].startswith("bst_ac_")
    async with services.transaction() as session:
        connection = await session.scalar(select(Connection).where(Connection.client_id == info.client_id))
    assert connection.user_id == alice.id


async def test_the_scope_sent_at_registration_does_not_limit_what_the_person_may_grant(client, services):
    info = await handle_registration_response(
        await register_like_the_sdk(client, token_endpoint_auth_method="none", scope="mcp:read")
    )
    await sign_in(services, client, await make_person(services, "alice"))

    page = await client.get(
        "/oauth/authorize", params=authorize_params(info.client_id, redirect_uri=CALLBACK, scope="mcp:read mcp:write")
    )
    await decide(client, page)

    assert consent_form(page.text)["radios"] == ["full", "read"]
    (code,) = await codes(services)
    assert code.scopes == "mcp:read mcp:write"


async def test_switching_registration_off_hides_the_endpoint_and_refuses_registrations(client, services):
    async with services.transaction() as session:
        await StoredSettings(session).put("dynamic_registration_enabled", False, services.clock())

    metadata = await discover(client)
    response = await client.post("/oauth/register", json={"redirect_uris": [CALLBACK]})

    assert metadata.registration_endpoint is None
    assert response.status_code == 403
    assert response.json()["error"] == "access_denied"
    assert "turned off" in response.json()["error_description"]
