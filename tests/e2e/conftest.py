"""End-to-end fixtures: a real ``bastion serve`` per test (SQLite, and PostgreSQL when configured),
its CLI, a user made with ``bastion users add``, and a scripted browser that signs in as that user.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from tests.e2e.browser import Account, ScriptedBrowser
from tests.e2e.server import (
    BastionProcess,
    create_postgres_database,
    drop_postgres_database,
    running_bastion,
)

PASSWORD = "correct horse battery staple"


@pytest.fixture(params=["sqlite", "postgres"])
def e2e_database_url(request: pytest.FixtureRequest, tmp_path: Path, postgres_database: str | None) -> Iterator[str]:
    """A fresh, empty database for one server: a SQLite file, or a new PostgreSQL database dropped afterwards."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'bastion.db'}"
        return
    if postgres_database is None:
        pytest.skip("PostgreSQL tests need BASTION_TEST_POSTGRES_URL (e.g. postgresql://postgres@127.0.0.1:5432/test)")
    # The server process keeps its own pool open, so each test gets a database of its own.
    database_url = create_postgres_database(postgres_database)
    try:
        yield database_url
    finally:
        drop_postgres_database(postgres_database, database_url)


@pytest.fixture
def bastion(tmp_path: Path, e2e_database_url: str) -> Iterator[BastionProcess]:
    with running_bastion(tmp_path / "home", e2e_database_url) as server:
        yield server


@pytest.fixture
def alice(bastion: BastionProcess) -> Account:
    bastion.cli("users", "add", "alice", "--admin", "--password-stdin", stdin=PASSWORD + "\n")
    return Account("alice", PASSWORD)


@pytest.fixture
async def browser(bastion: BastionProcess, alice: Account) -> AsyncIterator[ScriptedBrowser]:
    scripted = ScriptedBrowser(bastion.base_url, bastion.issuer, login=alice.login, password=alice.password)
    try:
        yield scripted
    finally:
        await scripted.aclose()
