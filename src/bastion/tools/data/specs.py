"""The data tools as ``ToolSpec``s: what each one tells the model, its schemas, scope, hints and capability.

``data_tool_specs(resolve_env, capabilities)`` lists the tools a source can serve: a tool whose capability
the source lacks (workflow on SQL, writes on a read-only SQL source) is not listed at all.
"""

from __future__ import annotations

from collections.abc import Iterable

from bastion.sources.port import Capability
from bastion.tools.data import reading, rendering, writing
from bastion.tools.data import schemas as s
from bastion.tools.data.business_specs import BUSINESS_TOOLS
from bastion.tools.data.data_tool import DRY_RUN, FIND_FIRST, PAGING, DataTool, ResolveEnv, read_tool
from bastion.tools.registry import RiskLevel, ToolCategory, ToolHints, ToolSpec

RECORDS_OUT = s.envelope(model=s.STRING, fields=s.STRINGS)
WRITE_IN = {"dry_run": s.DRY_RUN, "preview_id": s.PREVIEW_ID, "context": s.CONTEXT}

DATA_TOOLS: tuple[DataTool, ...] = (
    read_tool(
        "list_models",
        "List models",
        "Lists the models (tables) you can read, each with its technical name (res.partner), label and a short "
        "description. Filter with name (part of a model name or label, e.g. 'partner' or 'invoice'). " + PAGING,
        input_schema=s.arguments([], name={"type": "string", "default": ""}, limit=s.LIMIT, offset=s.OFFSET),
        output_schema=s.envelope(s.MODEL_ENTRY),
        function=reading.list_models,
        render_text=rendering.render_models,
    ),
    read_tool(
        "describe_model",
        "Describe a model",
        "Describes one model's fields: name, label, type, required, readonly, the related model of many2one/"
        "one2many/many2many fields, the values of selection fields, and help. Call it before building a domain, "
        "choosing fields or writing values; default_fields are what search_records returns when no fields are asked.",
        input_schema=s.arguments(["model"], model=s.MODEL),
        output_schema=s.result(
            model=s.STRING,
            label=s.STRING,
            description=s.STRING,
            name_field=s.OPTIONAL_STRING,
            default_fields=s.STRINGS,
            fields={"type": "array", "items": s.FIELD_ENTRY},
        ),
        function=reading.describe_model,
        render_text=rendering.render_description,
    ),
    read_tool(
        "search_records",
        "Search records",
        "Finds records of a model matching an Odoo domain, e.g. domain "
        '[["state", "=", "sale"], ["partner_id", "=", 14]] with fields ["name", "amount_total"], order '
        "'date_order desc'. Many2one values come back as [id, name]. " + FIND_FIRST + " " + PAGING,
        input_schema=s.arguments(
            ["model"],
            model=s.MODEL,
            domain=s.DOMAIN,
            fields=s.FIELDS,
            order=s.ORDER,
            limit=s.LIMIT,
            offset=s.OFFSET,
            context=s.CONTEXT,
        ),
        output_schema=RECORDS_OUT,
        function=reading.search_records,
        render_text=rendering.render_records,
    ),
    read_tool(
        "get_records",
        "Get records by id",
        "Reads records by id, in the order of ids (at most 500 per call); fields as in search_records.",
        input_schema=s.arguments(["model", "ids"], model=s.MODEL, ids=s.IDS, fields=s.FIELDS, context=s.CONTEXT),
        output_schema=RECORDS_OUT,
        function=reading.get_records,
        render_text=rendering.render_records,
    ),
    read_tool(
        "count_records",
        "Count records",
        "Counts the records matching an Odoo domain (see search_records), without reading them. " + FIND_FIRST,
        input_schema=s.arguments(["model"], model=s.MODEL, domain=s.DOMAIN, context=s.CONTEXT),
        output_schema=s.result(model=s.STRING, count={"type": "integer", "minimum": 0}),
        function=reading.count_records,
        render_text=rendering.render_count,
    ),
    read_tool(
        "aggregate_records",
        "Aggregate records",
        "Groups matching records and computes measures, like Odoo's read_group: group_by fields or date parts "
        "(field:day|week|month|quarter|year), measures field:sum|avg|min|max|count_distinct or __count; order by "
        "a group_by entry or a measure. Example: top customers this year: domain "
        '[["date_order", ">=", "2026-01-01"]], group_by ["partner_id"], measures ["amount_total:sum"], '
        "order 'amount_total:sum desc', limit 5. " + PAGING,
        input_schema=s.arguments(
            ["model"],
            model=s.MODEL,
            domain=s.DOMAIN,
            group_by={"type": "array", "items": {"type": "string", "minLength": 1}, "default": []},
            measures={"type": "array", "items": {"type": "string", "minLength": 1}, "default": ["__count"]},
            order=s.ORDER,
            limit=s.LIMIT,
            offset=s.OFFSET,
            context=s.CONTEXT,
        ),
        output_schema=s.envelope(model=s.STRING, group_by=s.STRINGS, measures=s.STRINGS),
        function=reading.aggregate_records,
        render_text=rendering.render_aggregate,
    ),
    read_tool(
        "find_by_name",
        "Find records by name",
        "Resolves a name to record ids (case-insensitive, part of the display name), e.g. model res.partner, "
        "name 'Azure' → [{id: 14, display_name: 'Azure Interior'}]. Use it before filtering on a many2one. "
        "has_more true means more match: give a longer name.",
        input_schema=s.arguments(
            ["model", "name"], model=s.MODEL, name={"type": "string"}, limit=s.LIMIT, context=s.CONTEXT
        ),
        output_schema=s.envelope(s.NAME_ENTRY, model=s.STRING, name=s.STRING),
        function=reading.find_by_name,
        render_text=rendering.render_names,
    ),
    DataTool(
        "create_record",
        "Create a record",
        "Creates one record from values (field → value; many2one as an id). " + DRY_RUN,
        ToolCategory.WRITE,
        RiskLevel.MEDIUM,
        ToolHints(read_only=False),
        s.arguments(["model", "values"], model=s.MODEL, values=s.VALUES, **WRITE_IN),
        s.result(["model", "dry_run"], **s.WRITE_RESULT, would_create=s.records_of(), ids=s.INTEGERS, id=s.INTEGER),
        writing.create_record,
        rendering.render_create,
        Capability.WRITE,
    ),
    DataTool(
        "create_records",
        "Create records",
        "Creates up to 100 records in one call, all or none. " + DRY_RUN,
        ToolCategory.WRITE,
        RiskLevel.MEDIUM,
        ToolHints(read_only=False),
        s.arguments(
            ["model", "records"],
            model=s.MODEL,
            records={"type": "array", "items": s.VALUES, "minItems": 1, "maxItems": writing.MAX_CREATE_BATCH},
            **WRITE_IN,
        ),
        s.result(["model", "dry_run"], **s.WRITE_RESULT, would_create=s.records_of(), ids=s.INTEGERS),
        writing.create_records,
        rendering.render_create,
        Capability.WRITE,
    ),
    DataTool(
        "update_records",
        "Update records",
        "Sets the same values on every record in ids; the dry run shows each record's current values beside the "
        "new ones. " + DRY_RUN,
        ToolCategory.WRITE,
        RiskLevel.MEDIUM,
        ToolHints(read_only=False, destructive=True, idempotent=True),
        s.arguments(["model", "ids", "values"], model=s.MODEL, ids=s.IDS, values=s.VALUES, **WRITE_IN),
        s.result(
            ["model", "dry_run"],
            **s.WRITE_RESULT,
            changes={"type": "array", "items": s.CHANGE},
            updated=s.INTEGERS,
            fields=s.STRINGS,
        ),
        writing.update_records,
        rendering.render_update,
        Capability.WRITE,
    ),
    DataTool(
        "delete_records",
        "Delete records",
        "Deletes the records in ids, which cannot be undone; the dry run shows them as they are. " + DRY_RUN,
        ToolCategory.WRITE,
        RiskLevel.HIGH,
        ToolHints(read_only=False, destructive=True, idempotent=True),
        s.arguments(["model", "ids"], model=s.MODEL, ids=s.IDS, **WRITE_IN),
        s.result(["model", "dry_run"], **s.WRITE_RESULT, would_delete=s.records_of(), deleted=s.INTEGERS),
        writing.delete_records,
        rendering.render_delete,
        Capability.WRITE,
    ),
    *BUSINESS_TOOLS,
)


def data_tool_specs(resolve_env: ResolveEnv, capabilities: Iterable[Capability]) -> list[ToolSpec]:
    """The specs of the data tools a source with ``capabilities`` can serve."""
    offered = set(capabilities)
    return [tool.spec(resolve_env) for tool in DATA_TOOLS if tool.capability is None or tool.capability in offered]
