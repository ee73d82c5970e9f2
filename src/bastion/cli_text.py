"""What the ``bastion`` command prints: the ``--json`` shapes, and the text a person reads instead.

Kept apart from the Typer commands (``cli.py``) so the wording can be read, and tested, in one place.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from bastion.governance.connection_status import ConnectionStatus
from bastion.server_settings import SETTING_SPECS
from bastion.setup_snippets import snippets_as_text
from bastion.store.models import Connection, User

RULE = "=" * 76
NONE_SHOWN = "—"


def iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def when(moment: str | None) -> str:
    """An ISO timestamp from ``iso()`` shown to a person, e.g. ``2026-01-01 09:30 UTC``; None is ``never``."""
    if not moment:
        return "never"
    return f"{datetime.fromisoformat(moment):%Y-%m-%d %H:%M} UTC"


def table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    widths = [max(len(cell) for cell in column) for column in zip(headers, *rows, strict=True)]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)) for row in [headers, *rows]]
    return "\n".join(line.rstrip() for line in lines)


# --- users -------------------------------------------------------------------------------------------


def user_as_dict(user: User) -> dict[str, Any]:
    return {
        "user_id": user.id,
        "login": user.login,
        "name": user.name,
        "admin": user.is_admin,
        "active": user.active,
        "has_password": user.password_hash is not None,
        "created_at": iso(user.created_at),
    }


def users_table(users: list[dict[str, Any]]) -> str:
    if not users:
        return "No users yet. `bastion users add LOGIN --admin` creates one."
    rows = [
        [
            str(user["user_id"]),
            user["login"],
            user["name"],
            "administrator" if user["admin"] else "user",
            "active" if user["active"] else "deactivated",
            "set" if user["has_password"] else "not set yet (setup link)",
        ]
        for user in users
    ]
    return table(["ID", "LOGIN", "NAME", "ROLE", "STATE", "PASSWORD"], rows)


def user_created(user: User, setup_link: str | None) -> str:
    role = "administrator" if user.is_admin else "user"
    text = f"Created the {role} {user.login!r} (id {user.id})."
    if setup_link:
        text += (
            f"\nSend them this one-time link; it works once, within 24 hours, to set their password:\n\n  {setup_link}"
        )
    return text


def setup_link_banner(login: str, url: str) -> str:
    return "\n".join(
        [
            RULE,
            "  Bastion has no administrator password yet.",
            "  Open this link within 24 hours to set the administrator's password:",
            "",
            f"    {url}",
            "",
            f"  The link is for the administrator {login!r} and works once. Until a password",
            "  is set, every start prints a new link and the older ones stop working.",
            RULE,
        ]
    )


# --- connections -------------------------------------------------------------------------------------


def describe_type(connection_type: str, is_dynamic: bool) -> str:
    if connection_type == "api_key":
        return "API key"
    return "OAuth (self-registered)" if is_dynamic else "OAuth"


def credential_noun(connection: Connection) -> str | None:
    """What ``rotate`` replaces: an API key, a client secret, or nothing (a public client has no secret)."""
    if connection.type == "api_key":
        return "API key"
    return "client secret" if connection.client_type == "confidential" else None


def connection_summary(connection: Connection, user_login: str | None, status: ConnectionStatus) -> dict[str, Any]:
    """One row of ``connections list``; also the start of ``connections show``."""
    return {
        "connection_id": connection.id,
        "type": connection.type,
        "type_label": describe_type(connection.type, connection.is_dynamic),
        "name": connection.name,
        "user": user_login,
        "status": status.status.value,
        "status_label": status.label,
        "last_used_at": iso(connection.last_used_at),
        "request_count": connection.request_count,
        "client_id": connection.client_id,
        "is_dynamic": connection.is_dynamic,
        "created_at": iso(connection.created_at),
    }


def connection_details(
    connection: Connection, user_login: str | None, status: ConnectionStatus, active_tokens: int
) -> dict[str, Any]:
    """Everything about a connection except its secrets (only their digests are stored anyway)."""
    details = connection_summary(connection, user_login, status)
    details["scopes"] = connection.scopes
    if connection.type == "api_key":
        details["key_prefix"] = connection.key_prefix
    else:
        details |= {
            "client_type": connection.client_type,
            "token_endpoint_auth_method": connection.token_endpoint_auth_method,
            "grant_types": list(connection.grant_types or []),
            "redirect_uris": list(connection.redirect_uris or []),
            "registered_from_ip": connection.registered_from_ip,
        }
    return details | {
        "active_tokens": active_tokens,
        "revoked_at": iso(connection.revoked_at),
        "notes": connection.notes,
    }


def connections_table(summaries: list[dict[str, Any]], *, filtered: bool) -> str:
    if not summaries:
        return "No connections match these filters." if filtered else "No connections yet."
    rows = [
        [
            str(item["connection_id"]),
            item["type_label"],
            item["name"],
            item["user"] or NONE_SHOWN,
            item["status_label"],
            when(item["last_used_at"]),
            str(item["request_count"]),
        ]
        for item in summaries
    ]
    return table(["ID", "TYPE", "NAME", "USER", "STATUS", "LAST USED", "REQUESTS"], rows)


# How ``connections show`` names each field for a person; fields not named here are only in --json.
DETAIL_LABELS = {
    "connection_id": "ID",
    "name": "Name",
    "type_label": "Type",
    "user": "User",
    "status_label": "Status",
    "last_used_at": "Last used",
    "request_count": "Requests",
    "created_at": "Created",
    "scopes": "Scopes",
    "key_prefix": "Key starts with",
    "client_id": "Client ID",
    "client_type": "Client type",
    "token_endpoint_auth_method": "Client authentication",
    "grant_types": "Grant types",
    "redirect_uris": "Redirect URIs",
    "registered_from_ip": "Registered from",
    "active_tokens": "Active tokens",
    "revoked_at": "Revoked",
    "notes": "Notes",
}


def connection_text(details: dict[str, Any]) -> str:
    def shown(key: str, value: Any) -> str:
        if key == "last_used_at":
            return when(value)
        if key.endswith("_at") and value:
            return when(value)
        if isinstance(value, list):
            value = ", ".join(value)
        return NONE_SHOWN if value in (None, "") else str(value)

    fields = [(label, shown(key, details[key])) for key, label in DETAIL_LABELS.items() if key in details]
    width = max(len(label) for label, _ in fields)
    return "\n".join(f"{label.ljust(width)}  {value}" for label, value in fields)


def oauth_client_created(connection: Connection, secret: str | None, mcp_url: str, public_url: str) -> str:
    lines = [
        f"Created the OAuth connection #{connection.id} “{connection.name}” ({connection.client_type} client).",
        "",
        f"  MCP endpoint URL  {mcp_url}",
        f"  Client ID         {connection.client_id}",
    ]
    if secret:
        lines += [
            f"  Client secret     {secret}",
            "",
            "Both the client secret and the client ID are shown exactly once: copy both now.",
            "If you missed the secret, you can rotate it later, but the value you missed is gone:",
            f"  bastion connections rotate {connection.id}",
        ]
        credentials = "the client ID and client secret"
        authentication = "Client authentication: HTTP Basic (client_secret_basic) or client_secret_post."
    else:
        lines += ["", "A public client has no secret: the application proves itself with PKCE (S256) instead."]
        credentials = "the client ID"
        authentication = "It must use PKCE with S256."
    return "\n".join(
        [
            *lines,
            "",
            "What to do next:",
            f"  1. Enter {credentials} in your application's OAuth client settings.",
            f"     {authentication}",
            "  2. Give it the MCP endpoint URL; it discovers the rest from",
            f"     {public_url}/.well-known/oauth-authorization-server. If it asks for endpoints:",
            f"     authorization {public_url}/oauth/authorize, token {public_url}/oauth/token,",
            "     scopes: mcp:read mcp:write.",
            "  3. Connect it once: a person signs in to Bastion and allows it. `bastion connections list`",
            "     then shows the connection as Connected.",
        ]
    )


def api_key_created(connection: Connection, key: str, user_login: str, mcp_url: str) -> str:
    access = "read-only" if connection.scopes == "mcp:read" else "read and write"
    return "\n".join(
        [
            f"Created the API key connection #{connection.id} “{connection.name}”, acting as {user_login} ({access}).",
            "",
            f"  MCP endpoint URL  {mcp_url}",
            f"  API key           {key}",
            "",
            "The API key is shown exactly once: copy it now. Only a digest of it is kept; if you lose it,",
            f"replace it with: bastion connections rotate {connection.id}",
            "",
            snippets_as_text(mcp_url, key),
        ]
    )


def rotated(connection: Connection, secret: str, mcp_url: str) -> str:
    noun = credential_noun(connection)
    lines = [
        f"New {noun} for connection #{connection.id} “{connection.name}”:",
        "",
        f"  {secret}",
        "",
        f"It is shown exactly once. The previous {noun} stopped working just now.",
        "",
        "What to do next:",
    ]
    if connection.type == "api_key":
        return "\n".join(
            [
                *lines,
                "  1. Copy the new API key now; it cannot be shown again.",
                "  2. Replace the old key everywhere it is configured (ready-to-paste lines below). For Claude Code,",
                "     run `claude mcp remove bastion` first, then the `claude mcp add` line.",
                "  3. Make one request to check: anything still using the old key now gets 401 Unauthorized.",
                "",
                snippets_as_text(mcp_url, secret),
            ]
        )
    return "\n".join(
        [
            *lines,
            "  1. Copy the new client secret now; it cannot be shown again.",
            "  2. In the application that uses this connection, open its OAuth client settings and replace",
            "     the old client secret with the new one. The client ID stays the same.",
            "  3. Save, and let the application connect once to check that it works.",
            "  4. Tokens it already holds keep working until they expire; its next token request or refresh",
            "     needs the new secret.",
            "",
            "If the application cannot edit a saved secret, remove its connection to this server there and",
            "add it again with the same client ID and the new secret.",
        ]
    )


def rotation_question(connection: Connection) -> str | None:
    noun = credential_noun(connection)
    if noun is None:
        return None  # nothing to rotate: rotate_credential says why, without a pointless question first
    return (
        f"Replace the {noun} of connection #{connection.id} “{connection.name}”? "
        f"The current {noun} stops working immediately."
    )


def revocation_question(connection: Connection) -> str:
    return (
        f"Revoke connection #{connection.id} “{connection.name}”? "
        "Its credential and every token it holds stop working at once."
    )


def revoked(connection: Connection, tokens: int) -> str:
    return (
        f"Revoked connection #{connection.id} “{connection.name}”: {tokens} token(s) ended. "
        f"`bastion connections reactivate {connection.id}` allows it again."
    )


# --- settings ----------------------------------------------------------------------------------------


def settings_as_dict(values: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        key: {
            "value": values[key],
            "default": spec.default,
            "description": spec.description,
            "unit": spec.unit or None,
            "minimum": spec.minimum,
            "maximum": spec.maximum,
        }
        for key, spec in SETTING_SPECS.items()
    }


def settings_table(settings: dict[str, dict[str, Any]]) -> str:
    def meaning(item: dict[str, Any]) -> str:
        if item["minimum"] is None:
            return item["description"]
        unit = f" {item['unit']}" if item["unit"] else ""
        return f"{item['description']} Range {item['minimum']}–{item['maximum']}{unit}."

    rows = [
        [key, json.dumps(item["value"]), json.dumps(item["default"]), meaning(item)] for key, item in settings.items()
    ]
    return table(["KEY", "VALUE", "DEFAULT", "MEANING"], rows)
