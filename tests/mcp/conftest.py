"""The app under /mcp tests serves the real tool catalog plus the test-only write tool ``set_note``."""

from __future__ import annotations

import pytest

from bastion.tools.catalog import default_registry
from bastion.tools.registry import ToolRegistry
from tests.mcp.helpers import SET_NOTE


@pytest.fixture
def registry() -> ToolRegistry:
    tools = default_registry()
    tools.register(SET_NOTE)
    return tools


@pytest.fixture(autouse=True)
def serve_test_tools(monkeypatch: pytest.MonkeyPatch, registry: ToolRegistry) -> None:
    """Runs before the app is built, so its McpEndpoint serves ``registry``."""
    monkeypatch.setattr("bastion.app.default_registry", lambda: registry)
