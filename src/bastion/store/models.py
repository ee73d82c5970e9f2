"""The database schema. Changes go through an Alembic migration in ``store/migrations/versions``."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, DateTime, ForeignKey, Index, Integer, MetaData, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Timestamps are always UTC and always timezone-aware, on SQLite (which drops the zone) too."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the database; use bastion.clock.utcnow()")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class HandedOutSecret:
    """A row found by the SHA-256 digest of a secret handed out once and never stored, valid until ``expires_at``."""

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    login: Mapped[str] = mapped_column(String(255), unique=True)
    name: Mapped[str] = mapped_column(String(255), default="")
    password_hash: Mapped[str | None] = mapped_column(String(255))
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class SetupLink(HandedOutSecret, Base):
    """A one-time link that lets a user set their password (the first administrator's included)."""

    __tablename__ = "setup_links"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class BrowserSession(HandedOutSecret, Base):
    """A signed-in browser (console or the OAuth login page); the cookie holds the secret, we keep its digest."""

    __tablename__ = "browser_sessions"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))


class Connection(Base):
    """Anything allowed to use /mcp: an OAuth client (custom or self-registered) or an API key."""

    __tablename__ = "connections"
    __table_args__ = (
        Index("ix_connections_type_revoked", "type", "revoked_at"),
        # The console's connections list (migration 0002): a user's own list, and the list grouped by type
        # or filtered to dynamic registrations. last_used_at is left unindexed on purpose: every /mcp request
        # updates it, and an indexed column would cost each of those updates an index write (and PostgreSQL
        # its HOT updates).
        Index("ix_connections_user_revoked", "user_id", "revoked_at"),
        Index("ix_connections_type_dynamic_revoked", "type", "is_dynamic", "revoked_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    type: Mapped[str] = mapped_column(String(16))  # "oauth" | "api_key"
    name: Mapped[str] = mapped_column(String(255))
    # The owner (OAuth) or the user an API key acts as; NULL for a self-registered client nobody used yet.
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    # The most a credential of this connection may be granted: "mcp:read" or "mcp:read mcp:write".
    scopes: Mapped[str] = mapped_column(String(255), default="mcp:read mcp:write")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    request_count: Mapped[int] = mapped_column(BigInteger, default=0)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    is_dynamic: Mapped[bool] = mapped_column(Boolean, default=False)
    notes: Mapped[str] = mapped_column(Text, default="")

    # OAuth clients
    client_id: Mapped[str | None] = mapped_column(String(2048), unique=True)
    client_type: Mapped[str | None] = mapped_column(String(16))  # "confidential" | "public"
    client_secret_digest: Mapped[str | None] = mapped_column(String(64))
    redirect_uris: Mapped[list[str]] = mapped_column(JSON, default=list)
    token_endpoint_auth_method: Mapped[str | None] = mapped_column(String(32))
    grant_types: Mapped[list[str]] = mapped_column(JSON, default=list)
    registration_metadata: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    registered_from_ip: Mapped[str | None] = mapped_column(String(64))
    # A client identified by a client ID metadata document (its client_id is the document's URL, migration
    # 0007): when the document was last fetched, and until when that copy is used before fetching it again.
    metadata_fetched_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    metadata_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def uses_metadata_document(self) -> bool:
        return self.metadata_fetched_at is not None

    # API keys
    key_digest: Mapped[str | None] = mapped_column(String(64), unique=True)
    key_prefix: Mapped[str | None] = mapped_column(String(32))


class Consent(Base):
    """A user's remembered "Allow" for one client, so returning tools are not asked again for the same scopes."""

    __tablename__ = "consents"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    connection_id: Mapped[int] = mapped_column(ForeignKey("connections.id", ondelete="CASCADE"), primary_key=True)
    scopes: Mapped[str] = mapped_column(String(255))
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime)


class AuthorizationCode(HandedOutSecret, Base):
    __tablename__ = "authorization_codes"

    connection_id: Mapped[int] = mapped_column(ForeignKey("connections.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    redirect_uri: Mapped[str] = mapped_column(Text)
    code_challenge: Mapped[str] = mapped_column(String(128))
    resource: Mapped[str] = mapped_column(Text)
    scopes: Mapped[str] = mapped_column(String(255))
    consumed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Token(Base):
    """An issued access or refresh token.

    Refresh tokens of one grant share a ``family_id``; rotation marks the old one ``rotated_at`` and
    the new one names it in ``replaces_id`` (migration 0004: the old row is written once, by the spend),
    so reuse can be told apart from the grace-window retry.
    """

    __tablename__ = "tokens"
    __table_args__ = (Index("ix_tokens_connection_revoked", "connection_id", "revoked_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # "access" | "refresh"
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    connection_id: Mapped[int] = mapped_column(ForeignKey("connections.id", ondelete="CASCADE"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    scopes: Mapped[str] = mapped_column(String(255))
    resource: Mapped[str] = mapped_column(Text)
    family_id: Mapped[str] = mapped_column(String(64), index=True)
    code_id: Mapped[int | None] = mapped_column(ForeignKey("authorization_codes.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    rotated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    replaces_id: Mapped[int | None] = mapped_column(Integer, index=True)
    grace_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ServerSetting(Base):
    __tablename__ = "server_settings"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[Any] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ChangeCounter(Base):
    """One row (id 1) whose ``version`` grows by one in the same transaction as every change that may turn a
    request away: settings, connection revocation, rotation and reactivation, user (de)activation, token
    revocation. Every server process compares it with what it holds in memory (``bastion.change_watch``)."""

    __tablename__ = "change_counter"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version: Mapped[int] = mapped_column(BigInteger, default=0)


class AuditEvent(Base):
    """Append-only record of what happened. Event names are ``<thing>.<past tense>`` (see governance/audit.py)."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    event: Mapped[str] = mapped_column(String(64), index=True)
    connection_id: Mapped[int | None] = mapped_column(Integer, index=True)
    user_id: Mapped[int | None] = mapped_column(Integer)
    client_ip: Mapped[str | None] = mapped_column(String(64))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class DataSourceConfig(Base):
    """The one data source of this Bastion (a single row, id 1); absent means the embedded demo.

    Secrets we must read back (a SQL password, the Odoo service account's API key) are sealed with
    AES-GCM under a key derived from ``BASTION_SECRET_KEY`` (``bastion.sealing.seal_secret``); ``url``
    never holds a password.
    """

    __tablename__ = "data_source"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # "demo" | "sql" | "odoo"
    url: Mapped[str] = mapped_column(Text, default="")  # SQLAlchemy URL without password, or Odoo's base URL
    database: Mapped[str] = mapped_column(String(255), default="")  # the Odoo database
    writable: Mapped[bool] = mapped_column(Boolean, default=False)  # SQL: the administrator allowed writes
    # Odoo: "per_user" (each user links their own Odoo account) or "service" (one integration account)
    mode: Mapped[str] = mapped_column(String(16), default="per_user")
    protocol: Mapped[str] = mapped_column(String(16), default="auto")  # Odoo: "auto" | "json-2" | "json-rpc"
    service_login: Mapped[str] = mapped_column(String(255), default="")
    sealed_secret: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class OdooLink(Base):
    """A Bastion user's own Odoo account (per-user mode): every tool call of theirs runs as this Odoo user."""

    __tablename__ = "odoo_links"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    odoo_login: Mapped[str] = mapped_column(String(255))
    odoo_uid: Mapped[int | None] = mapped_column(Integer)
    sealed_api_key: Mapped[str] = mapped_column(Text)
    # "linked" (verified against Odoo) | "rejected" (Odoo refused the key since: revoked or expired)
    state: Mapped[str] = mapped_column(String(16), default="linked")
    last_error: Mapped[str] = mapped_column(Text, default="")
    verified_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ToolSwitch(Base):
    """The catalog's global on/off switch of one tool; a tool without a row is active."""

    __tablename__ = "tool_switches"

    name: Mapped[str] = mapped_column(String(128), primary_key=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class Attempt(Base):
    """One attempt a throttle counts (a sign-in, a registration), reserved before it is checked.

    ``outcome`` is ``pending`` until the attempt is checked against its limit, ``admitted`` once let through,
    then ``failed`` or ``succeeded``; a refused or released attempt is deleted. See ``governance/attempts.py``.
    """

    __tablename__ = "attempts"
    __table_args__ = (
        Index("ix_attempts_kind_login_at", "kind", "login", "at"),
        Index("ix_attempts_kind_client_ip_at", "kind", "client_ip", "at"),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    login: Mapped[str | None] = mapped_column(String(100))  # lower-cased; None for a registration
    client_ip: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    outcome: Mapped[str] = mapped_column(String(16))
