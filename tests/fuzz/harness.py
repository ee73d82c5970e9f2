"""One app and database per fuzz test, with the parties an attacker could hold (a session and its CSRF
token, an OAuth client, an API key), and ``probe``: send one request, check the properties.

The properties, for every request whatever it holds:
- never a 5xx (nor an exception out of the app, which a real server turns into a 500);
- never a traceback, a Python exception name, a driver's name or an SQL fragment in the body that the
  request did not itself contain;
- a refused request (4xx, or a redirect to the sign-in page or back to a client with ``error=``) leaves every
  table as it was, but for new entries in the audit log, which records refusals on purpose, and a valid
  credential's "last used" and request count (``RECORDS_OF_USE``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx2
from sqlalchemy import select, update

from bastion import accounts
from bastion.credentials import digest
from bastion.services import Services
from bastion.store.models import Attempt, AuditEvent, Base, BrowserSession, User
from bastion.web_session import SESSION_COOKIE
from tests.conftest import PUBLIC_URL
from tests.factories import PASSWORD, make_api_key, make_oauth_client, make_user

# Tables that record a refusal by design (the audit log; the failed sign-ins and registrations the throttles
# count); any other table changed by a refused request is a defect.
RECORDS_OF_REFUSALS = {AuditEvent.__tablename__, Attempt.__tablename__}
# A valid credential's request that the MCP SDK then refuses (a malformed JSON-RPC message) still counts as
# a use of that credential: when it was last used and how often are records of use, like the audit log.
RECORDS_OF_USE = {("connections", "last_used_at"), ("connections", "request_count")}
LEAKS = [
    "Traceback (most recent call last)",
    'File "/',
    "[SQL:",
    "(Background on this error",
    "sqlalchemy.",
    "asyncpg.",
    "sqlite3.",
    "aiosqlite",
    "psycopg",
    "CharacterNotInRepertoire",
    "RecursionError",
    "UnicodeDecodeError",
    "KeyError",
    "TypeError",
    "ValueError",
    "AttributeError",
    "AssertionError",
    "pydantic_core",
    "SELECT ",
    "INSERT INTO",
    "DELETE FROM",
    " WHERE ",
    # A tool's unexpected failure is answered as a tool result: a 500 in disguise.
    "failed unexpectedly on the server",
]
Snapshot = dict[str, Any]


@dataclass(repr=False)
class World:
    services: Services
    app: Any
    http: httpx2.AsyncClient
    admin: User
    csrf_token: str
    session_secret: str
    client_id: str
    client_secret: str
    connection_ids: list[int]
    api_key: str

    def __repr__(self) -> str:
        return f"World(admin={self.admin.id}, connections={self.connection_ids})"

    @property
    def ids(self) -> list[str]:
        return [str(i) for i in [self.admin.id, *self.connection_ids]]

    async def keep_signed_in(self) -> None:
        """An earlier example may have signed the admin out, demoted or deactivated them: undo that."""
        async with self.services.engine.connect() as connection:
            admin = (await connection.execute(select(User.active, User.is_admin).where(User.id == self.admin.id))).one()
            found = await connection.scalar(
                select(BrowserSession.id).where(BrowserSession.digest == digest(self.session_secret))
            )
        if admin == (True, True) and found is not None:
            return
        async with self.services.transaction() as session:
            await session.execute(update(User).where(User.id == self.admin.id).values(active=True, is_admin=True))
            if found is None:
                user = await session.get(User, self.admin.id)
                assert user is not None
                signed_in = await accounts.start_browser_session(session, self.services.clock(), user)
                self.session_secret, self.csrf_token = signed_in.session_secret, signed_in.csrf_token

    async def snapshot(self) -> Snapshot:
        tables: Snapshot = {}
        async with self.services.engine.connect() as connection:
            for table in Base.metadata.sorted_tables:
                if table.name in RECORDS_OF_REFUSALS:
                    ids = (await connection.execute(select(table.c.id))).scalars().all()
                    tables[table.name] = ("ids", max(ids, default=0), len(ids))
                    continue
                columns = [column for column in table.columns if (table.name, column.name) not in RECORDS_OF_USE]
                rows = (await connection.execute(select(*columns).order_by(*table.primary_key.columns))).all()
                tables[table.name] = [tuple(row) for row in rows]
        return tables

    async def probe(
        self,
        method: str,
        url: str,
        *,
        headers: dict[str, str] | list[tuple[bytes, bytes]] | None = None,
        content: bytes | None = None,
        signed_in: bool = False,
    ) -> httpx2.Response:
        sent = _header_list(headers)
        if signed_in:
            await self.keep_signed_in()
            sent.append((b"cookie", f"{SESSION_COOKIE}={self.session_secret}".encode()))
        before = await self.snapshot()
        self.http.cookies.clear()
        response = await self.http.request(method, url, headers=sent, content=content)
        self.http.cookies.clear()
        request_text = _request_text(url, sent, content)
        shown = f"{method} {url} headers={sent!r} body={content[:500] if content else content!r}"
        assert response.status_code < 500, f"{response.status_code} for {shown}\n{response.text[:2000]}"
        body = response.text
        for leak in LEAKS:
            assert leak not in body or leak in request_text, f"{leak!r} leaked for {shown}\n{body[:2000]}"
        if refused(response):
            after = await self.snapshot()
            for table, rows in before.items():
                if table in RECORDS_OF_REFUSALS:
                    _, last_id, count = rows
                    assert after[table][1] >= last_id and after[table][2] >= count, f"{table} shrank for {shown}"
                else:
                    assert after[table] == rows, f"refused ({response.status_code}) but {table} changed for {shown}"
        return response


def refused(response: httpx2.Response) -> bool:
    if response.status_code >= 400:
        return True
    location = response.headers.get("location", "")
    return response.is_redirect and ("/console/login" in location or "error=" in location)


def _header_list(headers: dict[str, str] | list[tuple[bytes, bytes]] | None) -> list[tuple[bytes, bytes]]:
    if headers is None:
        return []
    if isinstance(headers, dict):
        return [(name.encode("latin-1"), value.encode("latin-1")) for name, value in headers.items()]
    return list(headers)


def _request_text(url: str, headers: list[tuple[bytes, bytes]], content: bytes | None) -> str:
    from urllib.parse import unquote_plus

    raw = url + "".join(value.decode("latin-1") for _, value in headers) + (content or b"").decode(errors="replace")
    return raw + unquote_plus(raw)


async def build_world(services: Services, app: Any) -> World:
    admin = await make_user(services, "admin", admin=True, password=PASSWORD)
    async with services.transaction() as session:
        signed_in = await accounts.start_browser_session(session, services.clock(), admin)
    oauth = await make_oauth_client(services, owner=admin)
    key = await make_api_key(services, admin)
    http = httpx2.AsyncClient(transport=httpx2.ASGITransport(app=app), base_url=PUBLIC_URL)
    return World(
        services=services,
        app=app,
        http=http,
        admin=admin,
        csrf_token=signed_in.csrf_token,
        session_secret=signed_in.session_secret,
        client_id=oauth.connection.client_id or "",
        client_secret=oauth.secret or "",
        connection_ids=[oauth.connection.id, key.connection.id],
        api_key=key.secret or "",
    )
