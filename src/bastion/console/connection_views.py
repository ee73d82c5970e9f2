"""What the connection pages show, as plain values: row and fact labels, times in words, the rotation steps.

Kept apart from the handlers so every wording can be tested without HTTP, and reused from the CLI's
own words (``bastion.connection_wording``) where both say the same thing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from bastion import connection_wording
from bastion import scopes as scope_rules
from bastion.console.listing import ListFilters, page_numbers
from bastion.console.paths import CONNECTIONS_PATH
from bastion.governance.connection_status import ConnectionStatus, connection_status
from bastion.setup_snippets import snippets_as_text
from bastion.store.models import Connection

CLIENT_TYPES = {
    "confidential": "Confidential — has a client secret",
    "public": "Public — PKCE only, no secret",
}
AUTH_METHODS = {
    "client_secret_basic": "Client secret in an HTTP Basic header (client_secret_basic)",
    "client_secret_post": "Client secret in the request body (client_secret_post)",
    "none": "None: PKCE only (public client)",
}
# Registration details of a self-registered client, in the order shown, with their labels.
REGISTRATION_FIELDS = {
    "software_id": "Software ID",
    "software_version": "Software version",
    "client_uri": "Client website",
    "application_type": "Application type",
    "contacts": "Contacts",
    "scope": "Scope asked for at registration",
}
# What a redirect after an action tells the connection's form to say (``?done=...``).
DONE_MESSAGES = {
    "saved": "Your changes were saved.",
    "unchanged": "Nothing changed: the form had the values already saved.",
    "revoked": "The connection is revoked: its credential and every token it held stopped working.",
    "reactivated": "The connection is active again. Its old tokens stay revoked: it signs in (or uses its key) afresh.",
}


def list_url(filters: ListFilters, **changes: Any) -> str:
    """The list's bookmarkable URL for these filters, with ``changes`` applied."""
    query = filters.query_string(**changes)
    return f"{CONNECTIONS_PATH}?{query}" if query else CONNECTIONS_PATH


@dataclass(frozen=True)
class Paging:
    previous_url: str | None
    next_url: str | None
    pages: list[tuple[int | None, str | None]]  # (number, url); (None, None) is a gap between numbers


def paging(filters: ListFilters, page: int, last: int) -> Paging:
    return Paging(
        previous_url=list_url(filters, page=page - 1) if page > 1 else None,
        next_url=list_url(filters, page=page + 1) if page < last else None,
        pages=[(number, list_url(filters, page=number) if number else None) for number in page_numbers(page, last)],
    )


def exact_utc(moment: datetime) -> str:
    return f"{moment:%Y-%m-%d %H:%M} UTC"


def describe_ago(moment: datetime | None, now: datetime) -> str:
    """How long ago, in the largest sensible unit: ``just now``, ``5 minutes ago``, ``3 days ago``, ``never``."""
    if moment is None:
        return "never"
    seconds = int((now - moment).total_seconds())
    if seconds < 60:
        return "just now"
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size:
            count = seconds // size
            return f"{count} {unit}{'s' if count != 1 else ''} ago"
    return "just now"  # unreachable: seconds >= 60 always matches "minute"


@dataclass(frozen=True)
class Moment:
    """A time shown in words, with its exact UTC value for ``<time datetime>`` and the tooltip."""

    text: str
    iso: str | None
    exact: str | None


def moment(value: datetime | None, now: datetime) -> Moment:
    if value is None:
        return Moment("never", None, None)
    return Moment(describe_ago(value, now), value.isoformat(), exact_utc(value))


def type_label(connection: Connection) -> str:
    return "API key" if connection.type == "api_key" else "OAuth client"


def scope_label(scopes: str) -> str:
    return "Full (read and write)" if scope_rules.WRITE in scope_rules.parse_scope(scopes) else "Read-only"


@dataclass(frozen=True)
class ConnectionRow:
    """One line of the connections list."""

    id: int
    name: str
    type: str
    is_dynamic: bool
    uses_metadata_document: bool
    user_login: str | None
    status: ConnectionStatus
    last_used: Moment
    requests: str


def connection_row(connection: Connection, user_login: str | None, now: datetime, idle_after: int) -> ConnectionRow:
    return ConnectionRow(
        id=connection.id,
        name=connection.name,
        type=type_label(connection),
        is_dynamic=connection.is_dynamic,
        uses_metadata_document=connection.uses_metadata_document,
        user_login=user_login,
        status=connection_status(connection, now, idle_after),
        last_used=moment(connection.last_used_at, now),
        requests=f"{connection.request_count:,}",
    )


def registration_details(connection: Connection) -> list[tuple[str, str]]:
    """What a self-registered client said about itself, as (label, text) pairs; every value is the client's own."""
    metadata: dict[str, Any] = connection.registration_metadata or {}
    # The name it registered with; kept in the metadata once an administrator renames the connection.
    details = [("Client name as sent", str(metadata.get("client_name", connection.name)))]
    for key, label in REGISTRATION_FIELDS.items():
        value = metadata.get(key)
        if value:
            details.append((label, ", ".join(value) if isinstance(value, list) else str(value)))
    details.append(("Registered", exact_utc(connection.created_at)))
    details.append(("Registered from", connection.registered_from_ip or "unknown address"))
    return details


@dataclass(frozen=True)
class MetadataDocument:
    """Where a metadata-document client's details come from, and when they were fetched."""

    url: str
    host: str
    fetched: Moment
    expires: Moment


def metadata_document(connection: Connection, now: datetime) -> MetadataDocument | None:
    if not connection.uses_metadata_document or connection.client_id is None:
        return None
    return MetadataDocument(
        url=connection.client_id,
        host=urlsplit(connection.client_id).hostname or connection.client_id,
        fetched=moment(connection.metadata_fetched_at, now),
        expires=moment(connection.metadata_expires_at, now),
    )


def credential_noun(connection: Connection) -> str | None:
    return connection_wording.credential_noun(connection)


def rotate_button_label(connection: Connection) -> str | None:
    """The seed page's words: *Rotate Secret Key* for a confidential client, *Rotate Key* for an API key."""
    if connection.type == "api_key":
        return "Rotate Key"
    return "Rotate Secret Key" if connection.client_type == "confidential" else None


def rotation_consequence(connection: Connection) -> str:
    """What stopping the current credential means for the tool using it (the CLI's question says *that* it stops)."""
    if connection.type == "api_key":
        return "Every tool using it gets “401 Unauthorized” until you paste the new key into it."
    return "The application using it cannot sign in or renew its access until you paste the new secret into it."


def rotation_steps(connection: Connection, access_token_ttl_seconds: int) -> list[str]:
    """The numbered "What to do next" steps after a rotation, for an administrator who is not a developer."""
    if connection.type == "api_key":
        return [
            "Copy the new API key with the Copy button. It is shown only this once.",
            "Open the tool that uses this connection (Cursor, Claude Code, a script…) and find its MCP server "
            "settings: the place where the old key was pasted, usually after “Bearer ”.",
            "Replace the old key with the new one, and save.",
            "Test it: ask the tool to do something with Bastion. Until you do this, the tool cannot connect: "
            "Bastion answers “401 Unauthorized” to the old key.",
        ]
    minutes = max(1, access_token_ttl_seconds // 60)
    return [
        "Copy the new client secret with the Copy button. It is shown only this once.",
        "Open the application that uses this connection and go to its connection or OAuth settings "
        "(often called “OAuth”, “Authentication” or “Client credentials”).",
        "Paste the new secret where the old client secret was, replacing it. The client ID stays the same.",
        "Save the settings.",
        "Test it: let the application connect once. Until you do this, it cannot sign in or renew its access; "
        f"access it already has ends within {minutes} minutes.",
    ]


def key_snippets(mcp_url: str, key: str) -> str:
    return snippets_as_text(mcp_url, key)
