"""The tools Bastion serves at /mcp: ``whoami`` and the data tools over the configured data source.

Every data tool is registered whatever the source; which of them a request sees is decided per
request from the current source's capabilities (``tools/availability.py``), so a source changed by the CLI or
another server changes the list on the next ``tools/list``.
"""

from __future__ import annotations

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from bastion import scopes as scope_rules
from bastion.config import Settings
from bastion.sources.port import Capability
from bastion.sources.runtime import SourceRuntime
from bastion.tools.context import ToolContext
from bastion.tools.data import DataToolEnv, data_tool_specs
from bastion.tools.data.data_tool import ResolveEnv
from bastion.tools.registry import ToolError, ToolRegistry
from bastion.tools.whoami import WHOAMI

_PREVIEW_SALT = b"bastion preview ids v1"


def default_registry(resolve_env: ResolveEnv) -> ToolRegistry:
    return ToolRegistry([WHOAMI, *data_tool_specs(resolve_env, Capability)])


async def _runs_only_at_mcp(_ctx: ToolContext) -> DataToolEnv:
    raise ToolError("Data tools run only at /mcp, where the request says whom they act for.")


def catalog_registry() -> ToolRegistry:
    """The product's tools for listing and switching them from the shell; their handlers are never run there."""
    return default_registry(_runs_only_at_mcp)


def preview_secret(settings: Settings) -> bytes:
    """The key of dry-run ``preview_id``s, derived from ``BASTION_SECRET_KEY`` for this purpose only (HKDF),
    so every process of one deployment honours the others' previews."""
    derive = HKDF(algorithm=hashes.SHA256(), length=32, salt=_PREVIEW_SALT, info=b"preview-id")
    return derive.derive(settings.secret_key.encode("utf-8"))


def data_env_resolver(sources: SourceRuntime, secret: bytes) -> ResolveEnv:
    """How a data tool call finds its source, identity and bounds: one short read transaction per call."""

    async def resolve_env(ctx: ToolContext) -> DataToolEnv:
        principal = ctx.principal
        async with ctx.server.transaction() as session:
            limits = await ctx.server.read_settings(session)
            bound = await sources.bind(session, principal.user)
        return DataToolEnv(
            source=bound.source,
            identity=bound.identity,
            connection_id=principal.connection.id,
            preview_secret=secret,
            read_only=not principal.has_scope(scope_rules.WRITE),
            default_limit=limits.default_limit,
            max_limit=limits.max_limit,
            clock=ctx.server.clock,
        )

    return resolve_env
