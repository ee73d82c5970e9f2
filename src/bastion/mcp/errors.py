"""Why /mcp refuses a request, and how each refusal is written on the wire, in one place.

Credential refusals follow RFC 6750 §3 (``WWW-Authenticate: Bearer ...`` with the MCP
authorization spec's ``resource_metadata`` and ``scope``); transport refusals answer the
JSON-RPC error shape the MCP SDK uses for its own transport errors, with the request's JSON-RPC
``id`` when the body carried one (JSON-RPC 2.0 §5; the 2026-07-28 transport requires it).
"""

from __future__ import annotations

import json
import re
from typing import Any

from mcp_types import INVALID_REQUEST, UNSUPPORTED_PROTOCOL_VERSION, RequestId
from starlette.responses import Response

from bastion import scopes as scope_rules
from bastion.config import Settings
from bastion.server_settings import SWITCHED_OFF_MESSAGE

# JSON-RPC 2.0 §5.1 leaves -32000..-32099 to the implementation: the master switch is off.
ACCESS_SWITCHED_OFF = -32050

# RFC 6750 §3: error_description may only hold %x20-21 / %x23-5B / %x5D-7E (no quote, no backslash, ASCII).
_NOT_ALLOWED_IN_CHALLENGE = re.compile(r"[^\x20\x21\x23-\x5b\x5d-\x7e]")


def protected_resource_metadata_url(settings: Settings) -> str:
    return f"{settings.public_url}/.well-known/oauth-protected-resource/mcp"


class McpRefusal(Exception):
    """A request /mcp will not serve. ``reason`` is the short word written to the audit log."""

    status_code = 400
    reason = "refused"
    audited = True

    def __init__(self, description: str, *, connection_id: int | None = None, user_id: int | None = None) -> None:
        super().__init__(description)
        self.description = description
        self.connection_id = connection_id
        self.user_id = user_id

    def response(self, settings: Settings, request_id: RequestId | None = None) -> Response:
        return jsonrpc_error_response(self.status_code, INVALID_REQUEST, self.description, request_id=request_id)


class MissingCredential(McpRefusal):
    """No bearer credential at all: the discovery step of every OAuth client, not worth an audit entry."""

    status_code = 401
    reason = "missing_credential"
    audited = False

    def response(self, settings: Settings, request_id: RequestId | None = None) -> Response:
        # RFC 6750 §3.1: no error code when the request carried no authentication information.
        return bearer_error_response(settings, self.status_code, None, self.description)


class InvalidToken(McpRefusal):
    status_code = 401
    reason = "invalid_token"

    def __init__(self, description: str, *, reason: str = "invalid_token", **ids: Any) -> None:
        super().__init__(description, **ids)
        self.reason = reason

    def response(self, settings: Settings, request_id: RequestId | None = None) -> Response:
        return bearer_error_response(settings, self.status_code, "invalid_token", self.description)


class InsufficientScope(McpRefusal):
    status_code = 403
    reason = "insufficient_scope"

    def __init__(self, description: str, *, needed: str, **ids: Any) -> None:
        super().__init__(description, **ids)
        self.needed = needed

    def response(self, settings: Settings, request_id: RequestId | None = None) -> Response:
        return bearer_error_response(
            settings, self.status_code, "insufficient_scope", self.description, scope=self.needed
        )


class AccessSwitchedOff(McpRefusal):
    status_code = 503
    reason = "mcp_disabled"

    def __init__(self, **ids: Any) -> None:
        super().__init__(SWITCHED_OFF_MESSAGE, **ids)

    def response(self, settings: Settings, request_id: RequestId | None = None) -> Response:
        return jsonrpc_error_response(self.status_code, ACCESS_SWITCHED_OFF, self.description, request_id=request_id)


class HostNotAllowed(McpRefusal):
    # MCP Streamable HTTP §Security (DNS rebinding): the SDK answers a foreign Host with 421 too.
    status_code = 421
    reason = "host_not_allowed"


class OriginNotAllowed(McpRefusal):
    # MCP Streamable HTTP §Security: "If the Origin header is present and invalid, servers MUST respond 403".
    status_code = 403
    reason = "origin_not_allowed"


class RequestTooLarge(McpRefusal):
    status_code = 413
    reason = "body_too_large"
    audited = False


class UnsupportedProtocolVersion(McpRefusal):
    """A client bug rather than a refusal of anyone: answered, not audited.

    2026-07-28 ``UnsupportedProtocolVersionError``: ``data`` is ``{"supported": [...], "requested": ...}``,
    where ``supported`` lists the versions a client may retry with in its request ``_meta`` (the ones
    ``server/discover`` announces); the 2025 handshake versions are reached by ``initialize`` without the header.
    """

    status_code = 400
    reason = "unsupported_protocol_version"
    audited = False

    def __init__(self, requested: str, supported: list[str], handshake: list[str]) -> None:
        super().__init__(
            f"MCP-Protocol-Version {requested!r} is not supported here. Send {' or '.join(supported)} "
            "with the same version in the request's _meta, or leave the header out and start with initialize "
            f"(protocol versions {', '.join(handshake)})."
        )
        self.requested = requested
        self.supported = supported

    def response(self, settings: Settings, request_id: RequestId | None = None) -> Response:
        data = {"supported": self.supported, "requested": self.requested}
        return jsonrpc_error_response(
            self.status_code, UNSUPPORTED_PROTOCOL_VERSION, self.description, data, request_id=request_id
        )


def bearer_challenge(
    settings: Settings, error: str | None = None, description: str | None = None, scope: str | None = None
) -> str:
    params = [
        f'resource_metadata="{protected_resource_metadata_url(settings)}"',
        f'scope="{scope or scope_rules.FULL}"',
    ]
    if error is not None:
        params.append(f'error="{error}"')
        if description:
            params.append(f'error_description="{_NOT_ALLOWED_IN_CHALLENGE.sub("", description)}"')
    return "Bearer " + ", ".join(params)


def bearer_error_response(
    settings: Settings, status_code: int, error: str | None, description: str, scope: str | None = None
) -> Response:
    body: dict[str, str] = {"error": error} if error else {}
    body["error_description"] = description
    return Response(
        json.dumps(body, ensure_ascii=False),
        status_code=status_code,
        media_type="application/json",
        headers={"WWW-Authenticate": bearer_challenge(settings, error, description, scope)},
    )


def jsonrpc_error_response(
    status_code: int, code: int, message: str, data: Any = None, *, request_id: RequestId | None = None
) -> Response:
    error: dict[str, Any] = {"code": code, "message": message}
    if data is not None:
        error["data"] = data
    # JSON-RPC 2.0 §5: the id of the request answered, or null when it could not be read (no body, not JSON-RPC).
    body = {"jsonrpc": "2.0", "id": request_id, "error": error}
    return Response(json.dumps(body, ensure_ascii=False), status_code=status_code, media_type="application/json")


def jsonrpc_request_id(message: Any) -> RequestId | None:
    """The ``id`` of a decoded single JSON-RPC request, or None (a batch, a notification, or not JSON-RPC at all)."""
    request_id = message.get("id") if isinstance(message, dict) else None
    # JSON-RPC 2.0 §4: a string or a number; a bool is neither, however Python types it.
    if isinstance(request_id, str) or (isinstance(request_id, int) and not isinstance(request_id, bool)):
        return request_id
    return None
