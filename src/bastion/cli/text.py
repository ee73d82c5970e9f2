"""What the ``bastion`` command prints for a person, when ``--json`` is not given.

Kept apart from the commands so the wording can be read, and tested, in one place. Lists and details are
drawn from the same dicts ``--json`` prints (``bastion.cli.json_shapes``), so both always say the same.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from bastion.accounts import Deactivation
from bastion.connection_wording import credential_noun
from bastion.setup_snippets import snippets_as_text
from bastion.store.models import Connection, User
from bastion.tools.switches import SwitchChange

RULE = "=" * 76
NONE_SHOWN = "—"


def when(moment: str | None) -> str:
    """An ISO timestamp (``json_shapes.iso()``) for a person, e.g. ``2026-01-01 09:30 UTC``; None is ``never``."""
    if not moment:
        return "never"
    return f"{datetime.fromisoformat(moment):%Y-%m-%d %H:%M} UTC"


def table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    widths = [max(len(cell) for cell in column) for column in zip(headers, *rows, strict=True)]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)) for row in [headers, *rows]]
    return "\n".join(line.rstrip() for line in lines)


# --- serve -------------------------------------------------------------------------------------------


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


def serving(mcp_url: str, public_url: str) -> str:
    return f"MCP endpoint: {mcp_url}\nConsole:      {public_url}/console"


# --- users -------------------------------------------------------------------------------------------


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
    created = f"Created the {role} {user.login!r} (id {user.id})."
    if setup_link:
        created += (
            f"\nSend them this one-time link; it works once, within 24 hours, to set their password:\n\n  {setup_link}"
        )
    return created


def deactivation_question(login: str) -> str:
    return f"Deactivate {login}? Every connection acting as them is revoked at once and they are signed out."


def user_deactivated(login: str, done: Deactivation) -> str:
    return (
        f"Deactivated {login}: {done.connections_revoked} connection(s) and {done.tokens_revoked} token(s) "
        "revoked, signed out everywhere. Reactivating the user later does not bring the connections back."
    )


def login_unlocked(login: str, cleared: int) -> str:
    counted = f"{cleared} failed sign-in(s) forgotten" if cleared else "no failed sign-ins were counted"
    return f"Unlocked {login!r}: {counted}; it may be tried again at once from every address."


def user_reactivated(login: str) -> str:
    return f"Reactivated {login}: they can sign in again. Their connections stay revoked; reactivate each as needed."


# --- connections -------------------------------------------------------------------------------------


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


def revoked(connection: Connection, tokens: int) -> str:
    return (
        f"Revoked connection #{connection.id} “{connection.name}”: {tokens} token(s) ended. "
        f"`bastion connections reactivate {connection.id}` allows it again."
    )


def connection_reactivated(connection: Connection) -> str:
    return f"Reactivated connection #{connection.id} “{connection.name}”; its old tokens stay revoked."


# --- tools -------------------------------------------------------------------------------------------


def tools_table(tools: list[dict[str, Any]]) -> str:
    rows = [
        [
            tool["name"],
            tool["title"],
            tool["category"],
            tool["risk"],
            tool["required_scope"],
            "on" if tool["active"] else "off",
            tool["description"],
        ]
        for tool in tools
    ]
    return table(["NAME", "TITLE", "CATEGORY", "RISK", "SCOPE", "ACTIVE", "DESCRIPTION"], rows)


def tool_switched(change: SwitchChange) -> str:
    state = "on" if change.active else "off"
    if not change.changed:
        return f"The tool {change.name!r} was already switched {state}; nothing changed."
    effect = (
        "clients see it in tools/list and may call it again"
        if change.active
        else "it left tools/list and every call to it is refused"
    )
    return f"Switched the tool {change.name!r} {state}: from the next MCP request, {effect}."


# --- settings and db ---------------------------------------------------------------------------------


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


def setting_changed(key: str, value: Any, previous: Any) -> str:
    return f"{key} = {json.dumps(value)} (was {json.dumps(previous)})"


def database_revision(revision: str | None) -> str:
    return f"The database is at revision {revision}, the latest."
