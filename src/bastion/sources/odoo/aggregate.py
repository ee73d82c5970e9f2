"""Grouping on Odoo: the port's ``group_by``/``measures`` → ``formatted_read_group`` (19+) or ``read_group``
(14–18), and their answers → one row per group keyed as the port documents.

Date parts come back as the first day of the period (``"2025-01-01"`` for ``date_order:month``), on
both Odoo generations: 19 gives ``[start, label]``, older ones a label plus ``__range``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from bastion.sources.errors import InvalidArguments
from bastion.sources.odoo.describe import unknown_field
from bastion.sources.port import ModelDescription, Record

DATE_PARTS = ("day", "week", "month", "quarter", "year")
FUNCTIONS = ("sum", "avg", "min", "max", "count_distinct")


def check_grouping(description: ModelDescription, group_by: Sequence[str], measures: Sequence[str]) -> None:
    model = description.model.name
    for spec in group_by:
        name, _, part = spec.partition(":")
        info = description.field(name)
        if info is None:
            raise unknown_field(model, name)
        if part and (part not in DATE_PARTS or info.type not in ("date", "datetime")):
            raise InvalidArguments(
                f"group_by {spec!r}: a ':{part}' part needs a date field and one of {', '.join(DATE_PARTS)}."
            )
        if not info.stored:
            raise InvalidArguments(f"group_by {spec!r}: {name} is computed and not stored, so Odoo cannot group on it.")
    for spec in measures:
        if spec == "__count":
            continue
        name, _, function = spec.partition(":")
        if function not in FUNCTIONS:
            raise InvalidArguments(
                f"measure {spec!r} is not 'field:function' with a function among {', '.join(FUNCTIONS)}, or '__count'."
            )
        if description.field(name) is None:
            raise unknown_field(model, name)


def _alias(spec: str) -> str:
    return "m_" + re.sub(r"\W", "_", spec)


def read_group_params(domain: Sequence[Any], group_by: Sequence[str], measures: Sequence[str], *,
                      order: str, limit: int | None, modern: bool) -> dict[str, Any]:  # fmt: skip
    if modern:
        params: dict[str, Any] = {"domain": list(domain), "groupby": list(group_by), "aggregates": list(measures)}
        if order:
            params["order"] = order
    else:
        # "alias:function(field)" keeps two measures of one field (sum and avg) apart in the answer.
        specs = [f"{_alias(m)}:{m.partition(':')[2]}({m.partition(':')[0]})" for m in measures if m != "__count"]
        params = {"domain": list(domain), "fields": specs, "groupby": list(group_by), "lazy": False}
        if order:
            params["orderby"] = order
    if limit is not None:
        params["limit"] = limit
    return params


def normalize_groups(rows: Any, group_by: Sequence[str], measures: Sequence[str], *, modern: bool) -> list[Record]:
    if not isinstance(rows, list):
        return []
    return [_row(row, group_by, measures, modern) for row in rows if isinstance(row, Mapping)]


def _row(row: Mapping[str, Any], group_by: Sequence[str], measures: Sequence[str], modern: bool) -> Record:
    out: Record = {}
    ranges = row.get("__range") if isinstance(row.get("__range"), Mapping) else {}
    for spec in group_by:
        value = row.get(spec, False)
        if ":" in spec:
            value = _period_start(value, ranges.get(spec) if isinstance(ranges, Mapping) else None)
        out[spec] = value
    for spec in measures:
        if spec == "__count":
            out[spec] = row.get("__count", row.get(f"{group_by[0]}_count", 0) if group_by else 0)
        else:
            out[spec] = row.get(spec if modern else _alias(spec), False)
    return out


def _period_start(value: Any, period: Any) -> Any:
    if isinstance(value, list) and value and isinstance(value[0], str):
        return value[0][:10]
    if isinstance(period, Mapping) and period.get("from"):
        return str(period["from"])[:10]
    return value


def total_row(rows: list[Record], measures: Sequence[str]) -> list[Record]:
    """Without ``group_by`` Odoo answers one group over everything (or none when nothing matches)."""
    if rows:
        return rows[:1]
    return [{spec: 0 if spec == "__count" else False for spec in measures}]
