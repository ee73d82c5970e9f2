"""The read tools: models, their fields, and records found by domain, by id, by name, counted or aggregated."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from bastion.sources.port import FieldInfo
from bastion.tools.data.arguments import (
    check_aggregate_order,
    check_domain,
    check_fields,
    check_group_by,
    check_ids,
    check_limit,
    check_measures,
    check_order_fields,
    check_order_syntax,
    domain_fields,
    resolve_fields,
)
from bastion.tools.data.env import DataToolEnv, source_errors
from bastion.tools.data.paging import jsonable, page, probed_page, whole
from bastion.tools.registry import ToolError

Context = Mapping[str, Any] | None


async def list_models(env: DataToolEnv, name: str = "", limit: int | None = None, offset: int = 0) -> dict[str, Any]:
    size = check_limit(env, limit)
    check_offset(offset)
    with source_errors():
        models = await env.source.list_models(env.identity)
    needle = name.strip().lower()
    matching = [info for info in models if needle in info.name.lower() or needle in info.label.lower()]
    rows = [{"model": info.name, "label": info.label, "description": info.description} for info in matching]
    return page(rows[offset : offset + size], offset=offset, total=len(rows))


async def describe_model(env: DataToolEnv, model: str) -> dict[str, Any]:
    with source_errors():
        description = await env.source.describe_model(env.identity, model)
    return {
        "model": description.model.name,
        "label": description.model.label,
        "description": description.model.description,
        "name_field": description.name_field,
        "default_fields": list(description.default_fields),
        "fields": [field_entry(info) for info in description.fields],
    }


def field_entry(info: FieldInfo) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "name": info.name,
        "label": info.label,
        "type": info.type,
        "required": info.required,
        "readonly": info.readonly,
        "stored": info.stored,
    }
    if info.relation:
        entry["relation"] = info.relation
    if info.selection is not None:
        entry["selection"] = [[value, label] for value, label in info.selection]
    if info.help:
        entry["help"] = info.help
    return entry


async def search_records(
    env: DataToolEnv,
    model: str,
    domain: Sequence[Any] = (),
    fields: Sequence[str] = (),
    order: str = "",
    limit: int | None = None,
    offset: int = 0,
    context: Context = None,
) -> dict[str, Any]:
    domain = check_domain(domain)
    order_names = check_order_syntax(order)
    size = check_limit(env, limit)
    check_offset(offset)
    with source_errors():
        description = await env.source.describe_model(env.identity, model)
        check_fields(description, domain_fields(domain), "domain field")
        check_order_fields(description, order_names)
        names = resolve_fields(description, fields)
        found = await env.source.search_read(
            env.identity, model, domain, names, order=order, limit=size, offset=offset, context=context
        )
    return {"model": model, "fields": names, **page(jsonable(found.records), offset=offset, total=found.total)}


async def get_records(
    env: DataToolEnv, model: str, ids: Sequence[int], fields: Sequence[str] = (), context: Context = None
) -> dict[str, Any]:
    wanted = check_ids(env, ids)
    with source_errors():
        description = await env.source.describe_model(env.identity, model)
        names = resolve_fields(description, fields)
        records = await env.source.read(env.identity, model, wanted, names, context=context)
    return {"model": model, "fields": names, **whole(jsonable(records))}


async def count_records(
    env: DataToolEnv, model: str, domain: Sequence[Any] = (), context: Context = None
) -> dict[str, Any]:
    domain = check_domain(domain)
    with source_errors():
        description = await env.source.describe_model(env.identity, model)
        check_fields(description, domain_fields(domain), "domain field")
        count = await env.source.count(env.identity, model, domain, context=context)
    return {"model": model, "count": count}


async def aggregate_records(
    env: DataToolEnv,
    model: str,
    domain: Sequence[Any] = (),
    group_by: Sequence[str] = (),
    measures: Sequence[str] = (),
    order: str = "",
    limit: int | None = None,
    offset: int = 0,
    context: Context = None,
) -> dict[str, Any]:
    domain = check_domain(domain)
    measures = list(measures) or ["__count"]
    check_aggregate_order(order, group_by, measures)
    size = check_limit(env, limit)
    check_offset(offset)
    with source_errors():
        description = await env.source.describe_model(env.identity, model)
        check_fields(description, domain_fields(domain), "domain field")
        check_group_by(description, group_by)
        check_measures(description, measures)
        # The port has no offset for groups: read through the end of this page plus one to learn has_more.
        rows = await env.source.aggregate(
            env.identity, model, domain, group_by, measures, order=order, limit=offset + size + 1, context=context
        )
    envelope = probed_page(jsonable(rows[offset:]), offset=offset, limit=size, pageable=True)
    return {"model": model, "group_by": list(group_by), "measures": measures, **envelope}


async def find_by_name(
    env: DataToolEnv, model: str, name: str, limit: int | None = None, context: Context = None
) -> dict[str, Any]:
    size = check_limit(env, limit)
    with source_errors():
        pairs = await env.source.name_search(env.identity, model, name, limit=size + 1, context=context)
    rows = [{"id": record_id, "display_name": display_name} for record_id, display_name in pairs]
    return {"model": model, "name": name, **probed_page(rows, offset=0, limit=size, pageable=False)}


# The largest offset every source takes (Odoo's XML-RPC integers are 32-bit; SQL's OFFSET is at most 64-bit).
MAX_OFFSET = 2**31 - 1


def check_offset(offset: int) -> None:
    if offset < 0:
        raise ToolError(f"offset must be 0 or more (got {offset}); use the next_offset of the previous page.")
    if offset > MAX_OFFSET:
        raise ToolError(
            f"offset {offset} is over the maximum of {MAX_OFFSET}; use the next_offset of the previous page."
        )
