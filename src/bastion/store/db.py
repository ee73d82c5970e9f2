"""The database engine, one code path for SQLite (WAL) and PostgreSQL, upgraded by Alembic on start.

SQLite runs its statements inline on the event loop (store/sqlite_inline.py: no thread hop), one write
transaction at a time: every transaction starts with ``BEGIN IMMEDIATE``, so the reads of a request are in
its transaction and two writers never meet in SQLite's busy handler. PostgreSQL pings nothing on checkout:
connections are recycled after ``POSTGRES_RECYCLE_SECONDS``, one the server closed (restart,
``pg_terminate_backend``) is replaced when it is next checked out, and any other disconnect found by a
failing statement invalidates the pool so the next request reconnects.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import event, exc
from sqlalchemy.engine import Connection as SyncConnection
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from bastion.store import sqlite_inline

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
READ_ONLY_OPTION = "bastion_read_only"  # an execution option: this transaction only reads
# Longer than any transaction, shorter than the idle timeouts of the usual proxies and firewalls.
POSTGRES_RECYCLE_SECONDS = 1800


def create_engine(database_url: str) -> AsyncEngine:
    # A failing statement's error is logged with its traceback: its parameters are request values (secrets,
    # logins), so they stay out of the message.
    if database_url.startswith("sqlite"):
        return _sqlite_engine(database_url)
    engine = create_async_engine(
        database_url, pool_size=10, max_overflow=20, pool_recycle=POSTGRES_RECYCLE_SECONDS, hide_parameters=True
    )
    event.listen(engine.sync_engine, "checkout", _replace_closed_connection)
    return engine


def _sqlite_engine(database_url: str) -> AsyncEngine:
    path = make_url(database_url).database or ":memory:"
    gate = sqlite_inline.WriterGate()

    async def connect() -> sqlite_inline.InlineConnection:
        return sqlite_inline.connect(path, gate)

    engine = create_async_engine(database_url, async_creator=connect, hide_parameters=True)
    # SQLAlchemy's documented recipe: the driver emits no BEGIN of its own (isolation_level=None), we emit ours
    # when SQLAlchemy begins, so the transaction covers its reads too.
    event.listen(engine.sync_engine, "begin", _begin_immediate)
    return engine


def _begin_immediate(connection: SyncConnection) -> None:
    # A read-only transaction (``reading_sessionmaker``) begins deferred: it takes neither this process's writer
    # gate nor SQLite's write lock, so it goes on while another transaction or process writes (WAL).
    read_only = connection.get_execution_options().get(READ_ONLY_OPTION, False)
    connection.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")


def _replace_closed_connection(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
    # No round trip: asyncpg already knows when the server closed the socket. DisconnectionError makes the
    # pool discard this connection and check out a fresh one (SQLAlchemy's "disconnect handling" recipe).
    if dbapi_connection.driver_connection.is_closed():
        raise exc.DisconnectionError("the server closed this pooled connection")


def create_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


def reading_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions for transactions that only read (on SQLite a deferred ``BEGIN``; on PostgreSQL the same as any)."""
    return async_sessionmaker(engine.execution_options(**{READ_ONLY_OPTION: True}), expire_on_commit=False)


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


async def upgrade_database(engine: AsyncEngine, revision: str = "head") -> None:
    def _upgrade(connection: SyncConnection) -> None:
        config = alembic_config()
        config.attributes["connection"] = connection
        command.upgrade(config, revision)

    async with engine.begin() as connection:
        await connection.run_sync(_upgrade)


async def current_revision(engine: AsyncEngine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    def _current(connection: SyncConnection) -> str | None:
        return MigrationContext.configure(connection).get_current_revision()

    async with engine.connect() as connection:
        return await connection.run_sync(_current)
