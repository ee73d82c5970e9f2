"""Argument rules the JSON schemas cannot express, each refused with a sentence saying how to fix the call.

Shape rules (a domain's prefix structure, the syntax of ``order``, ``group_by`` and ``measures``) run
before any I/O; name rules (an unknown field) run against the model's description before the data call.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

from bastion.sources.port import FieldInfo, ModelDescription
from bastion.tools.data.env import DataToolEnv
from bastion.tools.registry import ToolError

DOMAIN_EXAMPLE = '[["customer_rank", ">", 0], "|", ["city", "=", "Brussels"], ["city", "=", "Paris"]]'
# Odoo's domain operators (odoo/osv/expression.py TERM_OPERATORS); a source may support fewer.
TERM_OPERATORS = frozenset(
    {
        "=", "!=", "<>", ">", ">=", "<", "<=", "=?", "in", "not in", "like", "not like", "ilike",
        "not ilike", "=like", "=ilike", "child_of", "parent_of", "any", "not any",
    }
)  # fmt: skip
PREFIX_ARITY = {"!": 1, "&": 2, "|": 2}
GRANULARITIES = ("day", "week", "month", "quarter", "year")
AGGREGATES = ("sum", "avg", "min", "max", "count_distinct")
NUMERIC_TYPES = frozenset({"integer", "float", "monetary"})
DATE_TYPES = frozenset({"date", "datetime"})
# Fields a record list may hold but never by default: files, and lists of ids that can be long.
HEAVY_TYPES = frozenset({"binary", "one2many", "many2many", "html"})
FALLBACK_FIELD_COUNT = 8
_ORDER_TERM = re.compile(r"^([A-Za-z_][A-Za-z0-9_.:]*)(?:\s+(asc|desc))?(?:\s+nulls\s+(first|last))?$", re.IGNORECASE)


def check_limit(env: DataToolEnv, limit: int | None) -> int:
    """The page size: the default when none was asked, a sentence (not a silent clamp) when over the maximum."""
    if limit is None:
        return min(env.default_limit, env.max_limit)
    if limit < 1:
        raise ToolError(f"limit must be at least 1 (got {limit}); leave it out for {env.default_limit}.")
    if limit > env.max_limit:
        raise ToolError(
            f"limit {limit} is over the maximum of {env.max_limit}: ask for at most {env.max_limit} "
            "and fetch the rest with offset (each result gives next_offset)."
        )
    return limit


def check_ids(env: DataToolEnv, ids: Sequence[int]) -> list[int]:
    if not ids:
        raise ToolError("ids is empty: give at least one record id (search_records or find_by_name finds them).")
    if len(ids) > env.max_limit:
        raise ToolError(f"{len(ids)} ids is over the maximum of {env.max_limit} per call: split them into batches.")
    if len(set(ids)) != len(ids):
        raise ToolError("ids holds the same id twice: give each record id once.")
    return list(ids)


def check_domain(domain: Any) -> list[Any]:
    """A well-formed Odoo domain in prefix notation, or a sentence showing the right shape."""
    if not isinstance(domain, list | tuple):
        raise ToolError(f"domain must be a list of conditions like {DOMAIN_EXAMPLE}; got {type(domain).__name__}.")
    single = len(domain) == 3 and isinstance(domain[0], str) and domain[0] not in PREFIX_ARITY
    if single and isinstance(domain[1], str) and domain[1] in TERM_OPERATORS:
        raise ToolError(f"domain is a single condition, not a list of them: wrap it in a list, [{_json(domain)}].")
    operands = 0
    # Odoo evaluates a domain in prefix notation; reading it backwards, each operator consumes operands.
    for position in range(len(domain) - 1, -1, -1):
        item = domain[position]
        if isinstance(item, str):
            if item not in PREFIX_ARITY:
                raise ToolError(
                    f"domain item {position} is {item!r}: between conditions only '&', '|' and '!' may stand. "
                    f"Example: {DOMAIN_EXAMPLE}."
                )
            arity = PREFIX_ARITY[item]
            if operands < arity:
                raise ToolError(
                    f"domain operator {item!r} at position {position} needs {arity} condition(s) after it. "
                    f"Example: {DOMAIN_EXAMPLE}."
                )
            operands -= arity - 1
        else:
            check_condition(item, position)
            operands += 1
    return list(domain)


def check_condition(item: Any, position: int) -> None:
    if not isinstance(item, list | tuple) or len(item) != 3:
        raise ToolError(
            f"domain item {position} must be a condition [field, operator, value] or one of '&', '|', '!'; "
            f"got {_json(item)}. Example: {DOMAIN_EXAMPLE}."
        )
    field_name, operator, value = item
    if not isinstance(field_name, str) or not field_name:
        raise ToolError(f"domain item {position}: the field must be a field name (a string); got {_json(field_name)}.")
    if not isinstance(operator, str) or operator.lower() not in TERM_OPERATORS:
        known = ", ".join(sorted(TERM_OPERATORS))
        raise ToolError(f"domain item {position}: unknown operator {_json(operator)}; use one of: {known}.")
    if operator.lower() in ("in", "not in") and not isinstance(value, list | tuple):
        raise ToolError(f"domain item {position}: {operator!r} needs a list of values, e.g. [{field_name!r}, "
                        f"{operator!r}, [1, 2]]; got {_json(value)}.")  # fmt: skip
    if operator.lower() in ("any", "not any"):
        check_domain(value)


def domain_fields(domain: Sequence[Any]) -> list[str]:
    """The first segment of each condition's field path (``partner_id.name`` → ``partner_id``)."""
    names: list[str] = []
    for item in domain:
        if isinstance(item, list | tuple):
            names.append(item[0].split(".", 1)[0])
    return names


def check_fields(description: ModelDescription, names: Sequence[str], what: str = "field") -> None:
    """Each name is a field of the model (``id`` always is), or a sentence with the closest names."""
    known = {info.name for info in description.fields} | {"id"}
    for name in names:
        if name not in known:
            raise ToolError(unknown_field_sentence(description, name, what))


def unknown_field_sentence(description: ModelDescription, name: str, what: str = "field") -> str:
    model = description.model.name
    known = [info.name for info in description.fields]
    close = difflib.get_close_matches(name, known, n=3)
    hint = f" Did you mean {', '.join(repr(option) for option in close)}?" if close else ""
    return f"Unknown {what} {name!r} on {model}.{hint} Call describe_model with model {model!r} for its fields."


def resolve_fields(description: ModelDescription, asked: Sequence[str]) -> list[str]:
    """The fields to read: those asked (checked), else the model's defaults without binary fields."""
    if asked:
        check_fields(description, asked)
        return list(dict.fromkeys(asked))
    by_name = {info.name: info for info in description.fields}
    defaults = [name for name in description.default_fields if name in by_name and by_name[name].type != "binary"]
    if defaults:
        return defaults
    # A model without defaults: its display name and a few compact stored fields, never every field.
    fallback = [description.name_field] if description.name_field in by_name else []
    for info in description.fields:
        if len(fallback) >= FALLBACK_FIELD_COUNT:
            break
        if info.stored and info.type not in HEAVY_TYPES and info.name not in fallback:
            fallback.append(info.name)
    return fallback


def check_order_syntax(order: str) -> list[str]:
    """The order's field names, checking Odoo's ``field [asc|desc][, ...]`` shape."""
    if not order.strip():
        return []
    names = []
    for term in order.split(","):
        match = _ORDER_TERM.match(term.strip())
        if match is None:
            raise ToolError(f"order {order!r} is not of the form 'field [asc|desc], ...', e.g. 'date_order desc, id'.")
        names.append(match.group(1))
    return names


def check_order_fields(description: ModelDescription, names: Sequence[str]) -> None:
    check_fields(description, [name.split(".", 1)[0] for name in names], "order field")


def check_group_by(description: ModelDescription, group_by: Sequence[str]) -> None:
    for entry in group_by:
        name, _, granularity = entry.partition(":")
        info = _known_field(description, name, "group_by field")
        if granularity:
            if granularity not in GRANULARITIES:
                raise ToolError(f"group_by {entry!r}: the date part must be one of {', '.join(GRANULARITIES)}.")
            if info.type not in DATE_TYPES:
                raise ToolError(f"group_by {entry!r}: {name!r} is a {info.type} field; date parts need a date field.")


def check_measures(description: ModelDescription, measures: Sequence[str]) -> None:
    for entry in measures:
        if entry == "__count":
            continue
        name, _, function = entry.partition(":")
        if function not in AGGREGATES:
            raise ToolError(
                f"measure {entry!r} must be 'field:function' with function one of {', '.join(AGGREGATES)}, "
                "or '__count' for the number of records; e.g. 'amount_total:sum'."
            )
        info = _known_field(description, name, "measure field")
        if function in ("sum", "avg") and info.type not in NUMERIC_TYPES:
            raise ToolError(f"measure {entry!r}: {name!r} is a {info.type} field; {function} needs a number field.")


def check_aggregate_order(order: str, group_by: Sequence[str], measures: Sequence[str]) -> None:
    """An aggregate orders by its own keys: a group_by entry or a measure, each with asc or desc."""
    keys = set(group_by) | set(measures) | {"__count"}
    for name in check_order_syntax(order):
        if name not in keys:
            raise ToolError(
                f"order {name!r} is neither a group_by entry nor a measure; order an aggregate by one of "
                f"{', '.join(sorted(keys))}, e.g. '{(list(measures) or ['__count'])[0]} desc'."
            )


def check_known_values(description: ModelDescription, values: Mapping[str, Any], where: str = "values") -> None:
    if not values:
        raise ToolError(f"{where} is empty: give at least one field and its value.")
    check_fields(description, [name for name in values if name != "id"], "field")
    if "id" in values:
        raise ToolError(f"{where} sets 'id': a record's id is chosen by the source; leave it out.")


def _known_field(description: ModelDescription, name: str, what: str) -> FieldInfo:
    info = description.field(name)
    if info is None:
        raise ToolError(unknown_field_sentence(description, name, what))
    return info


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)[:120]
