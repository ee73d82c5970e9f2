from dataclasses import replace

from mcp.client.auth.utils import validate_metadata_issuer
from mcp.shared.auth import OAuthMetadata

from bastion.oauth.metadata import authorization_server_metadata
from bastion.server_settings import ServerSettings
from bastion.store.repositories import StoredSettings

METADATA_PATH = "/.well-known/oauth-authorization-server"


async def test_the_issuer_is_the_public_url_byte_for_byte(client, settings):
    response = await client.get(METADATA_PATH)

    assert response.status_code == 200
    assert response.json()["issuer"] == settings.issuer == "http://testserver"
    assert '"issuer":"http://testserver"' in response.text


async def test_the_metadata_lists_every_endpoint_under_the_public_url(client):
    metadata = (await client.get(METADATA_PATH)).json()

    assert metadata["authorization_endpoint"] == "http://testserver/oauth/authorize"
    assert metadata["token_endpoint"] == "http://testserver/oauth/token"
    assert metadata["registration_endpoint"] == "http://testserver/oauth/register"
    assert metadata["revocation_endpoint"] == "http://testserver/oauth/revoke"
    assert metadata["introspection_endpoint"] == "http://testserver/oauth/introspect"
    assert metadata["service_documentation"] == "http://testserver/console"


async def test_the_metadata_advertises_exactly_what_the_server_accepts(client):
    metadata = (await client.get(METADATA_PATH)).json()

    assert metadata["response_types_supported"] == ["code"]
    assert metadata["grant_types_supported"] == ["authorization_code", "refresh_token", "client_credentials"]
    assert metadata["code_challenge_methods_supported"] == ["S256"]
    assert metadata["token_endpoint_auth_methods_supported"] == ["none", "client_secret_basic", "client_secret_post"]
    assert metadata["revocation_endpoint_auth_methods_supported"] == [
        "none",
        "client_secret_basic",
        "client_secret_post",
    ]
    assert metadata["introspection_endpoint_auth_methods_supported"] == ["client_secret_basic", "client_secret_post"]
    assert metadata["scopes_supported"] == ["mcp:read", "mcp:write", "offline_access"]
    assert metadata["authorization_response_iss_parameter_supported"] is True


async def test_client_id_metadata_documents_are_advertised_while_they_are_accepted(client, services):
    assert (await client.get(METADATA_PATH)).json()["client_id_metadata_document_supported"] is True

    async with services.transaction() as session:
        await StoredSettings(session).put("client_metadata_documents_enabled", False, services.clock())

    assert "client_id_metadata_document_supported" not in (await client.get(METADATA_PATH)).json()


async def test_the_registration_endpoint_is_left_out_while_dynamic_registration_is_off(client, services):
    async with services.transaction() as session:
        await StoredSettings(session).put("dynamic_registration_enabled", False, services.clock())

    metadata = (await client.get(METADATA_PATH)).json()

    assert "registration_endpoint" not in metadata
    assert metadata["token_endpoint"] == "http://testserver/oauth/token"


async def test_browser_based_clients_may_read_the_metadata_cross_origin(client):
    response = await client.get(METADATA_PATH, headers={"Origin": "http://localhost:6274"})

    assert response.headers["access-control-allow-origin"] == "*"


async def test_a_cors_preflight_for_the_metadata_is_answered(client):
    response = await client.options(
        METADATA_PATH,
        headers={
            "Origin": "http://localhost:6274",
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "mcp-protocol-version",
        },
    )

    assert response.status_code == 204
    assert response.headers["access-control-allow-origin"] == "*"
    assert "GET" in response.headers["access-control-allow-methods"]
    assert "MCP-Protocol-Version" in response.headers["access-control-allow-headers"]


async def test_openid_configuration_is_not_served_because_bastion_is_not_an_openid_provider(client):
    response = await client.get("/.well-known/openid-configuration")

    assert response.status_code == 404


async def test_the_mcp_sdk_client_accepts_the_metadata_and_its_issuer(client, settings):
    response = await client.get(METADATA_PATH)

    parsed = OAuthMetadata.model_validate_json(response.content)
    validate_metadata_issuer(parsed, settings.issuer)
    assert parsed.authorization_response_iss_parameter_supported is True


def test_the_metadata_follows_a_public_url_with_a_path(settings):
    behind_a_path = replace(settings, public_url="https://example.com/bastion")

    metadata = authorization_server_metadata(behind_a_path, ServerSettings())

    assert metadata["issuer"] == "https://example.com/bastion"
    assert metadata["authorization_endpoint"] == "https://example.com/bastion/oauth/authorize"
    assert metadata["registration_endpoint"] == "https://example.com/bastion/oauth/register"
