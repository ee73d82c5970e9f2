"""(c) ``tools/call whoami`` round trips per second, with the real SDK client and replayed on the wire.

Rows:
- SDK client, 2026-07-28: ``mcp.Client`` (stateless era, negotiated once at connect) calling whoami;
  the figure includes the Python client's own work, on the same two cores as the server.
- SDK client, 2025-11-25: ``mcp.Client(mode="legacy")``: one initialized session per worker.
- replayed, 2026-07-28: the SDK's whoami request recorded once and re-sent by plain httpx2
  clients: the server's cost alone (auth, governance, tool dispatch, audit entry).
Every worker authenticates with its own OAuth access token from an authorization-code grant.
"""

from __future__ import annotations

from contextlib import AsyncExitStack
from typing import Any

import httpx2
from mcp.client.client import Client
from mcp.client.streamable_http import streamable_http_client
from tests.e2e.server import BastionProcess

from bench.common import (
    Measurement,
    RecordedRequest,
    Step,
    bench_server,
    check_mcp_response,
    grant_confidential_client,
    record_sdk_request,
    run_benchmark,
    run_bounded,
    unlimited_rates,
)


def calling_whoami(client: Client) -> Step:
    async def step(_n: int) -> None:
        result = await client.call_tool("whoami", {})
        if result.is_error:
            raise RuntimeError(str(result.content))

    return step


async def call_whoami(client: Client) -> Any:
    return await client.call_tool("whoami", {})


async def measure_sdk(
    server: BastionProcess, backend: str, tokens: list[str], mode: str, version: str, **bounds: Any
) -> Measurement:
    name = f"tools/call whoami, SDK client, {version}"
    async with AsyncExitStack() as stack:
        clients = []
        for token in tokens:
            http = await stack.enter_async_context(
                httpx2.AsyncClient(trust_env=False, timeout=30.0, headers={"Authorization": f"Bearer {token}"})
            )
            clients.append(
                await stack.enter_async_context(
                    Client(streamable_http_client(server.mcp_url, http_client=http), mode=mode, cache=None)
                )
            )
            if clients[-1].protocol_version != version:
                raise RuntimeError(f"the client negotiated {clients[-1].protocol_version}, not {version}")
        return await run_bounded(Measurement(name, backend), [calling_whoami(c) for c in clients], **bounds)


def replaying(http: httpx2.AsyncClient, url: str, recorded: RecordedRequest) -> Step:
    async def step(n: int) -> None:
        headers, body = recorded.replay(n)
        check_mcp_response(await http.post(url, json=body, headers=headers))

    return step


async def measure_replayed(server: BastionProcess, backend: str, tokens: list[str], **bounds: Any) -> Measurement:
    recorded = [await record_sdk_request(server, token, "tools/call", call_whoami) for token in tokens]
    clients = [httpx2.AsyncClient(trust_env=False, timeout=30.0) for _ in recorded]
    try:
        steps = [replaying(http, server.mcp_url, r) for http, r in zip(clients, recorded, strict=True)]
        return await run_bounded(Measurement("tools/call whoami, replayed, 2026-07-28", backend), steps, **bounds)
    finally:
        for http in clients:
            await http.aclose()


async def measure(backend: str, *, concurrency: int, max_requests: int, max_seconds: float) -> list[Measurement]:
    bounds = {"max_requests": max_requests, "max_seconds": max_seconds}
    async with bench_server(backend) as server:
        unlimited_rates(server)
        tokens = (await grant_confidential_client(server, concurrency)).access_tokens
        return [
            await measure_sdk(server, backend, tokens, "auto", "2026-07-28", **bounds),
            await measure_sdk(server, backend, tokens, "legacy", "2025-11-25", **bounds),
            await measure_replayed(server, backend, tokens, **bounds),
        ]


if __name__ == "__main__":
    run_benchmark(__doc__.splitlines()[0], measure, concurrency=8)
