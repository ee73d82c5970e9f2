"""(d) The console's connections list with 100,000 connections: one page per request, as an administrator sees it.

The connections are inserted straight into the server's database in bulk (the CLI would take hours),
spread over 200 users, both types (a third of the OAuth clients self-registered) and every status:
15 % revoked, 20 % never used (Awaiting connection), 40 % used in the last day (Connected), 25 % unused
for 8 to 90 days (Idle). On PostgreSQL the table is then vacuumed and analysed, as autovacuum would
do by itself a moment later; SQLite is left as a fresh install has it (no ANALYZE).

Each row is one kind of page (default view, a filter, a grouping, a search, a deep page), requested
over and over by ``--concurrency`` clients signed in through the real sign-in page (default 1: the
figure is the latency of one page, not throughput).
"""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx2
from sqlalchemy import insert, select, text
from tests.e2e.server import BastionProcess

from bastion.config import normalize_database_url
from bastion.store.db import create_engine
from bastion.store.models import Connection, User
from bench.common import (
    PASSWORD,
    Measurement,
    Step,
    bench_server,
    run_benchmark,
    run_bounded,
)

CONNECTIONS = 100_000
USERS = 200
BATCH = 5_000
TOOL_NAMES = ["Cursor", "Claude Code", "claude.ai", "ChatGPT", "n8n flow", "Slack bot", "Power Automate", "Gemini CLI"]

# (name, query string): the pages an administrator opens most, and the expensive corners.
PAGES = [
    ("default (Active), page 1", ""),
    ("default, page 2", "page=2"),
    ("default, last page", "page=100000"),
    ("status Idle", "status=idle"),
    ("status Connected, API keys", "status=connected&type=api_key"),
    ("dynamic registrations", "dynamic=1"),
    ("all, grouped by type", "status=all&group=type"),
    ("all, grouped by user", "status=all&group=user"),
    ("grouped by user, page 600", "status=all&group=user&page=600"),
    ("search 'slack bot 12'", "q=slack+bot+12"),
    ("search, no match", "q=no+such+connection"),
    ("all, last page", "status=all&page=100000"),
]


def connection_rows(user_ids: list[int], now: datetime) -> list[dict[str, Any]]:
    """Deterministic rows: every 20 connections cover each type and status in the proportions above."""
    rows = []
    for number in range(CONNECTIONS):
        slot = number % 20
        is_key = number % 5 >= 3  # 40 % API keys
        last_used = None
        revoked = None
        if slot < 3:
            revoked = now - timedelta(days=1 + number % 30)
            last_used = now - timedelta(days=2 + number % 30)
        elif slot < 7:
            last_used = None  # never used: Awaiting connection
        elif slot < 15:
            last_used = now - timedelta(minutes=1 + number % 1400)
        else:
            last_used = now - timedelta(days=8 + number % 82)
        dynamic = not is_key and number % 3 == 0
        digest = hashlib.sha256(f"bench-{number}".encode()).hexdigest()
        rows.append(
            {
                "type": "api_key" if is_key else "oauth",
                "name": f"{TOOL_NAMES[number % len(TOOL_NAMES)]} {number}",
                "user_id": None if dynamic and last_used is None else user_ids[(number // 7) % len(user_ids)],
                "scopes": "mcp:read mcp:write",
                "created_at": now - timedelta(days=120) + timedelta(seconds=number * 60),
                "last_used_at": last_used,
                "request_count": 0 if last_used is None else number % 5000,
                "revoked_at": revoked,
                "is_dynamic": dynamic,
                "notes": "",
                "client_id": None if is_key else f"bst_ci_bench{number}",
                "client_type": None if is_key else ("public" if dynamic else "confidential"),
                "client_secret_digest": None if is_key or dynamic else digest,
                "redirect_uris": [] if is_key else ["https://app.example.com/callback"],
                "token_endpoint_auth_method": None if is_key else ("none" if dynamic else "client_secret_basic"),
                "grant_types": [] if is_key else ["authorization_code", "refresh_token"],
                "registration_metadata": {"application_type": "web"} if dynamic else {},
                "registered_from_ip": "192.0.2.10" if dynamic else None,
                "key_digest": digest if is_key else None,
                "key_prefix": f"bst_ak_{digest[:6]}" if is_key else None,
            }
        )
    return rows


async def fill_database(server: BastionProcess, backend: str) -> None:
    now = datetime.now(UTC)
    engine = create_engine(normalize_database_url(server.env["BASTION_DATABASE_URL"]))
    try:
        async with engine.begin() as connection:
            await connection.execute(
                insert(User),
                [
                    {"login": f"user{n:03d}", "name": f"User {n}", "password_hash": None, "is_admin": False,
                     "active": True, "created_at": now}
                    for n in range(USERS)
                ],
            )  # fmt: skip
            user_ids = list((await connection.execute(select(User.id).where(User.login.like("user%")))).scalars())
            rows = connection_rows(user_ids, now)
            for start in range(0, len(rows), BATCH):
                await connection.execute(insert(Connection), rows[start : start + BATCH])
        if backend == "postgres":
            autocommit = engine.execution_options(isolation_level="AUTOCOMMIT")
            async with autocommit.connect() as connection:
                await connection.execute(text("VACUUM ANALYZE connections"))
    finally:
        await engine.dispose()


async def signed_in_client(server: BastionProcess) -> httpx2.AsyncClient:
    http = httpx2.AsyncClient(base_url=server.base_url, trust_env=False, timeout=30.0)
    login_page = await http.get("/console/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', login_page.text)
    if token is None:
        raise RuntimeError("the sign-in page has no CSRF token")
    form = {"login": "alice", "password": PASSWORD, "next": "/console", "csrf_token": token.group(1)}
    response = await http.post("/console/login", data=form)
    if response.status_code != 303:
        raise RuntimeError(f"sign-in failed: HTTP {response.status_code}")
    return http


def requesting(http: httpx2.AsyncClient, query: str) -> Step:
    path = f"/console/connections?{query}" if query else "/console/connections"

    async def step(_n: int) -> None:
        response = await http.get(path)
        if response.status_code != 200 or "connection-results" not in response.text:
            raise RuntimeError(f"HTTP {response.status_code} for {path}: {response.text[:200]}")

    return step


async def measure(backend: str, *, concurrency: int, max_requests: int, max_seconds: float) -> list[Measurement]:
    async with bench_server(backend) as server:
        await fill_database(server, backend)
        clients = [await signed_in_client(server) for _ in range(concurrency)]
        try:
            results = []
            for name, query in PAGES:
                steps = [requesting(http, query) for http in clients]
                results.append(
                    await run_bounded(
                        Measurement(f"list: {name}", backend), steps, max_requests=max_requests, max_seconds=max_seconds
                    )
                )
            return results
        finally:
            for http in clients:
                await http.aclose()


if __name__ == "__main__":
    run_benchmark(__doc__.splitlines()[0], measure, concurrency=1)
