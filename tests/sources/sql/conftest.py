"""The SQL source on every configured backend: SQLite always, PostgreSQL and MariaDB when their URLs are set."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator

import pytest

from bastion.sources.port import Identity
from bastion.sources.sql import SqlSource
from tests.sources.sql import sample
from tests.sources.sql.databases import BACKENDS, Unavailable, server_database

ALICE = Identity(bastion_user_id=1, login="alice")


@pytest.fixture(scope="session", params=BACKENDS)
def sample_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """One database per backend for the whole run, holding the sample company (tests that write restore it)."""
    try:
        context = server_database(request.param, tmp_path_factory.mktemp(request.param))
        url = context.__enter__()
    except Unavailable as exc:
        pytest.skip(str(exc))
    try:
        asyncio.run(sample.load(url))
        yield url
    finally:
        context.__exit__(None, None, None)


@pytest.fixture
async def source(sample_url: str) -> AsyncIterator[SqlSource]:
    opened = SqlSource(sample_url)
    yield opened
    await opened.aclose()


@pytest.fixture
async def writable(sample_url: str) -> AsyncIterator[SqlSource]:
    opened = SqlSource(sample_url, writable=True)
    yield opened
    await opened.aclose()
    await sample.load(sample_url)
