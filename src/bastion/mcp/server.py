"""The MCP server: lists the tools a principal may call and dispatches calls to the registry.

Built on the SDK's low-level ``Server`` because the tool list depends on who asks. The low-level
server does not check arguments against ``inputSchema``, so every call is validated here first.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass
from typing import Any

import mcp_types as types
from mcp.server.auth.middleware.bearer_auth import AuthenticatedUser
from mcp.server.auth.provider import AccessToken
from mcp.server.context import ServerRequestContext
from mcp.server.lowlevel import Server
from mcp.shared.exceptions import MCPError
from mcp_types import INTERNAL_ERROR, INVALID_PARAMS, MISSING_REQUIRED_CLIENT_CAPABILITY

from bastion import __version__
from bastion.http_util import client_ip
from bastion.server_settings import ServerSettings
from bastion.services import Services
from bastion.tools.availability import ToolAvailability
from bastion.tools.context import Principal, ServerPort, ToolContext
from bastion.tools.registry import ToolError, ToolRegistry, ToolSpec

logger = logging.getLogger("bastion.mcp")

INSTRUCTIONS = (
    "Bastion gives governed access to business data. Call whoami to see which user and scopes you have. "
    "Tool errors explain what was wrong with a call and how to fix it."
)
# Longest error text or payload written to the audit log; tool output can be large.
AUDIT_TEXT_LIMIT = 2000


class McpUser(AuthenticatedUser):
    """The SDK's authenticated user (its session-ownership check reads it) carrying Bastion's principal."""

    def __init__(self, principal: Principal, token: str, issuer: str, server_settings: ServerSettings) -> None:
        super().__init__(
            AccessToken(
                token=token,
                client_id=principal.client_id,
                scopes=list(principal.scopes),
                expires_at=int(principal.expires_at.timestamp()) if principal.expires_at else None,
                resource=principal.resource,
                subject=principal.user.login,
                claims={
                    "iss": issuer,
                    "connection_id": principal.connection.id,
                    "user_id": principal.user.id,
                    "kind": principal.kind,
                },
            )
        )
        self.principal = principal
        # The runtime settings in force when the request was admitted (log_payloads, limits).
        self.server_settings = server_settings


def mcp_user_of(ctx: ServerRequestContext[Any, Any]) -> McpUser:
    """The admitted user of the HTTP request that carried this message (``ctx.request`` in both protocol eras)."""
    request = ctx.request
    user = request.scope.get("user") if request is not None else None
    if not isinstance(user, McpUser):
        # Only reachable if the SDK were served without McpGate in front of it.
        raise MCPError(INTERNAL_ERROR, "This request reached the MCP server without an authenticated principal.")
    return user


def principal_of(ctx: ServerRequestContext[Any, Any]) -> Principal:
    return mcp_user_of(ctx).principal


def to_mcp_tool(spec: ToolSpec) -> types.Tool:
    return types.Tool(
        name=spec.name,
        title=spec.title,
        description=spec.description,
        input_schema=dict(spec.input_schema),
        output_schema=dict(spec.output_schema) if spec.output_schema is not None else None,
        annotations=types.ToolAnnotations(
            title=spec.title,
            read_only_hint=spec.hints.read_only,
            destructive_hint=spec.hints.destructive,
            idempotent_hint=spec.hints.idempotent,
            open_world_hint=spec.hints.open_world,
        ),
        _meta={"bastion/category": spec.category.value, "bastion/risk": spec.risk.value},
    )


@dataclass(frozen=True)
class ToolOutcome:
    result: types.CallToolResult
    error: str | None  # the message an error result carries; None on success
    output: dict[str, Any] | None = None


def error_result(message: str) -> ToolOutcome:
    # MCP tools spec: errors the model can correct are results with isError, not protocol errors.
    return ToolOutcome(types.CallToolResult(content=[types.TextContent(text=message)], is_error=True), message)


async def run_tool(spec: ToolSpec, ctx: ToolContext, arguments: dict[str, Any]) -> ToolOutcome:
    """Check scope and arguments, run the handler, and shape its output (structured plus text)."""
    if not ctx.principal.has_scope(spec.required_scope):
        return error_result(
            f"The tool {spec.name!r} needs the scope {spec.required_scope}, which this credential was not granted. "
            "Sign in again and allow full access, or ask your administrator for a credential with write access."
        )
    problems = spec.argument_problems(arguments)
    if problems:
        return error_result(
            f"The arguments do not match the input schema of {spec.name!r}: {'; '.join(problems)}. "
            "Fix these and call the tool again (tools/list shows its inputSchema)."
        )
    try:
        output = await spec.handler(ctx, arguments)
    except ToolError as exc:
        return error_result(str(exc))
    except Exception:
        logger.exception("tool %s failed", spec.name)
        return error_result(
            f"The tool {spec.name!r} failed unexpectedly on the server. Try again; if it keeps failing, "
            "tell your administrator (the server log has the details)."
        )
    text = spec.render_text(output) if spec.render_text else json.dumps(output, ensure_ascii=False, default=str)
    content: list[types.ContentBlock] = [types.TextContent(text=text)]
    if spec.embedded_resources:
        content.extend(spec.embedded_resources(output))
    result = types.CallToolResult(content=content, structured_content=output)
    return ToolOutcome(result, None, output)


def server_port(services: Services) -> ServerPort:
    return ServerPort(
        clock=services.clock,
        resource_url=services.settings.resource_url,
        transaction=services.transaction,
        read_settings=services.server_settings,
    )


def build_server(services: Services, registry: ToolRegistry) -> Server[Any]:
    port = server_port(services)
    availability = ToolAvailability(services.read_transaction, services.sources)

    async def list_tools(
        ctx: ServerRequestContext[Any, Any], _params: types.PaginatedRequestParams | None
    ) -> types.ListToolsResult:
        principal = principal_of(ctx)
        # Only the tools this credential may call: clients without step-up (Claude Code) would fail on the others.
        visible = registry.visible_for(principal.scopes)
        offered = (await availability.read(visible)).offered(visible)
        return types.ListToolsResult(tools=[to_mcp_tool(spec) for spec in offered])

    async def call_tool(
        ctx: ServerRequestContext[Any, Any], params: types.CallToolRequestParams
    ) -> types.CallToolResult:
        principal = principal_of(ctx)
        spec = registry.get(params.name)
        if spec is None:
            known = ", ".join(spec.name for spec in registry.visible_for(principal.scopes)) or "none"
            message = (
                f"Unknown tool {params.name[:100]!r}. Tools available to this connection: {known}. "
                "Call tools/list for their descriptions and arguments."
            )
            # Every call lands in the audit log, a probe for tools that do not exist included.
            await audit_tool_call(services, ctx, principal, params.name[:100], {}, error_result(message), 0)
            # MCP tools spec: an unknown tool is a protocol error (-32602), not a tool result.
            raise MCPError(INVALID_PARAMS, message)
        arguments = params.arguments or {}
        needed = spec.required_client_capabilities
        if needed is not None and not ctx.session.check_client_capability(needed):
            refused = missing_client_capability(spec.name, needed)
            await audit_tool_call(services, ctx, principal, spec.name, arguments, error_result(refused.message), 0)
            raise refused
        started = time.perf_counter()
        # Switched off in the catalog, or not something the current source can do: refused with the reason.
        refusal = (await availability.read([spec])).refusal(spec)
        if refusal is not None:
            outcome = error_result(refusal)
        else:
            outcome = await run_tool(spec, ToolContext(principal, port, ctx.protocol_version), arguments)
        duration_ms = round((time.perf_counter() - started) * 1000)
        await audit_tool_call(services, ctx, principal, spec.name, arguments, outcome, duration_ms)
        return outcome.result

    return Server(
        "bastion",
        version=__version__,
        title="Bastion",
        instructions=INSTRUCTIONS,
        on_list_tools=list_tools,
        on_call_tool=call_tool,
        # 2026-07-28 Mcp-Param header checks read schemas from here instead of re-running tools/list.
        get_tool_input_schema=lambda name: spec.input_schema if (spec := registry.get(name)) else None,
    )


def missing_client_capability(tool: str, needed: types.ClientCapabilities) -> MCPError:
    """MCP 2026-07-28 MissingRequiredClientCapabilityError (-32021, HTTP 400): a server must not rely on a
    capability the client did not declare; ``data.requiredCapabilities`` names what to declare."""
    names = ", ".join(needed.model_dump(by_alias=True, exclude_none=True)) or "none"
    data = types.MissingRequiredClientCapabilityErrorData(required_capabilities=needed)
    return MCPError(
        MISSING_REQUIRED_CLIENT_CAPABILITY,
        f"The tool {tool} needs the client capabilities {names}, which this client did not declare. "
        "Use a client that supports them (declared in its capabilities), or call another tool.",
        data=data.model_dump(by_alias=True, mode="json", exclude_none=True),
    )


async def audit_tool_call(
    services: Services,
    ctx: ServerRequestContext[Any, Any],
    principal: Principal,
    tool: str,
    arguments: dict[str, Any],
    outcome: ToolOutcome,
    duration_ms: int,
) -> None:
    detail: dict[str, Any] = {
        "tool": tool,
        "outcome": "error" if outcome.error else "ok",
        "duration_ms": duration_ms,
        "protocol_version": ctx.protocol_version,
    }
    if outcome.error:
        detail["error"] = outcome.error[:AUDIT_TEXT_LIMIT]
    ip = client_ip(ctx.request, services.settings.trusted_proxies) if ctx.request is not None else None
    # The settings the request was admitted with (mcp/gate.py): no transaction after the tool ran.
    if mcp_user_of(ctx).server_settings.log_payloads:
        detail["arguments"] = audit_payload(arguments)
        if outcome.output is not None:
            detail["result"] = audit_payload(outcome.output)
    # Off the request path: written with the other entries of its batch (governance/batch_writer.py).
    await services.batch_writer.audit(
        "tool.called",
        services.clock(),
        connection_id=principal.connection.id,
        user_id=principal.user.id,
        client_ip=ip,
        **detail,
    )


def audit_payload(value: dict[str, Any]) -> Any:
    """A payload for the audit log, cut to ``AUDIT_TEXT_LIMIT`` characters of JSON when longer."""
    text = json.dumps(value, ensure_ascii=False, default=str)
    return value if len(text) <= AUDIT_TEXT_LIMIT else {"truncated": text[:AUDIT_TEXT_LIMIT]}
