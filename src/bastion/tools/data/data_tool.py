"""``DataTool``: one data tool's metadata and pure function, made into a ``ToolSpec`` around ``resolve_env``.

Every handler builds its ``DataToolEnv`` through the one injected ``resolve_env`` and calls the pure
tool function with the validated arguments, whose names are the input schema's property names.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from mcp_types import EmbeddedResource

from bastion import scopes as scope_rules
from bastion.sources.port import Capability
from bastion.tools.context import ToolContext
from bastion.tools.data.env import DataToolEnv, source_errors
from bastion.tools.data.schemas import Schema
from bastion.tools.registry import RiskLevel, ToolCategory, ToolHandler, ToolHints, ToolSpec

ResolveEnv = Callable[[ToolContext], Awaitable[DataToolEnv]]
ToolFunction = Callable[..., Awaitable[dict[str, Any]]]

READING = ToolHints(read_only=True, idempotent=True)
FIND_FIRST = "Resolve names to ids with find_by_name; call describe_model for the field names before building a domain."
PAGING = "Results come in pages: records, total, has_more and next_offset (pass it as offset for the next page)."
DRY_RUN = (
    "Call with dry_run true first: nothing changes, the result shows what would change and a preview_id; then call "
    "again with the same arguments, dry_run false and that preview_id (a mismatch is refused)."
)


@dataclass(frozen=True)
class DataTool:
    name: str
    title: str
    description: str
    category: ToolCategory
    risk: RiskLevel
    hints: ToolHints
    input_schema: Schema
    output_schema: Schema
    function: ToolFunction
    render_text: Callable[[dict[str, Any]], str]
    capability: Capability | None = None  # None: every source can serve it
    embedded_resources: Callable[[dict[str, Any]], list[EmbeddedResource]] | None = None

    def spec(self, resolve_env: ResolveEnv) -> ToolSpec:
        return ToolSpec(
            name=self.name,
            title=self.title,
            description=self.description,
            category=self.category,
            risk=self.risk,
            required_scope=scope_rules.READ if self.hints.read_only else scope_rules.WRITE,
            hints=self.hints,
            input_schema=self.input_schema,
            output_schema=self.output_schema,
            handler=handler_for(self.function, resolve_env),
            render_text=self.render_text,
            embedded_resources=self.embedded_resources,
            required_capability=self.capability,
        )


def handler_for(function: ToolFunction, resolve_env: ResolveEnv) -> ToolHandler:
    async def handler(ctx: ToolContext, arguments: dict[str, Any]) -> dict[str, Any]:
        with source_errors():  # resolving the env can fail too: no linked Odoo account, a rejected key
            env = await resolve_env(ctx)
        return await function(env, **arguments)

    return handler


def read_tool(name: str, title: str, description: str, **fields: Any) -> DataTool:
    return DataTool(name, title, description, ToolCategory.READ, RiskLevel.LOW, READING, **fields)
