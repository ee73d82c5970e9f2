"""Odoo ``order`` strings (``"amount_total desc, id"``) parsed and checked against the model."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from bastion.sources.errors import InvalidArguments, UnknownField
from bastion.sources.port import FieldInfo
from bastion.sources.sql.schema import DISPLAY_NAME, SqlModel
from bastion.sources.sql.values import show


def split_order(order: Any) -> list[tuple[str, bool]]:
    """``"amount_total desc, id"`` → ``[("amount_total", True), ("id", False)]`` (``True``: descending)."""
    if not isinstance(order, str):
        raise InvalidArguments(f"order is a string such as 'amount_total desc, id', not {show(order)}.")
    if not order.strip():
        return []
    keys = []
    for part in order.split(","):
        words = part.split()
        if not words or len(words) > 2 or (len(words) == 2 and words[1].lower() not in ("asc", "desc")):
            raise InvalidArguments(
                f"order part {part.strip()!r} is not 'field', 'field asc' or 'field desc': "
                "write e.g. 'amount_total desc, id'."
            )
        keys.append((words[0], len(words) == 2 and words[1].lower() == "desc"))
    return keys


def record_order(model: SqlModel, order: Any) -> list[tuple[FieldInfo, bool]]:
    """The fields a search sorts on, each one of the model's own stored, non-binary fields."""
    fields = []
    for key, descending in split_order(order):
        if "." in key:
            raise InvalidArguments(f"order {key!r}: sort on the model's own fields, e.g. 'partner_id' not a path.")
        name = model.name_field if key == DISPLAY_NAME and model.name_field else key
        try:
            info = model.field(name)
        except UnknownField as exc:
            raise UnknownField(f"order {key!r}: {exc}") from None
        if not info.stored or info.type == "binary":
            raise InvalidArguments(f"order {key!r}: {model.name} cannot sort on a {info.type} field such as {key}.")
        fields.append((info, descending))
    return fields


def key_order(order: Any, keys: Collection[str]) -> list[tuple[str, bool]]:
    """An aggregate's order: each key one of its ``group_by`` entries or measures."""
    chosen = split_order(order)
    for key, _ in chosen:
        if key not in keys:
            raise InvalidArguments(
                f"order {key!r} is neither a group_by entry nor a measure of this aggregate: "
                f"order on one of {', '.join(map(repr, keys))}."
            )
    return chosen
