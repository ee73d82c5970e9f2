"""``OdooSource``: the ``BusinessSource`` over Odoo: records (``records.py``) plus methods, workflow,
chatter (``mail.thread``), activities (``mail.activity``) and attachments (``ir.attachment``)."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping, Sequence
from typing import Any

from bastion.sources.denylist import is_denied_model
from bastion.sources.errors import AccessDenied, InvalidArguments, MissingRecords, SourceUnavailable, UnknownModel
from bastion.sources.odoo.method_policy import check_method
from bastion.sources.odoo.records import OdooRecords
from bastion.sources.odoo.workflow import header_buttons, offered
from bastion.sources.port import Attachment, CallContext, Identity, Record, WorkflowState

MESSAGE_FIELDS = ["date", "author_id", "message_type", "body"]
ACTIVITY_FIELDS = ["activity_type_id", "summary", "note", "date_deadline", "user_id", "state"]
ATTACHMENT_FIELDS = ["name", "mimetype", "file_size"]
MESSAGE_TYPES = ("comment", "notification")


class OdooSource(OdooRecords):
    async def call_method(
        self,
        as_user: Identity,
        model: str,
        method: str,
        ids: Sequence[int],
        args: Sequence[Any],
        kwargs: Mapping[str, Any],
        *,
        context: CallContext | None = None,
    ) -> Any:
        check_method(model, method)
        await self.describe_model(as_user, model)
        if "context" in kwargs:
            raise InvalidArguments("pass the context in the call's context argument, not inside kwargs.")
        return await self._call(
            as_user, model, method, ids=list(ids) if ids else None, params=kwargs, args=args, context=context
        )

    # ---- workflow ---------------------------------------------------------------------------

    async def workflow_state(
        self, as_user: Identity, model: str, record_id: int, *, context: CallContext | None = None
    ) -> WorkflowState:
        description = await self.describe_model(as_user, model)
        state_field = description.field("state")
        if state_field is None or state_field.type != "selection":
            raise InvalidArguments(f"{model} has no 'state' selection field, so it has no workflow to show.")
        views = await self._call(
            as_user, model, "get_views", params={"views": [[False, "form"]], "options": {}}, context=context
        )
        arch = _form_arch(views)
        buttons = header_buttons(arch) if arch else []
        wanted = {"state"} | {name for b in buttons for name in b.names() if description.field(name) is not None}
        (record,) = await self.read(as_user, model, [record_id], sorted(wanted), context=context)
        state = record.get("state") or None
        labels = dict(state_field.selection or ())
        return WorkflowState(
            state_field="state",
            state=state,
            state_label=labels.get(state) if state else None,
            transitions=offered(buttons, record),
        )

    async def transition(
        self, as_user: Identity, model: str, record_id: int, action: str, *, context: CallContext | None = None
    ) -> Any:
        current = await self.workflow_state(as_user, model, record_id, context=context)
        if action not in {t.action for t in current.transitions}:
            offered_now = ", ".join(t.action for t in current.transitions) or "none"
            raise InvalidArguments(
                f"{action!r} is not a transition offered on {model} {record_id} in state {current.state!r}; "
                f"offered now: {offered_now}."
            )
        check_method(model, action)
        return await self._call(as_user, model, action, ids=[record_id], context=context)

    # ---- chatter ----------------------------------------------------------------------------

    async def post_message(
        self,
        as_user: Identity,
        model: str,
        record_id: int,
        body: str,
        *,
        message_type: str = "comment",
        context: CallContext | None = None,
    ) -> int:
        await self._thread_model(as_user, model)
        if message_type not in MESSAGE_TYPES:
            raise InvalidArguments(f"message_type must be one of {', '.join(MESSAGE_TYPES)}, not {message_type!r}.")
        if not body.strip():
            raise InvalidArguments("body is empty; write the message to post.")
        # Over RPC the body is plain text: Odoo escapes it, so no markup reaches the chatter unescaped.
        result = await self._call(
            as_user,
            model,
            "message_post",
            ids=[record_id],
            params={"body": body, "message_type": message_type},
            context=context,
        )
        return _first_id(result, "message_post")

    async def read_messages(
        self, as_user: Identity, model: str, record_id: int, *, limit: int, context: CallContext | None = None
    ) -> list[Record]:
        await self._thread_model(as_user, model)
        page = await self.search_read(
            as_user,
            "mail.message",
            [["model", "=", model], ["res_id", "=", record_id]],
            MESSAGE_FIELDS,
            order="date desc, id desc",
            limit=limit,
            context=context,
        )
        return page.records

    # ---- activities -------------------------------------------------------------------------

    async def schedule_activity(
        self,
        as_user: Identity,
        model: str,
        record_id: int,
        *,
        activity_type: str,
        summary: str,
        note: str,
        deadline: str,
        user_id: int | None,
        context: CallContext | None = None,
    ) -> int:
        await self._thread_model(as_user, model)
        type_id = await self._activity_type(as_user, activity_type, context)
        params: dict[str, Any] = {
            "date_deadline": deadline,
            "summary": summary,
            "note": note,
            "activity_type_id": type_id,
        }
        if user_id is not None:
            params["user_id"] = user_id
        result = await self._call(as_user, model, "activity_schedule", ids=[record_id], params=params, context=context)
        return _first_id(result, "activity_schedule")

    async def _activity_type(self, as_user: Identity, activity_type: str, context: CallContext | None) -> int:
        """An activity type by XML id (``mail.mail_activity_data_call``) or by name (``Call``)."""
        module, dot, xml_name = activity_type.partition(".")
        if dot:
            rows = await self._call(
                as_user,
                "ir.model.data",
                "search_read",
                params={
                    "domain": [["module", "=", module], ["name", "=", xml_name], ["model", "=", "mail.activity.type"]],
                    "fields": ["res_id"],
                },
                context=context,
            )
            if rows:
                return int(rows[0]["res_id"])
        else:
            rows = await self._call(
                as_user,
                "mail.activity.type",
                "search_read",
                params={"domain": [["name", "=ilike", activity_type]], "fields": ["name"], "limit": 1},
                context=context,
            )
            if rows:
                return int(rows[0]["id"])
        raise InvalidArguments(
            f"no activity type {activity_type!r}; use a name such as 'To-Do', 'Call' or 'Email', or an XML id "
            "such as 'mail.mail_activity_data_todo'."
        )

    async def read_activities(
        self, as_user: Identity, model: str, record_id: int, *, context: CallContext | None = None
    ) -> list[Record]:
        await self._thread_model(as_user, model)
        return await self._call(
            as_user,
            "mail.activity",
            "search_read",
            params={
                "domain": [["res_model", "=", model], ["res_id", "=", record_id]],
                "fields": ACTIVITY_FIELDS,
                "order": "date_deadline, id",
            },
            context=context,
        )

    # ---- attachments ------------------------------------------------------------------------

    async def list_attachments(
        self, as_user: Identity, model: str, record_id: int, *, context: CallContext | None = None
    ) -> list[Attachment]:
        await self._thread_model(as_user, model)
        rows = await self._call(
            as_user,
            "ir.attachment",
            "search_read",
            params={"domain": [["res_model", "=", model], ["res_id", "=", record_id]], "fields": ATTACHMENT_FIELDS},
            context=context,
        )
        return [_attachment(row) for row in rows]

    async def read_attachment(
        self, as_user: Identity, attachment_id: int, *, max_bytes: int, context: CallContext | None = None
    ) -> Attachment:
        rows = await self._call(
            as_user,
            "ir.attachment",
            "search_read",
            params={"domain": [["id", "=", attachment_id]], "fields": [*ATTACHMENT_FIELDS, "res_model"]},
            context=context,
        )
        if not rows:
            raise MissingRecords(f"no attachment with id {attachment_id} (or you may not see it).")
        if is_denied_model(str(rows[0].get("res_model") or "")):
            raise AccessDenied(f"attachment {attachment_id} belongs to a model Bastion never exposes.")
        meta = _attachment(rows[0])
        if meta.size > max_bytes:
            raise InvalidArguments(
                f"attachment {attachment_id} ({meta.name}) is {meta.size} bytes, over the {max_bytes}-byte limit."
            )
        (content,) = await self._call(
            as_user, "ir.attachment", "read", ids=[attachment_id], params={"fields": ["datas"]}, context=context
        )
        try:
            raw = base64.b64decode(content.get("datas") or b"", validate=True)
        except (binascii.Error, ValueError):
            raise SourceUnavailable(f"Odoo sent attachment {attachment_id} in a form that is not base64.") from None
        if len(raw) > max_bytes:
            raise InvalidArguments(f"attachment {attachment_id} is {len(raw)} bytes, over the {max_bytes}-byte limit.")
        return Attachment(meta.id, meta.name, meta.mimetype, len(raw), raw)

    async def _thread_model(self, as_user: Identity, model: str) -> None:
        if model in {"mail.message", "mail.activity", "ir.attachment"} or is_denied_model(model):
            raise UnknownModel(f"{model!r} is not a business document; name the record's own model, e.g. sale.order.")
        await self.describe_model(as_user, model)


def _form_arch(views: Any) -> str:
    if isinstance(views, Mapping):
        form = (views.get("views") or {}).get("form") or {}
        return str(form.get("arch") or "")
    return ""


def _first_id(result: Any, method: str) -> int:
    """``message_post`` answers an id; ``activity_schedule`` a recordset, which RPC turns into ids."""
    if isinstance(result, list) and result:
        result = result[0]
    if isinstance(result, Mapping):
        result = result.get("id")
    if isinstance(result, int) and not isinstance(result, bool):
        return result
    raise SourceUnavailable(f"Odoo answered {method} without the new record's id.")


def _attachment(row: Mapping[str, Any]) -> Attachment:
    return Attachment(
        id=int(row["id"]),
        name=str(row.get("name") or ""),
        mimetype=str(row.get("mimetype") or "application/octet-stream"),
        size=int(row.get("file_size") or 0),
    )
