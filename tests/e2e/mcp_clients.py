"""The official SDK client wired the way a real MCP client is: ``mcp.Client`` over Streamable HTTP,
authenticated by ``OAuthClientProvider`` (an ``httpx2.Auth``) or by a static bearer API key.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, Literal

import httpx2
from mcp.client.auth import OAuthClientProvider
from mcp.client.client import Client
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.auth import OAuthClientInformationFull, OAuthClientMetadata
from mcp.shared.exceptions import MCPError
from mcp_types import CallToolResult

from tests.e2e.browser import InMemoryTokenStorage, ScriptedBrowser
from tests.e2e.server import BastionProcess

Era = Literal["legacy", "auto"]
LEGACY_VERSION = "2025-11-25"
MODERN_VERSION = "2026-07-28"
ERA_VERSIONS = {"legacy": LEGACY_VERSION, "auto": MODERN_VERSION}
HTTP_TIMEOUT = httpx2.Timeout(10.0)


def loopback_redirect_uri(port: int = 33418) -> str:
    """A native app's callback (RFC 8252 §7.3); nothing listens there, the scripted browser stops before it."""
    return f"http://127.0.0.1:{port}/callback"


def pre_registered_client(client_id: str, client_secret: str | None, redirect_uri: str) -> OAuthClientInformationFull:
    """What a custom client's operator pastes into its configuration after ``connections add-oauth``."""
    return OAuthClientInformationFull(
        client_id=client_id,
        client_secret=client_secret,
        redirect_uris=[redirect_uri],
        token_endpoint_auth_method="client_secret_basic" if client_secret else "none",
        grant_types=["authorization_code", "refresh_token"],
    )


def oauth_provider(
    server: BastionProcess,
    browser: ScriptedBrowser,
    storage: InMemoryTokenStorage,
    *,
    redirect_uri: str,
    client_name: str = "E2E test client",
    auth_method: Literal["none", "client_secret_basic"] | None = None,
) -> OAuthClientProvider:
    metadata = OAuthClientMetadata(
        redirect_uris=[redirect_uri],  # type: ignore[list-item]
        client_name=client_name,
        token_endpoint_auth_method=auth_method,
        grant_types=["authorization_code", "refresh_token"],
    )
    return OAuthClientProvider(
        server_url=server.mcp_url,
        client_metadata=metadata,
        storage=storage,
        redirect_handler=browser.redirect_handler,
        callback_handler=browser.callback_handler,
    )


def expire_access_token(provider: OAuthClientProvider) -> None:
    """Make the provider treat its access token as expired, so its next request refreshes first."""
    provider.context.token_expiry_time = time.time() - 1


@asynccontextmanager
async def mcp_session(
    server: BastionProcess,
    *,
    auth: httpx2.Auth | None = None,
    headers: dict[str, str] | None = None,
    mode: Era = "auto",
) -> AsyncIterator[Client]:
    async with (
        httpx2.AsyncClient(auth=auth, headers=headers, trust_env=False, timeout=HTTP_TIMEOUT) as http,
        Client(streamable_http_client(server.mcp_url, http_client=http), mode=mode) as client,
    ):
        yield client


async def refused_whoami(server: BastionProcess, *, headers: dict[str, str], mode: Era = "auto") -> MCPError:
    """Connect and call ``whoami``, expecting the server to refuse; returns the refusal the SDK raised.

    The SDK raises from inside its transport's task group, so the error may arrive wrapped in an
    exception group.
    """
    try:
        async with mcp_session(server, headers=headers, mode=mode) as client:
            await client.call_tool("whoami", {})
    except BaseException as exc:
        refusal = _find_mcp_error(exc)
        if refusal is None:
            raise
        return refusal
    raise AssertionError("the server answered whoami instead of refusing it")


def _find_mcp_error(exc: BaseException) -> MCPError | None:
    if isinstance(exc, MCPError):
        return exc
    if isinstance(exc, BaseExceptionGroup):
        for inner in exc.exceptions:
            if (found := _find_mcp_error(inner)) is not None:
                return found
    return None


def tool_payload(result: CallToolResult) -> dict[str, Any]:
    """A tool's structured result; a tool error fails the test with the error text."""
    assert not result.is_error, f"the tool failed: {result.content}"
    assert result.structured_content is not None, f"the tool returned no structured content: {result.content}"
    return result.structured_content
