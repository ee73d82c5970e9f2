"""Every OAuth endpoint of the authorization server, in one list."""

from __future__ import annotations

from typing import Any

from starlette.routing import BaseRoute, Route

from bastion.oauth.authorize import BrowserSignIn, authorization_endpoint
from bastion.oauth.introspect import introspection_endpoint
from bastion.oauth.metadata import authorization_server_metadata_endpoint
from bastion.oauth.register import registration_endpoint
from bastion.oauth.revoke import revocation_endpoint
from bastion.oauth.token import token_endpoint
from bastion.services import Services


def oauth_routes(services: Services, sign_in: BrowserSignIn[Any]) -> list[BaseRoute]:
    token = token_endpoint(services)
    authorize = authorization_endpoint(services, sign_in)
    register = registration_endpoint(services)
    metadata = authorization_server_metadata_endpoint(services)
    # RFC 8414 §3.1: for an issuer with a path (https://example.com/bastion) the metadata lives at the host's
    # /.well-known/oauth-authorization-server/bastion, which the proxy passes on unchanged; the bare path
    # is where a proxy that strips the prefix delivers <issuer>/.well-known/oauth-authorization-server.
    well_known = {
        "/.well-known/oauth-authorization-server",
        f"/.well-known/oauth-authorization-server{services.settings.public_path}",
    }
    return [
        *(Route(path, metadata, methods=["GET", "OPTIONS"]) for path in sorted(well_known)),
        Route("/oauth/authorize", authorize, methods=["GET", "POST"]),
        Route("/oauth/token", token, methods=["POST", "OPTIONS"]),
        Route("/oauth/register", register, methods=["POST", "OPTIONS"]),
        Route("/oauth/revoke", revocation_endpoint(services), methods=["POST", "OPTIONS"]),
        Route("/oauth/introspect", introspection_endpoint(services), methods=["POST"]),
        # MCP 2025-03-26 §2.3.3 default endpoints, for clients that skip metadata discovery: the SDK's
        # OAuthClientProvider, restarted with stored tokens, refreshes at <base>/token before it discovers.
        Route("/authorize", authorize, methods=["GET", "POST"]),
        Route("/token", token, methods=["POST", "OPTIONS"]),
        Route("/register", register, methods=["POST", "OPTIONS"]),
    ]
