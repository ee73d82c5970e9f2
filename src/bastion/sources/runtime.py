"""``SourceRuntime``: the data source this process serves, built from the stored configuration and kept current.

Built once per process (held on ``Services``) and closed in the app's lifespan. Every data tool call
reads the configuration row by its primary key (and, in Odoo per-user mode, the caller's link, in the
same short read transaction), so a change committed by any process (``bastion source set-...``, another
server) is used by the next call that starts after it; the source itself (its connection pool, its
reflected schema, its cached model descriptions) is rebuilt only when that row changed. A replaced
source is closed a grace period later, so calls still running on it finish.

Identities: on the demo and SQL sources a call acts as the Bastion user (every caller sees the same
schema, ``cache_key`` ``"sql"``); on Odoo as the service account in service mode, or as the user's own
linked Odoo account in per-user mode. When Odoo refuses a linked key, the link is marked rejected in
its own short transaction (``odoo.link_rejected``) and the caller is told to link it again.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import logging
import os
import time
import uuid
from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Protocol

import httpx2
from sqlalchemy.ext.asyncio import AsyncSession

from bastion.clock import Clock
from bastion.config import Settings
from bastion.governance.audit import record
from bastion.sealing import SealBroken, open_secret
from bastion.sources.configuration import (
    DEMO,
    ODOO,
    SERVICE,
    SourceConfigError,
    odoo_link_purpose,
    odoo_service_key,
    sql_connection_url,
)
from bastion.sources.demo import build_demo_database
from bastion.sources.errors import CredentialRejected, NotLinked, SourceError, SourceUnavailable
from bastion.sources.odoo import OdooClient, OdooSource
from bastion.sources.port import Capability, DataSource, Identity, SourceStatus
from bastion.sources.sql import SqlSource
from bastion.store.models import DataSourceConfig, OdooLink
from bastion.store.repositories import DataSources, OdooLinks
from bastion.store.repositories.data_sources import REJECTED

log = logging.getLogger(__name__)

DEMO_FILE = "demo.db"
SQL_CACHE_KEY = "sql"  # every SQL caller sees the same schema
# A replaced source stays open this long for the calls still running on it (Odoo's read timeout is 30 s).
RETIRE_GRACE_SECONDS = 120.0
LINK_PAGE = "/console/account/odoo"
Transaction = Callable[[], AbstractAsyncContextManager[AsyncSession]]


class UserRef(Protocol):
    @property
    def id(self) -> int: ...

    @property
    def login(self) -> str: ...


@dataclass(frozen=True)
class BoundSource:
    """The source and the identity one call acts as."""

    source: DataSource
    identity: Identity


def _fingerprint(row: DataSourceConfig | None) -> tuple[Any, ...]:
    if row is None:
        return (DEMO,)
    return (row.kind, row.url, row.database, row.writable, row.mode, row.protocol, row.service_login,
            row.sealed_secret, row.updated_at)  # fmt: skip


def ensure_demo_database(path: Path, anchor: date) -> None:
    """Build the demo file once; two processes starting together both build, and the first one's file wins."""
    if path.exists():
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    mine = path.with_name(f"{path.stem}.{uuid.uuid4().hex}{path.suffix}")
    try:
        build_demo_database(mine, anchor)
        # Creates ``path`` only if absent: never replaces a file another process has open.
        with contextlib.suppress(FileExistsError):
            os.link(mine, path)
    finally:
        mine.unlink(missing_ok=True)


class SourceRuntime:
    def __init__(
        self,
        settings: Settings,
        transaction: Transaction,
        clock: Clock,
        *,
        odoo_transport: httpx2.AsyncBaseTransport | None = None,
    ) -> None:
        self.settings = settings
        self._transaction = transaction
        self._clock = clock
        self._odoo_transport = odoo_transport
        self._built: tuple[tuple[Any, ...], DataSource] | None = None
        self._retired: list[tuple[float, DataSource]] = []
        self._building = asyncio.Lock()

    # ---- the source --------------------------------------------------------------------------

    async def source(self) -> DataSource:
        async with self._transaction() as session:
            row = await DataSources(session).current()
        return await self._source_for(row)

    async def source_in(self, session: AsyncSession) -> DataSource:
        """The source for the configuration as ``session`` sees it (a caller already in a transaction)."""
        return await self._source_for(await DataSources(session).current())

    async def capabilities(self) -> frozenset[Capability]:
        """What the current source can do; none when it cannot be built (its tool calls then say why)."""
        async with self._transaction() as session:
            return await self.capabilities_in(session)

    async def capabilities_in(self, session: AsyncSession) -> frozenset[Capability]:
        """``capabilities`` for a caller already in a transaction."""
        try:
            return (await self.source_in(session)).capabilities
        except SourceError as error:
            log.warning("the data source cannot be used: %s", error)
            return frozenset()

    async def identity_for(self, user: UserRef) -> Identity:
        async with self._transaction() as session:
            return (await self.bind(session, user)).identity

    async def bind(self, session: AsyncSession, user: UserRef) -> BoundSource:
        """The source and ``user``'s identity on it, read in ``session``: the row, plus the link in per-user mode."""
        row = await DataSources(session).current()
        source = await self._source_for(row)
        if row is None or row.kind != ODOO:
            return BoundSource(source, Identity(bastion_user_id=user.id, login=user.login, cache_key=SQL_CACHE_KEY))
        if row.mode == SERVICE:
            identity = Identity(
                bastion_user_id=user.id,
                login=row.service_login,
                secret=self._open(lambda: odoo_service_key(self.settings, row)),
                cache_key=f"odoo-service:{row.service_login}",
            )
            return BoundSource(source, identity)
        link = await OdooLinks(session).get(user.id)
        identity = self._linked_identity(user, link)
        assert link is not None  # _linked_identity refused a missing link
        return BoundSource(_WatchedSource(source, self._on_rejected(user, link.sealed_api_key)), identity)

    async def test(self, user: UserRef) -> SourceStatus:
        """*Test connection*: which server answered, over what, as whom (the identity ``user``'s calls use)."""
        async with self._transaction() as session:
            bound = await self.bind(session, user)
        return await bound.source.test(bound.identity)

    async def aclose(self) -> None:
        built, self._built = self._built, None
        retired, self._retired = self._retired, []
        for source in [*(source for _, source in retired), *([built[1]] if built else [])]:
            await source.aclose()

    # ---- building ----------------------------------------------------------------------------

    async def _source_for(self, row: DataSourceConfig | None) -> DataSource:
        fingerprint = _fingerprint(row)
        built = self._built
        if built is not None and built[0] == fingerprint:
            return built[1]
        async with self._building:
            if self._built is not None and self._built[0] == fingerprint:
                return self._built[1]
            source = await self._build(row)
            if self._built is not None:
                self._retired.append((time.monotonic(), self._built[1]))
            self._built = (fingerprint, source)
        await self._close_retired()
        return source

    async def _build(self, row: DataSourceConfig | None) -> DataSource:
        if row is None or row.kind == DEMO:
            path = self.settings.home / DEMO_FILE
            await asyncio.to_thread(ensure_demo_database, path, self._clock().date())
            return SqlSource(f"sqlite:///{path}")
        if row.kind == ODOO:
            protocol = None if row.protocol == "auto" else row.protocol
            client = OdooClient(row.url, row.database, protocol=protocol, transport=self._odoo_transport)
            return OdooSource(client)
        return SqlSource(self._open(lambda: sql_connection_url(self.settings, row)), writable=row.writable)

    async def _close_retired(self) -> None:
        cutoff = time.monotonic() - RETIRE_GRACE_SECONDS
        due = [source for retired_at, source in self._retired if retired_at <= cutoff]
        self._retired = [(at, source) for at, source in self._retired if at > cutoff]
        for source in due:
            await source.aclose()

    def _open(self, opener: Callable[[], str]) -> str:
        try:
            return opener()
        except (SealBroken, SourceConfigError):
            raise SourceUnavailable(
                "The data source's stored secret cannot be opened (BASTION_SECRET_KEY changed since it was set); "
                "an administrator must set the source again (bastion source set-sql / set-odoo)."
            ) from None

    # ---- per-user Odoo links -----------------------------------------------------------------

    def link_hint(self, login: str) -> str:
        return (
            f"in the console at {self.settings.public_url}{LINK_PAGE}, or ask an administrator to run "
            f"`bastion users link-odoo {login} --odoo-login YOUR_ODOO_LOGIN --api-key-stdin`"
        )

    def _linked_identity(self, user: UserRef, link: OdooLink | None) -> Identity:
        if link is None:
            raise NotLinked(
                f"Your Bastion user {user.login!r} has no linked Odoo account, and every call runs as your own Odoo "
                f"user: link it with your Odoo login and an Odoo API key {self.link_hint(user.login)}."
            )
        if link.state == REJECTED:
            raise CredentialRejected(
                f"Odoo refused the API key linked for {link.odoo_login!r} (revoked or expired): create a new API key "
                f"in Odoo (Preferences ▸ Account Security) and link it again {self.link_hint(user.login)}."
            )
        try:
            secret = open_secret(self.settings, odoo_link_purpose(user.id), link.sealed_api_key)
        except SealBroken:
            raise NotLinked(
                f"The Odoo API key linked for {link.odoo_login!r} can no longer be read (the server's secret key "
                f"changed): link your Odoo account again {self.link_hint(user.login)}."
            ) from None
        return Identity(
            bastion_user_id=user.id, login=link.odoo_login, secret=secret, cache_key=f"odoo:{link.odoo_login}"
        )

    def _on_rejected(self, user: UserRef, sealed_api_key: str) -> Callable[[CredentialRejected], Awaitable[str]]:
        async def mark(error: CredentialRejected) -> str:
            now = self._clock()
            async with self._transaction() as session:
                if await OdooLinks(session).mark_rejected(user.id, sealed_api_key, str(error), now):
                    await record(session, "odoo.link_rejected", now, user_id=user.id, reason=str(error)[:500])
            return f"{error} Link it again {self.link_hint(user.login)}."

        return mark


class _WatchedSource:
    """A source whose calls report a refused credential (``CredentialRejected``) before it reaches the caller.

    Delegates everything else; ``isinstance(..., BusinessSource)`` still answers for the source inside.
    """

    def __init__(self, inner: DataSource, on_rejected: Callable[[CredentialRejected], Awaitable[str]]) -> None:
        self._inner = inner
        self._on_rejected = on_rejected
        self.kind = inner.kind

    @property
    def capabilities(self) -> frozenset[Capability]:
        return self._inner.capabilities

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._inner, name)
        if not inspect.iscoroutinefunction(attribute):
            return attribute

        async def call(*args: Any, **kwargs: Any) -> Any:
            try:
                return await attribute(*args, **kwargs)
            except CredentialRejected as error:
                raise CredentialRejected(await self._on_rejected(error)) from error

        return call
