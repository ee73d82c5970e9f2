"""SQLite without a thread hop: an aiosqlite-shaped connection whose sqlite3 calls run inline on the event loop.

Why: aiosqlite hands every statement (and every fetch) to a worker thread and back, which under load costs
far more than SQLite's microsecond statements themselves. Here each call runs where it is awaited, so a
transaction costs no hand-off at all; SQLAlchemy's ``sqlite+aiosqlite`` dialect drives it unchanged through
``create_async_engine(async_creator=...)``, and the repositories stay one code path with PostgreSQL.

One writer at a time: a write transaction starts with ``BEGIN IMMEDIATE`` (store/db.py), which first takes
this process's ``WriterGate``; concurrent requests queue on it in order instead of colliding in SQLite's
busy handler. The gate is let go at ``COMMIT`` or ``ROLLBACK``.

Other processes (the ``bastion`` CLI, a second server on the same file) are waited for without blocking the
loop: the connection's own busy timeout is 0, and a statement SQLite answers ``SQLITE_BUSY`` is retried
after an asynchronous back-off until ``BUSY_TIMEOUT_SECONDS`` have passed, as SQLite's busy timeout would.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar

# How long a write waits for another transaction (of this process or another) before "database is locked".
BUSY_TIMEOUT_SECONDS = 30.0
_FIRST_BACKOFF, _MAX_BACKOFF = 0.001, 0.05
_T = TypeVar("_T")


class WriterGate:
    """One write transaction at a time in this process, handed over in arrival order."""

    def __init__(self) -> None:
        self._lock: asyncio.Lock | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def _current(self) -> asyncio.Lock:
        # A lock belongs to one event loop; a process that runs several loops in turn (the CLI) gets one each.
        loop = asyncio.get_running_loop()
        if self._lock is None or self._loop is not loop:
            self._lock, self._loop = asyncio.Lock(), loop
        return self._lock

    async def acquire(self) -> asyncio.Lock:
        lock = self._current()
        try:
            async with asyncio.timeout(BUSY_TIMEOUT_SECONDS):
                await lock.acquire()
        except TimeoutError:
            raise sqlite3.OperationalError(
                f"database is locked: another write transaction of this process held it {BUSY_TIMEOUT_SECONDS:.0f} s"
            ) from None
        return lock


def connect(path: str, gate: WriterGate) -> InlineConnection:
    """Open ``path`` in WAL mode with foreign keys on, in autocommit mode so that store/db.py emits every BEGIN."""
    raw = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=0)
    # WAL lets readers proceed while one writer commits; NORMAL syncs at checkpoints only, which keeps a committed
    # transaction through a process crash (kill -9), not through a power cut. Foreign keys are off by default.
    for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "foreign_keys=ON", "busy_timeout=0"):
        raw.execute(f"PRAGMA {pragma}")
    return InlineConnection(raw, gate)


class InlineConnection:
    """The part of ``aiosqlite.Connection`` SQLAlchemy's aiosqlite dialect uses, without its thread."""

    def __init__(self, raw: sqlite3.Connection, gate: WriterGate) -> None:
        # ``_connection`` is the attribute SQLAlchemy's adapter checks before commit and rollback.
        self._connection: sqlite3.Connection | None = raw
        self._gate = gate
        self._held: asyncio.Lock | None = None

    @property
    def raw(self) -> sqlite3.Connection:
        if self._connection is None:
            raise ValueError("no active connection")
        return self._connection

    @property
    def isolation_level(self) -> str | None:
        return self.raw.isolation_level

    def cursor(self) -> InlineCursor:
        return InlineCursor(self)

    async def execute(self, sql: str, parameters: Sequence[Any] = ()) -> InlineCursor:
        cursor = self.cursor()
        await cursor.execute(sql, parameters)
        return cursor

    async def run(self, sql: str, call: Callable[[], _T]) -> _T:
        """Run one sqlite3 call for ``sql``; a ``BEGIN IMMEDIATE`` takes the writer gate first."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + BUSY_TIMEOUT_SECONDS
        if not sql.lstrip()[:15].upper().startswith("BEGIN IMMEDIATE"):
            return await _retry_busy(call, deadline)
        self._held = await self._gate.acquire()
        try:
            return await _retry_busy(call, deadline)
        except BaseException:
            self._release()
            raise

    async def commit(self) -> None:
        raw = self.raw
        await _retry_busy(raw.commit, asyncio.get_running_loop().time() + BUSY_TIMEOUT_SECONDS)
        self._release()

    async def rollback(self) -> None:
        try:
            self.raw.rollback()
        finally:
            self._release()

    async def create_function(self, *args: Any, **kwargs: Any) -> None:
        self.raw.create_function(*args, **kwargs)

    async def close(self) -> None:
        self.stop()

    def stop(self) -> None:
        """Close at once (also what SQLAlchemy calls when it discards a connection outside the loop)."""
        raw, self._connection = self._connection, None
        try:
            if raw is not None:
                raw.close()
        finally:
            self._release()

    def _release(self) -> None:
        held, self._held = self._held, None
        if held is not None and held.locked():
            held.release()


class InlineCursor:
    """The part of ``aiosqlite.Cursor`` SQLAlchemy uses; every call runs inline through its connection."""

    def __init__(self, connection: InlineConnection) -> None:
        self._owner = connection
        self._cursor = connection.raw.cursor()

    async def __aenter__(self) -> InlineCursor:
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self.close()

    @property
    def description(self) -> Any:
        return self._cursor.description

    @property
    def rowcount(self) -> int:
        return self._cursor.rowcount

    @property
    def lastrowid(self) -> int | None:
        return self._cursor.lastrowid

    @property
    def arraysize(self) -> int:
        return self._cursor.arraysize

    @arraysize.setter
    def arraysize(self, value: int) -> None:
        self._cursor.arraysize = value

    async def execute(self, sql: str, parameters: Sequence[Any] | dict[str, Any] = ()) -> InlineCursor:
        await self._owner.run(sql, lambda: self._cursor.execute(sql, parameters))
        return self

    async def executemany(self, sql: str, parameters: Iterable[Sequence[Any]]) -> InlineCursor:
        rows = list(parameters)
        await self._owner.run(sql, lambda: self._cursor.executemany(sql, rows))
        return self

    async def fetchone(self) -> Any:
        return self._cursor.fetchone()

    async def fetchmany(self, size: int | None = None) -> list[Any]:
        return self._cursor.fetchmany(size if size is not None else self._cursor.arraysize)

    async def fetchall(self) -> list[Any]:
        return self._cursor.fetchall()

    async def close(self) -> None:
        self._cursor.close()


async def _retry_busy(call: Callable[[], _T], deadline: float) -> _T:
    """``call()``, retried after an asynchronous back-off while another process holds SQLite's lock."""
    loop = asyncio.get_running_loop()
    backoff = _FIRST_BACKOFF
    while True:
        try:
            return call()
        except sqlite3.OperationalError as error:
            # Only plain SQLITE_BUSY is worth waiting out; BUSY_SNAPSHOT and the others would fail again.
            if getattr(error, "sqlite_errorcode", None) != sqlite3.SQLITE_BUSY or loop.time() >= deadline:
                raise
        await asyncio.sleep(backoff)
        backoff = min(backoff * 2, _MAX_BACKOFF)
