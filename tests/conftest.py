"""Shared fixtures: a real database (SQLite always, PostgreSQL when BASTION_TEST_POSTGRES_URL is set),
a Bastion app on a frozen clock, and an in-process HTTP client (httpx2 over ASGI, no network).
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx2
import pytest

from bastion.clock import FrozenClock
from bastion.config import Settings, normalize_database_url
from bastion.services import Services, build_services
from bastion.store.db import upgrade_database
from bastion.store.models import Base

PUBLIC_URL = "http://testserver"
POSTGRES_URL = os.environ.get("BASTION_TEST_POSTGRES_URL")
REDIS_URL = os.environ.get("BASTION_TEST_REDIS_URL")


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[str | None]:
    """A fresh PostgreSQL database for this test run, dropped at the end; None when no server is configured."""
    if not POSTGRES_URL:
        yield None
        return
    import asyncio

    import asyncpg

    base = POSTGRES_URL.replace("postgresql+asyncpg://", "postgresql://")
    name = f"bastion_test_{uuid.uuid4().hex[:10]}"

    async def admin(sql: str) -> None:
        conn = await asyncpg.connect(base)
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    asyncio.run(admin(f'CREATE DATABASE "{name}"'))
    prefix, _, _ = base.rpartition("/")
    try:
        yield f"{prefix}/{name}"
    finally:
        asyncio.run(admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path, postgres_database: str | None) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'bastion.db'}"
        return
    if postgres_database is None:
        pytest.skip("PostgreSQL tests need BASTION_TEST_POSTGRES_URL (e.g. postgresql://postgres@127.0.0.1:5432/test)")
    yield postgres_database
    # Leave the next test an empty database: drop every table, Alembic's included, so it migrates afresh.
    import asyncio

    import asyncpg

    async def reset() -> None:
        conn = await asyncpg.connect(postgres_database)
        try:
            tables = [t.name for t in reversed(Base.metadata.sorted_tables)]
            await conn.execute(
                "DROP TABLE IF EXISTS " + ", ".join(f'"{t}"' for t in [*tables, "alembic_version"]) + " CASCADE"
            )
        finally:
            await conn.close()

    asyncio.run(reset())


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock()


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return Settings.from_env(
        {
            "BASTION_HOME": str(tmp_path / "home"),
            "BASTION_DATABASE_URL": database_url,
            "BASTION_PUBLIC_URL": PUBLIC_URL,
            "BASTION_SECRET_KEY": "test-secret-key-" + "x" * 32,
        }
    )


@pytest.fixture
async def services(settings: Settings, clock: FrozenClock) -> AsyncIterator[Services]:
    """Services on a migrated database, usable without HTTP (rules and repositories)."""
    built = build_services(settings, clock)
    await upgrade_database(built.engine)
    yield built
    await built.engine.dispose()


@pytest.fixture
async def app(settings: Settings, services: Services) -> AsyncIterator:
    from bastion.app import create_app  # imported here so rule tests run without the HTTP layer

    application = create_app(settings, services=services)
    # The lifespan (the MCP session manager's anyio task group) must be entered and exited in one task;
    # pytest-asyncio runs a fixture's setup and teardown in different tasks, so it gets a task of its own.
    started, stopping = asyncio.Event(), asyncio.Event()

    async def run_lifespan() -> None:
        async with application.router.lifespan_context(application):
            started.set()
            await stopping.wait()

    lifespan = asyncio.create_task(run_lifespan())
    is_started = asyncio.ensure_future(started.wait())
    await asyncio.wait({lifespan, is_started}, return_when=asyncio.FIRST_COMPLETED)
    if not is_started.done():
        is_started.cancel()
        lifespan.result()  # start-up failed: raise its error here
    yield application
    stopping.set()
    await lifespan


@pytest.fixture
async def client(app) -> AsyncIterator[httpx2.AsyncClient]:
    transport = httpx2.ASGITransport(app=app)
    async with httpx2.AsyncClient(transport=transport, base_url=PUBLIC_URL) as http:
        yield http


def database_kind(url: str) -> str:
    return "postgres" if normalize_database_url(url).startswith("postgresql") else "sqlite"
