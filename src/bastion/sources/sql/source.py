"""``SqlSource``: the ``DataSource`` port on any SQLAlchemy async URL (SQLite, PostgreSQL, MariaDB/MySQL).

Every caller sees the same schema, reflected once and cached until ``refresh()``; ``as_user`` only
names who asked. Read-only unless constructed ``writable=True``; each write is one transaction.
Database failures become ``SourceError``s without SQL or driver messages (the detail goes to the log).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from bastion.sources.errors import (
    InvalidArguments,
    ReadOnlySource,
    SourceError,
    SourceUnavailable,
    ValidationFailed,
)
from bastion.sources.port import (
    CallContext,
    Capability,
    Domain,
    Identity,
    ModelDescription,
    ModelInfo,
    Record,
    RecordPage,
    SourceStatus,
    Values,
)
from bastion.sources.sql.aggregate import (
    aggregate_query,
    aggregate_rows,
    parse_groups,
    parse_measures,
    sqlite_local_time,
    time_zone,
)
from bastion.sources.sql.domain import compile_domain
from bastion.sources.sql.order import record_order
from bastion.sources.sql.records import RecordQuery, chosen_fields
from bastion.sources.sql.schema import Schema, SqlModel, reflect_schema
from bastion.sources.sql.url import async_url
from bastion.sources.sql.values import show
from bastion.sources.sql.writes import column_values, missing, record_ids, references

log = logging.getLogger(__name__)
_DIALECTS = {"sqlite": "SQLite", "postgresql": "PostgreSQL", "mysql": "MySQL"}


class SqlSource:
    kind = "sql"

    def __init__(self, url: str, *, writable: bool = False, engine: AsyncEngine | None = None) -> None:
        self.writable = writable
        self.engine = engine or create_async_engine(async_url(url), pool_pre_ping=True, hide_parameters=True)
        if self.engine.dialect.name == "sqlite":
            # SQLite checks foreign keys only when asked; the other databases always do.
            sa.event.listen(self.engine.sync_engine, "connect", _sqlite_foreign_keys)
        self._schema: Schema | None = None
        self._reflecting = asyncio.Lock()

    @property
    def capabilities(self) -> frozenset[Capability]:
        return frozenset({Capability.WRITE}) if self.writable else frozenset()

    async def schema(self) -> Schema:
        if self._schema is None:
            async with self._reflecting:
                if self._schema is None:
                    async with self._connect() as connection:
                        self._schema = await connection.run_sync(reflect_schema)
        return self._schema

    def refresh(self) -> None:
        """Forget the reflected schema (after a migration of the database); the next call reflects it again."""
        self._schema = None

    async def test(self, as_user: Identity) -> SourceStatus:
        self.refresh()
        schema = await self.schema()
        async with self._connect() as connection:
            await connection.execute(sa.select(sa.literal(1)))
            dialect = connection.dialect
        name = "MariaDB" if getattr(dialect, "is_mariadb", False) else _DIALECTS.get(dialect.name, dialect.name)
        version = ".".join(str(part) for part in (dialect.server_version_info or ())[:3])
        access = "writable" if self.writable else "read-only"
        return SourceStatus(
            kind="sql", version=f"{name} {version}".strip(), protocol="sqlalchemy", identity=as_user.login,
            detail=f"{len(schema.models)} models, {access}",
        )  # fmt: skip

    async def list_models(self, as_user: Identity) -> list[ModelInfo]:
        return [model.description.model for model in (await self.schema()).models.values()]

    async def describe_model(self, as_user: Identity, model: str) -> ModelDescription:
        return (await self.schema()).model(model).description

    async def search_read(
        self, as_user: Identity, model: str, domain: Domain, fields: Sequence[str], *, order: str = "",
        limit: int, offset: int = 0, context: CallContext | None = None,
    ) -> RecordPage:  # fmt: skip
        schema = await self.schema()
        found = schema.model(model)
        where = compile_domain(schema, found, domain)
        chosen = chosen_fields(found, fields)
        query = RecordQuery(schema, found)
        select = query.select(chosen, record_order(schema, found, order)).where(where)
        select = select.limit(_bound("limit", limit)).offset(_bound("offset", offset))
        async with self._connect() as connection:
            rows = (await connection.execute(select)).all()
            total = offset + len(rows)
            if len(rows) == limit or (offset and not rows):
                total = await self._count(connection, found, where)
        return RecordPage(query.records(chosen, rows), total)

    async def read(
        self, as_user: Identity, model: str, ids: Sequence[int], fields: Sequence[str], *,
        context: CallContext | None = None,
    ) -> list[Record]:  # fmt: skip
        schema = await self.schema()
        found = schema.model(model)
        wanted = record_ids(ids)
        chosen = chosen_fields(found, fields)
        query = RecordQuery(schema, found)
        select = query.select(chosen).where(query.column("id").in_(wanted))
        async with self._connect() as connection:
            rows = (await connection.execute(select)).all()
        by_id = {record["id"]: record for record in query.records(chosen, rows)}
        if len(by_id) < len(wanted):
            raise missing(found, wanted, set(by_id))
        return [by_id[i] for i in wanted]

    async def count(self, as_user: Identity, model: str, domain: Domain, *, context: CallContext | None = None) -> int:
        schema = await self.schema()
        found = schema.model(model)
        where = compile_domain(schema, found, domain)
        async with self._connect() as connection:
            return await self._count(connection, found, where)

    async def aggregate(
        self, as_user: Identity, model: str, domain: Domain, group_by: Sequence[str], measures: Sequence[str], *,
        order: str = "", limit: int | None = None, context: CallContext | None = None,
    ) -> list[Record]:  # fmt: skip
        schema = await self.schema()
        found = schema.model(model)
        where = compile_domain(schema, found, domain)
        groups = parse_groups(found, group_by)
        measured = parse_measures(found, measures)
        select = aggregate_query(schema, found, where, groups, measured, order, limit, time_zone(context))
        async with self._connect() as connection:
            rows = (await connection.execute(select)).all()
        return aggregate_rows(schema, groups, measured, rows)

    async def name_search(
        self, as_user: Identity, model: str, name: str, *, limit: int, context: CallContext | None = None
    ) -> list[tuple[int, str]]:
        schema = await self.schema()
        found = schema.model(model)
        if not isinstance(name, str):
            raise InvalidArguments(f"name is the text to look for, such as 'Azure', not {show(name)}.")
        if "\x00" in name:
            raise InvalidArguments("name cannot hold the NUL character (\\x00): leave it out of the text to look for.")
        if found.name_field is None:
            raise InvalidArguments(f"{model} has no name field to search: use search_records with a domain.")
        query = RecordQuery(schema, found)
        column = query.column(found.name_field)
        select = (
            sa.select(query.column("id"), column)
            .where(column.icontains(name, autoescape=True))
            .order_by(column, query.column("id"))
            .limit(_bound("limit", limit))
        )
        async with self._connect() as connection:
            rows = (await connection.execute(select)).all()
        return [(row[0], RecordQuery.display_name(found, row[0], row[1])) for row in rows]

    async def create(
        self, as_user: Identity, model: str, values: Sequence[Values], *, context: CallContext | None = None
    ) -> list[int]:
        found = await self._writable_model(model)
        if isinstance(values, dict) or not isinstance(values, Sequence) or not values:
            raise InvalidArguments("values is a non-empty list of records to create, each an object of field → value.")
        rows = [column_values(found, record, creating=True) for record in values]
        ids = []
        async with self._connect(write=True) as connection:
            await self._check_references(connection, found, rows)
            for row in rows:
                result = await connection.execute(sa.insert(found.table).values(row))
                ids.append(int(result.inserted_primary_key[0]))  # type: ignore[index]  # one row, one key
        return ids

    async def update(
        self, as_user: Identity, model: str, ids: Sequence[int], values: Values, *, context: CallContext | None = None
    ) -> None:
        found = await self._writable_model(model)
        wanted = record_ids(ids)
        row = column_values(found, values, creating=False)
        key = found.table.c[found.columns["id"].name]
        async with self._connect(write=True) as connection:
            await self._check_exist(connection, found, wanted)
            await self._check_references(connection, found, [row])
            await connection.execute(sa.update(found.table).where(key.in_(wanted)).values(row))

    async def delete(
        self, as_user: Identity, model: str, ids: Sequence[int], *, context: CallContext | None = None
    ) -> None:
        found = await self._writable_model(model)
        wanted = record_ids(ids)
        key = found.table.c[found.columns["id"].name]
        async with self._connect(write=True) as connection:
            await self._check_exist(connection, found, wanted)
            await connection.execute(sa.delete(found.table).where(key.in_(wanted)))

    async def aclose(self) -> None:
        await self.engine.dispose()

    async def _writable_model(self, model: str) -> SqlModel:
        found = (await self.schema()).model(model)
        if not self.writable:
            raise ReadOnlySource(
                "this SQL source is read-only: an administrator can allow writes with "
                "`bastion source set-sql URL --writable`."
            )
        return found

    async def _count(self, connection: AsyncConnection, model: SqlModel, where: Any) -> int:
        counted = sa.select(sa.func.count()).select_from(model.table).where(where)
        return int((await connection.execute(counted)).scalar_one())

    async def _check_exist(self, connection: AsyncConnection, model: SqlModel, ids: list[int]) -> None:
        key = model.table.c[model.columns["id"].name]
        found = set((await connection.execute(sa.select(key).where(key.in_(ids)))).scalars())
        if len(found) < len(ids):
            raise missing(model, ids, found)

    async def _check_references(self, connection: AsyncConnection, model: SqlModel, rows: list[dict[str, Any]]) -> None:
        schema = await self.schema()
        for field, (relation, ids) in references(model, rows).items():
            target = schema.model(relation)
            key = target.table.c[target.columns["id"].name]
            found = set((await connection.execute(sa.select(key).where(key.in_(sorted(ids))))).scalars())
            absent = sorted(ids - found)
            if absent:
                raise ValidationFailed(
                    f"values: {field} refers to {relation} id {', '.join(map(str, absent[:10]))}, which does not "
                    f"exist: find_by_name({relation!r}, ...) finds the right id."
                )

    @asynccontextmanager
    async def _connect(self, *, write: bool = False) -> AsyncIterator[AsyncConnection]:
        """A connection (in one transaction when writing); database failures become sentences."""
        try:
            async with self.engine.begin() if write else self.engine.connect() as connection:
                yield connection
        except SourceError:
            raise
        except sa.exc.IntegrityError as exc:
            log.info("SQL source refused a write: %s", exc)
            raise ValidationFailed(
                "the database refused the change: it breaks a uniqueness or reference constraint "
                "(a duplicate value, or other records still point to these): check the values and related records."
            ) from None
        except (sa.exc.OperationalError, sa.exc.InterfaceError, OSError, TimeoutError) as exc:
            log.warning("SQL source did not answer: %s", exc)
            raise SourceUnavailable(
                "the SQL database did not answer: check that it is running and that the source URL is right."
            ) from None
        except sa.exc.SQLAlchemyError:
            log.exception("SQL source failed on a query")
            raise SourceError(
                "the SQL database could not run this query; try a simpler domain or fewer fields."
            ) from None


def _bound(name: str, value: Any) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise InvalidArguments(f"{name} is a whole number, 0 or more, not {show(value)}.")
    return value


def _sqlite_foreign_keys(connection: Any, _record: Any) -> None:
    # Grouping datetimes by a caller's local day (aggregate.py): SQLite has no time zones of its own.
    connection.create_function("bastion_local_time", 2, sqlite_local_time, deterministic=True)
    cursor = connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()
