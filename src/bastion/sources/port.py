"""The ``DataSource`` port: the only thing tools talk to, whatever holds the data (SQL, Odoo).

Shapes follow Odoo's own conventions, which AI models already know, so the same call reads the
same on every source:

- a *model* is a dotted name (``res.partner``); a record is a dict of field name → value with
  ``id`` always present;
- many2one values read as ``[id, display_name]`` (or ``False`` when empty), x2many as a list of
  ids, dates as ``YYYY-MM-DD``, datetimes as ``YYYY-MM-DD HH:MM:SS`` (UTC), empty values as ``False``;
- a *domain* is Odoo's list of ``[field, operator, value]`` triples and the prefix operators
  ``"&"``, ``"|"``, ``"!"``;
- ``group_by`` entries are ``field`` or ``field:day|week|month|quarter|year``; ``measures`` are
  ``field:sum|avg|min|max|count_distinct`` or ``__count``; a date group's value is the first day of
  its period as ``YYYY-MM-DD`` (weeks start on Monday), on every source.

Every call names the identity it acts for (``as_user``): a source never acts as "the server"
unless the administrator configured a service account. Failures are ``bastion.sources.errors``
exceptions whose message is fit to show the caller.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Protocol, runtime_checkable

Domain = Sequence[Any]
Record = dict[str, Any]
Values = Mapping[str, Any]
CallContext = Mapping[str, Any]  # Odoo's context: lang, tz, allowed_company_ids


class Capability(StrEnum):
    """What a source can do beyond reading; a tool whose capability is missing is not listed."""

    WRITE = "write"  # create / update / delete (a SQL source only when the administrator allowed it)
    METHODS = "methods"  # call a public model method (Odoo)
    WORKFLOW = "workflow"  # state field plus the transitions a user could trigger (Odoo)
    CHATTER = "chatter"  # messages on a record (Odoo mail.thread)
    ACTIVITIES = "activities"  # scheduled activities (Odoo mail.activity)
    ATTACHMENTS = "attachments"  # files attached to records (Odoo ir.attachment)


@dataclass(frozen=True)
class Identity:
    """Who a call acts for on the source.

    ``login`` is the source-side login (the Odoo login, or the Bastion login on a SQL source);
    ``secret`` is the source credential (an Odoo API key) decrypted for this call only, ``None``
    where the source needs none. ``cache_key`` keys anything cached from what this identity saw
    (two Odoo users may see different models and fields; every SQL caller sees the same schema).
    """

    bastion_user_id: int
    login: str
    secret: str | None = field(default=None, repr=False)
    cache_key: str = ""


@dataclass(frozen=True)
class ModelInfo:
    name: str  # res.partner
    label: str  # Contact
    description: str = ""  # one short sentence, when the source knows one


@dataclass(frozen=True)
class FieldInfo:
    name: str
    label: str
    # Odoo field types: char text html integer float monetary boolean date datetime selection
    # many2one one2many many2many binary
    type: str
    required: bool = False
    readonly: bool = False
    relation: str | None = None  # the co-model of relational fields
    selection: tuple[tuple[str, str], ...] | None = None  # (value, label) pairs of selection fields
    help: str = ""
    stored: bool = True  # can be filtered, sorted and grouped on


@dataclass(frozen=True)
class ModelDescription:
    model: ModelInfo
    fields: tuple[FieldInfo, ...]
    # Fields returned when a caller names none: compact, never every field of a wide model.
    default_fields: tuple[str, ...] = ()
    # The field holding the record's display name (``name``, or the first text field).
    name_field: str | None = None

    def field(self, name: str) -> FieldInfo | None:
        return next((info for info in self.fields if info.name == name), None)


@dataclass(frozen=True)
class RecordPage:
    """One page of a search: the records and how many match in all (for the paging envelope)."""

    records: list[Record]
    total: int


@dataclass(frozen=True)
class Transition:
    """A button a user could press on a record (Odoo workflow action), e.g. ``action_confirm``."""

    action: str
    label: str


@dataclass(frozen=True)
class WorkflowState:
    state_field: str
    state: str | None
    state_label: str | None
    transitions: tuple[Transition, ...]


@dataclass(frozen=True)
class Attachment:
    id: int
    name: str
    mimetype: str
    size: int
    data: bytes | None = field(default=None, repr=False)  # only when the file itself was asked for


@dataclass(frozen=True)
class SourceStatus:
    """What *Test connection* shows: which server answered, over what, as whom."""

    kind: str  # "sql" | "odoo"
    version: str  # e.g. "PostgreSQL 15.19" or "Odoo 19.0"
    protocol: str  # "sqlalchemy" | "json-2" | "json-rpc"
    identity: str  # the login the test used
    detail: str = ""


@runtime_checkable
class DataSource(Protocol):
    """The data behind the tools. Read methods are always there; the rest depend on ``capabilities``."""

    kind: str  # "sql" | "odoo"

    @property
    def capabilities(self) -> frozenset[Capability]: ...

    async def test(self, as_user: Identity) -> SourceStatus: ...

    async def list_models(self, as_user: Identity) -> list[ModelInfo]: ...

    async def describe_model(self, as_user: Identity, model: str) -> ModelDescription: ...

    async def search_read(
        self,
        as_user: Identity,
        model: str,
        domain: Domain,
        fields: Sequence[str],
        *,
        order: str = "",
        limit: int,
        offset: int = 0,
        context: CallContext | None = None,
    ) -> RecordPage: ...

    async def read(
        self,
        as_user: Identity,
        model: str,
        ids: Sequence[int],
        fields: Sequence[str],
        *,
        context: CallContext | None = None,
    ) -> list[Record]:
        """The records in the order of ``ids``; raises ``MissingRecords`` naming the ids that do not exist."""
        ...

    async def count(
        self, as_user: Identity, model: str, domain: Domain, *, context: CallContext | None = None
    ) -> int: ...

    async def aggregate(
        self,
        as_user: Identity,
        model: str,
        domain: Domain,
        group_by: Sequence[str],
        measures: Sequence[str],
        *,
        order: str = "",
        limit: int | None = None,
        context: CallContext | None = None,
    ) -> list[Record]:
        """One row per group: each ``group_by`` entry and each measure as a key (``"date_order:month"``,
        ``"amount_total:sum"``, ``"__count"``); many2one groups as ``[id, display_name]``. Without
        ``group_by``, one row over every matching record."""
        ...

    async def name_search(
        self, as_user: Identity, model: str, name: str, *, limit: int, context: CallContext | None = None
    ) -> list[tuple[int, str]]:
        """``(id, display_name)`` of records whose display name contains ``name`` (case-insensitive)."""
        ...

    async def create(
        self, as_user: Identity, model: str, values: Sequence[Values], *, context: CallContext | None = None
    ) -> list[int]:
        """Creates every record or none (one transaction); returns the new ids in order."""
        ...

    async def update(
        self,
        as_user: Identity,
        model: str,
        ids: Sequence[int],
        values: Values,
        *,
        context: CallContext | None = None,
    ) -> None: ...

    async def delete(
        self, as_user: Identity, model: str, ids: Sequence[int], *, context: CallContext | None = None
    ) -> None: ...

    async def aclose(self) -> None: ...


@runtime_checkable
class BusinessSource(DataSource, Protocol):
    """A source with Odoo's business layer: methods, workflow, chatter, activities, attachments.

    Each method is offered only when the matching ``Capability`` is in ``capabilities``.
    """

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
        """A public model method (never one starting with ``_``, never a denylisted one)."""
        ...

    async def workflow_state(
        self, as_user: Identity, model: str, record_id: int, *, context: CallContext | None = None
    ) -> WorkflowState: ...

    async def transition(
        self, as_user: Identity, model: str, record_id: int, action: str, *, context: CallContext | None = None
    ) -> Any:
        """Presses one of the buttons ``workflow_state`` offered; anything else is refused."""
        ...

    async def post_message(
        self,
        as_user: Identity,
        model: str,
        record_id: int,
        body: str,
        *,
        message_type: str = "comment",
        context: CallContext | None = None,
    ) -> int: ...

    async def read_messages(
        self, as_user: Identity, model: str, record_id: int, *, limit: int, context: CallContext | None = None
    ) -> list[Record]: ...

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
    ) -> int: ...

    async def read_activities(
        self, as_user: Identity, model: str, record_id: int, *, context: CallContext | None = None
    ) -> list[Record]: ...

    async def list_attachments(
        self, as_user: Identity, model: str, record_id: int, *, context: CallContext | None = None
    ) -> list[Attachment]: ...

    async def read_attachment(
        self, as_user: Identity, attachment_id: int, *, max_bytes: int, context: CallContext | None = None
    ) -> Attachment: ...
