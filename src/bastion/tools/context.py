"""Who a tool acts for and what it may use: the authenticated principal and the per-call context.

Both hold plain values copied out of the request's (already committed) transaction, so a tool
never touches a database object that belongs to another session; a tool that needs the store
opens its own short transaction through ``ctx.server.transaction()``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from mcp_types.version import MODERN_PROTOCOL_VERSIONS
from sqlalchemy.ext.asyncio import AsyncSession

from bastion.clock import Clock
from bastion.server_settings import ServerSettings

CredentialKind = Literal["oauth", "api_key"]


@dataclass(frozen=True)
class UserSummary:
    id: int
    login: str
    name: str
    is_admin: bool


@dataclass(frozen=True)
class ConnectionSummary:
    id: int
    name: str
    type: str  # "oauth" | "api_key"
    client_id: str | None  # the OAuth client id; None for an API key
    is_dynamic: bool  # registered itself (RFC 7591) rather than created by a person


@dataclass(frozen=True)
class Principal:
    """The caller of one MCP request: the connection, the user it acts as, and what the credential allows."""

    kind: CredentialKind
    connection: ConnectionSummary
    user: UserSummary
    scopes: tuple[str, ...]
    expires_at: datetime | None  # the access token's expiry; None for an API key (it lives until rotated)
    resource: str  # the resource (RFC 8707 audience) the credential is good for

    @property
    def client_id(self) -> str:
        """The identity the MCP SDK ties sessions to: the OAuth client id, or ``connection:<id>`` for an API key."""
        return self.connection.client_id or f"connection:{self.connection.id}"

    def has_scope(self, scope: str) -> bool:
        return scope in self.scopes


def protocol_era(protocol_version: str) -> str:
    """``modern`` for the stateless revisions (2026-07-28), ``handshake`` for initialize-and-session ones."""
    return "modern" if protocol_version in MODERN_PROTOCOL_VERSIONS else "handshake"


@dataclass(frozen=True)
class ServerPort:
    """The part of the server a tool may use, and nothing else (no secrets, no engine, no templates)."""

    clock: Clock
    resource_url: str  # this server's MCP endpoint, the audience of its tokens (RFC 8707)
    transaction: Callable[[], AbstractAsyncContextManager[AsyncSession]]
    read_settings: Callable[[AsyncSession], Awaitable[ServerSettings]]


@dataclass(frozen=True)
class ToolContext:
    """What a tool handler receives besides its arguments."""

    principal: Principal
    server: ServerPort
    protocol_version: str

    @property
    def protocol_era(self) -> str:
        return protocol_era(self.protocol_version)

    def now(self) -> datetime:
        return self.server.clock()
