"""A tool that needs a capability the client did not declare is refused with -32021, saying what to declare."""

from __future__ import annotations

from typing import Any

import pytest
from mcp.shared.exceptions import MCPError
from mcp_types import ClientCapabilities, SamplingCapability

from bastion import scopes as scope_rules
from bastion.tools.registry import RiskLevel, ToolCategory, ToolHints, ToolRegistry, ToolSpec
from bastion.tools.whoami import WHOAMI
from tests.factories import make_api_key
from tests.mcp.helpers import MODERN_VERSION, audit_events, make_member, post_mcp, sdk_client


async def summarize(_ctx: Any, _arguments: dict[str, Any]) -> dict[str, Any]:
    return {"summary": "done"}


# A tool that would ask the client's model to write a summary: it cannot run for a client without sampling.
SUMMARIZE = ToolSpec(
    name="summarize",
    title="Summarize",
    description="Asks the client's model for a summary (test-only).",
    category=ToolCategory.READ,
    risk=RiskLevel.LOW,
    required_scope=scope_rules.READ,
    hints=ToolHints(read_only=True),
    input_schema={"type": "object", "properties": {}, "additionalProperties": False},
    handler=summarize,
    required_client_capabilities=ClientCapabilities(sampling=SamplingCapability()),
)


@pytest.fixture
def registry() -> ToolRegistry:
    return ToolRegistry([WHOAMI, SUMMARIZE])


async def api_key(services) -> str:
    return (await make_api_key(services, await make_member(services))).secret


@pytest.mark.parametrize("mode", ["legacy", "auto"])
async def test_a_client_without_the_capability_is_refused_with_what_to_declare(app, services, mode):
    async with sdk_client(app, await api_key(services), mode) as mcp:
        with pytest.raises(MCPError) as refused:
            await mcp.call_tool("summarize", {})
    assert refused.value.code == -32021
    assert "needs the client capabilities sampling" in refused.value.message
    assert refused.value.data == {"requiredCapabilities": {"sampling": {}}}
    [called] = await audit_events(services, "tool.called")
    assert (called.detail["tool"], called.detail["outcome"]) == ("summarize", "error")


def modern_call(capabilities: dict[str, Any]) -> dict[str, Any]:
    meta = {
        "io.modelcontextprotocol/protocolVersion": MODERN_VERSION,
        "io.modelcontextprotocol/clientInfo": {"name": "test", "version": "1"},
        "io.modelcontextprotocol/clientCapabilities": capabilities,
    }
    return {"jsonrpc": "2.0", "id": 9, "method": "tools/call", "params": {"name": "summarize", "_meta": meta}}


async def test_on_the_stateless_wire_the_refusal_is_http_400_and_a_declaring_client_is_served(client, services):
    key = await api_key(services)
    headers = {"MCP-Protocol-Version": MODERN_VERSION, "Mcp-Method": "tools/call", "Mcp-Name": "summarize"}
    refused = await post_mcp(client, modern_call({}), token=key, headers=headers)
    assert refused.status_code == 400
    assert refused.json()["id"] == 9
    assert refused.json()["error"]["data"] == {"requiredCapabilities": {"sampling": {}}}
    served = await post_mcp(client, modern_call({"sampling": {}}), token=key, headers=headers)
    assert served.status_code == 200, served.text
    assert served.json()["result"]["structuredContent"] == {"summary": "done"}
