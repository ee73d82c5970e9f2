"""What every handler needs, built once at start and passed through constructors (no module globals)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

import jinja2
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from starlette.templating import Jinja2Templates

from bastion.clock import Clock, utcnow
from bastion.config import Settings
from bastion.governance.batch_writer import BatchWriter
from bastion.oauth.metadata_fetch import MetadataFetcher
from bastion.server_settings import ServerSettings
from bastion.settings_cache import SettingsCache
from bastion.sources.runtime import SourceRuntime
from bastion.store.db import create_engine, create_sessionmaker, reading_sessionmaker

CONSOLE_DIR = Path(__file__).parent / "console"


@dataclass
class Services:
    settings: Settings
    engine: AsyncEngine
    sessionmaker: async_sessionmaker[AsyncSession]
    clock: Clock
    templates: Jinja2Templates
    # Per-process counters for /metrics; several processes each report their own.
    counters: dict[str, int] = field(default_factory=dict)
    # Runtime settings held in memory, re-read when the change counter moved (settings_cache.py).
    settings_cache: SettingsCache = field(default_factory=SettingsCache)
    # The data source the tools use, rebuilt when its stored configuration changes (sources/runtime.py).
    sources: SourceRuntime = field(init=False)
    # The per-request audit entries and connection uses, written in batches while the app runs (app.py lifespan).
    batch_writer: BatchWriter = field(init=False)
    # Fetches client ID metadata documents (oauth/metadata_fetch.py); tests give it their resolver and CA.
    metadata_fetcher: MetadataFetcher = field(init=False)
    _reading: async_sessionmaker[AsyncSession] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._reading = reading_sessionmaker(self.engine)
        self.sources = SourceRuntime(self.settings, self.transaction, self.clock)
        self.batch_writer = BatchWriter(self.transaction)
        self.metadata_fetcher = MetadataFetcher(self.settings.client_metadata_ca_file)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """The one transaction of a request: committed when the block ends, rolled back on any error."""
        async with self.sessionmaker() as session, session.begin():
            yield session

    @asynccontextmanager
    async def read_transaction(self) -> AsyncIterator[AsyncSession]:
        """A transaction that only reads (the hot path's admission, tool availability): on SQLite it does not
        wait for the process's one writer, nor for another process's write (store/db.py)."""
        async with self._reading() as session, session.begin():
            yield session

    async def server_settings(self, session: AsyncSession) -> ServerSettings:
        """The runtime settings in force: one single-row read of the change counter, the settings from memory."""
        return await self.settings_cache.current(session)

    def count(self, name: str, by: int = 1) -> None:
        self.counters[name] = self.counters.get(name, 0) + by

    async def aclose(self) -> None:
        """Write what the batch writer holds, close the data source's connections, then the store's."""
        await self.batch_writer.stop()
        await self.sources.aclose()
        await self.engine.dispose()


def template_environment() -> jinja2.Environment:
    # Every page escapes by default: client names and other stored strings are attacker-controlled.
    loader = jinja2.FileSystemLoader(str(CONSOLE_DIR / "templates"))
    return jinja2.Environment(loader=loader, autoescape=True)


def build_services(settings: Settings, clock: Clock = utcnow) -> Services:
    engine = create_engine(settings.database_url)
    return Services(
        settings=settings,
        engine=engine,
        sessionmaker=create_sessionmaker(engine),
        clock=clock,
        templates=Jinja2Templates(env=template_environment()),
    )
