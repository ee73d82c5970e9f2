"""The tools Bastion serves at /mcp."""

from __future__ import annotations

from bastion.tools.registry import ToolRegistry
from bastion.tools.whoami import WHOAMI


def default_registry() -> ToolRegistry:
    return ToolRegistry([WHOAMI])
