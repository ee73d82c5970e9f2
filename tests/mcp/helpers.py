"""Helpers for /mcp tests: OAuth access tokens as stored rows, raw Streamable HTTP requests, the SDK client,
and a write tool that exists only in tests (no write tool ships yet) for the scope step-up path.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any

import httpx2
from mcp.client.streamable_http import streamable_http_client
from sqlalchemy import select

from bastion import accounts, credentials
from bastion import scopes as scope_rules
from bastion.credentials import Prefix
from bastion.services import Services
from bastion.store.models import AuditEvent, Connection, Token, User
from bastion.store.repositories import Tokens
from bastion.tools.registry import RiskLevel, ToolCategory, ToolHints, ToolSpec
from mcp import Client
from tests.conftest import PUBLIC_URL

MCP_URL = f"{PUBLIC_URL}/mcp"
LEGACY_VERSION = "2025-11-25"
MODERN_VERSION = "2026-07-28"
STREAMABLE_HEADERS = {"Accept": "application/json, text/event-stream", "Content-Type": "application/json"}


async def set_note(_ctx: Any, arguments: dict[str, Any]) -> dict[str, Any]:
    return {"saved": arguments["text"]}


# A write tool that exists only in tests: it needs mcp:write, so a read-only credential must be stepped up.
SET_NOTE = ToolSpec(
    name="set_note",
    title="Set a note",
    description="Saves a note (test-only write tool).",
    category=ToolCategory.WRITE,
    risk=RiskLevel.MEDIUM,
    required_scope=scope_rules.WRITE,
    hints=ToolHints(read_only=False, destructive=False, idempotent=True),
    input_schema={
        "type": "object",
        "properties": {"text": {"type": "string", "minLength": 1}},
        "required": ["text"],
        "additionalProperties": False,
    },
    output_schema={"type": "object", "properties": {"saved": {"type": "string"}}, "required": ["saved"]},
    handler=set_note,
)


async def make_member(services: Services, login: str = "alice", *, admin: bool = False) -> User:
    """A user without a password (an MCP caller never signs in here), skipping argon2's cost in every test."""
    async with services.transaction() as session:
        return await accounts.create_user(session, services.clock(), login=login, is_admin=admin)


async def make_access_token(
    services: Services,
    connection: Connection,
    user: User,
    *,
    scopes: str = scope_rules.FULL,
    resource: str | None = None,
    lifetime: int = 3600,
) -> str:
    """An OAuth access token row as the token endpoint would store it (digest only); returns the token."""
    token = credentials.new_credential(Prefix.ACCESS_TOKEN)
    now = services.clock()
    async with services.transaction() as session:
        await Tokens(session).add(
            Token(
                kind="access",
                digest=credentials.digest(token),
                connection_id=connection.id,
                user_id=user.id,
                scopes=scopes,
                resource=resource or services.settings.resource_url,
                family_id=uuid.uuid4().hex,
                created_at=now,
                expires_at=now + timedelta(seconds=lifetime),
            )
        )
    return token


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def initialize_request(request_id: int = 1) -> dict[str, Any]:
    return {
        "jsonrpc": "2.0",
        "id": request_id,
        "method": "initialize",
        "params": {
            "protocolVersion": LEGACY_VERSION,
            "capabilities": {},
            "clientInfo": {"name": "bastion-tests", "version": "1"},
        },
    }


def tool_call_request(name: str, arguments: dict[str, Any] | None = None, request_id: int = 2) -> dict[str, Any]:
    params = {"name": name, "arguments": arguments}
    return {"jsonrpc": "2.0", "id": request_id, "method": "tools/call", "params": params}


async def post_mcp(
    client: httpx2.AsyncClient,
    body: Any,
    *,
    token: str | None = None,
    headers: dict[str, str] | None = None,
    path: str = "/mcp",
) -> httpx2.Response:
    sent = {**STREAMABLE_HEADERS, **(bearer(token) if token else {}), **(headers or {})}
    return await client.post(path, content=json.dumps(body), headers=sent)


def sse_messages(response: httpx2.Response) -> list[dict[str, Any]]:
    """The JSON-RPC messages of an SSE response body (the legacy era answers a POST with a short stream)."""
    lines = response.text.splitlines()
    return [json.loads(line[5:]) for line in lines if line.startswith("data:") and line[5:].strip()]


async def audit_events(services: Services, event: str) -> list[AuditEvent]:
    await services.batch_writer.flush()  # the per-request entries the app has queued, written first
    async with services.transaction() as session:
        query = select(AuditEvent).where(AuditEvent.event == event).order_by(AuditEvent.id)
        return list((await session.scalars(query)).all())


@asynccontextmanager
async def sdk_client(app: Any, token: str, mode: str) -> AsyncIterator[Client]:
    """The official SDK client over Streamable HTTP, in-process (httpx2 over ASGI; request SSE streams complete)."""
    http = httpx2.AsyncClient(transport=httpx2.ASGITransport(app=app), base_url=PUBLIC_URL, headers=bearer(token))
    async with http, Client(streamable_http_client(MCP_URL, http_client=http), mode=mode) as client:
        yield client
