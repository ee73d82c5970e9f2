"""The tool catalog: every tool with its global on/off switch, and the one way to flip a switch.

``bastion tools enable|disable`` and the console's Tools page both call ``set_tool_active``; the MCP
server reads ``inactive_tools`` on every ``tools/list`` and ``tools/call`` (one small query), so a switch
committed by any process holds from the next request that starts after it.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bastion.governance.audit import record
from bastion.store.repositories import ToolSwitches
from bastion.tools.registry import ToolRegistry, ToolSpec

Transaction = Callable[[], AbstractAsyncContextManager[AsyncSession]]

# The session tool a client calls to see who it is and what it may do: it reads nothing but the caller.
ALWAYS_ACTIVE = frozenset({"whoami"})
HOW_TO_SEE_NAMES = "`bastion tools list` (or the console's Tools page) shows every tool's name"
# Full stops that do not end a sentence in the tools' descriptions.
ABBREVIATIONS = ("e.g.", "i.e.")


class SwitchRefused(Exception):
    """A switch that cannot be flipped: an unknown tool, or one that is always active. Nothing changed."""


@dataclass(frozen=True)
class CatalogEntry:
    """One tool as the catalog shows it (CLI and console)."""

    name: str
    title: str
    category: str
    risk: str
    required_scope: str
    active: bool
    summary: str  # the first sentence of the description
    description: str
    can_switch_off: bool


@dataclass(frozen=True)
class SwitchChange:
    name: str
    active: bool
    changed: bool  # False when the tool already was in that state (nothing stored, nothing audited)


def first_sentence(text: str) -> str:
    """Up to the first full stop (or ! ?) outside parentheses that ends a sentence rather than "e.g." or "i.e."."""
    text = text.strip()
    depth = 0
    for index, char in enumerate(text):
        depth += {"(": 1, ")": -1}.get(char, 0)
        ends = index + 1 == len(text) or text[index + 1].isspace()
        if char in ".!?" and depth <= 0 and ends and not text[: index + 1].endswith(ABBREVIATIONS):
            return text[: index + 1]
    return text


def switched_off_message(name: str) -> str:
    return (
        f"The tool {name!r} is switched off: an administrator switched it off in Bastion's tool catalog. "
        "Use another tool (tools/list shows the ones available), or ask your administrator to switch it on."
    )


async def inactive_tools(session: AsyncSession) -> frozenset[str]:
    """The names of the tools an administrator switched off."""
    return await ToolSwitches(session).inactive_names()


def catalog(registry: ToolRegistry, inactive: frozenset[str]) -> list[CatalogEntry]:
    """Every tool of ``registry`` by name, with its switch."""
    return [catalog_entry(spec, spec.name not in inactive) for spec in sorted(registry, key=lambda spec: spec.name)]


def catalog_entry(spec: ToolSpec, active: bool) -> CatalogEntry:
    return CatalogEntry(
        name=spec.name,
        title=spec.title,
        category=spec.category.value,
        risk=spec.risk.value,
        required_scope=spec.required_scope,
        active=active,
        summary=first_sentence(spec.description),
        description=spec.description,
        can_switch_off=spec.name not in ALWAYS_ACTIVE,
    )


async def set_tool_active(
    session: AsyncSession, now: datetime, registry: ToolRegistry, name: str, active: bool, *, actor_id: int | None
) -> SwitchChange:
    """Switch one tool on or off in the caller's transaction; a real change is audited as ``tool.enabled`` or
    ``tool.disabled``. Raises ``SwitchRefused`` for a name the registry does not hold, or for ``whoami``."""
    if registry.get(name) is None:
        raise SwitchRefused(f"There is no tool named {name[:128]!r}; {HOW_TO_SEE_NAMES}.")
    if not active and name in ALWAYS_ACTIVE:
        raise SwitchRefused(
            f"The tool {name!r} cannot be switched off: it is the session tool clients call to check who they are "
            "connected as and what they may do, and it reads no business data."
        )
    switches = ToolSwitches(session)
    if await switches.is_active(name) == active:
        return SwitchChange(name, active, changed=False)
    await switches.put(name, active, now, updated_by=actor_id)
    await record(session, "tool.enabled" if active else "tool.disabled", now, user_id=actor_id, tool=name)
    return SwitchChange(name, active, changed=True)
