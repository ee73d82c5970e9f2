"""The app under /mcp tests serves ``whoami`` plus the test-only write tool ``set_note``: the server's own
behaviour (listing, scopes, dispatch, audit), apart from the data tools (tests/e2e and tests/tools/data)."""

from __future__ import annotations

import pytest

from bastion.tools.registry import ToolRegistry
from bastion.tools.whoami import WHOAMI
from tests.mcp.helpers import SET_NOTE


@pytest.fixture
def registry() -> ToolRegistry:
    return ToolRegistry([WHOAMI, SET_NOTE])


@pytest.fixture(autouse=True)
def serve_test_tools(monkeypatch: pytest.MonkeyPatch, registry: ToolRegistry) -> None:
    """Runs before the app is built, so its McpEndpoint serves ``registry``."""
    monkeypatch.setattr("bastion.app.default_registry", lambda _resolve_env: registry)
