"""Ready-to-paste setup for an API key, one snippet per client: the wizard, the rotate page and the CLI show these.

Each snippet follows its tool's documented configuration format:

- Cursor: ``~/.cursor/mcp.json``, a remote server is ``url`` + ``headers``.
- Claude Code: ``claude mcp add --transport http NAME URL --header "Authorization: Bearer KEY"``.
- Claude Desktop: a local ``mcp-remote`` bridge; the header is passed as ``Authorization:${AUTH_HEADER}``
  with no space inside ``args`` (Claude Desktop on Windows does not quote arguments with spaces), and the
  value lives in ``env``. ``--allow-http`` is needed when the endpoint is plain http.
- Gemini CLI: ``~/.gemini/settings.json``; Streamable HTTP is ``httpUrl`` (``url`` would mean SSE).
- curl: one stateless MCP 2026-07-28 request calling ``whoami``; that protocol version needs the
  ``Mcp-Method``/``Mcp-Name`` headers and the ``_meta`` envelope, and no ``initialize`` or session.
"""

from __future__ import annotations

import json
import shlex
from dataclasses import dataclass
from typing import Any

# The server's name inside each client's configuration, as `bastion connections add-key` prints it.
SERVER_NAME = "bastion"
CURL_PROTOCOL_VERSION = "2026-07-28"


@dataclass(frozen=True)
class Snippet:
    slug: str  # used in element ids: snippet-<slug>
    title: str
    where: str  # where to paste it, in one sentence
    text: str
    after: str = ""  # what to do once pasted, when there is something


def curl_headers(key: str) -> list[tuple[str, str]]:
    return [
        ("Authorization", f"Bearer {key}"),
        ("Content-Type", "application/json"),
        ("Accept", "application/json, text/event-stream"),
        ("MCP-Protocol-Version", CURL_PROTOCOL_VERSION),
        ("Mcp-Method", "tools/call"),
        ("Mcp-Name", "whoami"),
    ]


def curl_body() -> dict[str, Any]:
    envelope = {
        "io.modelcontextprotocol/protocolVersion": CURL_PROTOCOL_VERSION,
        "io.modelcontextprotocol/clientCapabilities": {},
        "io.modelcontextprotocol/clientInfo": {"name": "curl", "version": "1.0"},
    }
    return {
        "jsonrpc": "2.0",
        "id": 1,
        "method": "tools/call",
        "params": {"name": "whoami", "arguments": {}, "_meta": envelope},
    }


def curl_command(mcp_url: str, key: str) -> str:
    lines = [f"curl -sS {shlex.quote(mcp_url)}"]
    lines += [f"  -H {shlex.quote(f'{name}: {value}')}" for name, value in curl_headers(key)]
    lines.append(f"  --data {shlex.quote(json.dumps(curl_body(), separators=(',', ':')))}")
    return " \\\n".join(lines)


def _json(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=2)


def api_key_snippets(mcp_url: str, key: str) -> list[Snippet]:
    bearer = f"Bearer {key}"
    bridge_args = ["-y", "mcp-remote", mcp_url, "--header", "Authorization:${AUTH_HEADER}"]
    if mcp_url.startswith("http://"):
        bridge_args.append("--allow-http")
    return [
        Snippet(
            "cursor",
            "Cursor",
            "Add this to ~/.cursor/mcp.json (or .cursor/mcp.json in one project); merge it into an existing "
            "mcpServers block.",
            _json({"mcpServers": {SERVER_NAME: {"url": mcp_url, "headers": {"Authorization": bearer}}}}),
            "Cursor picks the file up by itself; Settings ▸ MCP shows the server with a green dot once it connects.",
        ),
        Snippet(
            "claude-code",
            "Claude Code",
            "Run this once in a terminal.",
            f"claude mcp add --transport http {SERVER_NAME} {shlex.quote(mcp_url)} "
            f"--header {shlex.quote(f'Authorization: {bearer}')}",
            "Then type /mcp inside Claude Code to see it connected. Add --scope user before the name to use it "
            "in every project.",
        ),
        Snippet(
            "claude-desktop",
            "Claude Desktop",
            "Add this to claude_desktop_config.json (Settings ▸ Developer ▸ Edit Config); it needs Node.js for npx.",
            _json(
                {"mcpServers": {SERVER_NAME: {"command": "npx", "args": bridge_args, "env": {"AUTH_HEADER": bearer}}}}
            ),
            "Quit and reopen Claude Desktop. (Signing in with a browser instead needs no key: see Browser login.)",
        ),
        Snippet(
            "gemini",
            "Gemini CLI",
            "Add this to ~/.gemini/settings.json (or .gemini/settings.json in one project).",
            _json({"mcpServers": {SERVER_NAME: {"httpUrl": mcp_url, "headers": {"Authorization": bearer}}}}),
            "Restart Gemini CLI and type /mcp to see the server and its tools.",
        ),
        Snippet(
            "curl",
            "curl",
            "Run this in a terminal (macOS, Linux or WSL) to check the key: it calls the whoami tool.",
            curl_command(mcp_url, key),
            "The answer names you, this connection and its scopes. A 401 means the key was mistyped or revoked.",
        ),
        Snippet(
            "header",
            "Any other client",
            f"Send this header with every request to {mcp_url}.",
            f"Authorization: {bearer}",
            "Any client that speaks MCP over Streamable HTTP and lets you set a header works this way.",
        ),
    ]


def snippets_as_text(mcp_url: str, key: str) -> str:
    """The same snippets as plain text, for a terminal or a page without tabs."""
    lines = ["Ready to paste:"]
    for snippet in api_key_snippets(mcp_url, key):
        lines += ["", f"  {snippet.title}: {snippet.where}"]
        lines += [f"    {line}" for line in snippet.text.splitlines()]
    return "\n".join(lines)
