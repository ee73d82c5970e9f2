"""What /mcp needs to admit a bearer credential, in one statement: the credential's row joined with its
connection and user, plus the change counter's version (``change_counter.version_subquery``).

Plain frozen rows on SQLAlchemy Core: nothing here is changed through the ORM, and the request path
builds no ORM objects for it. The rules over these rows are ``bastion.mcp.auth``'s.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Row, Select, bindparam, func, select

from bastion.store.models import Connection, Token, User
from bastion.store.repositories.base import Repository
from bastion.store.repositories.change_counter import version_subquery


@dataclass(frozen=True)
class TokenRow:
    id: int
    kind: str
    connection_id: int
    user_id: int | None
    scopes: str
    resource: str
    expires_at: datetime
    revoked_at: datetime | None


@dataclass(frozen=True)
class ConnectionRow:
    id: int
    type: str
    name: str
    user_id: int | None
    scopes: str
    client_id: str | None
    is_dynamic: bool
    revoked_at: datetime | None


@dataclass(frozen=True)
class UserRow:
    id: int
    login: str
    name: str
    is_admin: bool
    active: bool


@dataclass(frozen=True)
class CredentialRecord:
    """A credential found by its digest; ``connection`` and ``user`` are None when the row they name is gone."""

    token: TokenRow | None  # None for an API key
    connection: ConnectionRow | None
    user: UserRow | None
    change_version: int | None  # None only if the counter row is missing (never cached then)


_TOKEN = {field: getattr(Token, field) for field in TokenRow.__dataclass_fields__}
_CONNECTION = {field: getattr(Connection, field) for field in ConnectionRow.__dataclass_fields__}
_USER = {field: getattr(User, field) for field in UserRow.__dataclass_fields__}


def _labelled(prefix: str, columns: dict[str, Any]) -> list[Any]:
    return [column.label(f"{prefix}_{name}") for name, column in columns.items()]


def _access_token_query() -> Select[Any]:
    return (
        select(
            *_labelled("t", _TOKEN),
            *_labelled("c", _CONNECTION),
            *_labelled("u", _USER),
            version_subquery().label("change_version"),
        )
        .select_from(Token)
        .outerjoin(Connection, Connection.id == Token.connection_id)
        # A token names its user; a client-credentials token acts as the connection's owner.
        .outerjoin(User, User.id == func.coalesce(Token.user_id, Connection.user_id))
        .where(Token.digest == bindparam("digest"))
    )


def _api_key_query() -> Select[Any]:
    return (
        select(*_labelled("c", _CONNECTION), *_labelled("u", _USER), version_subquery().label("change_version"))
        .select_from(Connection)
        .outerjoin(User, User.id == Connection.user_id)
        .where(Connection.key_digest == bindparam("digest"), Connection.type == "api_key")
    )


# Built once: SQLAlchemy caches each compiled form, so a request pays for binding one parameter only.
ACCESS_TOKEN_QUERY = _access_token_query()
API_KEY_QUERY = _api_key_query()


def _part(row: Row[Any], prefix: str, cls: type[Any], columns: dict[str, Any]) -> Any:
    mapping = row._mapping
    if mapping[f"{prefix}_id"] is None:
        return None
    return cls(**{name: mapping[f"{prefix}_{name}"] for name in columns})


class CredentialRecords(Repository):
    async def access_token(self, digest: str) -> CredentialRecord | None:
        """The access or refresh token with this digest, its connection and its user; None when unknown."""
        row = (await self.session.execute(ACCESS_TOKEN_QUERY, {"digest": digest})).first()
        if row is None:
            return None
        return CredentialRecord(
            token=_part(row, "t", TokenRow, _TOKEN),
            connection=_part(row, "c", ConnectionRow, _CONNECTION),
            user=_part(row, "u", UserRow, _USER),
            change_version=row.change_version,
        )

    async def api_key(self, digest: str) -> CredentialRecord | None:
        """The API-key connection with this key digest and the user it acts as; None when unknown."""
        row = (await self.session.execute(API_KEY_QUERY, {"digest": digest})).first()
        if row is None:
            return None
        return CredentialRecord(
            token=None,
            connection=_part(row, "c", ConnectionRow, _CONNECTION),
            user=_part(row, "u", UserRow, _USER),
            change_version=row.change_version,
        )
