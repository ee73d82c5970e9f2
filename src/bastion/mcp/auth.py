"""Bearer authentication for /mcp: an OAuth access token or an API key, checked against the store.

``authenticate_bearer`` is a rule over the request's session and plain values; it returns the
``Principal`` or raises the refusal whose sentence tells the caller what to do next.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bastion import credentials
from bastion import scopes as scope_rules
from bastion.config import Settings
from bastion.credentials import Prefix, TokenProblem, token_problem
from bastion.http_util import split_authorization
from bastion.mcp.errors import InvalidToken, MissingCredential
from bastion.store.models import Connection, Token, User
from bastion.store.repositories import Connections, Tokens, Users
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


async def authenticate_bearer(session: AsyncSession, now: datetime, token: str | None, settings: Settings) -> Principal:
    if token is None:
        raise MissingCredential(
            "This MCP server needs a bearer credential: sign in through OAuth (the WWW-Authenticate header "
            "points to the metadata) or send an API key as 'Authorization: Bearer bst_ak_...'."
        )
    if token.startswith(Prefix.API_KEY):
        return await _authenticate_api_key(session, token, settings)
    if token.startswith(Prefix.REFRESH_TOKEN):
        raise InvalidToken(
            "This is a refresh token; exchange it at the token endpoint for an access token (bst_at_...) "
            "and send that instead.",
            reason="wrong_token_kind",
        )
    return await _authenticate_access_token(session, now, token, settings)


async def _authenticate_access_token(session: AsyncSession, now: datetime, token: str, settings: Settings) -> Principal:
    stored = await Tokens(session).by_digest(credentials.digest(token))
    if stored is None or stored.kind != "access":
        raise InvalidToken(
            "The access token is not known to this server. Sign in again to get a new one.", reason="unknown_token"
        )
    ids = {"connection_id": stored.connection_id, "user_id": stored.user_id}
    problem = token_problem(stored, now, settings.resource_url)
    if problem is not None:
        raise InvalidToken(_access_token_problem(problem, stored, settings), reason=problem.value, **ids)
    connection = await _usable_connection(session, stored.connection_id, ids)
    user = await _active_user(session, stored.user_id or connection.user_id, ids)
    # The connection's scopes are a ceiling: narrowing them takes effect on tokens already issued.
    granted = scope_rules.intersect(stored.scopes, connection.scopes)
    return _principal("oauth", connection, user, granted, stored.expires_at, stored.resource)


def _access_token_problem(problem: TokenProblem, stored: Token, settings: Settings) -> str:
    if problem is TokenProblem.REVOKED:
        return "The access token has been revoked. Sign in again to get a new one."
    if problem is TokenProblem.EXPIRED:
        return "The access token has expired. Use your refresh token at the token endpoint, or sign in again."
    return (
        f"The access token was issued for another resource ({stored.resource}). Ask the authorization "
        f"server for a token with resource={settings.resource_url}."
    )


async def _authenticate_api_key(session: AsyncSession, key: str, settings: Settings) -> Principal:
    connection = await Connections(session).by_key_digest(credentials.digest(key))
    if connection is None or connection.type != "api_key":
        raise InvalidToken(
            "The API key is not valid: it was mistyped, or it was rotated and replaced by a new one. "
            "Ask your administrator for the current key.",
            reason="unknown_api_key",
        )
    ids = {"connection_id": connection.id, "user_id": connection.user_id}
    await _usable_connection(session, connection.id, ids, known=connection)
    user = await _active_user(session, connection.user_id, ids)
    return _principal(
        "api_key",
        connection,
        user,
        scope_rules.normalize(scope_rules.parse_scope(connection.scopes)),
        None,
        settings.resource_url,
    )


async def _usable_connection(
    session: AsyncSession, connection_id: int, ids: dict[str, int | None], known: Connection | None = None
) -> Connection:
    connection = known or await Connections(session).get(connection_id)
    if connection is None or connection.revoked_at is not None:
        raise InvalidToken(
            "The connection this credential belongs to has been revoked. Ask your administrator to reactivate "
            "it, or to create a new connection.",
            reason="connection_revoked",
            **ids,
        )
    return connection


async def _active_user(session: AsyncSession, user_id: int | None, ids: dict[str, int | None]) -> User:
    user = await Users(session).get(user_id) if user_id is not None else None
    if user is None or not user.active:
        raise InvalidToken(
            "The user this credential acts for is deactivated or no longer exists. Ask your administrator.",
            reason="user_inactive",
            **ids,
        )
    return user


def _principal(
    kind: CredentialKind,
    connection: Connection,
    user: User,
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
