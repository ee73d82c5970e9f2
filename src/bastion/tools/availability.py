"""Which tools a request may see and call: the catalog's switches and what the current source can do.

Both are read together, in one short transaction per ``tools/list`` or ``tools/call``, so a switch or a
source change committed by any process (the CLI, another server) holds from the next request; the
source's configuration is read only when a tool in question needs something of the source.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from bastion.sources.port import Capability
from bastion.sources.runtime import SourceRuntime
from bastion.tools.registry import ToolSpec
from bastion.tools.switches import Transaction, inactive_tools, switched_off_message


@dataclass(frozen=True)
class Availability:
    inactive: frozenset[str]  # switched off in the catalog
    capabilities: frozenset[Capability]  # of the current source (empty when no tool in question needed one)

    def refusal(self, spec: ToolSpec) -> str | None:
        """Why ``spec`` may not be called now, or None when it may."""
        if spec.name in self.inactive:
            return switched_off_message(spec.name)
        needed = spec.required_capability
        if needed is None or needed in self.capabilities:
            return None
        return (
            f"The tool {spec.name!r} is not available on this data source: it needs {needed.value}, which the "
            "source does not offer (a SQL source is read-only unless the administrator made it writable; "
            "workflow, chatter and methods need Odoo). Call tools/list for the tools you can use."
        )

    def offered(self, specs: Iterable[ToolSpec]) -> list[ToolSpec]:
        return [spec for spec in specs if self.refusal(spec) is None]


@dataclass(frozen=True)
class ToolAvailability:
    transaction: Transaction
    sources: SourceRuntime

    async def read(self, specs: Iterable[ToolSpec]) -> Availability:
        """The availability of ``specs`` now: one transaction for the switches and, when needed, the source."""
        needs_source = any(spec.required_capability is not None for spec in specs)
        async with self.transaction() as session:
            inactive = await inactive_tools(session)
            capabilities = await self.sources.capabilities_in(session) if needs_source else frozenset()
        return Availability(inactive, capabilities)
