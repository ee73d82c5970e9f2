"""The text a model reads beside the structured result: markdown tables for lists, key: value lines for one
record, a sentence for a change. Compact on purpose: long cells are cut, files never printed."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from mcp_types import BlobResourceContents, EmbeddedResource, TextResourceContents

CELL_WIDTH = 60
LIST_ITEMS = 5


def cell(value: Any) -> str:
    """One value as a short table cell: a many2one pair reads as its name and id, empty as nothing."""
    if value is False or value is None:
        return ""
    if isinstance(value, list) and len(value) == 2 and isinstance(value[0], int) and isinstance(value[1], str):
        text = f"{value[1]} (#{value[0]})"
    elif isinstance(value, list):
        shown = ", ".join(cell(item) for item in value[:LIST_ITEMS])
        text = shown + (f", … ({len(value)} in all)" if len(value) > LIST_ITEMS else "")
    elif isinstance(value, dict):
        text = json.dumps(value, ensure_ascii=False, default=str)
    else:
        text = str(value)
    text = " ".join(text.split()).replace("|", "\\|")
    return text if len(text) <= CELL_WIDTH else text[: CELL_WIDTH - 1] + "…"


def table(rows: Sequence[dict[str, Any]], columns: Sequence[str] | None = None) -> str:
    if not rows:
        return "(none)"
    names = list(columns) if columns else list(dict.fromkeys(key for row in rows for key in row))
    lines = ["| " + " | ".join(names) + " |", "|" + "---|" * len(names)]
    lines += ["| " + " | ".join(cell(row.get(name)) for name in names) + " |" for row in rows]
    return "\n".join(lines)


def key_values(row: dict[str, Any]) -> str:
    return "\n".join(f"{name}: {cell(value)}" for name, value in row.items())


def paging_line(output: dict[str, Any], noun: str) -> str:
    shown, total, next_offset = len(output["records"]), output["total"], output["next_offset"]
    counted = f"{shown} {noun}" + (f" of {total}" if total is not None and total != shown else "")
    if next_offset is not None:
        return f"{counted}; more from offset={next_offset}."
    if output["has_more"]:
        return f"{counted}; more match (narrow the call to see them)."
    return f"{counted}."


def render_records(output: dict[str, Any]) -> str:
    columns = ["id", *[name for name in output.get("fields", []) if name != "id"]] if "fields" in output else None
    records = output["records"]
    body = key_values(records[0]) if len(records) == 1 and output["total"] == 1 else table(records, columns)
    title = f"{output['model']}" + (f" #{output['id']}" if "id" in output else "")
    return f"{title}: {paging_line(output, 'records')}\n{body}"


def render_models(output: dict[str, Any]) -> str:
    return f"Models: {paging_line(output, 'models')}\n{table(output['records'])}"


def render_description(output: dict[str, Any]) -> str:
    rows = [
        {
            "field": entry["name"],
            "type": entry["type"] + (f" → {entry['relation']}" if "relation" in entry else ""),
            "label": entry["label"],
            "flags": ", ".join(flag for flag in ("required", "readonly") if entry[flag])
            + ("" if entry["stored"] else " not stored"),
            "values": ", ".join(value for value, _ in entry.get("selection", [])),
        }
        for entry in output["fields"]
    ]
    head = f"{output['model']} ({output['label']})" + (f": {output['description']}" if output["description"] else "")
    defaults = ", ".join(output["default_fields"]) or "none"
    return f"{head}\nDefault fields: {defaults}. Display name field: {output['name_field'] or 'none'}.\n{table(rows)}"


def render_count(output: dict[str, Any]) -> str:
    return f"{output['count']} {output['model']} records match."


def render_aggregate(output: dict[str, Any]) -> str:
    columns = [*output["group_by"], *output["measures"]]
    return f"{output['model']} grouped: {paging_line(output, 'groups')}\n{table(output['records'], columns)}"


def render_names(output: dict[str, Any]) -> str:
    line = paging_line(output, "matches")
    return (
        f"{output['model']} named like {output['name']!r}: {line}\n{table(output['records'], ['id', 'display_name'])}"
    )


def dry_run_text(output: dict[str, Any], would: str, rows: list[dict[str, Any]], then: str, shown: str = "") -> str:
    """What a dry run would do, the rows it would touch, and how to carry it out with its preview id."""
    return (
        f"Dry run: would {would} {len(rows)} {output['model']} record(s){shown}; nothing was changed. "
        f"To {then}, call again without dry_run and with preview_id {output['preview_id']}.\n{table(rows)}"
    )


def render_create(output: dict[str, Any]) -> str:
    if output["dry_run"]:
        return dry_run_text(output, "create", output["would_create"], "create them")
    return f"Created {len(output['ids'])} {output['model']} record(s): ids {', '.join(map(str, output['ids']))}."


def render_update(output: dict[str, Any]) -> str:
    if output["dry_run"]:
        rows = [
            {
                "id": change["id"],
                **{name: f"{cell(old)} → {cell(change['new'][name])}" for name, old in change["current"].items()},
            }
            for change in output["changes"]
        ]
        return dry_run_text(output, "update", rows, "apply", shown=" (current → new)")
    ids = ", ".join(map(str, output["updated"]))
    return f"Updated {output['fields'] and ', '.join(output['fields'])} on {output['model']} ids {ids}."


def render_delete(output: dict[str, Any]) -> str:
    if output["dry_run"]:
        return dry_run_text(output, "delete", output["would_delete"], "delete them")
    return f"Deleted {output['model']} ids {', '.join(map(str, output['deleted']))}."


def render_method(output: dict[str, Any]) -> str:
    on = f" on ids {', '.join(map(str, output['ids']))}" if output["ids"] else ""
    returned = json.dumps(output["result"], ensure_ascii=False, default=str)
    returned = returned if len(returned) <= 2000 else returned[:2000] + "…"
    return f"Called {output['model']}.{output['method']}{on}; it returned: {returned}"


def render_workflow(output: dict[str, Any]) -> str:
    buttons = ", ".join(f"{step['action']} ({step['label']})" for step in output["transitions"]) or "none"
    state = f"{output['state_label']} ({output['state']})" if output["state"] else "no state"
    lead = f"Pressed {output['action']}: " if "action" in output else ""
    return f"{lead}{output['model']} #{output['id']} is in {state}. Buttons: {buttons}."


def render_message(output: dict[str, Any]) -> str:
    return f"Posted message {output['message_id']} ({output['message_type']}) on {output['model']} #{output['id']}."


def render_activity(output: dict[str, Any]) -> str:
    who = f"user {output['user_id']}" if output["user_id"] else "you"
    return (
        f"Scheduled activity {output['activity_id']} on {output['model']} #{output['id']} "
        f"for {who}, due {output['deadline']}."
    )


def render_attachment(output: dict[str, Any]) -> str:
    item = output["attachment"]
    return (
        f"Attachment {item['name']!r} ({item['mimetype']}, {item['size']} bytes) is embedded as the resource "
        f"{output['resource']['uri']}."
    )


def attachment_resources(output: dict[str, Any]) -> list[EmbeddedResource]:
    """read_attachment's file as an MCP embedded resource: text contents for text, a base64 blob otherwise."""
    resource = output["resource"]
    contents: TextResourceContents | BlobResourceContents
    if "text" in resource:
        contents = TextResourceContents(uri=resource["uri"], mime_type=resource["mimeType"], text=resource["text"])
    else:
        contents = BlobResourceContents(uri=resource["uri"], mime_type=resource["mimeType"], blob=resource["blob"])
    return [EmbeddedResource(resource=contents)]
