"""Odoo's chatter on a record: messages, scheduled activities and attached files."""

from __future__ import annotations

import base64
from collections.abc import Mapping
from datetime import date
from typing import Any
from urllib.parse import quote

from bastion.sources.port import Attachment, Capability
from bastion.tools.data.arguments import check_limit
from bastion.tools.data.env import DataToolEnv, business_source, refuse_on_read_only_connection, source_errors
from bastion.tools.data.paging import jsonable, probed_page, whole
from bastion.tools.registry import ToolError

Context = Mapping[str, Any] | None
TEXT_MIMETYPES = ("application/json", "application/xml", "application/csv")


async def post_message(
    env: DataToolEnv, model: str, id: int, body: str, message_type: str = "comment", context: Context = None
) -> dict[str, Any]:
    refuse_on_read_only_connection(env, "post_message")
    if not body.strip():
        raise ToolError("body is empty: give the text of the message to post.")
    source = business_source(env, Capability.CHATTER, "post messages")
    with source_errors():
        message_id = await source.post_message(
            env.identity, model, id, body, message_type=message_type, context=context
        )
    return {"model": model, "id": id, "message_id": message_id, "message_type": message_type}


async def read_messages(
    env: DataToolEnv, model: str, id: int, limit: int | None = None, context: Context = None
) -> dict[str, Any]:
    size = check_limit(env, limit)
    source = business_source(env, Capability.CHATTER, "read messages")
    with source_errors():
        messages = await source.read_messages(env.identity, model, id, limit=size + 1, context=context)
    return {"model": model, "id": id, **probed_page(jsonable(messages), offset=0, limit=size, pageable=False)}


async def schedule_activity(
    env: DataToolEnv,
    model: str,
    id: int,
    activity_type: str = "To-Do",
    summary: str = "",
    note: str = "",
    deadline: str | None = None,
    user_id: int | None = None,
    context: Context = None,
) -> dict[str, Any]:
    refuse_on_read_only_connection(env, "schedule_activity")
    due = check_deadline(deadline) if deadline is not None else env.clock().date().isoformat()
    source = business_source(env, Capability.ACTIVITIES, "schedule activities")
    with source_errors():
        activity_id = await source.schedule_activity(
            env.identity,
            model,
            id,
            activity_type=activity_type,
            summary=summary,
            note=note,
            deadline=due,
            user_id=user_id,
            context=context,
        )
    return {"model": model, "id": id, "activity_id": activity_id, "deadline": due, "user_id": user_id}


def check_deadline(deadline: str) -> str:
    try:
        return date.fromisoformat(deadline).isoformat()
    except ValueError:
        raise ToolError(f"deadline {deadline!r} is not a date: give it as YYYY-MM-DD, e.g. 2026-03-31.") from None


async def read_activities(env: DataToolEnv, model: str, id: int, context: Context = None) -> dict[str, Any]:
    source = business_source(env, Capability.ACTIVITIES, "read activities")
    with source_errors():
        activities = await source.read_activities(env.identity, model, id, context=context)
    return {"model": model, "id": id, **whole(jsonable(activities))}


def attachment_entry(attachment: Attachment) -> dict[str, Any]:
    return {"id": attachment.id, "name": attachment.name, "mimetype": attachment.mimetype, "size": attachment.size}


async def list_attachments(env: DataToolEnv, model: str, id: int, context: Context = None) -> dict[str, Any]:
    source = business_source(env, Capability.ATTACHMENTS, "list attachments")
    with source_errors():
        attachments = await source.list_attachments(env.identity, model, id, context=context)
    return {"model": model, "id": id, **whole([attachment_entry(item) for item in attachments])}


async def read_attachment(env: DataToolEnv, id: int, context: Context = None) -> dict[str, Any]:
    """The file itself, as an MCP resource (``uri``, ``mimeType`` and ``text`` or base64 ``blob``)."""
    source = business_source(env, Capability.ATTACHMENTS, "read attachments")
    limit = env.max_attachment_bytes
    with source_errors():
        attachment = await source.read_attachment(env.identity, id, max_bytes=limit, context=context)
    data = attachment.data
    size = max(attachment.size, len(data or b""))
    if size > limit:
        raise ToolError(
            f"The attachment {attachment.name!r} is {size} bytes, over the {limit}-byte limit of "
            "read_attachment: open it in the source's own interface instead."
        )
    if data is None:
        raise ToolError(f"The source returned no content for the attachment {attachment.name!r}; try again.")
    resource: dict[str, Any] = {"uri": attachment_uri(attachment), "mimeType": attachment.mimetype}
    text = as_text(attachment.mimetype, data)
    if text is not None:
        resource["text"] = text
    else:
        resource["blob"] = base64.b64encode(data).decode("ascii")
    return {"attachment": attachment_entry(attachment), "resource": resource}


def attachment_uri(attachment: Attachment) -> str:
    return f"bastion://attachments/{attachment.id}/{quote(attachment.name, safe='')}"


def as_text(mimetype: str, data: bytes) -> str | None:
    """The file as text when its type is text and it decodes as UTF-8; otherwise it travels as a blob."""
    if not (mimetype.startswith("text/") or mimetype in TEXT_MIMETYPES):
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None
