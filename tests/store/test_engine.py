"""The engine of store/db.py: a failing statement's error, as logged, never carries the request's values;
PostgreSQL connections the server closed are replaced without a ping per checkout."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from bastion.config import normalize_database_url
from bastion.store.db import create_engine
from tests.conftest import database_kind


async def test_a_database_error_does_not_print_the_statements_parameters(database_url):
    engine = create_engine(normalize_database_url(database_url))
    try:
        async with engine.connect() as connection:
            with pytest.raises(DBAPIError) as raised:
                await connection.execute(text("SELECT * FROM no_such_table WHERE v = :v"), {"v": "bst_at_secret"})
    finally:
        await engine.dispose()
    assert "no_such_table" in str(raised.value)
    assert "bst_at_secret" not in str(raised.value)
    assert "parameters hidden" in str(raised.value)


async def test_a_postgresql_connection_the_server_closed_does_not_fail_the_next_request(database_url):
    """No ping per checkout: a connection terminated by the server (restart, pg_terminate_backend) is replaced."""
    if database_kind(database_url) != "postgres":
        pytest.skip("the server closing a pooled connection is a PostgreSQL case")
    import asyncpg

    engine = create_engine(normalize_database_url(database_url))
    admin = await asyncpg.connect(database_url)
    try:
        async with engine.connect() as connection:
            first_pid = await connection.scalar(text("SELECT pg_backend_pid()"))
        # Only our own pooled connection: the test server is shared.
        assert await admin.fetchval("SELECT pg_terminate_backend($1)", first_pid) is True
        await asyncio.sleep(0.5)  # the client notices the closed socket between requests, as it would in service

        async with engine.connect() as connection:
            assert await connection.scalar(text("SELECT pg_backend_pid()")) != first_pid
    finally:
        await admin.close()
        await engine.dispose()


async def test_a_postgresql_disconnect_found_by_a_statement_fails_that_request_only(database_url):
    """Terminated while checked out: that statement fails, the pool is invalidated, the next request reconnects."""
    if database_kind(database_url) != "postgres":
        pytest.skip("the server closing a pooled connection is a PostgreSQL case")
    import asyncpg

    engine = create_engine(normalize_database_url(database_url))
    admin = await asyncpg.connect(database_url)
    try:
        with pytest.raises(DBAPIError) as raised:
            async with engine.connect() as connection:
                pid = await connection.scalar(text("SELECT pg_backend_pid()"))
                await admin.fetchval("SELECT pg_terminate_backend($1)", pid)
                await connection.scalar(text("SELECT 1"))
        assert raised.value.connection_invalidated

        async with engine.connect() as connection:
            assert await connection.scalar(text("SELECT 1")) == 1
    finally:
        await admin.close()
        await engine.dispose()


async def test_a_read_transaction_goes_on_while_another_process_holds_sqlites_write_lock(services, database_url):
    if database_kind(database_url) != "sqlite":
        pytest.skip("SQLite's write lock is a SQLite case")
    import sqlite3

    from sqlalchemy import func, select

    from bastion.store.models import User

    other = sqlite3.connect(normalize_database_url(database_url).split(":///", 1)[1], isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")  # as the CLI does while it writes

        async def read() -> int:
            async with services.read_transaction() as session:
                return await session.scalar(select(func.count()).select_from(User)) or 0

        # Waiting for the lock would take the 30 s busy timeout; the read does not wait at all.
        assert await asyncio.wait_for(read(), timeout=10) >= 0
    finally:
        other.execute("ROLLBACK")
        other.close()
