"""The tool registry: what a ToolSpec must declare, lookups, and which tools a set of scopes may see."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from bastion.sources.port import Capability
from bastion.tools.catalog import default_registry
from bastion.tools.data import DATA_TOOLS
from bastion.tools.registry import RiskLevel, ToolCategory, ToolHints, ToolRegistry, ToolSpec


async def echo(_ctx: Any, arguments: dict[str, Any]) -> dict[str, Any]:
    return arguments


SEARCH = ToolSpec(
    name="search_records",
    title="Search records",
    description="Finds records.",
    category=ToolCategory.READ,
    risk=RiskLevel.LOW,
    required_scope="mcp:read",
    hints=ToolHints(read_only=True, idempotent=True),
    input_schema={
        "type": "object",
        "properties": {
            "model": {"type": "string"},
            "limit": {"type": "integer", "minimum": 1, "maximum": 500},
            "fields": {"type": "array", "items": {"type": "string"}},
        },
        "required": ["model"],
        "additionalProperties": False,
    },
    handler=echo,
)
CREATE = replace(
    SEARCH,
    name="create_record",
    category=ToolCategory.WRITE,
    risk=RiskLevel.MEDIUM,
    required_scope="mcp:write",
    hints=ToolHints(read_only=False),
)


def test_visible_tools_follow_the_granted_scopes():
    registry = ToolRegistry([SEARCH, CREATE])
    assert [spec.name for spec in registry.visible_for(["mcp:read"])] == ["search_records"]
    full = registry.visible_for(["mcp:read", "mcp:write"])
    assert [spec.name for spec in full] == ["create_record", "search_records"]
    assert registry.visible_for([]) == []


def test_a_tool_is_found_by_name_and_two_tools_cannot_share_one():
    registry = ToolRegistry([SEARCH])
    assert registry.get("search_records") is SEARCH
    assert registry.get("nope") is None
    with pytest.raises(ValueError, match="already registered"):
        registry.register(replace(SEARCH, description="again"))


def test_argument_problems_name_each_argument_and_what_is_wrong_with_it():
    problems = SEARCH.argument_problems({"limit": 0, "fields": ["name", 3], "extra": True})
    assert "arguments: 'model' is a required property" in problems
    assert "arguments: Additional properties are not allowed ('extra' was unexpected)" in problems
    assert "argument 'limit': 0 is less than the minimum of 1" in problems
    assert "argument 'fields[1]': 3 is not of type 'string'" in problems
    assert SEARCH.argument_problems({"model": "res.partner", "limit": 80}) == []


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"name": "search records"}, "must be 1-128 of"),
        ({"required_scope": "admin"}, "required_scope must be one of"),
        ({"hints": ToolHints(read_only=False)}, "read-only \\(hint\\) exactly when it needs only mcp:read"),
        ({"input_schema": {"type": "array"}}, "input schema must have type 'object'"),
        ({"input_schema": {"type": "object", "properties": {"x": {"type": "strng"}}}}, "not valid JSON Schema"),
        ({"output_schema": {"type": "string"}}, "output schema must have type 'object'"),
    ],
)
def test_a_spec_that_would_mislead_clients_is_refused_when_defined(changes, message):
    with pytest.raises(ValueError, match=message):
        replace(SEARCH, **changes)


async def no_env(_ctx: Any) -> Any:
    raise AssertionError("listing the catalog resolves no data tool env")


def test_the_default_catalog_serves_whoami_and_every_data_tool_with_the_capability_it_needs():
    catalog = default_registry(no_env)

    assert catalog.names() == sorted(["whoami", *(tool.name for tool in DATA_TOOLS)])
    assert catalog.get("whoami").required_capability is None
    for tool in DATA_TOOLS:
        assert catalog.get(tool.name).required_capability == tool.capability
    assert catalog.get("search_records").required_capability is None
    assert catalog.get("create_record").required_capability == Capability.WRITE
    assert catalog.get("get_workflow_state").required_capability == Capability.WORKFLOW
