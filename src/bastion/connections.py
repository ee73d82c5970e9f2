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
from bastion import scopes as scope_rules
from bastion.credentials import Prefix
from bastion.governance.audit import record
from bastion.oauth.client_metadata import MAX_NAME_LENGTH
from bastion.oauth.redirect_uris import check_redirect_uris
from bastion.store.models import Connection, User
from bastion.store.repositories import ChangeCounters, Connections, Consents, Tokens, Users

ClientType = Literal["confidential", "public"]
MAX_NOTES_LENGTH = 4000


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


def check_notes(notes: str) -> str:
    cleaned = "\n".join(line.rstrip() for line in notes.strip().splitlines())
    if len(cleaned) > MAX_NOTES_LENGTH:
        raise ConnectionRejected(
            f"Notes may be at most {MAX_NOTES_LENGTH:,} characters long; these have {len(cleaned):,}. Shorten them."
        )
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
    client_id: str | None = None,
    secret_digest: str | None = None,
) -> IssuedCredential:
    """A custom OAuth client registered by a person (the seed page's *Custom OAuth* connection).

    ``client_id`` and ``secret_digest`` save credentials already shown to the person (the console
    wizard shows them before *Save Connection*); then no new secret is made and none is returned.
    """
    if client_type not in ("confidential", "public"):
        raise ConnectionRejected("The client type is either confidential (has a client secret) or public (PKCE only).")
    if secret_digest is not None and client_type != "confidential":
        raise ConnectionRejected("Only a confidential client has a client secret; a public client uses PKCE alone.")
    uris = check_redirect_uris(redirect_uris)
    secret = None
    if client_type == "confidential" and secret_digest is None:
        secret = credentials.new_credential(Prefix.CLIENT_SECRET)
        secret_digest = credentials.digest(secret)
    connection = await Connections(session).add(
        Connection(
            type="oauth",
            name=check_name(name),
            user_id=owner.id if owner else None,
            scopes=scope_rules.FULL,
            created_at=now,
            client_id=client_id or credentials.new_client_id(),
            client_type=client_type,
            client_secret_digest=secret_digest,
            redirect_uris=uris,
            token_endpoint_auth_method="client_secret_basic" if secret_digest else "none",
            grant_types=(
                ["authorization_code", "refresh_token", "client_credentials"]
                if secret_digest
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
    # Streams opened with the old API key end on every server process (mcp/streams.py).
    await ChangeCounters(session).bump()
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
    # Every server process ends this connection's open streams and sessions within a second (mcp/streams.py).
    await ChangeCounters(session).bump()
    await record(session, "connection.revoked", now, connection_id=connection.id, user_id=actor_id, tokens=revoked)
    return revoked


async def reactivate_connection(
    session: AsyncSession, now: datetime, connection: Connection, *, actor_id: int | None = None
) -> None:
    """Allow a revoked connection again. Its old tokens stay dead; it must sign in (or use its key) afresh."""
    connection.revoked_at = None
    await session.flush()
    await ChangeCounters(session).bump()
    await record(session, "connection.reactivated", now, connection_id=connection.id, user_id=actor_id)


async def update_connection(
    session: AsyncSession,
    now: datetime,
    connection: Connection,
    *,
    name: str,
    notes: str,
    redirect_uris: list[str] | None = None,
    actor_id: int | None = None,
) -> list[str]:
    """Change what a person may edit: the name, the notes and (OAuth clients) the redirect URIs.

    Returns the fields that changed; nothing changed, nothing is audited.
    """
    changes: dict[str, object] = {"name": check_name(name), "notes": check_notes(notes)}
    if redirect_uris is not None:
        if connection.type != "oauth":
            raise ConnectionRejected("Only an OAuth client has redirect URIs; an API key has none.")
        if connection.uses_metadata_document and redirect_uris != connection.redirect_uris:
            raise ConnectionRejected(
                "This client's redirect URIs come from its metadata document; they change when the document does."
            )
        changes["redirect_uris"] = check_redirect_uris(redirect_uris)
    changed = [field for field, value in changes.items() if getattr(connection, field) != value]
    if not changed:
        return []
    if "name" in changed and connection.is_dynamic and "client_name" not in (connection.registration_metadata or {}):
        # Keep the name the client registered with: it is part of what the client said about itself.
        connection.registration_metadata = {**(connection.registration_metadata or {}), "client_name": connection.name}
    for field in changed:
        setattr(connection, field, changes[field])
    await session.flush()
    await record(session, "connection.updated", now, connection_id=connection.id, user_id=actor_id, changed=changed)
    return changed


async def find_user(session: AsyncSession, login: str) -> User:
    user = await Users(session).by_login(login)
    if user is None:
        raise ConnectionRejected(
            f"No user {login!r}; `bastion users list` shows them, `bastion users add` creates one."
        )
    return user
