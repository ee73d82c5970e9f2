"""RFC 8414 authorization server metadata: how clients discover every endpoint and what each accepts."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from bastion.config import Settings
from bastion.http_util import DISCOVERY_CORS
from bastion.oauth.json_endpoint import Attempt, Handler, json_endpoint
from bastion.scopes import AUTHORIZATION_SERVER_SCOPES
from bastion.server_settings import ServerSettings
from bastion.services import Services

AUTHORIZATION_PATH = "/oauth/authorize"
TOKEN_PATH = "/oauth/token"
REGISTRATION_PATH = "/oauth/register"
REVOCATION_PATH = "/oauth/revoke"
INTROSPECTION_PATH = "/oauth/introspect"
SERVICE_DOCUMENTATION_PATH = "/console"


def authorization_server_metadata(settings: Settings, server_settings: ServerSettings) -> dict[str, Any]:
    """The RFC 8414 §2 document, built from the public URL so it matches what clients derive."""
    base = settings.public_url
    metadata: dict[str, Any] = {
        # RFC 8414 §3.3: the issuer must be identical to the URL the metadata was derived from.
        "issuer": settings.issuer,
        "authorization_endpoint": base + AUTHORIZATION_PATH,
        "token_endpoint": base + TOKEN_PATH,
    }
    if server_settings.dynamic_registration_enabled:
        # RFC 7591 §3: advertised only while self-registration is allowed, so clients do not try it in vain.
        metadata["registration_endpoint"] = base + REGISTRATION_PATH
    metadata.update(
        {
            "scopes_supported": list(AUTHORIZATION_SERVER_SCOPES),
            "response_types_supported": ["code"],
            "response_modes_supported": ["query"],
            "grant_types_supported": ["authorization_code", "refresh_token", "client_credentials"],
            # OAuth 2.1 §4.1.1: PKCE with S256 only.
            "code_challenge_methods_supported": ["S256"],
            # "none" first-class: public clients (mcp-remote, Claude Code) pick it when it is listed.
            "token_endpoint_auth_methods_supported": ["none", "client_secret_basic", "client_secret_post"],
            "revocation_endpoint": base + REVOCATION_PATH,
            # RFC 7009 §2.1: public clients revoke with their client_id alone.
            "revocation_endpoint_auth_methods_supported": ["none", "client_secret_basic", "client_secret_post"],
            "introspection_endpoint": base + INTROSPECTION_PATH,
            # RFC 7662 §2.1: introspection requires an authenticated (confidential) caller.
            "introspection_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
            # RFC 9207 §3: every authorization response carries iss, success and error alike.
            "authorization_response_iss_parameter_supported": True,
            "service_documentation": base + SERVICE_DOCUMENTATION_PATH,
        }
    )
    if server_settings.client_metadata_documents_enabled:
        # CIMD §5: advertised only while accepted, so CIMD-first clients (Claude Code) fall back to registering.
        metadata["client_id_metadata_document_supported"] = True
    return metadata


def authorization_server_metadata_endpoint(services: Services) -> Handler:
    async def answer(_request: Request, _attempt: Attempt) -> Response:
        async with services.transaction() as session:
            server_settings = await services.server_settings(session)
        return JSONResponse(authorization_server_metadata(services.settings, server_settings))

    return json_endpoint(services, answer, cors=DISCOVERY_CORS)
