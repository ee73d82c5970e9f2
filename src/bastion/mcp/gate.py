"""The ASGI gate in front of the SDK's Streamable HTTP transport.

Per request: Host and Origin → protocol version → (POST) read the body → one short transaction
that authenticates the bearer credential (one joined read that also carries the change counter),
checks the master switch (settings held in memory while that counter stands still) and the scope of
any tool call → the use queued for the batch writer → hand the request, with ``scope["user"]`` set,
to the SDK, registered with ``mcp/streams.py`` so that a later revocation ends it. A refusal is
answered here; its audit entry goes through the batch writer too.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from typing import Any

from mcp.server.streamable_http_manager import StreamableHTTPSessionManager
from mcp.server.transport_security import DEFAULT_MAX_REQUEST_BODY_SIZE, TransportSecuritySettings
from mcp.shared.inbound import MCP_PROTOCOL_VERSION_HEADER
from mcp_types import INTERNAL_ERROR, RequestId
from mcp_types.version import HANDSHAKE_PROTOCOL_VERSIONS, MODERN_PROTOCOL_VERSIONS
from starlette.authentication import AuthCredentials
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Message, Receive, Scope, Send

from bastion import scopes as scope_rules
from bastion.http_util import Cors, client_ip, read_body
from bastion.mcp.auth import Authentication, authenticate_bearer, bearer_token
from bastion.mcp.errors import (
    AccessSwitchedOff,
    InsufficientScope,
    McpRefusal,
    RequestTooLarge,
    UnsupportedProtocolVersion,
    jsonrpc_error_response,
    jsonrpc_request_id,
)
from bastion.mcp.origins import check_host_and_origin
from bastion.mcp.server import McpUser
from bastion.mcp.streams import OpenStreams
from bastion.server_settings import ServerSettings
from bastion.services import Services
from bastion.tools.context import Principal
from bastion.tools.registry import ToolRegistry

logger = logging.getLogger("bastion.mcp")

SUPPORTED_PROTOCOL_VERSIONS = [*HANDSHAKE_PROTOCOL_VERSIONS, *MODERN_PROTOCOL_VERSIONS]


def check_protocol_version(requested: str | None) -> None:
    """MCP Streamable HTTP §Protocol Version Header: an unsupported version is answered 400.

    The refusal names the versions the SDK's ``server/discover`` announces, as the SDK's own answer does.
    """
    if requested is not None and requested not in SUPPORTED_PROTOCOL_VERSIONS:
        raise UnsupportedProtocolVersion(requested, list(MODERN_PROTOCOL_VERSIONS), list(HANDSHAKE_PROTOCOL_VERSIONS))


def decode_body(body: bytes) -> Any:
    """The JSON of a POST body, or None when it is empty or not JSON (the SDK answers those with its parse error)."""
    try:
        return json.loads(body) if body else None
    except (ValueError, RecursionError):
        return None


def called_tools(decoded: Any) -> list[str]:
    """The tool names of the ``tools/call`` requests in a decoded JSON-RPC body (single or batch)."""
    messages = decoded if isinstance(decoded, list) else [decoded]
    names = []
    for message in messages:
        if isinstance(message, dict) and message.get("method") == "tools/call":
            params = message.get("params")
            if isinstance(params, dict) and isinstance(params.get("name"), str):
                names.append(params["name"])
    return names


async def read_request_body(scope: Scope, receive: Receive) -> tuple[bytes, Receive]:
    limit = DEFAULT_MAX_REQUEST_BODY_SIZE
    too_large = f"The request body is larger than {limit} bytes; send smaller requests."
    return await read_body(scope, receive, limit, lambda: RequestTooLarge(too_large))


def check_tool_scopes(tool_names: Iterable[str], registry: ToolRegistry, principal: Principal) -> None:
    """RFC 6750 §3.1 / MCP authorization (scope challenge): name every scope a call needs, so the client can step up."""
    for name in tool_names:
        spec = registry.get(name)
        if spec is not None and not principal.has_scope(spec.required_scope):
            needed = scope_rules.normalize([spec.required_scope])
            raise InsufficientScope(
                f"The tool {name} needs the scope {spec.required_scope}, but this credential has only "
                f"{' '.join(principal.scopes) or 'no scopes'}. Sign in again granting {needed}, "
                "or ask your administrator for a credential with write access.",
                needed=needed,
                connection_id=principal.connection.id,
                user_id=principal.user.id,
            )


# Pages on an allowed origin (MCP Inspector's direct mode) read challenges and session ids too.
MCP_CORS = Cors(
    "GET, POST, DELETE, OPTIONS",
    request_headers=(
        "Authorization, Content-Type, Accept, MCP-Protocol-Version, Mcp-Session-Id, Mcp-Method, Mcp-Name, Last-Event-ID"
    ),
    exposed_headers="Mcp-Session-Id, MCP-Protocol-Version, WWW-Authenticate",
)


def with_cors_headers(send: Send, origin: str) -> Send:
    extra = [
        (name.lower().encode(), value.encode("latin-1")) for name, value in MCP_CORS.response_headers(origin).items()
    ]

    async def send_with_cors(message: Message) -> None:
        if message["type"] == "http.response.start":
            message = {**message, "headers": [*message.get("headers", []), *extra]}
        await send(message)

    return send_with_cors


def preflight_response(origin: str | None) -> Response:
    """Fetch §4.8 preflight: no credential is needed to ask what a later request may send."""
    headers = {"Allow": MCP_CORS.methods}
    if origin:
        # Access-Control-Allow-Origin itself is added by with_cors_headers, like on every answer to that page.
        headers |= MCP_CORS.preflight_headers()
    return Response(status_code=204, headers=headers)


class McpGate:
    """The ASGI app routed at ``/mcp`` and ``/mcp/``."""

    def __init__(
        self,
        services: Services,
        registry: ToolRegistry,
        session_manager: StreamableHTTPSessionManager,
        security: TransportSecuritySettings,
        streams: OpenStreams,
    ) -> None:
        self.services = services
        self.registry = registry
        self.session_manager = session_manager
        self.security = security
        self.streams = streams

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        settings = self.services.settings
        request = Request(scope)
        request_id: RequestId | None = None
        try:
            await check_host_and_origin(request, self.security, settings)
            origin = request.headers.get("origin")
            if origin:
                # The origin passed the DNS-rebinding check: let that page read the answer (browser-based
                # clients such as MCP Inspector's direct mode), challenges and session ids included.
                send = with_cors_headers(send, origin)
            if request.method == "OPTIONS":
                await preflight_response(origin)(scope, receive, send)
                return
            tool_names: list[str] = []
            if request.method == "POST":
                # Read before any JSON-RPC refusal, so that refusal answers with the request's id.
                body, receive = await read_request_body(scope, receive)
                decoded = decode_body(body)
                request_id = jsonrpc_request_id(decoded)
                tool_names = called_tools(decoded)
            check_protocol_version(request.headers.get(MCP_PROTOCOL_VERSION_HEADER))
            token = bearer_token(request.headers.get("authorization"))
            admitted, server_settings = await self.admit(token, tool_names)
        except Exception as exc:
            await (await self.refusal(request, exc, request_id))(scope, receive, send)
            return
        assert token is not None  # admit() refuses a request without one
        principal = admitted.principal
        scope["user"] = McpUser(principal, token, settings.issuer, server_settings)
        scope["auth"] = AuthCredentials(list(principal.scopes))
        await self.streams.serve(
            self.session_manager.handle_request, admitted.credential, admitted.change_version, scope, receive, send
        )

    async def admit(self, token: str | None, tool_names: list[str]) -> tuple[Authentication, ServerSettings]:
        """The one short read transaction of an MCP request, before the SDK (and any tool) runs; the use is queued."""
        now = self.services.clock()
        async with self.services.read_transaction() as session:
            admitted = await authenticate_bearer(session, now, token, self.services.settings)
            principal = admitted.principal
            # From memory unless the counter read with the credential moved: a change any process committed
            # before this request started is in force now.
            server_settings = await self.services.settings_cache.at(session, admitted.change_version)
            # Checked after authentication so the audit log names who was turned away; every request, every time.
            if not server_settings.mcp_enabled:
                raise AccessSwitchedOff(connection_id=principal.connection.id, user_id=principal.user.id)
            check_tool_scopes(tool_names, self.registry, principal)
        # Off the request path: the batch writer adds it to the connection's count with the other uses of its batch.
        await self.services.batch_writer.count_use(principal.connection.id, now)
        return admitted, server_settings

    async def refusal(self, request: Request, exc: Exception, request_id: RequestId | None = None) -> Response:
        """The one refusal path of /mcp: audit it (through the batch writer), then answer in its wire format."""
        if not isinstance(exc, McpRefusal):
            logger.exception("could not admit an MCP request", exc_info=exc)
            return jsonrpc_error_response(
                500,
                INTERNAL_ERROR,
                "The server could not check this request's credential; try again shortly.",
                request_id=request_id,
            )
        if exc.audited:
            try:
                await self.audit_refusal(request, exc)
            except Exception:
                # The refusal is still answered; a lost audit entry is logged rather than turned into a 500.
                logger.exception("could not audit a refused MCP request")
        return exc.response(self.services.settings, request_id)

    async def audit_refusal(self, request: Request, refusal: McpRefusal) -> None:
        detail: dict[str, Any] = {"reason": refusal.reason, "status": refusal.status_code, "method": request.method}
        if isinstance(refusal, InsufficientScope):
            detail["needed_scope"] = refusal.needed
        await self.services.batch_writer.audit(
            "mcp.rejected",
            self.services.clock(),
            connection_id=refusal.connection_id,
            user_id=refusal.user_id,
            client_ip=client_ip(request, self.services.settings.trusted_proxies),
            **detail,
        )
