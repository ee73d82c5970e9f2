"""Bearer authentication for /mcp: an OAuth access token or an API key, checked against the store.

``authenticate_bearer`` reads the credential, its connection, its user and the change counter in one
statement (``store/repositories/admission.py``), then applies plain rules to those rows: it returns the
``Authentication`` or raises the refusal whose sentence tells the caller what to do next. Nothing about
a credential is cached: every request reads it afresh, so a revocation committed by any process is
enforced on the next request. The open-stream watcher (``mcp/streams.py``) re-checks credentials
through the same function.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bastion import credentials
from bastion import scopes as scope_rules
from bastion.config import Settings
from bastion.credentials import Prefix, TokenProblem, token_problem
from bastion.http_util import split_authorization
from bastion.mcp.errors import InvalidToken, MissingCredential
from bastion.store.repositories.admission import ConnectionRow, CredentialRecord, CredentialRecords, TokenRow, UserRow
from bastion.tools.context import ConnectionSummary, CredentialKind, Principal, UserSummary


def bearer_token(authorization: str | None) -> str | None:
    """The credential of an ``Authorization: Bearer <token>`` header; None when there is no header at all.

    RFC 7235 §2.1: the scheme name is case-insensitive. Any other scheme, or an empty token,
    is a credential we cannot use, so it is refused as an invalid token rather than ignored.
    """
    parsed = split_authorization(authorization)
    if parsed is None:
        return None
    scheme, token = parsed
    if scheme != "bearer" or not token:
        raise InvalidToken(
            "The Authorization header must be 'Bearer <token>', with an access token from the authorization "
            "server or a Bastion API key (bst_ak_...)."
        )
    return token


@dataclass(frozen=True)
class CredentialKey:
    """How a bearer credential is found again: its kind and its digest (the secret itself need not be kept)."""

    kind: CredentialKind
    digest: str


@dataclass(frozen=True)
class Authentication:
    """An admitted credential: who it acts for, how to find it again, and the change counter read with it."""

    principal: Principal
    credential: CredentialKey
    change_version: int | None


def credential_key(token: str | None) -> CredentialKey:
    """The kind and digest of a bearer credential, or the refusal for no credential or a refresh token."""
    if token is None:
        raise MissingCredential(
            "This MCP server needs a bearer credential: sign in through OAuth (the WWW-Authenticate header "
            "points to the metadata) or send an API key as 'Authorization: Bearer bst_ak_...'."
        )
    if token.startswith(Prefix.API_KEY):
        return CredentialKey("api_key", credentials.digest(token))
    if token.startswith(Prefix.REFRESH_TOKEN):
        raise InvalidToken(
            "This is a refresh token; exchange it at the token endpoint for an access token (bst_at_...) "
            "and send that instead.",
            reason="wrong_token_kind",
        )
    return CredentialKey("oauth", credentials.digest(token))


async def authenticate_bearer(
    session: AsyncSession, now: datetime, token: str | None, settings: Settings
) -> Authentication:
    return await authenticate_credential(session, now, credential_key(token), settings)


async def authenticate_credential(
    session: AsyncSession, now: datetime, key: CredentialKey, settings: Settings
) -> Authentication:
    """One statement (credential ⨝ connection ⨝ user, plus the change counter), then the rules over its rows."""
    records = CredentialRecords(session)
    if key.kind == "api_key":
        record = await records.api_key(key.digest)
        principal = _api_key_principal(record, settings)
    else:
        record = await records.access_token(key.digest)
        principal = _access_token_principal(record, now, settings)
    assert record is not None  # both rules refuse an unknown credential
    return Authentication(principal, key, record.change_version)


def _access_token_principal(record: CredentialRecord | None, now: datetime, settings: Settings) -> Principal:
    stored = record.token if record is not None else None
    if record is None or stored is None or stored.kind != "access":
        raise InvalidToken(
            "The access token is not known to this server. Sign in again to get a new one.", reason="unknown_token"
        )
    ids = {"connection_id": stored.connection_id, "user_id": stored.user_id}
    problem = token_problem(stored, now, settings.resource_url)
    if problem is not None:
        raise InvalidToken(_access_token_problem(problem, stored, settings), reason=problem.value, **ids)
    connection = _usable_connection(record.connection, ids)
    user = _active_user(record.user, ids)
    # The connection's scopes are a ceiling: narrowing them takes effect on tokens already issued.
    granted = scope_rules.intersect(stored.scopes, connection.scopes)
    return _principal("oauth", connection, user, granted, stored.expires_at, stored.resource)


def _access_token_problem(problem: TokenProblem, stored: TokenRow, settings: Settings) -> str:
    if problem is TokenProblem.REVOKED:
        return "The access token has been revoked. Sign in again to get a new one."
    if problem is TokenProblem.EXPIRED:
        return "The access token has expired. Use your refresh token at the token endpoint, or sign in again."
    return (
        f"The access token was issued for another resource ({stored.resource}). Ask the authorization "
        f"server for a token with resource={settings.resource_url}."
    )


def _api_key_principal(record: CredentialRecord | None, settings: Settings) -> Principal:
    if record is None or record.connection is None:
        raise InvalidToken(
            "The API key is not valid: it was mistyped, or it was rotated and replaced by a new one. "
            "Ask your administrator for the current key.",
            reason="unknown_api_key",
        )
    ids = {"connection_id": record.connection.id, "user_id": record.connection.user_id}
    connection = _usable_connection(record.connection, ids)
    user = _active_user(record.user, ids)
    return _principal(
        "api_key",
        connection,
        user,
        scope_rules.normalize(scope_rules.parse_scope(connection.scopes)),
        None,
        settings.resource_url,
    )


def _usable_connection(connection: ConnectionRow | None, ids: dict[str, int | None]) -> ConnectionRow:
    if connection is None or connection.revoked_at is not None:
        raise InvalidToken(
            "The connection this credential belongs to has been revoked. Ask your administrator to reactivate "
            "it, or to create a new connection.",
            reason="connection_revoked",
            **ids,
        )
    return connection


def _active_user(user: UserRow | None, ids: dict[str, int | None]) -> UserRow:
    if user is None or not user.active:
        raise InvalidToken(
            "The user this credential acts for is deactivated or no longer exists. Ask your administrator.",
            reason="user_inactive",
            **ids,
        )
    return user


def _principal(
    kind: CredentialKind,
    connection: ConnectionRow,
    user: UserRow,
    scopes: str,
    expires_at: datetime | None,
    resource: str,
) -> Principal:
    return Principal(
        kind=kind,
        connection=ConnectionSummary(
            id=connection.id,
            name=connection.name,
            type=connection.type,
            client_id=connection.client_id,
            is_dynamic=connection.is_dynamic,
        ),
        user=UserSummary(id=user.id, login=user.login, name=user.name, is_admin=user.is_admin),
        scopes=tuple(scope_rules.parse_scope(scopes)),
        expires_at=expires_at,
        resource=resource,
    )
