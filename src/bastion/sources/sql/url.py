"""Which async driver serves a SQL source's URL: one code path for SQLite, PostgreSQL and MariaDB/MySQL."""

from __future__ import annotations

from bastion.sources.errors import InvalidArguments

# A plain URL gets the driver Bastion ships with; an explicit async driver is kept as given.
_DRIVERS = {
    "sqlite": "sqlite+aiosqlite",
    "postgresql": "postgresql+asyncpg",
    "postgres": "postgresql+asyncpg",
    "mysql": "mysql+asyncmy",
    "mariadb": "mysql+asyncmy",
    "mysql+pymysql": "mysql+asyncmy",
    "mariadb+pymysql": "mysql+asyncmy",
}
_ASYNC = frozenset({"sqlite+aiosqlite", "postgresql+asyncpg", "postgresql+psycopg", "mysql+asyncmy", "mysql+aiomysql"})


def async_url(url: str) -> str:
    """``mysql://root@host/db`` → ``mysql+asyncmy://root@host/db``; refuses a scheme no async driver serves."""
    scheme, separator, rest = url.partition("://")
    if not separator:
        raise InvalidArguments("the source URL has no scheme: use e.g. postgresql://user@host:5432/dbname")
    if scheme in _ASYNC:
        return url
    if scheme in _DRIVERS:
        return f"{_DRIVERS[scheme]}://{rest}"
    raise InvalidArguments(
        f"database URLs starting with {scheme}:// are not supported: use sqlite:///path/to/file.db, "
        "postgresql://user@host:5432/dbname or mysql://user@host:3306/dbname"
    )
