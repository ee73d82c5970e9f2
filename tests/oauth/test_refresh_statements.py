"""How many statements a refresh grant sends, pinned by an SQL trace (engine events): one more fails here.

The hot path (store/repositories/tokens.py): client authentication, the runtime settings, the spend as one
``UPDATE … RETURNING``, the new pair in one INSERT, its audit entry; nothing links the old row afterwards.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.token_flows import make_party, refresh, sign_in

MOST_STATEMENTS = 5


@contextmanager
def traced(engine: AsyncEngine) -> Iterator[list[str]]:
    """Every statement sent while the block runs, the transaction's own ``BEGIN`` left out."""
    statements: list[str] = []

    def keep(_conn: Any, _cursor: Any, statement: str, *_rest: Any) -> None:
        if not statement.lstrip().upper().startswith("BEGIN"):
            statements.append(" ".join(statement.split()))

    event.listen(engine.sync_engine, "before_cursor_execute", keep)
    try:
        yield statements
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", keep)


async def test_a_refresh_grant_sends_at_most_five_statements(services, client):
    party = await make_party(services)
    first = await sign_in(services, client, party)

    with traced(services.engine) as statements:
        response = await refresh(client, party, first["refresh_token"])

    assert response.status_code == 200, response.text
    assert len(statements) <= MOST_STATEMENTS, "\n".join(statements)
    on_tokens = [s for s in statements if " tokens " in f" {s} "]
    # The spend is the only statement that touches the old row, and the token is never read first.
    assert [s.split()[0] for s in on_tokens] == ["UPDATE", "INSERT"], "\n".join(on_tokens)
    assert "RETURNING" in on_tokens[0]


async def test_a_grace_retry_reads_the_token_only_after_the_spend_matched_nothing(services, client):
    party = await make_party(services)
    first = await sign_in(services, client, party)
    await refresh(client, party, first["refresh_token"])

    with traced(services.engine) as statements:
        response = await refresh(client, party, first["refresh_token"])

    assert response.status_code == 200, response.text
    verbs = [s.split()[0] for s in statements if " tokens " in f" {s} "]
    # Spend (no match), read the token, find its successor, spend the grace retry, revoke the successor, insert.
    assert verbs == ["UPDATE", "SELECT", "SELECT", "UPDATE", "UPDATE", "INSERT"], "\n".join(statements)
