"""Minting tokens and the RFC 6749 §5.1 token response; only digests are stored (OAuth 2.1 §7.1).

Issuing tokens does not mark a connection used: "last used" (and so the *Connected* status) is
left to /mcp, where the token is actually spent.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from bastion import credentials
from bastion import scopes as scope_rules
from bastion.credentials import Prefix
from bastion.governance.audit import record
from bastion.oauth.errors import InvalidScope
from bastion.oauth.grants.request import GrantContext
from bastion.store.models import Connection, Token
from bastion.store.repositories import Tokens

# Grants that end with a refresh token. Always, not only when offline_access is asked:
# claude.ai does not always ask for it, and would then have to sign in again every hour.
REFRESHABLE_GRANTS = frozenset({"authorization_code", "refresh_token"})


def new_family_id() -> str:
    """One family per grant: its access and refresh tokens, rotations included, are revoked together."""
    return uuid.uuid4().hex


def within_connection(scopes: str, connection: Connection) -> str:
    """Scopes of a grant, cut down to what the connection may have now (an administrator may have narrowed it)."""
    granted = scope_rules.intersect(scopes, connection.scopes)
    if not granted:
        raise InvalidScope(
            f"This connection may only be granted {connection.scopes!r}; nothing of {scopes!r} is left. "
            "Start a new authorization."
        )
    return granted


async def issue_tokens(
    grant: GrantContext,
    *,
    user_id: int | None,
    scopes: str,
    resource: str,
    grant_type: str,
    code_id: int | None = None,
    family_id: str | None = None,
    refresh_scopes: str | None = None,
    replaces: Token | None = None,
) -> dict[str, Any]:
    """Store a new access token (and refresh token) and return the token response.

    ``refresh_scopes`` keeps a rotated refresh token's scope identical to the one it replaces even when
    the access token was narrowed (RFC 6749 §6); ``replaces`` is the refresh token being rotated.
    """
    session, now, server_settings, connection = grant.session, grant.now, grant.server_settings, grant.client
    family = family_id or new_family_id()
    # Everything the access and refresh tokens of one grant share.
    owner = {"connection_id": connection.id, "user_id": user_id, "family_id": family, "code_id": code_id}
    rows: list[dict[str, Any]] = []

    def mint(kind: str, prefix: Prefix, token_scopes: str, ttl_seconds: int, replaces_id: int | None) -> str:
        value = credentials.new_credential(prefix)
        rows.append(
            {
                "kind": kind,
                "digest": credentials.digest(value),
                "scopes": token_scopes,
                "resource": resource,
                "created_at": now,
                "expires_at": now + timedelta(seconds=ttl_seconds),
                "replaces_id": replaces_id,
                **owner,
            }
        )
        return value

    access_ttl = server_settings.access_token_ttl_seconds
    response: dict[str, Any] = {
        "access_token": mint("access", Prefix.ACCESS_TOKEN, scopes, access_ttl, None),
        "token_type": "Bearer",
        "expires_in": access_ttl,
        "scope": scopes,
    }
    if grant_type in REFRESHABLE_GRANTS:
        # Each rotation gets the full lifetime: the setting is how long a client may stay away. The new refresh
        # token names the one it replaces, so the spent row is written once (by the spend) and never linked after.
        response["refresh_token"] = mint(
            "refresh",
            Prefix.REFRESH_TOKEN,
            refresh_scopes or scopes,
            server_settings.refresh_token_ttl_seconds,
            replaces.id if replaces is not None else None,
        )
    # The pair in one statement, then the audit entry: two statements, committed with the request.
    await Tokens(session).add_all(rows)
    await record(
        session,
        "token.refreshed" if replaces is not None else "token.issued",
        now,
        connection_id=connection.id,
        user_id=user_id,
        client_ip=grant.client_ip,
        grant_type=grant_type,
        scopes=scopes,
        family_id=family,
    )
    return response
