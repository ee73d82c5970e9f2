"""The write tools: create, update and delete records, each with a dry run that shows what would change."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from bastion.sources.port import Capability, ModelDescription
from bastion.tools.data.arguments import check_ids, check_known_values, resolve_fields
from bastion.tools.data.env import DataToolEnv, refuse_on_read_only_connection, source_errors
from bastion.tools.data.paging import jsonable
from bastion.tools.data.previews import check_preview
from bastion.tools.data.previews import preview_id as issue_preview
from bastion.tools.registry import ToolError

Context = Mapping[str, Any] | None
MAX_CREATE_BATCH = 100
NOT_SHOWN = "(binary, not shown)"


def check_writable(env: DataToolEnv, tool: str) -> None:
    refuse_on_read_only_connection(env, tool)
    if Capability.WRITE not in env.source.capabilities:
        raise ToolError(
            f"The data source is read-only, so {tool} is refused: the administrator has not made it writable."
        )


async def create_record(
    env: DataToolEnv,
    model: str,
    values: Mapping[str, Any],
    dry_run: bool = False,
    preview_id: str | None = None,
    context: Context = None,
) -> dict[str, Any]:
    result = await _create(env, "create_record", model, [values], dry_run, preview_id, context, {"values": values})
    if not dry_run:
        result["id"] = result["ids"][0]
    return result


async def create_records(
    env: DataToolEnv,
    model: str,
    records: Sequence[Mapping[str, Any]],
    dry_run: bool = False,
    preview_id: str | None = None,
    context: Context = None,
) -> dict[str, Any]:
    if not records:
        raise ToolError("records is empty: give at least one record's values.")
    if len(records) > MAX_CREATE_BATCH:
        raise ToolError(
            f"{len(records)} records is over the maximum of {MAX_CREATE_BATCH} per create_records call: "
            "split them into batches of 100."
        )
    return await _create(env, "create_records", model, records, dry_run, preview_id, context, {"records": records})


async def _create(
    env: DataToolEnv,
    tool: str,
    model: str,
    records: Sequence[Mapping[str, Any]],
    dry_run: bool,
    given_preview: str | None,
    context: Context,
    shown: dict[str, Any],
) -> dict[str, Any]:
    check_writable(env, tool)
    bound = {"model": model, **shown, "context": dict(context or {})}
    if not dry_run:
        check_preview(env, tool, bound, given_preview)
    with source_errors():
        description = await env.source.describe_model(env.identity, model)
        for position, values in enumerate(records):
            check_known_values(description, values, "values" if tool == "create_record" else f"records[{position}]")
        if dry_run:
            return {
                "model": model,
                "dry_run": True,
                "would_create": jsonable(list(records)),
                "preview_id": issue_preview(env, tool, bound),
            }
        ids = await env.source.create(env.identity, model, records, context=context)
    return {"model": model, "dry_run": False, "ids": list(ids)}


async def update_records(
    env: DataToolEnv,
    model: str,
    ids: Sequence[int],
    values: Mapping[str, Any],
    dry_run: bool = False,
    preview_id: str | None = None,
    context: Context = None,
) -> dict[str, Any]:
    check_writable(env, "update_records")
    wanted = check_ids(env, ids)
    bound = {"model": model, "ids": wanted, "values": values, "context": dict(context or {})}
    if not dry_run:
        check_preview(env, "update_records", bound, preview_id)
    with source_errors():
        description = await env.source.describe_model(env.identity, model)
        check_known_values(description, values)
        if dry_run:
            changes = await _changes(env, description, wanted, values, context)
            return {
                "model": model,
                "dry_run": True,
                "changes": changes,
                "preview_id": issue_preview(env, "update_records", bound),
            }
        await env.source.update(env.identity, model, wanted, values, context=context)
    return {"model": model, "dry_run": False, "updated": wanted, "fields": list(values)}


async def _changes(
    env: DataToolEnv, description: ModelDescription, ids: list[int], values: Mapping[str, Any], context: Context
) -> list[dict[str, Any]]:
    """Each record's current value of every field the update sets, beside the new one."""
    binary = {name for name in values if (info := description.field(name)) is not None and info.type == "binary"}
    readable = [name for name in values if name not in binary]
    current = await env.source.read(env.identity, description.model.name, ids, readable, context=context)
    new = jsonable(dict(values))
    return [
        {
            "id": record["id"],
            "current": {name: NOT_SHOWN if name in binary else jsonable(record.get(name)) for name in values},
            "new": new,
        }
        for record in current
    ]


async def delete_records(
    env: DataToolEnv,
    model: str,
    ids: Sequence[int],
    dry_run: bool = False,
    preview_id: str | None = None,
    context: Context = None,
) -> dict[str, Any]:
    check_writable(env, "delete_records")
    wanted = check_ids(env, ids)
    bound = {"model": model, "ids": wanted, "context": dict(context or {})}
    if not dry_run:
        check_preview(env, "delete_records", bound, preview_id)
    with source_errors():
        if dry_run:
            description = await env.source.describe_model(env.identity, model)
            names = resolve_fields(description, ())
            doomed = await env.source.read(env.identity, model, wanted, names, context=context)
            return {
                "model": model,
                "dry_run": True,
                "would_delete": jsonable(doomed),
                "preview_id": issue_preview(env, "delete_records", bound),
            }
        await env.source.delete(env.identity, model, wanted, context=context)
    return {"model": model, "dry_run": False, "deleted": wanted}
