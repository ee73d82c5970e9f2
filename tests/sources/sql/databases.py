"""Throw-away databases for the SQL source's tests: a SQLite file always, PostgreSQL and MariaDB when configured.

``BASTION_TEST_POSTGRES_URL`` / ``BASTION_TEST_MARIADB_URL`` name a server (e.g.
``postgresql://postgres@127.0.0.1:5432/test``, ``mysql://root@127.0.0.1:3306/test``); each run creates
its own database there and drops it at the end, so parallel runs never collide.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa

POSTGRES_ENV = "BASTION_TEST_POSTGRES_URL"
MARIADB_ENV = "BASTION_TEST_MARIADB_URL"
BACKENDS = ("sqlite", "postgresql", "mariadb")


class Unavailable(Exception):
    """The backend is not configured or does not answer: the test is skipped with this reason."""


@contextmanager
def server_database(backend: str, folder: Path) -> Iterator[str]:
    """A fresh, empty database for one test session on ``backend``; yields its plain URL."""
    if backend == "sqlite":
        yield f"sqlite:///{folder / 'source.db'}"
        return
    env = POSTGRES_ENV if backend == "postgresql" else MARIADB_ENV
    admin = os.environ.get(env)
    if not admin:
        raise Unavailable(f"{backend} tests need {env} (e.g. {_example(backend)})")
    url = sa.make_url(admin)
    name = f"bastion_sql_{uuid.uuid4().hex[:12]}"
    try:
        _admin(backend, url, f"CREATE DATABASE {name}")
    except Exception as exc:  # the server is down or refuses us: skip, saying why
        raise Unavailable(f"{backend} at {url.host}:{url.port} did not answer ({type(exc).__name__})") from exc
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        _admin(backend, url, f"DROP DATABASE IF EXISTS {name}" + (" WITH (FORCE)" if backend == "postgresql" else ""))


def _example(backend: str) -> str:
    return (
        "postgresql://postgres@127.0.0.1:5432/test" if backend == "postgresql" else "mysql://root@127.0.0.1:3306/test"
    )


def _admin(backend: str, url: sa.URL, statement: str) -> None:
    if backend == "postgresql":
        import asyncpg  # type: ignore[import-untyped]

        async def run() -> None:
            connection = await asyncpg.connect(
                host=url.host, port=url.port, user=url.username, password=url.password, database=url.database
            )
            try:
                await connection.execute(statement)
            finally:
                await connection.close()

        asyncio.run(run())
        return
    import asyncmy

    async def run_mariadb() -> None:
        connection = await asyncmy.connect(
            host=url.host or "127.0.0.1", port=url.port or 3306, user=url.username or "root",
            password=url.password or "", connect_timeout=5,
        )  # fmt: skip
        try:
            async with connection.cursor() as cursor:
                await cursor.execute(statement)
        finally:
            connection.close()

    asyncio.run(run_mariadb())
