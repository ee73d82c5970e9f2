"""The fake source with Odoo's business layer: methods, workflow, chatter, activities and attachments."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import Any

from bastion.sources.errors import AccessDenied, InvalidArguments, MissingRecords
from bastion.sources.port import Attachment, Capability, Identity, Record, Transition, WorkflowState
from tests.tools.data.fake_source import FakeSource
from tests.tools.data.sample import company

EVERYTHING = frozenset(Capability)
# sale.order's buttons per state, and where each one leads.
BUTTONS = {
    "draft": (("action_confirm", "Confirm", "sale"), ("action_cancel", "Cancel", "cancel")),
    "sale": (("action_cancel", "Cancel", "cancel"),),
    "cancel": (("action_draft", "Set to Quotation", "draft"),),
}
DENIED_METHODS = frozenset({"unlink", "sudo", "with_user", "write", "create"})


class FakeBusinessSource(FakeSource):
    kind = "odoo"

    def __init__(self) -> None:
        super().__init__(company(), EVERYTHING)
        self.messages: dict[tuple[str, int], list[Record]] = defaultdict(list)
        self.activities: dict[tuple[str, int], list[Record]] = defaultdict(list)
        self.attachments: list[tuple[str, int, Attachment]] = []
        self._next_id = 100

    def _new_id(self) -> int:
        self._next_id += 1
        return self._next_id

    def _record(self, model: str, record_id: int) -> dict[str, Any]:
        target = self._model(model)
        row = next((row for row in target.rows if row["id"] == record_id), None)
        if row is None:
            raise MissingRecords(f"No {model} record has the id(s) {record_id}.")
        return row

    async def call_method(
        self,
        as_user: Identity,
        model: str,
        method: str,
        ids: Sequence[int],
        args: Sequence[Any],
        kwargs: Mapping[str, Any],
        *,
        context: Mapping[str, Any] | None = None,
    ) -> Any:
        self._enter("call_method", model, method, list(ids), list(args), dict(kwargs), context)
        if method.startswith("_") or method in DENIED_METHODS:
            raise AccessDenied(f"The method {method!r} may not be called through Bastion.")
        if method == "name_get":
            target = self._model(model)
            return [(record_id, self.display_name(target, self._record(model, record_id))) for record_id in ids]
        for record_id in ids:
            await self.transition(as_user, model, record_id, method, context=context)
        return True

    async def workflow_state(
        self, as_user: Identity, model: str, record_id: int, *, context: Mapping[str, Any] | None = None
    ) -> WorkflowState:
        self._enter("workflow_state", model, record_id, context)
        row = self._record(model, record_id)
        labels = dict(self._model(model).description.field("state").selection or ())
        steps = tuple(Transition(action, label) for action, label, _ in BUTTONS[row["state"]])
        return WorkflowState("state", row["state"], labels[row["state"]], steps)

    async def transition(
        self, as_user: Identity, model: str, record_id: int, action: str, *, context: Mapping[str, Any] | None = None
    ) -> Any:
        self._enter("transition", model, record_id, action, context)
        row = self._record(model, record_id)
        target = {name: state for name, _, state in BUTTONS[row["state"]]}
        if action not in target:
            raise InvalidArguments(f"{action!r} is not a button of this record in the state {row['state']!r}.")
        row["state"] = target[action]
        return True

    async def post_message(
        self,
        as_user: Identity,
        model: str,
        record_id: int,
        body: str,
        *,
        message_type: str = "comment",
        context: Mapping[str, Any] | None = None,
    ) -> int:
        self._enter("post_message", model, record_id, body, message_type, context)
        self._record(model, record_id)
        message_id = self._new_id()
        message = {"id": message_id, "body": body, "message_type": message_type, "author_id": [3, as_user.login]}
        self.messages[(model, record_id)].insert(0, message)
        return message_id

    async def read_messages(
        self, as_user: Identity, model: str, record_id: int, *, limit: int, context: Mapping[str, Any] | None = None
    ) -> list[Record]:
        self._enter("read_messages", model, record_id, limit, context)
        self._record(model, record_id)
        return self.messages[(model, record_id)][:limit]

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
        context: Mapping[str, Any] | None = None,
    ) -> int:
        self._enter("schedule_activity", model, record_id, activity_type, summary, note, deadline, user_id, context)
        self._record(model, record_id)
        activity_id = self._new_id()
        self.activities[(model, record_id)].append(
            {"id": activity_id, "activity_type_id": [1, activity_type], "summary": summary,
             "date_deadline": deadline, "user_id": [user_id or as_user.bastion_user_id, as_user.login]}
        )  # fmt: skip
        return activity_id

    async def read_activities(
        self, as_user: Identity, model: str, record_id: int, *, context: Mapping[str, Any] | None = None
    ) -> list[Record]:
        self._enter("read_activities", model, record_id, context)
        self._record(model, record_id)
        return list(self.activities[(model, record_id)])

    def attach(self, model: str, record_id: int, name: str, mimetype: str, data: bytes) -> Attachment:
        attachment = Attachment(self._new_id(), name, mimetype, len(data), data)
        self.attachments.append((model, record_id, attachment))
        return attachment

    async def list_attachments(
        self, as_user: Identity, model: str, record_id: int, *, context: Mapping[str, Any] | None = None
    ) -> list[Attachment]:
        self._enter("list_attachments", model, record_id, context)
        self._record(model, record_id)
        return [
            Attachment(item.id, item.name, item.mimetype, item.size)
            for owner, owner_id, item in self.attachments
            if (owner, owner_id) == (model, record_id)
        ]

    async def read_attachment(
        self, as_user: Identity, attachment_id: int, *, max_bytes: int, context: Mapping[str, Any] | None = None
    ) -> Attachment:
        self._enter("read_attachment", attachment_id, max_bytes, context)
        found = next((item for _, _, item in self.attachments if item.id == attachment_id), None)
        if found is None:
            raise MissingRecords(f"No ir.attachment record has the id(s) {attachment_id}.")
        # The size is known before the file is fetched: an oversized file is described, not transferred.
        return found if found.size <= max_bytes else Attachment(found.id, found.name, found.mimetype, found.size)
