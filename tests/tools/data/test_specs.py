"""The data tools' specs: schemas accept the documented calls and describe the real results, names match the
functions, capabilities decide what is listed, and run_tool sends the text rendering and embedded files."""

from __future__ import annotations

import base64
import inspect
from dataclasses import replace
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from bastion.mcp.server import run_tool
from bastion.sources.errors import NotLinked
from bastion.sources.port import Capability
from bastion.tools.context import ConnectionSummary, Principal, ToolContext, UserSummary
from bastion.tools.data import DATA_TOOLS, data_tool_specs
from bastion.tools.data.writing import update_records
from bastion.tools.registry import RiskLevel, ToolCategory
from tests.tools.data.fake_business import EVERYTHING, FakeBusinessSource

# run_tool only passes the context to the handler, and these handlers read nothing from services.
NO_SERVICES: Any = None
BY_NAME = {tool.name: tool for tool in DATA_TOOLS}
CONTEXT = {"lang": "fr_BE", "tz": "Europe/Brussels", "allowed_company_ids": [1]}
# The calls ARCHITECTURE.md and the tool descriptions show, each run for real against the fake Odoo.
EXAMPLES: list[tuple[str, dict[str, Any]]] = [
    ("list_models", {}),
    ("list_models", {"name": "partner", "limit": 10, "offset": 0}),
    ("describe_model", {"model": "sale.order"}),
    ("search_records", {"model": "res.partner"}),
    ("search_records", {"model": "sale.order", "domain": [["state", "=", "sale"], ["partner_id", "=", 1]],
                        "fields": ["name", "amount_total"], "order": "date_order desc", "limit": 5, "offset": 0,
                        "context": CONTEXT}),
    ("search_records", {"model": "res.partner", "domain": ["|", ["city", "=", "Paris"], ["name", "ilike", "a"]]}),
    ("get_records", {"model": "res.partner", "ids": [1, 2], "fields": ["name", "country_id"]}),
    ("count_records", {"model": "sale.order", "domain": [["state", "=", "sale"]]}),
    ("aggregate_records", {"model": "sale.order", "domain": [], "group_by": ["state", "date_order:month"],
                           "measures": ["amount_total:sum", "__count"]}),
    ("aggregate_records", {"model": "sale.order", "domain": [["date_order", ">=", "2026-01-01"]],
                           "group_by": ["partner_id"], "measures": ["amount_total:sum"],
                           "order": "amount_total:sum desc", "limit": 5}),
    ("find_by_name", {"model": "res.partner", "name": "Azure", "limit": 5}),
    ("create_record", {"model": "res.partner", "values": {"name": "New"}, "dry_run": True}),
    ("create_record", {"model": "res.partner", "values": {"name": "New", "country_id": 1}}),
    ("create_records", {"model": "res.partner", "records": [{"name": "A"}, {"name": "B"}], "dry_run": True}),
    ("create_records", {"model": "res.partner", "records": [{"name": "A"}]}),
    ("update_records", {"model": "sale.order", "ids": [1], "values": {"state": "cancel"}, "dry_run": True}),
    ("update_records", {"model": "sale.order", "ids": [1], "values": {"state": "cancel"}}),
    ("delete_records", {"model": "sale.order", "ids": [4], "dry_run": True}),
    ("delete_records", {"model": "sale.order", "ids": [4]}),
    ("execute_method", {"model": "sale.order", "method": "action_confirm", "ids": [3], "args": [], "kwargs": {}}),
    ("get_workflow_state", {"model": "sale.order", "id": 1}),
    ("transition_state", {"model": "sale.order", "id": 1, "action": "action_cancel"}),
    ("post_message", {"model": "res.partner", "id": 1, "body": "Hello", "message_type": "comment"}),
    ("read_messages", {"model": "res.partner", "id": 1, "limit": 10}),
    ("schedule_activity", {"model": "res.partner", "id": 1, "activity_type": "Call", "summary": "Call back",
                           "note": "About the renewal", "deadline": "2026-03-31", "user_id": 2}),
    ("read_activities", {"model": "res.partner", "id": 1}),
    ("list_attachments", {"model": "res.partner", "id": 1}),
    ("read_attachment", {"id": 101}),
]  # fmt: skip


def principal(scopes: tuple[str, ...] = ("mcp:read", "mcp:write")) -> Principal:
    return Principal(
        kind="api_key",
        connection=ConnectionSummary(id=7, name="Key", type="api_key", client_id=None, is_dynamic=False),
        user=UserSummary(id=1, login="alice", name="Alice", is_admin=False),
        scopes=scopes,
        expires_at=None,
        resource="http://testserver/mcp",
    )


@pytest.fixture
def odoo() -> FakeBusinessSource:
    source = FakeBusinessSource()
    source.attach("res.partner", 1, "notes.txt", "text/plain", b"Renewal in May.")
    return source


@pytest.fixture
def specs(env, odoo):
    async def resolve_env(_ctx: ToolContext):
        return replace(env, source=odoo)

    return {spec.name: spec for spec in data_tool_specs(resolve_env, EVERYTHING)}


def test_every_issue_8_tool_is_defined_once():
    assert list(BY_NAME) == [
        "list_models", "describe_model", "search_records", "get_records", "count_records", "aggregate_records",
        "find_by_name", "create_record", "create_records", "update_records", "delete_records", "execute_method",
        "get_workflow_state", "transition_state", "post_message", "read_messages", "schedule_activity",
        "read_activities", "list_attachments", "read_attachment",
    ]  # fmt: skip


@pytest.mark.parametrize("tool", DATA_TOOLS, ids=lambda tool: tool.name)
def test_the_input_schema_names_exactly_the_function_arguments(tool):
    parameters = list(inspect.signature(tool.function).parameters)[1:]
    assert parameters == list(tool.input_schema["properties"])
    required = [
        name for name in parameters if inspect.signature(tool.function).parameters[name].default is inspect._empty
    ]
    assert required == tool.input_schema["required"]


@pytest.mark.parametrize(("name", "arguments"), EXAMPLES, ids=[f"{name}-{n}" for n, (name, _) in enumerate(EXAMPLES)])
async def test_each_documented_call_fits_the_input_schema_and_its_result_fits_the_output_schema(specs, name, arguments):
    spec = specs[name]
    assert spec.argument_problems(arguments) == []
    outcome = await run_tool(spec, ToolContext(principal(), NO_SERVICES, "2025-11-25"), arguments)
    assert outcome.error is None, outcome.error
    Draft202012Validator(spec.output_schema).validate(outcome.result.structured_content)
    assert outcome.result.content[0].text == BY_NAME[name].render_text(outcome.output)


def test_the_capabilities_decide_which_tools_are_listed():
    async def resolve_env(_ctx):
        raise AssertionError("not called")

    sql_read_only = [spec.name for spec in data_tool_specs(resolve_env, frozenset())]
    assert sql_read_only == [
        "list_models", "describe_model", "search_records", "get_records", "count_records", "aggregate_records",
        "find_by_name",
    ]  # fmt: skip
    writable = [spec.name for spec in data_tool_specs(resolve_env, {Capability.WRITE})]
    assert writable == [*sql_read_only, "create_record", "create_records", "update_records", "delete_records"]
    chatter_only = {spec.name for spec in data_tool_specs(resolve_env, {Capability.CHATTER})} - set(sql_read_only)
    assert chatter_only == {"post_message", "read_messages"}


@pytest.mark.parametrize("tool", DATA_TOOLS, ids=lambda tool: tool.name)
def test_scope_category_risk_and_hints_follow_what_the_tool_does(tool):
    changes = tool.name not in {
        "list_models", "describe_model", "search_records", "get_records", "count_records", "aggregate_records",
        "find_by_name", "get_workflow_state", "read_messages", "read_activities", "list_attachments",
        "read_attachment",
    }  # fmt: skip
    spec = tool.spec(lambda _ctx: None)  # type: ignore[arg-type, return-value]
    assert spec.required_scope == ("mcp:write" if changes else "mcp:read")
    assert spec.hints.read_only is not changes
    assert spec.hints.destructive is (tool.name in {"update_records", "delete_records", "execute_method",
                                                    "transition_state"})  # fmt: skip
    # A tool that changes data is never "low" risk: an activity assigned to a colleague notifies them.
    assert (spec.risk is RiskLevel.LOW) is not changes
    if tool.name == "delete_records":
        assert (spec.risk, spec.category) == (RiskLevel.HIGH, ToolCategory.WRITE)


def test_descriptions_teach_the_conventions():
    search = BY_NAME["search_records"].description
    assert "describe_model" in search and "find_by_name" in search and "next_offset" in search
    assert '["state", "=", "sale"]' in search
    for name in ("create_record", "create_records", "update_records", "delete_records"):
        assert "dry_run" in BY_NAME[name].description and "preview_id" in BY_NAME[name].description


async def test_a_limit_over_the_maximum_through_run_tool_is_an_error_result_with_the_maximum(specs):
    outcome = await run_tool(specs["search_records"], ToolContext(principal(), NO_SERVICES, "2025-11-25"),
                             {"model": "res.partner", "limit": 900})  # fmt: skip
    assert outcome.result.is_error is True
    assert outcome.error == (
        "limit 900 is over the maximum of 500: ask for at most 500 and fetch the rest with offset "
        "(each result gives next_offset)."
    )


async def test_a_write_with_a_read_only_token_is_refused_for_the_scope(specs):
    outcome = await run_tool(specs["delete_records"], ToolContext(principal(("mcp:read",)), NO_SERVICES, "2025-11-25"),
                             {"model": "sale.order", "ids": [1]})  # fmt: skip
    assert outcome.error.startswith("The tool 'delete_records' needs the scope mcp:write")


async def test_an_identity_that_cannot_be_resolved_is_a_tool_error_with_the_source_sentence():
    async def resolve_env(_ctx):
        raise NotLinked("Link your Odoo account at /console/account before using the data tools.")

    spec = data_tool_specs(resolve_env, ())[0]
    outcome = await run_tool(spec, ToolContext(principal(), NO_SERVICES, "2025-11-25"), {})
    assert outcome.error == "Link your Odoo account at /console/account before using the data tools."


async def test_read_attachment_carries_the_file_as_an_embedded_resource(specs, odoo):
    pdf = odoo.attach("res.partner", 1, "offer.pdf", "application/pdf", b"%PDF-1.7")
    outcome = await run_tool(
        specs["read_attachment"], ToolContext(principal(), NO_SERVICES, "2025-11-25"), {"id": pdf.id}
    )
    text, embedded = outcome.result.content
    assert text.text == f"Attachment 'offer.pdf' (application/pdf, 8 bytes) is embedded as the resource " \
                        f"bastion://attachments/{pdf.id}/offer.pdf."  # fmt: skip
    assert embedded.type == "resource"
    assert embedded.resource.uri == f"bastion://attachments/{pdf.id}/offer.pdf"
    assert (embedded.resource.mime_type, base64.b64decode(embedded.resource.blob)) == ("application/pdf", b"%PDF-1.7")
    notes = await run_tool(specs["read_attachment"], ToolContext(principal(), NO_SERVICES, "2025-11-25"), {"id": 101})
    assert notes.result.content[1].resource.text == "Renewal in May."


async def test_a_preview_id_from_a_dry_run_through_run_tool_binds_the_real_call(specs, env, odoo):
    ctx = ToolContext(principal(), NO_SERVICES, "2025-11-25")
    call = {"model": "sale.order", "ids": [1], "values": {"state": "cancel"}}
    preview = await run_tool(specs["update_records"], ctx, {**call, "dry_run": True})
    token = preview.output["preview_id"]
    assert token == (await update_records(replace(env, source=odoo), dry_run=True, **call))["preview_id"]
    wrong = await run_tool(specs["update_records"], ctx, {**call, "ids": [2], "preview_id": token})
    assert wrong.error.startswith("The preview_id does not match this update_records call")
    done = await run_tool(specs["update_records"], ctx, {**call, "preview_id": token})
    assert done.output == {"model": "sale.order", "dry_run": False, "updated": [1], "fields": ["state"]}
