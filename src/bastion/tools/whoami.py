"""``whoami``: who the caller is to Bastion (user, connection, client, scopes) and how it is talking to it."""

from __future__ import annotations

from typing import Any

from bastion import scopes as scope_rules
from bastion.tools.context import ToolContext
from bastion.tools.registry import RiskLevel, ToolCategory, ToolHints, ToolSpec

INPUT_SCHEMA: dict[str, Any] = {"type": "object", "properties": {}, "additionalProperties": False}

OUTPUT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "user": {
            "type": "object",
            "properties": {"login": {"type": "string"}, "name": {"type": "string"}, "admin": {"type": "boolean"}},
            "required": ["login", "name", "admin"],
        },
        "connection": {
            "type": "object",
            "properties": {
                "id": {"type": "integer"},
                "name": {"type": "string"},
                "type": {"type": "string", "enum": ["oauth", "api_key"]},
            },
            "required": ["id", "name", "type"],
        },
        "client": {
            "type": "object",
            "properties": {"client_id": {"type": ["string", "null"]}, "dynamic": {"type": "boolean"}},
            "required": ["client_id", "dynamic"],
        },
        "scopes": {"type": "array", "items": {"type": "string"}},
        "credential": {
            "type": "object",
            "properties": {
                "kind": {"type": "string", "enum": ["oauth", "api_key"]},
                "expires_at": {"type": ["string", "null"], "format": "date-time"},
            },
            "required": ["kind", "expires_at"],
        },
        "protocol": {
            "type": "object",
            "properties": {"version": {"type": "string"}, "era": {"type": "string", "enum": ["handshake", "modern"]}},
            "required": ["version", "era"],
        },
        "resource": {"type": "string"},
    },
    "required": ["user", "connection", "client", "scopes", "credential", "protocol", "resource"],
}


async def whoami(ctx: ToolContext, _arguments: dict[str, Any]) -> dict[str, Any]:
    principal = ctx.principal
    return {
        "user": {"login": principal.user.login, "name": principal.user.name, "admin": principal.user.is_admin},
        "connection": {
            "id": principal.connection.id,
            "name": principal.connection.name,
            "type": principal.connection.type,
        },
        "client": {"client_id": principal.connection.client_id, "dynamic": principal.connection.is_dynamic},
        "scopes": list(principal.scopes),
        "credential": {
            "kind": principal.kind,
            "expires_at": principal.expires_at.isoformat() if principal.expires_at else None,
        },
        "protocol": {"version": ctx.protocol_version, "era": ctx.protocol_era},
        "resource": ctx.server.resource_url,
    }


WHOAMI = ToolSpec(
    name="whoami",
    title="Who am I",
    description=(
        "Tells who you are connected to Bastion as: the user you act for (login, name, administrator or not), "
        "the connection and OAuth client you use, the scopes you were granted (mcp:read allows reading, "
        "mcp:write also allows changes), the kind of credential, the MCP protocol version in use and the "
        "server's resource URL. Takes no arguments; call it first when unsure what you may do."
    ),
    category=ToolCategory.SESSION,
    risk=RiskLevel.LOW,
    required_scope=scope_rules.READ,
    hints=ToolHints(read_only=True, destructive=False, idempotent=True, open_world=False),
    input_schema=INPUT_SCHEMA,
    output_schema=OUTPUT_SCHEMA,
    handler=whoami,
)
