"""Node-based clients against a real ``bastion serve``: the official TypeScript SDK client
(``StreamableHTTPClientTransport`` with its OAuth provider, a scripted sign-in) and MCP Inspector's CLI mode.
The npm packages are pinned in tests/package.json; without them these tests skip saying how to install them.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
from pathlib import Path
from typing import Any

import httpx2
import pytest

from tests.e2e.browser import Account, ScriptedBrowser
from tests.e2e.mcp_clients import loopback_redirect_uri
from tests.e2e.node_packages import TESTS_DIR, node_binary, package_dir
from tests.e2e.server import BastionProcess, free_port

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


async def jsonrpc_over_stdio(process: asyncio.subprocess.Process, message: dict[str, Any]) -> dict[str, Any] | None:
    assert process.stdin is not None and process.stdout is not None
    process.stdin.write((json.dumps(message) + "\n").encode())
    await process.stdin.drain()
    if "id" not in message:
        return None
    while True:
        answer = json.loads(await process.stdout.readline())
        if answer.get("id") == message["id"]:
            return answer


async def test_mcp_remote_registers_itself_signs_in_and_proxies_tools_over_stdio(
    bastion: BastionProcess, browser: ScriptedBrowser, alice: Account, tmp_path: Path
) -> None:
    node = node_binary()
    entry = package_dir("mcp-remote") / "dist" / "proxy.js"
    # mcp-remote opens the sign-in page with the system's opener, which honours $BROWSER: ours notes the URL.
    opened = tmp_path / "opened-urls"
    fake_browser = tmp_path / "browser.sh"
    fake_browser.write_text(f'#!/bin/sh\necho "$1" >> "{opened}"\n')
    fake_browser.chmod(0o755)
    callback_port = free_port()
    env = {**os.environ, "BROWSER": str(fake_browser), "MCP_REMOTE_CONFIG_DIR": str(tmp_path / "mcp-auth")}
    env.pop("DISPLAY", None)
    process = await asyncio.create_subprocess_exec(
        node, str(entry), bastion.mcp_url, str(callback_port), cwd=TESTS_DIR, env=env,
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    try:
        async with asyncio.timeout(CLIENT_TIMEOUT_SECONDS):
            while not opened.exists():
                assert process.returncode is None, "mcp-remote stopped before opening the sign-in page"
                await asyncio.sleep(0.2)
            await browser.redirect_handler(opened.read_text().splitlines()[0])
            redirected_to = browser.authorizations[-1].redirected_to
            assert redirected_to is not None
            async with httpx2.AsyncClient(trust_env=False) as http:
                assert (await http.get(redirected_to)).status_code == 200
            initialize = {
                "protocolVersion": "2025-11-25",
                "capabilities": {},
                "clientInfo": {"name": "e2e", "version": "1"},
            }
            await jsonrpc_over_stdio(process, {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": initialize})
            await jsonrpc_over_stdio(process, {"jsonrpc": "2.0", "method": "notifications/initialized"})
            listed = await jsonrpc_over_stdio(process, {"jsonrpc": "2.0", "id": 2, "method": "tools/list"})
            called = await jsonrpc_over_stdio(
                process,
                {"jsonrpc": "2.0", "id": 3, "method": "tools/call", "params": {"name": "whoami", "arguments": {}}},
            )
    finally:
        if process.returncode is None:
            process.terminate()
            await process.wait()
    assert listed is not None and "whoami" in {tool["name"] for tool in listed["result"]["tools"]}
    assert called is not None and called["result"]["structuredContent"]["user"]["login"] == alice.login
    assert browser.authorizations[0].signed_in
