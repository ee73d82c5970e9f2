"""Reading records: which fields a call asked for, the SELECT that reads them, and rows in Odoo's shapes.

A many2one is read as ``[id, display_name]`` through an outer join on an alias of its model's
table, in the same query; sorting on a many2one sorts on that name, as Odoo sorts on the co-model.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa

from bastion.sources.errors import InvalidArguments, UnknownField
from bastion.sources.port import FieldInfo, Record
from bastion.sources.sql.order import SortPath
from bastion.sources.sql.schema import DISPLAY_NAME, Schema, SqlModel
from bastion.sources.sql.values import show, to_odoo


def chosen_fields(model: SqlModel, fields: Any) -> list[FieldInfo]:
    """The fields to read: those named (``id`` always), or the model's compact defaults when none are."""
    if isinstance(fields, str) or not isinstance(fields, list | tuple):
        raise InvalidArguments(f"fields is a list of field names such as ['name', 'email'], not {show(fields)}.")
    if not all(isinstance(name, str) for name in fields):
        raise InvalidArguments(f"fields is a list of field names (strings), not {show(fields)}.")
    names = list(dict.fromkeys(["id", *(fields or model.description.default_fields)]))
    try:
        return [model.field(name) for name in names]
    except UnknownField as exc:
        raise UnknownField(f"fields: {exc}") from None


class RecordQuery:
    """One SELECT over ``model`` and the joins its many2one fields and sort paths need."""

    def __init__(self, schema: Schema, model: SqlModel) -> None:
        self.schema = schema
        self.model = model
        self.source: sa.FromClause = model.table
        # a chain of many2one field names → the co-model it reaches and the alias of its table, joined once
        self.joins: dict[tuple[str, ...], tuple[SqlModel, sa.FromClause]] = {(): (model, model.table)}

    def column(self, name: str) -> sa.ColumnElement[Any]:
        return self.model.table.c[self.model.columns[name].name]

    def joined(self, through: Sequence[FieldInfo]) -> tuple[SqlModel, sa.FromClause]:
        """The co-model at the end of a chain of many2one fields, outer-joined (records without one stay)."""
        names = tuple(info.name for info in through)
        if names not in self.joins:
            parent, table = self.joined(through[:-1])
            target = self.schema.model(through[-1].relation or "")
            alias = target.table.alias()
            key = alias.c[target.columns["id"].name]
            self.source = self.source.outerjoin(alias, table.c[parent.columns[names[-1]].name] == key)
            self.joins[names] = (target, alias)
        return self.joins[names]

    def related_name(
        self, info: FieldInfo, through: Sequence[FieldInfo] = ()
    ) -> tuple[SqlModel, sa.ColumnElement[Any] | None]:
        """The co-model of a many2one (reached ``through`` others) and the column of its records' names."""
        target = self.schema.model(info.relation or "")
        if not target.name_field:
            return target, None
        _, alias = self.joined((*through, info))
        return target, alias.c[target.columns[target.name_field].name]

    def sort_keys(self, path: SortPath) -> list[sa.UnaryExpression[Any]]:
        """One sort path's ORDER BY terms: a many2one sorts on its co-model's name, then its id."""
        model, table = self.joined(path.through)
        column = model.columns[path.info.name]
        sorted_on: list[tuple[sa.ColumnElement[Any], bool]] = [
            (table.c[column.name], bool(path.through) or bool(column.nullable))
        ]
        if path.info.type == "many2one":
            _, name_column = self.related_name(path.info, path.through)
            if name_column is not None:
                sorted_on.insert(0, (name_column, True))
        return [term for expression, nullable in sorted_on for term in path.order.sort(expression, nullable)]

    def select(self, fields: Sequence[FieldInfo], order: Sequence[SortPath] = ()) -> sa.Select[Any]:
        """SELECT ``fields``, sorted by ``order`` then ``id`` (a stable order: pages neither skip nor repeat)."""
        keys: list[sa.UnaryExpression[Any]] = []
        for path in order:
            keys += self.sort_keys(path)
        if not any(not path.through and path.info.name == "id" for path in order):
            keys.append(self.column("id").asc())
        columns: list[sa.ColumnElement[Any]] = []
        for index, info in enumerate(fields):
            if info.name == DISPLAY_NAME:
                name_field = self.model.name_field
                columns.append((self.column(name_field) if name_field else self.column("id")).label(f"f{index}"))
                continue
            columns.append(self.column(info.name).label(f"f{index}"))
            if info.type == "many2one":
                _, name_column = self.related_name(info)
                if name_column is not None:
                    columns.append(name_column.label(f"f{index}_name"))
        return sa.select(*columns).select_from(self.source).order_by(*keys)

    def records(self, fields: Sequence[FieldInfo], rows: Sequence[sa.Row[Any]]) -> list[Record]:
        shaped = []
        for row in rows:
            mapping = row._mapping
            record: Record = {}
            for index, info in enumerate(fields):
                value = mapping[f"f{index}"]
                if info.name == DISPLAY_NAME:
                    record[info.name] = self.display_name(self.model, mapping["f0"], value)
                elif info.type == "many2one":
                    target, _ = self.related_name(info)
                    name = mapping.get(f"f{index}_name")
                    record[info.name] = [value, self.display_name(target, value, name)] if value is not None else False
                else:
                    record[info.name] = to_odoo(info, value)
            shaped.append(record)
        return shaped

    @staticmethod
    def display_name(model: SqlModel, record_id: Any, name: Any) -> str:
        """The name field's value, or Odoo's ``model,id`` for a record without one."""
        return str(name) if model.name_field and name not in (None, "") else f"{model.name},{record_id}"
