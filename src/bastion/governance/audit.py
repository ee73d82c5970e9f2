"""The append-only audit log. Event names are ``<thing>.<past tense>``, a closed set documented here.

Two ways in, one entry shape (``audit_row``): ``record`` writes the entry in the caller's transaction,
for anything that changes state (the entry commits with the change, or not at all); the per-request
entries of the read path (``tool.called``, ``mcp.rejected``, ...) go to ``BatchWriter.audit``
(``governance/batch_writer.py``), which batches them off the request path while the server runs and
writes them at once in a process that runs none (the CLI, rule tests).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bastion.store.models import AuditEvent
from bastion.store.repositories import AuditLog

EVENTS: dict[str, str] = {
    "user.created": "A user account was created.",
    "user.password_set": "A user set their password through a one-time link.",
    "user.signed_in": "A user signed in.",
    "user.sign_in_failed": "A sign-in failed (wrong login or password).",
    "user.sign_in_throttled": "A sign-in was refused after too many recent failures for its login or address.",
    "user.unlocked": "An administrator cleared the failed sign-ins counted for a login (bastion users unlock).",
    "user.password_changed": "A signed-in user changed their password; their other browser sessions ended.",
    "user.role_changed": "An administrator made a user an administrator, or an administrator a user.",
    "user.deactivated": "A user was deactivated; their connections were revoked and their sessions ended.",
    "user.reactivated": "A deactivated user was allowed to sign in again; their connections stay revoked.",
    "user.setup_link_issued": "An administrator issued a new one-time setup link for a user.",
    "connection.created": "An administrator or user created a connection.",
    "connection.rotated": "A connection's client secret or API key was replaced; the old one stopped working.",
    "connection.revoked": "A connection was revoked; all its tokens and sessions ended.",
    "connection.reactivated": "A revoked connection was allowed again.",
    "connection.updated": "A connection's name, redirect URIs or notes changed.",
    "client.registered": "An AI tool registered itself (RFC 7591 dynamic registration, or the first use of its "
    "client ID metadata document).",
    "client.registration_refused": "A dynamic registration was refused.",
    "client.metadata_refused": "A client ID metadata document was refused (switched off, host not allowed, "
    "unreachable, or not a usable document).",
    "consent.granted": "A user allowed a client.",
    "consent.denied": "A user denied a client.",
    "code.issued": "An authorization code was issued.",
    "code.reused": "An authorization code was presented twice; every token it issued was revoked.",
    "token.issued": "Tokens were issued.",
    "token.refreshed": "A refresh token was rotated.",
    "token.reused": "A rotated refresh token was presented again; its whole family was revoked.",
    "token.revoked": "A client revoked a token (RFC 7009).",
    "token.rejected": "A token request was refused.",
    "mcp.rejected": "An MCP request was refused (credential, scope, origin or master switch).",
    "tool.called": "A tool was called.",
    "tool.enabled": "An administrator switched a tool on in the tool catalog; clients see and may call it again.",
    "tool.disabled": "An administrator switched a tool off in the tool catalog; it left tools/list, calls are refused.",
    "settings.changed": "An administrator changed a server setting.",
    "source.changed": "An administrator changed the data source (kind, URL, database, mode); never its secret.",
    "odoo.linked": "A user's Odoo account was linked to their Bastion user, verified against Odoo.",
    "odoo.unlinked": "A user's Odoo account was unlinked from their Bastion user.",
    "odoo.link_rejected": "Odoo refused a linked user's API key (revoked or expired); they must link it again.",
}


def audit_row(
    event: str,
    now: datetime,
    *,
    connection_id: int | None = None,
    user_id: int | None = None,
    client_ip: str | None = None,
    **detail: Any,
) -> dict[str, Any]:
    """The column values of one entry; an event outside ``EVENTS`` is a programming error, refused here."""
    if event not in EVENTS:
        raise ValueError(f"unknown audit event {event!r}; add it to governance/audit.py:EVENTS")
    return {
        "at": now,
        "event": event,
        "connection_id": connection_id,
        "user_id": user_id,
        "client_ip": client_ip,
        "detail": detail,
    }


async def record(
    session: AsyncSession,
    event: str,
    now: datetime,
    *,
    connection_id: int | None = None,
    user_id: int | None = None,
    client_ip: str | None = None,
    **detail: Any,
) -> None:
    """Append an entry in ``session``'s transaction: it commits with the change it records, or not at all."""
    row = audit_row(event, now, connection_id=connection_id, user_id=user_id, client_ip=client_ip, **detail)
    await AuditLog(session).append(AuditEvent(**row))
