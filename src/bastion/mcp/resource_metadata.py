"""RFC 9728 protected-resource metadata: how a client finds the authorization server for /mcp."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from bastion import scopes as scope_rules
from bastion.config import Settings
from bastion.http_util import DISCOVERY_CORS


def protected_resource_metadata(settings: Settings) -> dict[str, Any]:
    return {
        # RFC 9728 §3.3: the resource value must be identical to the URL the client used (no trailing slash).
        "resource": settings.resource_url,
        "authorization_servers": [settings.issuer],
        # offline_access is an authorization-server scope, not a scope of this resource.
        "scopes_supported": list(scope_rules.MCP_SCOPES),
        # OAuth 2.1 §5.2: bearer tokens only in the Authorization header, never in a query string.
        "bearer_methods_supported": ["header"],
        "resource_name": "Bastion MCP server",
    }


def protected_resource_metadata_endpoint(settings: Settings) -> Callable[[Request], Awaitable[Response]]:
    document = protected_resource_metadata(settings)

    async def endpoint(request: Request) -> Response:
        if request.method == "OPTIONS":
            return DISCOVERY_CORS.preflight()
        return DISCOVERY_CORS.allow(JSONResponse(document))

    return endpoint
