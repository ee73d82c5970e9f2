"""Which data source this Bastion serves (the embedded demo, a SQL database, or Odoo) and how it signs in.

``bastion source set-demo|set-sql|set-odoo`` and the console's source page are thin shells over
``use_demo``, ``use_sql`` and ``use_odoo``: each checks what was given (``SourceConfigError`` says how
to fix it), stores the one configuration row in the caller's transaction and audits ``source.changed``.
Secrets we must read back are sealed at rest (AES-GCM, ``bastion.sealing``): a SQL password is split
out of the URL before it is stored, and the Odoo service account's API key is never stored in clear.
The audit entry and ``SourceSettings`` never carry a secret.

A running server notices a change committed by any process on its next data tool call
(``bastion.sources.runtime``).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.ext.asyncio import AsyncSession

from bastion.config import Settings
from bastion.governance.audit import record
from bastion.sealing import open_secret, seal_secret
from bastion.sources.errors import InvalidArguments
from bastion.sources.sql.url import async_url
from bastion.store.models import DataSourceConfig
from bastion.store.repositories import DataSources

DEMO, SQL, ODOO = "demo", "sql", "odoo"
PER_USER, SERVICE = "per_user", "service"  # Odoo modes: each user's own account, or one integration account
ODOO_PROTOCOLS = ("auto", "json-2", "json-rpc")
# Sealing purposes: a sealed value copied into another column does not open there.
SQL_PASSWORD_PURPOSE = "data-source:sql-password"
ODOO_SERVICE_KEY_PURPOSE = "data-source:odoo-service-key"


def odoo_link_purpose(user_id: int) -> str:
    """A user's own Odoo API key opens only in that user's link row."""
    return f"odoo-api-key:user:{user_id}"


SQL_EXAMPLES = "sqlite:////path/to/file.db, postgresql://user:password@host:5432/dbname or mysql://user@host/dbname"


class SourceConfigError(ValueError):
    """A source configuration that cannot be used; the message says how to fix it."""


@dataclass(frozen=True)
class SourceSettings:
    """The configuration as a person may see it: ``url`` never holds a password, ``has_secret`` says one is kept.

    ``mode`` and ``protocol`` apply to Odoo only (``""`` otherwise); ``updated_at`` is ``None`` for the
    demo nobody chose (no configuration stored yet).
    """

    kind: str
    url: str = ""
    database: str = ""
    writable: bool = False
    mode: str = ""
    protocol: str = ""
    service_login: str = ""
    has_secret: bool = False
    updated_at: datetime | None = None

    @classmethod
    def from_row(cls, row: DataSourceConfig | None) -> SourceSettings:
        if row is None:
            return cls(kind=DEMO)
        return cls(
            kind=row.kind,
            url=row.url,
            database=row.database,
            writable=row.writable,
            mode=row.mode,
            protocol=row.protocol,
            service_login=row.service_login,
            has_secret=row.sealed_secret is not None,
            updated_at=row.updated_at,
        )

    def as_dict(self) -> dict[str, Any]:
        shown = asdict(self)
        shown["updated_at"] = self.updated_at.isoformat() if self.updated_at else None
        return shown


async def current_source_settings(session: AsyncSession) -> SourceSettings:
    return SourceSettings.from_row(await DataSources(session).current())


async def use_demo(session: AsyncSession, settings: Settings, now: datetime, *, actor_id: int | None) -> SourceSettings:
    """Serve the embedded demo company again (read-only, built in ``$BASTION_HOME/demo.db`` on first use)."""
    return await _store(session, now, actor_id, kind=DEMO)


async def use_sql(
    session: AsyncSession, settings: Settings, now: datetime, url: str, *, writable: bool, actor_id: int | None
) -> SourceSettings:
    """Serve the tables of a SQL database; read-only unless ``writable``. The password is sealed apart."""
    parsed = _sql_url(url)
    sealed = seal_secret(settings, SQL_PASSWORD_PURPOSE, parsed.password, now=now) if parsed.password else None
    # URL.set ignores None, so the password is dropped with the named tuple's own _replace.
    shown = parsed._replace(password=None).render_as_string(hide_password=False)
    return await _store(session, now, actor_id, kind=SQL, url=shown, writable=writable, sealed_secret=sealed)


async def use_odoo(
    session: AsyncSession,
    settings: Settings,
    now: datetime,
    url: str,
    database: str,
    *,
    service_login: str | None = None,
    api_key: str | None = None,
    protocol: str = "auto",
    actor_id: int | None,
) -> SourceSettings:
    """Serve Odoo: per-user mode (each user links their own account) unless a service login and key are given."""
    base_url = _odoo_url(url)
    database = database.strip()
    if not database:
        raise SourceConfigError("Give the Odoo database name (the one you pick when signing in to Odoo).")
    if protocol not in ODOO_PROTOCOLS:
        raise SourceConfigError(f"The Odoo protocol must be one of {', '.join(ODOO_PROTOCOLS)}, not {protocol!r}.")
    login, key = (service_login or "").strip(), (api_key or "").strip()
    if bool(login) != bool(key):
        raise SourceConfigError(
            "A service account needs both its Odoo login and an API key: give both, "
            "or neither for per-user mode (each user links their own Odoo account)."
        )
    sealed = seal_secret(settings, ODOO_SERVICE_KEY_PURPOSE, key, now=now) if key else None
    return await _store(
        session,
        now,
        actor_id,
        kind=ODOO,
        url=base_url,
        database=database,
        mode=SERVICE if login else PER_USER,
        protocol=protocol,
        service_login=login,
        sealed_secret=sealed,
    )


def sql_connection_url(settings: Settings, row: DataSourceConfig) -> str:
    """The stored SQL URL with its password put back, for the engine only (never shown, never logged)."""
    if row.sealed_secret is None:
        return row.url
    password = open_secret(settings, SQL_PASSWORD_PURPOSE, row.sealed_secret)
    return make_url(row.url).set(password=password).render_as_string(hide_password=False)


def odoo_service_key(settings: Settings, row: DataSourceConfig) -> str:
    if row.sealed_secret is None:
        raise SourceConfigError("The Odoo service account has no API key stored; set the source again with its key.")
    return open_secret(settings, ODOO_SERVICE_KEY_PURPOSE, row.sealed_secret)


async def _store(session: AsyncSession, now: datetime, actor_id: int | None, **fields: Any) -> SourceSettings:
    sources = DataSources(session)
    previous = await sources.current()
    previous_kind = previous.kind if previous else DEMO  # read before put() changes the same row
    row = await sources.put(now, **fields)
    stored = SourceSettings.from_row(row)
    detail = stored.as_dict() | {"previous_kind": previous_kind}
    del detail["updated_at"]
    await record(session, "source.changed", now, user_id=actor_id, **detail)
    return stored


def _sql_url(url: str) -> URL:
    text = url.strip()
    try:
        parsed = make_url(text)
        async_url(text)
    except ArgumentError:
        raise SourceConfigError(f"That is not a database URL; give one like {SQL_EXAMPLES}.") from None
    except InvalidArguments as exc:
        raise SourceConfigError(str(exc)) from None
    if parsed.get_backend_name() != "sqlite":
        if not parsed.host or not parsed.database:
            raise SourceConfigError(f"The URL needs a host and a database name, like {SQL_EXAMPLES}.")
        return parsed
    if not parsed.database or parsed.database == ":memory:" or parsed.database.startswith("file:"):
        raise SourceConfigError("Give the path of a SQLite database file, e.g. sqlite:////srv/data/shop.db.")
    # The server and the CLI may run from different folders: store the file's absolute path.
    path = Path(parsed.database).expanduser().resolve()
    if not path.is_file():
        raise SourceConfigError(f"There is no SQLite database file at {path}; check the path (sqlite:////abs/path.db).")
    return parsed.set(database=str(path))


def _odoo_url(url: str) -> str:
    text = url.strip().rstrip("/")
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise SourceConfigError(
            "Give Odoo's web address starting with https:// (or http:// on a local network), e.g. "
            "https://mycompany.odoo.com."
        )
    if parts.query or parts.fragment:
        raise SourceConfigError("Give Odoo's base address only, without ?… or #… (e.g. https://mycompany.odoo.com).")
    if parts.username or parts.password:
        raise SourceConfigError("Leave the login out of the Odoo address; a service account is given separately.")
    return text
