"""The tool registry: every tool's metadata, schemas, required scope and handler, looked up by name.

A tool is a ``ToolSpec``; the MCP server lists and dispatches whatever the registry holds, so a
new tool (``search_records``, ``create_record``, ...) plugs in by registering one spec.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError
from mcp_types import ClientCapabilities, EmbeddedResource

from bastion import scopes as scope_rules
from bastion.sources.port import Capability
from bastion.tools.context import ToolContext

ToolHandler = Callable[[ToolContext, dict[str, Any]], Awaitable[dict[str, Any]]]

# MCP 2025-11-25 "Tool names" (SEP-986): 1-128 ASCII letters, digits, "_", "-" and ".".
TOOL_NAME = re.compile(r"^[A-Za-z0-9._-]{1,128}$")


class ToolError(Exception):
    """A call the tool cannot carry out; the message tells the caller (an AI model) how to fix the call."""


class ToolCategory(StrEnum):
    READ = "read"
    WRITE = "write"
    EXECUTE = "execute"
    WORKFLOW = "workflow"
    CHATTER = "chatter"
    SESSION = "session"


class RiskLevel(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


@dataclass(frozen=True)
class ToolHints:
    """The MCP tool annotations (hints to clients, not guarantees) with the spec's defaults made explicit."""

    read_only: bool
    destructive: bool = False
    idempotent: bool = False
    open_world: bool = False


@dataclass(frozen=True)
class ToolSpec:
    name: str
    title: str
    description: str
    category: ToolCategory
    risk: RiskLevel
    required_scope: str
    hints: ToolHints
    input_schema: Mapping[str, Any]
    handler: ToolHandler
    output_schema: Mapping[str, Any] | None = None
    # The result's text for a model to read (a table, a sentence); None sends the output as JSON text.
    render_text: Callable[[dict[str, Any]], str] | None = None
    # Files the result carries as MCP embedded resources after the text (read_attachment).
    embedded_resources: Callable[[dict[str, Any]], list[EmbeddedResource]] | None = None
    # What the data source must offer for this tool to be listed and callable (None: every source serves it).
    required_capability: Capability | None = None
    # What the MCP client must have declared for this tool to run (sampling for a tool that asks the client's
    # model, elicitation for one that asks the person); None: any client.
    required_client_capabilities: ClientCapabilities | None = None
    validator: Draft202012Validator = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not TOOL_NAME.match(self.name):
            raise ValueError(f"tool name {self.name!r} must be 1-128 of A-Z a-z 0-9 _ - . (MCP tool names)")
        if self.required_scope not in scope_rules.MCP_SCOPES:
            raise ValueError(f"tool {self.name!r}: required_scope must be one of {scope_rules.MCP_SCOPES}")
        # A read-only credential may call exactly the tools that change nothing: keep scope and hint in step.
        if self.hints.read_only != (self.required_scope == scope_rules.READ):
            raise ValueError(
                f"tool {self.name!r}: a tool is read-only (hint) exactly when it needs only {scope_rules.READ}"
            )
        for label, schema in (("input", self.input_schema), ("output", self.output_schema)):
            if schema is None:
                continue
            # MCP 2025-11-25: tool input and output schemas have type "object" at the root.
            if schema.get("type") != "object":
                raise ValueError(f"tool {self.name!r}: the {label} schema must have type 'object' at the root")
            try:
                Draft202012Validator.check_schema(schema)
            except SchemaError as exc:
                raise ValueError(
                    f"tool {self.name!r}: the {label} schema is not valid JSON Schema: {exc.message}"
                ) from exc
        object.__setattr__(self, "validator", Draft202012Validator(self.input_schema))

    def argument_problems(self, arguments: Mapping[str, Any]) -> list[str]:
        """Every way ``arguments`` break the input schema, one sentence each, in a stable order."""
        errors = sorted(self.validator.iter_errors(arguments), key=lambda error: list(error.absolute_path))
        return [describe_schema_error(error.absolute_path, error.message) for error in errors]


def describe_schema_error(path: Iterable[Any], message: str) -> str:
    where = "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in path).lstrip(".")
    return f"argument {where!r}: {message}" if where else f"arguments: {message}"


class ToolRegistry:
    def __init__(self, specs: Iterable[ToolSpec] = ()) -> None:
        self._specs: dict[str, ToolSpec] = {}
        for spec in specs:
            self.register(spec)

    def register(self, spec: ToolSpec) -> ToolSpec:
        if spec.name in self._specs:
            raise ValueError(f"a tool named {spec.name!r} is already registered")
        self._specs[spec.name] = spec
        return spec

    def get(self, name: str) -> ToolSpec | None:
        return self._specs.get(name)

    def names(self) -> list[str]:
        return sorted(self._specs)

    def visible_for(self, granted_scopes: Iterable[str]) -> list[ToolSpec]:
        """The tools a credential with ``granted_scopes`` may call, by name."""
        granted = set(granted_scopes)
        return [spec for name, spec in sorted(self._specs.items()) if spec.required_scope in granted]

    def __iter__(self) -> Iterator[ToolSpec]:
        return iter(self._specs.values())

    def __len__(self) -> int:
        return len(self._specs)
