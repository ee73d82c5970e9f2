"""Values of ``create`` and ``update`` checked against the model and turned into column values."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from bastion.sources.errors import InvalidArguments, MissingRecords, UnknownField, ValidationFailed
from bastion.sources.sql.schema import DISPLAY_NAME, SqlModel
from bastion.sources.sql.values import BadValue, show, to_database


def column_values(model: SqlModel, values: Any, *, creating: bool) -> dict[str, Any]:
    """``{field: Odoo value}`` → ``{column: database value}``; refuses unknown, read-only and ill-typed fields."""
    if not isinstance(values, Mapping):
        raise InvalidArguments(f"values is an object of field → value such as {{'name': 'Azure'}}, not {show(values)}.")
    if not values and not creating:
        raise InvalidArguments("values is empty: name at least one field to change.")
    columns = {}
    for name, value in values.items():
        try:
            info = model.field(name)
        except UnknownField as exc:
            raise UnknownField(f"values: {exc}") from None
        if info.readonly or name == DISPLAY_NAME:
            raise InvalidArguments(f"values: {name} of {model.name} is read-only; leave it out.")
        try:
            converted = to_database(info, value, writing=True)
        except BadValue as exc:
            raise InvalidArguments(f"values: {name} {exc}.") from None
        if info.required and converted is None:
            raise ValidationFailed(f"values: {name} is required on {model.name} and cannot be empty.")
        columns[model.columns[name].name] = converted
    if creating:
        missing = [f.name for f in model.description.fields if f.required and f.name not in values]
        if missing:
            raise ValidationFailed(f"{model.name} needs {', '.join(missing)} to create a record: add them to values.")
    return columns


def references(model: SqlModel, rows: Sequence[Mapping[str, Any]]) -> dict[str, tuple[str, set[int]]]:
    """The ids each many2one of ``rows`` points to: ``{field: (co-model, ids)}``, to check they exist."""
    wanted: dict[str, tuple[str, set[int]]] = {}
    for info in model.description.fields:
        if info.type != "many2one":
            continue
        column = model.columns[info.name].name
        ids = {row[column] for row in rows if row.get(column) is not None}
        if ids:
            wanted[info.name] = (info.relation or "", ids)
    return wanted


def record_ids(ids: Any) -> list[int]:
    if isinstance(ids, str) or not isinstance(ids, Sequence):
        raise InvalidArguments(f"ids is a list of record ids such as [7, 12], not {show(ids)}.")
    if not all(isinstance(i, int) and not isinstance(i, bool) and 0 < i < 2**63 for i in ids):
        raise InvalidArguments(f"ids are positive whole numbers such as [7, 12], not {show(list(ids))}.")
    return list(dict.fromkeys(ids))


def missing(model: SqlModel, asked: Sequence[int], found: set[int]) -> MissingRecords:
    absent = [i for i in asked if i not in found]
    listed = ", ".join(map(str, absent[:20])) + (", ..." if len(absent) > 20 else "")
    plural = "s" if len(absent) > 1 else ""
    return MissingRecords(
        f"{model.name} has no record{plural} with id{plural} {listed}: search_records finds the ids that exist."
    )
