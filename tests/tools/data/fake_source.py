"""An in-memory ``DataSource`` that keeps the port's documented semantics over Python lists.

Not a mock: it filters with Odoo domains, orders, pages, groups, resolves many2one pairs, writes all or
nothing and refuses what a real source refuses, with the port's errors. ``calls`` records every port call
(so tests can prove a check ran before any I/O) and ``fail_next`` makes the next call raise a given error.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from bastion.sources.errors import (
    InvalidArguments,
    InvalidDomain,
    MissingRecords,
    ReadOnlySource,
    SourceError,
    UnknownField,
    UnknownModel,
    ValidationFailed,
)
from bastion.sources.port import (
    Capability,
    Identity,
    ModelDescription,
    ModelInfo,
    Record,
    RecordPage,
    SourceStatus,
)
from tests.tools.data.fake_domain import Row, matches

READ_ONLY = frozenset()
WRITABLE = frozenset({Capability.WRITE})


@dataclass
class FakeModel:
    description: ModelDescription
    rows: list[Row] = field(default_factory=list)


class FakeSource:
    kind = "fake"

    def __init__(self, models: Sequence[FakeModel], capabilities: frozenset[Capability] = WRITABLE) -> None:
        self.models = {model.description.model.name: model for model in models}
        self._capabilities = capabilities
        self.calls: list[tuple[str, Any]] = []
        self.fail_next: SourceError | None = None

    @property
    def capabilities(self) -> frozenset[Capability]:
        return self._capabilities

    def _enter(self, name: str, *detail: Any) -> None:
        self.calls.append((name, detail))
        if self.fail_next is not None:
            error, self.fail_next = self.fail_next, None
            raise error

    def _model(self, name: str) -> FakeModel:
        if name not in self.models:
            raise UnknownModel(f"There is no model {name!r}; list_models shows the models you may use.")
        return self.models[name]

    def _field(self, model: FakeModel, name: str) -> Any:
        info = model.description.field(name)
        if info is None and name != "id":
            raise UnknownField(f"The model {model.description.model.name} has no field {name!r}.")
        return info

    def display_name(self, model: FakeModel, row: Row) -> str:
        name_field = model.description.name_field
        return str(row.get(name_field)) if name_field else f"{model.description.model.name},{row['id']}"

    def _related(self, model: FakeModel, field_name: str, value: Any) -> tuple[FakeModel, Row] | None:
        info = self._field(model, field_name)
        if value in (None, False) or info is None or info.relation is None:
            return None
        co_model = self._model(info.relation)
        row = next((row for row in co_model.rows if row["id"] == value), None)
        return (co_model, row) if row is not None else None

    def _value(self, model: FakeModel, row: Row, path: str) -> Any:
        head, _, rest = path.partition(".")
        info = self._field(model, head)
        value = row.get(head)
        if info is not None and info.type == "many2one":
            related = self._related(model, head, value)
            if rest:
                return self._value(related[0], related[1], rest) if related else None
            return value
        if rest:
            raise InvalidDomain(f"The field {head!r} is not a many2one: {path!r} cannot follow it.")
        return value

    def _filter(self, model: FakeModel, domain: Sequence[Any]) -> list[Row]:
        def value_of(row: Row, path: str) -> Any:
            return self._value(model, row, path)

        return [row for row in model.rows if matches(domain, row, value_of)]

    def _output(self, model: FakeModel, row: Row, fields: Sequence[str]) -> Record:
        record: Record = {"id": row["id"]}
        for name in fields:
            info = self._field(model, name)
            value = row.get(name)
            if info is not None and info.type == "many2one":
                related = self._related(model, name, value)
                value = [related[1]["id"], self.display_name(*related)] if related else False
            record[name] = False if value is None else value
        return record

    def _sorted(self, model: FakeModel, rows: list[Row], order: str) -> list[Row]:
        terms = [term.split() for term in order.split(",") if term.strip()] or [["id"]]
        for term in reversed(terms):
            self._field(model, term[0])
            descending = len(term) > 1 and term[1].lower() == "desc"
            rows = sorted(
                rows, key=lambda row, name=term[0]: (row.get(name) is None, row.get(name)), reverse=descending
            )
        return rows

    async def test(self, as_user: Identity) -> SourceStatus:
        self._enter("test")
        return SourceStatus(kind="fake", version="1", protocol="python", identity=as_user.login)

    async def list_models(self, as_user: Identity) -> list[ModelInfo]:
        self._enter("list_models")
        return [model.description.model for model in self.models.values()]

    async def describe_model(self, as_user: Identity, model: str) -> ModelDescription:
        self._enter("describe_model", model)
        return self._model(model).description

    async def search_read(
        self,
        as_user: Identity,
        model: str,
        domain: Sequence[Any],
        fields: Sequence[str],
        *,
        order: str = "",
        limit: int,
        offset: int = 0,
        context: Mapping[str, Any] | None = None,
    ) -> RecordPage:
        self._enter("search_read", model, list(domain), list(fields), order, limit, offset, context)
        target = self._model(model)
        rows = self._sorted(target, self._filter(target, domain), order)
        chosen = rows[offset : offset + limit]
        return RecordPage([self._output(target, row, fields) for row in chosen], total=len(rows))

    async def read(
        self,
        as_user: Identity,
        model: str,
        ids: Sequence[int],
        fields: Sequence[str],
        *,
        context: Mapping[str, Any] | None = None,
    ) -> list[Record]:
        self._enter("read", model, list(ids), list(fields), context)
        target = self._model(model)
        by_id = {row["id"]: row for row in target.rows}
        missing = [record_id for record_id in ids if record_id not in by_id]
        if missing:
            raise MissingRecords(f"No {model} record has the id(s) {', '.join(map(str, missing))}.")
        return [self._output(target, by_id[record_id], fields) for record_id in ids]

    async def count(
        self, as_user: Identity, model: str, domain: Sequence[Any], *, context: Mapping[str, Any] | None = None
    ) -> int:
        self._enter("count", model, list(domain), context)
        target = self._model(model)
        return len(self._filter(target, domain))

    async def aggregate(
        self,
        as_user: Identity,
        model: str,
        domain: Sequence[Any],
        group_by: Sequence[str],
        measures: Sequence[str],
        *,
        order: str = "",
        limit: int | None = None,
        context: Mapping[str, Any] | None = None,
    ) -> list[Record]:
        self._enter("aggregate", model, list(domain), list(group_by), list(measures), order, limit, context)
        target = self._model(model)
        groups: dict[tuple[Any, ...], list[Row]] = defaultdict(list)
        for row in self._filter(target, domain):
            groups[tuple(self._group_key(target, row, entry) for entry in group_by)].append(row)
        if not group_by:
            groups.setdefault((), [])
        result = []
        for key, rows in groups.items():
            record: Record = {entry: value for entry, value in zip(group_by, key, strict=True)}
            record.update({measure: measure_value(measure, rows) for measure in measures})
            result.append(record)
        for term in reversed([term.split() for term in order.split(",") if term.strip()]):
            descending = len(term) > 1 and term[1].lower() == "desc"
            result.sort(key=lambda record, name=term[0]: sort_key(record[name]), reverse=descending)
        return result[:limit] if limit is not None else result

    def _group_key(self, model: FakeModel, row: Row, entry: str) -> Any:
        name, _, part = entry.partition(":")
        info = self._field(model, name)
        value = row.get(name)
        if info is not None and info.type == "many2one":
            related = self._related(model, name, value)
            return (related[1]["id"], self.display_name(*related)) if related else False
        if part and value:
            return date_part(value, part)
        return False if value is None else value

    async def name_search(
        self, as_user: Identity, model: str, name: str, *, limit: int, context: Mapping[str, Any] | None = None
    ) -> list[tuple[int, str]]:
        self._enter("name_search", model, name, limit, context)
        target = self._model(model)
        found = [(row["id"], self.display_name(target, row)) for row in target.rows]
        return [pair for pair in found if name.lower() in pair[1].lower()][:limit]

    def _check_writable(self) -> None:
        if Capability.WRITE not in self._capabilities:
            raise ReadOnlySource("This data source is read-only: the administrator has not allowed changes.")

    def _check_values(self, target: FakeModel, values: Mapping[str, Any], creating: bool) -> None:
        for name in values:
            info = self._field(target, name)
            if info is not None and info.readonly:
                raise ValidationFailed(f"The field {name!r} of {target.description.model.name} is read-only.")
        if creating:
            for info in target.description.fields:
                if info.required and values.get(info.name) in (None, False, ""):
                    raise ValidationFailed(f"The field {info.name!r} is required on {target.description.model.name}.")

    async def create(
        self,
        as_user: Identity,
        model: str,
        values: Sequence[Mapping[str, Any]],
        *,
        context: Mapping[str, Any] | None = None,
    ) -> list[int]:
        self._enter("create", model, [dict(item) for item in values], context)
        self._check_writable()
        target = self._model(model)
        for item in values:  # all or none: check every record before writing any
            self._check_values(target, item, creating=True)
        next_id = max((row["id"] for row in target.rows), default=0) + 1
        ids = list(range(next_id, next_id + len(values)))
        target.rows.extend({"id": new_id, **item} for new_id, item in zip(ids, values, strict=True))
        return ids

    async def update(
        self,
        as_user: Identity,
        model: str,
        ids: Sequence[int],
        values: Mapping[str, Any],
        *,
        context: Mapping[str, Any] | None = None,
    ) -> None:
        self._enter("update", model, list(ids), dict(values), context)
        self._check_writable()
        target = self._model(model)
        rows = self._rows(target, ids)
        self._check_values(target, values, creating=False)
        for row in rows:
            row.update(values)

    async def delete(
        self, as_user: Identity, model: str, ids: Sequence[int], *, context: Mapping[str, Any] | None = None
    ) -> None:
        self._enter("delete", model, list(ids), context)
        self._check_writable()
        target = self._model(model)
        doomed = {row["id"] for row in self._rows(target, ids)}
        target.rows[:] = [row for row in target.rows if row["id"] not in doomed]

    def _rows(self, target: FakeModel, ids: Sequence[int]) -> list[Row]:
        by_id = {row["id"]: row for row in target.rows}
        missing = [record_id for record_id in ids if record_id not in by_id]
        if missing:
            name = target.description.model.name
            raise MissingRecords(f"No {name} record has the id(s) {', '.join(map(str, missing))}.")
        return [by_id[record_id] for record_id in ids]

    async def aclose(self) -> None:
        self._enter("aclose")


def measure_value(measure: str, rows: list[Row]) -> Any:
    if measure == "__count":
        return len(rows)
    name, _, function = measure.partition(":")
    values = [row[name] for row in rows if row.get(name) is not None]
    if function == "count_distinct":
        return len(set(values))
    if not values:
        return False
    if function == "sum":
        return sum(values)
    if function == "avg":
        return sum(values) / len(values)
    if function in ("min", "max"):
        return min(values) if function == "min" else max(values)
    raise InvalidArguments(f"The measure {measure!r} is not one the fake source knows.")


def date_part(value: str, part: str) -> str:
    day = (
        datetime.fromisoformat(value)
        if " " in value
        else datetime.combine(date.fromisoformat(value), datetime.min.time())
    ).date()
    # port.py: a date group is the first day of its period (weeks start on Monday).
    start = {
        "day": day,
        "week": day - timedelta(days=day.weekday()),
        "month": day.replace(day=1),
        "quarter": day.replace(month=(day.month - 1) // 3 * 3 + 1, day=1),
        "year": day.replace(month=1, day=1),
    }[part]
    return start.isoformat()


def sort_key(value: Any) -> Any:
    if isinstance(value, list | tuple):
        return (0, str(value[1]))
    return (value is False, value if value is not False else 0)
