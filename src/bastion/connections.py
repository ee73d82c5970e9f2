"""Connection lifecycle: create, rotate, revoke, reactivate. The CLI and the console call these same functions.

Each function works inside the caller's transaction and returns the one-time secret, if any,
exactly once: only its digest is stored.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from sqlalchemy.ext.asyncio import AsyncSession

from bastion import credentials
from bastion.credentials import Prefix
from bastion.governance.audit import record
from bastion.oauth import scopes as scope_rules
from bastion.oauth.redirect_uris import check_redirect_uris
from bastion.store.models import Connection, User
from bastion.store.repositories import Connections, Consents, Tokens, Users

ClientType = Literal["confidential", "public"]
MAX_NAME_LENGTH = 120


class ConnectionRejected(ValueError):
    """A connection request is unusable; the message says how to fix it."""


class ConnectionNotFound(LookupError):
    pass


@dataclass(frozen=True)
class IssuedCredential:
    """A connection and the secret shown once (client secret or API key; None for a public client)."""

    connection: Connection
    secret: str | None


def check_name(name: str) -> str:
    cleaned = " ".join(name.split())
    if not cleaned:
        raise ConnectionRejected("Give the connection a name, e.g. “Acme Internal CRM”.")
    if len(cleaned) > MAX_NAME_LENGTH:
        raise ConnectionRejected(f"The name may be at most {MAX_NAME_LENGTH} characters long.")
    return cleaned


async def create_oauth_client(
    session: AsyncSession,
    now: datetime,
    *,
    name: str,
    client_type: ClientType,
    redirect_uris: list[str],
    owner: User | None,
    actor_id: int | None = None,
) -> IssuedCredential:
    """A custom OAuth client registered by a person (the seed page's *Custom OAuth* connection)."""
    if client_type not in ("confidential", "public"):
        raise ConnectionRejected("The client type is either confidential (has a client secret) or public (PKCE only).")
    uris = check_redirect_uris(redirect_uris)
    secret = credentials.new_credential(Prefix.CLIENT_SECRET) if client_type == "confidential" else None
    connection = await Connections(session).add(
        Connection(
            type="oauth",
            name=check_name(name),
            user_id=owner.id if owner else None,
            scopes=scope_rules.FULL,
            created_at=now,
            client_id=credentials.new_client_id(),
            client_type=client_type,
            client_secret_digest=credentials.digest(secret) if secret else None,
            redirect_uris=uris,
            token_endpoint_auth_method="client_secret_basic" if secret else "none",
            grant_types=(
                ["authorization_code", "refresh_token", "client_credentials"]
                if secret
                else ["authorization_code", "refresh_token"]
            ),
            registration_metadata={},
        )
    )
    await record(session, "connection.created", now, connection_id=connection.id, user_id=actor_id, kind="oauth")
    return IssuedCredential(connection, secret)


async def create_api_key(
    session: AsyncSession, now: datetime, *, name: str, user: User, read_only: bool, actor_id: int | None = None
) -> IssuedCredential:
    if not user.active:
        raise ConnectionRejected(f"User {user.login!r} is deactivated; an API key cannot act as them.")
    key = credentials.new_credential(Prefix.API_KEY)
    connection = await Connections(session).add(
        Connection(
            type="api_key",
            name=check_name(name),
            user_id=user.id,
            scopes=scope_rules.READ if read_only else scope_rules.FULL,
            created_at=now,
            key_digest=credentials.digest(key),
            key_prefix=credentials.visible_prefix(key),
            redirect_uris=[],
            grant_types=[],
            registration_metadata={},
        )
    )
    await record(session, "connection.created", now, connection_id=connection.id, user_id=actor_id, kind="api_key")
    return IssuedCredential(connection, key)


async def get_connection(session: AsyncSession, connection_id: int) -> Connection:
    connection = await Connections(session).get(connection_id)
    if connection is None:
        raise ConnectionNotFound(f"No connection with id {connection_id}; `bastion connections list` shows them.")
    return connection


async def rotate_credential(
    session: AsyncSession, now: datetime, connection: Connection, *, actor_id: int | None = None
) -> str:
    """Replace the client secret or API key; the old one stops working at once. Returns the new one, once."""
    if connection.type == "api_key":
        key = credentials.new_credential(Prefix.API_KEY)
        connection.key_digest = credentials.digest(key)
        connection.key_prefix = credentials.visible_prefix(key)
        new_secret = key
    elif connection.client_type == "confidential":
        new_secret = credentials.new_credential(Prefix.CLIENT_SECRET)
        connection.client_secret_digest = credentials.digest(new_secret)
    else:
        raise ConnectionRejected(
            "This is a public OAuth client: it has no secret to rotate. Revoke it to end its access instead."
        )
    await session.flush()
    await record(session, "connection.rotated", now, connection_id=connection.id, user_id=actor_id)
    return new_secret


async def revoke_connection(
    session: AsyncSession, now: datetime, connection: Connection, *, actor_id: int | None = None
) -> int:
    """Revoke a connection: every access and refresh token dies now. Returns how many tokens were revoked."""
    if connection.revoked_at is None:
        connection.revoked_at = now
    revoked = await Tokens(session).revoke_for_connection(connection.id, now)
    await Consents(session).forget_connection(connection.id)
    await session.flush()
    await record(session, "connection.revoked", now, connection_id=connection.id, user_id=actor_id, tokens=revoked)
    return revoked


async def reactivate_connection(
    session: AsyncSession, now: datetime, connection: Connection, *, actor_id: int | None = None
) -> None:
    """Allow a revoked connection again. Its old tokens stay dead; it must sign in (or use its key) afresh."""
    connection.revoked_at = None
    await session.flush()
    await record(session, "connection.reactivated", now, connection_id=connection.id, user_id=actor_id)


async def find_user(session: AsyncSession, login: str) -> User:
    user = await Users(session).by_login(login)
    if user is None:
        raise ConnectionRejected(
            f"No user {login!r}; `bastion users list` shows them, `bastion users add` creates one."
        )
    return user
