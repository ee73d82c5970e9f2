"""What every handler needs, built once at start and passed through constructors (no module globals)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from starlette.templating import Jinja2Templates

from bastion.clock import Clock
from bastion.config import Settings
from bastion.server_settings import ServerSettings
from bastion.store.repositories import StoredSettings


@dataclass
class Services:
    settings: Settings
    engine: AsyncEngine
    sessionmaker: async_sessionmaker[AsyncSession]
    clock: Clock
    templates: Jinja2Templates
    # Per-process counters for /metrics; several processes each report their own.
    counters: dict[str, int] = field(default_factory=dict)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """The one transaction of a request: committed when the block ends, rolled back on any error."""
        async with self.sessionmaker() as session, session.begin():
            yield session

    async def server_settings(self, session: AsyncSession) -> ServerSettings:
        return ServerSettings.from_stored(await StoredSettings(session).all())

    def count(self, name: str, by: int = 1) -> None:
        self.counters[name] = self.counters.get(name, 0) + by
