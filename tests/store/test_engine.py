"""The engine of store/db.py: a failing statement's error, as logged, never carries the request's values."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from bastion.config import normalize_database_url
from bastion.store.db import create_engine


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
