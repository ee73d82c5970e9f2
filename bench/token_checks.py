"""(b) Credential checks per second on ``/mcp``: a ``tools/list`` at protocol 2026-07-28 (stateless).

What one request costs: the Origin/Host checks, finding the bearer credential by its SHA-256
digest and checking it (kind, revocation, expiry, audience, connection, user), the master switch
and governance reads, then the SDK answering ``tools/list`` for that connection. No session,
no tool runs. The request is recorded once from the SDK client and replayed by plain httpx2
clients, so the figure is the server's, not the Python MCP client's. Measured with an OAuth access
token and, separately, with an API key.
"""

from __future__ import annotations

import httpx2
from mcp.client.client import Client

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


def replaying(http: httpx2.AsyncClient, url: str, recorded: RecordedRequest) -> Step:
    async def step(n: int) -> None:
        headers, body = recorded.replay(n)
        check_mcp_response(await http.post(url, json=body, headers=headers))

    return step


async def list_tools(client: Client) -> None:
    await client.list_tools()


async def measure_with(
    name: str, backend: str, url: str, recorded: list[RecordedRequest], *, max_requests: int, max_seconds: float
) -> Measurement:
    clients = [httpx2.AsyncClient(trust_env=False, timeout=30.0) for _ in recorded]
    try:
        steps = [replaying(http, url, request) for http, request in zip(clients, recorded, strict=True)]
        return await run_bounded(Measurement(name, backend), steps, max_requests=max_requests, max_seconds=max_seconds)
    finally:
        for http in clients:
            await http.aclose()


async def measure(backend: str, *, concurrency: int, max_requests: int, max_seconds: float) -> list[Measurement]:
    async with bench_server(backend) as server:
        unlimited_rates(server)
        granted = await grant_confidential_client(server, concurrency)
        api_key = server.cli_json("connections", "add-key", "--name", "Benchmark key", "--user", "alice")["api_key"]
        with_tokens = [await record_sdk_request(server, t, "tools/list", list_tools) for t in granted.access_tokens]
        with_key = [await record_sdk_request(server, api_key, "tools/list", list_tools)] * concurrency
        bounds = {"max_requests": max_requests, "max_seconds": max_seconds}
        return [
            await measure_with("tools/list, OAuth access token", backend, server.mcp_url, with_tokens, **bounds),
            await measure_with("tools/list, API key", backend, server.mcp_url, with_key, **bounds),
        ]


if __name__ == "__main__":
    run_benchmark(__doc__.splitlines()[0], measure, concurrency=8)
