"""``aggregate``: one SQL ``GROUP BY`` for group_by fields and date parts, with Odoo's keys and group labels.

Date parts are computed in the database as the first day of each bucket (per dialect: SQLite,
PostgreSQL, MariaDB/MySQL), so groups sort chronologically, and come back as that day
(``YYYY-MM-DD``; weeks start on Monday), as the Odoo source gives them.
Datetimes are bucketed in UTC, or in the caller's time zone when the call's context gives one
(``tz``, as Odoo groups by the user's local day): PostgreSQL converts with ``AT TIME ZONE``, SQLite
with a function Bastion registers on each connection, MariaDB/MySQL with ``CONVERT_TZ`` (which needs
the server's time zone tables: a server without them says so rather than grouping wrongly).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import sqlalchemy as sa

from bastion.sources.errors import InvalidArguments, UnknownField
from bastion.sources.port import FieldInfo, Record
from bastion.sources.sql.domain import Expression
from bastion.sources.sql.order import OrderKey, key_order, sorted_by
from bastion.sources.sql.schema import DATE_PARTS, DISPLAY_NAME, Schema, SqlModel
from bastion.sources.sql.values import NUMERIC, show, to_odoo

FUNCTIONS = ("sum", "avg", "min", "max", "count_distinct")
_ORDERED = (*NUMERIC, "date", "datetime")  # what min and max apply to


@dataclass(frozen=True)
class Group:
    key: str  # as the caller wrote it: "date_order:month", "partner_id"
    info: FieldInfo
    part: str | None  # a date part, for date and datetime fields


@dataclass(frozen=True)
class Measure:
    key: str  # "amount_total:sum", "__count"
    info: FieldInfo | None  # None for __count
    function: str  # one of FUNCTIONS, or "count"


def parse_groups(model: SqlModel, group_by: Any) -> list[Group]:
    entries = _strings("group_by", group_by, "['state', 'date_order:month']")
    groups = []
    for key in entries:
        name, _, part = key.partition(":")
        info = _field(model, "group_by", key, name)
        if info.type == "binary" or not info.stored:
            raise InvalidArguments(f"group_by {key!r}: {model.name} cannot group on a {info.type} field.")
        if info.type in ("date", "datetime"):
            part = part or "month"  # Odoo groups a date by month unless told otherwise
            if part not in DATE_PARTS:
                raise InvalidArguments(f"group_by {key!r}: the date part must be one of {', '.join(DATE_PARTS)}.")
        elif part:
            raise InvalidArguments(f"group_by {key!r}: only date and datetime fields take a part such as ':month'.")
        groups.append(Group(key, info, part or None))
    return groups


def parse_measures(model: SqlModel, measures: Any) -> list[Measure]:
    entries = _strings("measures", measures, "['amount_total:sum', '__count']") or ["__count"]
    parsed = []
    for key in entries:
        if key == "__count":
            parsed.append(Measure(key, None, "count"))
            continue
        name, _, function = key.partition(":")
        info = _field(model, "measures", key, name)
        function = function or ("sum" if info.type in NUMERIC else "")
        if function not in FUNCTIONS:
            raise InvalidArguments(
                f"measure {key!r}: write field:function with one of {', '.join(FUNCTIONS)}, or '__count'."
            )
        allowed = NUMERIC if function in ("sum", "avg") else _ORDERED if function in ("min", "max") else None
        if (allowed and info.type not in allowed) or info.type == "binary" or not info.stored:
            raise InvalidArguments(f"measure {key!r}: {function} does not apply to {name}, a {info.type} field.")
        parsed.append(Measure(key, info, function))
    return parsed


def _strings(argument: str, value: Any, example: str) -> list[str]:
    if not isinstance(value, list | tuple) or not all(isinstance(item, str) for item in value):
        raise InvalidArguments(f"{argument} is a list of strings such as {example}, not {show(value)}.")
    if len(set(value)) != len(value):
        raise InvalidArguments(f"{argument} names the same entry twice: {show(value)}.")
    return list(value)


def _field(model: SqlModel, argument: str, key: str, name: str) -> FieldInfo:
    if "." in name:
        raise InvalidArguments(f"{argument} {key!r}: use the model's own fields, not a path through a many2one.")
    try:
        return model.field(model.name_field if name == DISPLAY_NAME and model.name_field else name)
    except UnknownField as exc:
        raise UnknownField(f"{argument} {key!r}: {exc}") from None


def time_zone(context: Any) -> str | None:
    """The IANA time zone a call's context names (``{"tz": "Europe/Brussels"}``), checked; None for UTC."""
    tz = (context or {}).get("tz")
    if tz is None or tz in ("UTC", "Etc/UTC"):
        return None
    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        raise InvalidArguments(
            f"context.tz {show(tz)} is not a time zone: write one such as 'Europe/Brussels'."
        ) from None
    return str(tz)


def local_time(schema: Schema, column: sa.ColumnElement[Any], tz: str) -> sa.ColumnElement[Any]:
    """A stored UTC datetime ``column`` as the wall-clock time in ``tz``, computed by the database."""
    f = sa.func
    if schema.dialect == "postgresql":
        aware = getattr(column.type, "timezone", False)
        return f.timezone(tz, column if aware else f.timezone("UTC", column))
    if schema.dialect == "mysql":
        if not schema.named_time_zones:
            raise InvalidArguments(
                "context.tz: this MariaDB/MySQL server has no time zone tables, so it cannot group by local dates "
                "(its administrator loads them with mysql_tzinfo_to_sql); leave tz out to group in UTC."
            )
        return f.convert_tz(column, "+00:00", tz)
    return f.bastion_local_time(column, tz)


def sqlite_local_time(value: Any, tz: str) -> str | None:
    """SQLite's ``bastion_local_time(datetime, tz)``: the stored UTC text as ``YYYY-MM-DD HH:MM:SS`` in ``tz``."""
    if value is None:
        return None
    moment = dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    moment = moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment
    return moment.astimezone(ZoneInfo(tz)).strftime("%Y-%m-%d %H:%M:%S")


def bucket(dialect: str, column: sa.ColumnElement[Any], part: str) -> sa.ColumnElement[Any]:
    """The first day of the ``part`` holding ``column``'s value, computed by the database."""
    f = sa.func
    if dialect == "postgresql":
        return sa.cast(f.date_trunc(part, column), sa.Date)
    if dialect == "mysql":
        return {
            "day": lambda: f.date(column),
            "week": lambda: f.subdate(f.date(column), f.weekday(column)),
            "month": lambda: f.date_format(column, "%Y-%m-01"),
            "quarter": lambda: f.concat(f.year(column), "-", f.lpad(f.quarter(column) * 3 - 2, 2, "0"), "-01"),
            "year": lambda: f.date_format(column, "%Y-01-01"),
        }[part]()
    month_in_quarter = (sa.cast(f.strftime("%m", column), sa.Integer) - 1) % 3
    return {
        "day": lambda: f.date(column),
        "week": lambda: f.date(column, "weekday 0", "-6 days"),  # the Monday of the ISO week
        "month": lambda: f.date(column, "start of month"),
        "quarter": lambda: f.date(column, "start of month", f.printf("-%d months", month_in_quarter)),
        "year": lambda: f.date(column, "start of year"),
    }[part]()


def period_start(value: Any) -> str | bool:
    """The group's value: the first day of its bucket as ``YYYY-MM-DD``, the same on every source (port.py)."""
    if value is None:
        return False
    day = value.date() if isinstance(value, dt.datetime) else value
    day = day if isinstance(day, dt.date) else dt.date.fromisoformat(str(day)[:10])
    return day.isoformat()


def aggregate_query(
    schema: Schema, model: SqlModel, where: Expression, groups: Sequence[Group], measures: Sequence[Measure],
    order: Any, limit: int | None, tz: str | None = None,
) -> sa.Select[Any]:  # fmt: skip
    """Group and measure in a subquery, then join the names of many2one groups: one name lookup per group,
    not one per record."""
    table = model.table
    inner: list[sa.ColumnElement[Any]] = []
    for index, group in enumerate(groups):
        column: sa.ColumnElement[Any] = table.c[model.columns[group.info.name].name]
        if group.part:
            if tz and group.info.type == "datetime":
                column = local_time(schema, column, tz)
            column = bucket(schema.dialect, column, group.part)
        elif schema.dialect == "sqlite" and group.info.type in ("many2one", "integer"):
            # SQLite would walk the column's index to group, one random row read per record (3x slower
            # than a scan and a sort); "+ 0" keeps the index for the domain but not for the grouping.
            column = column + 0
        inner.append(column.label(f"g{index}"))
    inner += [_measure(model, measure).label(f"m{index}") for index, measure in enumerate(measures)]
    # Grouping by the output labels: PostgreSQL binds each literal of an expression (date_trunc's
    # 'month') as its own parameter, so a repeated expression would not match the selected one.
    grouped = sa.select(*inner).where(where).group_by(*(f"g{index}" for index in range(len(groups)))).subquery()
    source: sa.FromClause = grouped
    columns: list[sa.ColumnElement[Any]] = list(grouped.c)
    sort: dict[str, list[sa.ColumnElement[Any]]] = {}
    for index, group in enumerate(groups):
        value = grouped.c[f"g{index}"]
        sort[group.key] = [value]
        if group.info.type == "many2one" and not group.part:
            target = schema.model(group.info.relation or "")
            if target.name_field:
                alias = target.table.alias()
                source = source.outerjoin(alias, value == alias.c[target.columns["id"].name])
                name = alias.c[target.columns[target.name_field].name]
                columns.append(name.label(f"g{index}_name"))
                sort[group.key] = [name, value]
    for index, measure in enumerate(measures):
        sort[measure.key] = [grouped.c[f"m{index}"]]
    query = sa.select(*columns).select_from(source)
    ordering = key_order(order, list(sort)) or [OrderKey(group.key, False, False) for group in groups]
    for key in ordering:
        query = query.order_by(*sorted_by(key, sort[key.key]))
    if limit is not None:
        if not isinstance(limit, int) or isinstance(limit, bool) or limit < 0:
            raise InvalidArguments(f"limit is a whole number of groups, 0 or more, not {show(limit)}.")
        query = query.limit(limit)
    return query


def _measure(model: SqlModel, measure: Measure) -> sa.ColumnElement[Any]:
    if measure.info is None:
        return sa.func.count()
    column = model.table.c[model.columns[measure.info.name].name]
    if measure.function == "count_distinct":
        return sa.func.count(sa.distinct(column))
    return getattr(sa.func, measure.function)(column)


def aggregate_rows(
    schema: Schema, groups: Sequence[Group], measures: Sequence[Measure], rows: Sequence[sa.Row[Any]]
) -> list[Record]:
    records = []
    for row in rows:
        mapping = row._mapping
        record: Record = {}
        for index, group in enumerate(groups):
            value = mapping[f"g{index}"]
            if group.part:
                record[group.key] = period_start(value)
            elif group.info.type == "many2one":
                target = schema.model(group.info.relation or "")
                name = mapping.get(f"g{index}_name")
                shown = name if name is not None else f"{target.name},{value}"
                record[group.key] = [value, str(shown)] if value is not None else False
            else:
                record[group.key] = to_odoo(group.info, value)
        for index, measure in enumerate(measures):
            record[measure.key] = _measured(measure, mapping[f"m{index}"])
        records.append(record)
    return records


def _measured(measure: Measure, value: Any) -> Any:
    if measure.function in ("count", "count_distinct"):
        return int(value or 0)
    assert measure.info is not None
    if measure.function == "sum":
        return int(value or 0) if measure.info.type == "integer" else float(value or 0)
    if measure.function == "avg":
        return float(value) if value is not None else False
    return to_odoo(measure.info, value)
