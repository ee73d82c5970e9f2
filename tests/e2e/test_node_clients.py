"""Node-based clients against a real ``bastion serve``: the official TypeScript SDK client
(``StreamableHTTPClientTransport`` with its OAuth provider, a scripted sign-in) and MCP Inspector's CLI mode.
The npm packages are pinned in tests/package.json; without them these tests skip saying how to install them.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.browser import Account, ScriptedBrowser
from tests.e2e.mcp_clients import loopback_redirect_uri
from tests.e2e.node_packages import TESTS_DIR, node_binary, package_dir
from tests.e2e.server import BastionProcess

pytestmark = pytest.mark.e2e

TS_SDK_CLIENT = Path(__file__).parent / "node" / "ts_sdk_client.mjs"
CLIENT_TIMEOUT_SECONDS = 120


def connection_of(server: BastionProcess, client_id: str) -> dict[str, Any]:
    [connection] = [c for c in server.cli_json("connections", "list") if c.get("client_id") == client_id]
    return connection


async def run_ts_sdk_client(server: BastionProcess, browser: ScriptedBrowser, *client: str) -> list[dict[str, Any]]:
    """Drive ts_sdk_client.mjs: sign in when it asks, revoke its connection before its last step."""
    node = node_binary()
    package_dir("@modelcontextprotocol/sdk")
    redirect_uri = loopback_redirect_uri()
    process = await asyncio.create_subprocess_exec(
        node, str(TS_SDK_CLIENT), server.mcp_url, redirect_uri, *client,
        cwd=TESTS_DIR, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    assert process.stdin is not None and process.stdout is not None and process.stderr is not None
    results: list[dict[str, Any]] = []
    try:
        async with asyncio.timeout(CLIENT_TIMEOUT_SECONDS):
            async for raw in process.stdout:
                kind, _, value = raw.decode().rstrip("\n").partition(" ")
                if kind == "AUTHORIZE":
                    await browser.redirect_handler(value)
                    answer = browser.authorizations[-1].redirected_to
                elif kind == "RESULT":
                    results.append(json.loads(value))
                    if results[-1]["step"] == "refreshed":
                        connection = connection_of(server, results[0]["clientId"])
                        server.cli("connections", "revoke", str(connection["connection_id"]), "--yes")
                    answer = "next"
                else:
                    continue
                process.stdin.write(f"{answer}\n".encode())
                await process.stdin.drain()
            await process.wait()
    finally:
        if process.returncode is None:
            process.kill()
    errors = (await process.stderr.read()).decode(errors="replace")
    assert process.returncode == 0, f"{results}\n{errors[-3000:]}"
    return results


def assert_full_journey(results: list[dict[str, Any]], login: str) -> None:
    signed_in, refreshed, revoked = results
    assert "whoami" in signed_in["tools"]
    assert signed_in["whoami"]["user"]["login"] == login
    assert signed_in["whoami"]["connection"]["type"] == "oauth"
    # The spoiled access token was answered 401; the SDK refreshed and carried on.
    assert refreshed["whoami"]["user"]["login"] == login
    assert refreshed["refreshes"] >= 1
    assert revoked == {**revoked, "step": "after-revocation", "refused": True}


async def test_the_typescript_sdk_client_registers_itself_signs_in_refreshes_and_is_refused_once_revoked(
    bastion: BastionProcess, browser: ScriptedBrowser, alice: Account
) -> None:
    results = await run_ts_sdk_client(bastion, browser)
    assert_full_journey(results, alice.login)
    assert connection_of(bastion, results[0]["clientId"])["is_dynamic"] is True


@pytest.mark.parametrize("client_type", ["public", "confidential"])
async def test_the_typescript_sdk_client_uses_a_custom_oauth_client_made_with_the_cli(
    bastion: BastionProcess, browser: ScriptedBrowser, alice: Account, client_type: str
) -> None:
    created = bastion.cli_json(
        "connections", "add-oauth", "--name", f"TypeScript {client_type}", "--type", client_type,
        "--redirect-uri", loopback_redirect_uri(),
    )  # fmt: skip
    secret = [created["client_secret"]] if client_type == "confidential" else []
    results = await run_ts_sdk_client(bastion, browser, created["client_id"], *secret)
    assert_full_journey(results, alice.login)
    assert results[0]["clientId"] == created["client_id"]


def inspector_cli(server: BastionProcess, key: str, *method: str) -> subprocess.CompletedProcess[str]:
    node = node_binary()
    inspector = package_dir("@modelcontextprotocol/inspector")
    entry = inspector / json.loads((inspector / "package.json").read_text())["bin"]["mcp-inspector"]
    return subprocess.run(
        [node, str(entry), "--cli", server.mcp_url, "--transport", "http",
         "--header", f"Authorization: Bearer {key}", "--method", *method],
        capture_output=True, text=True, timeout=CLIENT_TIMEOUT_SECONDS, cwd=TESTS_DIR,
    )  # fmt: skip


def test_mcp_inspector_cli_lists_and_calls_tools_with_an_api_key_until_it_is_revoked(
    bastion: BastionProcess, alice: Account
) -> None:
    created = bastion.cli_json("connections", "add-key", "--name", "Inspector", "--user", alice.login)
    listed = inspector_cli(bastion, created["api_key"], "tools/list")
    assert listed.returncode == 0, listed.stderr
    assert "whoami" in {tool["name"] for tool in json.loads(listed.stdout)["tools"]}
    called = inspector_cli(bastion, created["api_key"], "tools/call", "--tool-name", "whoami")
    assert called.returncode == 0, called.stderr
    assert json.loads(called.stdout)["structuredContent"]["user"]["login"] == alice.login
    bastion.cli("connections", "revoke", str(created["connection_id"]), "--yes")
    refused = inspector_cli(bastion, created["api_key"], "tools/list")
    assert refused.returncode != 0
