"""Odoo ``order`` strings (``"amount_total desc nulls last, partner_id.name, id"``) parsed and checked
against the model.

Each part is ``field [asc|desc] [nulls first|nulls last]``; ``field`` may be a path through many2one
fields (``partner_id.country_id.name``). Without ``nulls ...``, empty values sort as Odoo sorts them on
PostgreSQL, whatever the database: after the others ascending, before them descending.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from bastion.sources.errors import InvalidArguments, UnknownField
from bastion.sources.port import FieldInfo
from bastion.sources.sql.schema import DISPLAY_NAME, Schema, SqlModel
from bastion.sources.sql.values import show

_EXAMPLE = "'amount_total desc, partner_id.name nulls first, id'"


@dataclass(frozen=True)
class OrderKey:
    key: str  # as the caller wrote it: "partner_id.name"
    descending: bool
    nulls_first: bool  # where empty values go

    def sort(self, column: sa.ColumnElement[Any], nullable: bool = True) -> list[sa.UnaryExpression[Any]]:
        """``column`` sorted this way; nulls placed by a key of their own, which every dialect sorts alike
        (MariaDB has no ``NULLS FIRST``, and SQLite and MariaDB put nulls first where PostgreSQL puts them last)."""
        direction = column.desc() if self.descending else column.asc()
        if not nullable:
            return [direction]
        empty, filled = (0, 1) if self.nulls_first else (1, 0)
        return [sa.case((column.is_(None), empty), else_=filled).asc(), direction]


def split_order(order: Any) -> list[OrderKey]:
    """``"amount_total desc, id"`` → one key per comma-separated part, in order."""
    if not isinstance(order, str):
        raise InvalidArguments(f"order is a string such as {_EXAMPLE}, not {show(order)}.")
    if not order.strip():
        return []
    return [_key(part) for part in order.split(",")]


def _key(part: str) -> OrderKey:
    words = part.split()
    lowered = [word.lower() for word in words[1:]]
    nulls: str | None = None
    if len(lowered) >= 2 and lowered[-2] == "nulls":
        nulls, lowered = lowered[-1], lowered[:-2]
    if not words or len(lowered) > 1 or (lowered and lowered[0] not in ("asc", "desc")) or nulls not in (
        None, "first", "last",
    ):  # fmt: skip
        raise InvalidArguments(
            f"order part {part.strip()!r} is not 'field [asc|desc] [nulls first|nulls last]': write e.g. {_EXAMPLE}."
        )
    descending = lowered == ["desc"]
    # Odoo on PostgreSQL: nulls are the largest values, last ascending and first descending.
    return OrderKey(words[0], descending, descending if nulls is None else nulls == "first")


@dataclass(frozen=True)
class SortPath:
    """A key of a record search: the many2one fields it goes through, then the field it sorts on."""

    through: tuple[FieldInfo, ...]
    info: FieldInfo
    order: OrderKey


def record_order(schema: Schema, model: SqlModel, order: Any) -> list[SortPath]:
    """The fields a search sorts on: stored, non-binary fields of the model or of a many2one's co-model."""
    paths = []
    for key in split_order(order):
        names = key.key.split(".")
        through: list[FieldInfo] = []
        current = model
        for position, name in enumerate(names):
            info = _sortable(current, key.key, name)
            if position == len(names) - 1:
                paths.append(SortPath(tuple(through), info, key))
            elif info.type != "many2one":
                raise InvalidArguments(
                    f"order {key.key!r}: {name} is a {info.type} field of {current.name}; a path goes through "
                    "many2one fields only, e.g. 'partner_id.name'."
                )
            else:
                through.append(info)
                current = schema.model(info.relation or "")
    return paths


def _sortable(model: SqlModel, key: str, name: str) -> FieldInfo:
    name = model.name_field if name == DISPLAY_NAME and model.name_field else name
    try:
        info = model.field(name)
    except UnknownField as exc:
        raise UnknownField(f"order {key!r}: {exc}") from None
    if not info.stored or info.type == "binary":
        raise InvalidArguments(f"order {key!r}: {model.name} cannot sort on a {info.type} field such as {name}.")
    return info


def key_order(order: Any, keys: Collection[str]) -> list[OrderKey]:
    """An aggregate's order: each key one of its ``group_by`` entries or measures."""
    chosen = split_order(order)
    for key in chosen:
        if key.key not in keys:
            raise InvalidArguments(
                f"order {key.key!r} is neither a group_by entry nor a measure of this aggregate: "
                f"order on one of {', '.join(map(repr, keys))}."
            )
    return chosen


def sorted_by(key: OrderKey, columns: Sequence[sa.ColumnElement[Any]]) -> list[sa.UnaryExpression[Any]]:
    """``columns`` (a name, then the id that breaks its ties) sorted as ``key`` says."""
    return [expression for column in columns for expression in key.sort(column)]
