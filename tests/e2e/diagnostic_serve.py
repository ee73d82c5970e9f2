"""A test build of Bastion: ``bastion serve`` with the MCP conformance suite's diagnostic tools registered.

The suite's server scenarios call tools of fixed names (``test_simple_text``, ``test_error_handling``, ...)
with fixed answers. They are ordinary ``ToolSpec``s handed to ``create_app(extra_tools=...)``, so they go
through the same registry, gate, scope check, argument validation and audit as the product's tools; the
product (``bastion serve``) never registers them. Run as ``python -m tests.e2e.diagnostic_serve --port N``
with the same ``BASTION_*`` environment as ``bastion serve``.
"""

from __future__ import annotations

import argparse
import asyncio
from typing import Any

import uvicorn
from mcp_types import ClientCapabilities, EmbeddedResource, SamplingCapability, TextResourceContents

from bastion import scopes as scope_rules
from bastion.access_log import uvicorn_log_config
from bastion.app import create_app
from bastion.cli.serve import start_up
from bastion.config import DEFAULT_HOST, Settings
from bastion.tools.context import ToolContext
from bastion.tools.registry import RiskLevel, ToolCategory, ToolError, ToolHints, ToolSpec

NO_ARGUMENTS: dict[str, Any] = {"type": "object", "properties": {}, "additionalProperties": False}
SIMPLE_TEXT = "This is a simple text response for testing."
ERROR_TEXT = "This tool intentionally returns an error for testing"
EMBEDDED_URI = "test://embedded-resource"
EMBEDDED_TEXT = "This is an embedded resource content."


def diagnostic_tool(name: str, description: str, handler: Any, **extra: Any) -> ToolSpec:
    return ToolSpec(
        name=name,
        title=name,
        description=f"{description} (MCP conformance suite diagnostic; test builds only).",
        category=ToolCategory.READ,
        risk=RiskLevel.LOW,
        required_scope=scope_rules.READ,
        hints=ToolHints(read_only=True, idempotent=True),
        input_schema=NO_ARGUMENTS,
        handler=handler,
        **extra,
    )


async def nothing(_ctx: ToolContext, _arguments: dict[str, Any]) -> dict[str, Any]:
    return {}


async def always_fails(_ctx: ToolContext, _arguments: dict[str, Any]) -> dict[str, Any]:
    raise ToolError(ERROR_TEXT)


def embedded_resource(_output: dict[str, Any]) -> list[EmbeddedResource]:
    contents = TextResourceContents(uri=EMBEDDED_URI, mime_type="text/plain", text=EMBEDDED_TEXT)
    return [EmbeddedResource(resource=contents)]


DIAGNOSTIC_TOOLS = [
    diagnostic_tool("test_simple_text", "Answers a fixed sentence", nothing, render_text=lambda _: SIMPLE_TEXT),
    diagnostic_tool("test_error_handling", "Always answers a tool error", always_fails),
    diagnostic_tool(
        "test_embedded_resource",
        "Answers with an embedded text resource",
        nothing,
        render_text=lambda _: "An embedded resource follows.",
        embedded_resources=embedded_resource,
    ),
    # Would ask the client's model (sampling): refused with -32021 when the client did not declare sampling.
    diagnostic_tool(
        "test_missing_capability",
        "Needs the client's sampling capability",
        nothing,
        required_client_capabilities=ClientCapabilities(sampling=SamplingCapability()),
    ),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default=DEFAULT_HOST)
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    settings = Settings.from_env(host=args.host, port=args.port)
    asyncio.run(start_up(settings))
    app = create_app(settings, extra_tools=DIAGNOSTIC_TOOLS)
    uvicorn.run(app, host=args.host, port=args.port, log_level="info", log_config=uvicorn_log_config())


if __name__ == "__main__":
    main()
