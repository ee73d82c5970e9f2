"""(f) ``search_records`` round trips per second through /mcp, next to the same query made directly on the source.

Rows, in one run on the same demo database (``$BASTION_HOME/demo.db``, built by the server on its first call):
- direct: ``SqlSource.search_read`` in this process, no HTTP: the data source's own cost;
- replayed, 2026-07-28: the SDK client's ``tools/call search_records`` recorded once and re-sent by plain
  httpx2 clients: everything Bastion adds (auth, governance, the source configuration read, argument
  checks, rendering, the audit entry) on top of the same query;
- SDK client, 2026-07-28: ``mcp.Client`` calling the tool (includes the Python client's own work);
- whoami, replayed: the same /mcp path with a tool that reads no source, for what the path itself costs.
The ratio printed under the table is each /mcp row's rate over the direct rate (target ≥ 0.5×).
Every worker has its own API key (``connections add-key``).
"""

from __future__ import annotations

from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any

import anyio
import httpx2
from mcp.client.client import Client
from mcp.client.streamable_http import streamable_http_client
from tests.e2e.server import BastionProcess

from bastion.sources.port import Identity
from bastion.sources.sql import SqlSource
from bench.common import (
    Measurement,
    Step,
    backends,
    bench_server,
    check_mcp_response,
    parse_arguments,
    print_table,
    record_sdk_request,
    run_bounded,
    unlimited_rates,
)

MODEL = "res.partner"
DOMAIN: list[Any] = [["is_company", "=", True]]
FIELDS = ["name", "email", "city", "country_id"]
LIMIT = 20
ARGUMENTS = {"model": MODEL, "domain": DOMAIN, "fields": FIELDS, "limit": LIMIT}
TARGET_RATIO = 0.5


async def call_search(client: Client) -> Any:
    result = await client.call_tool("search_records", ARGUMENTS)
    if result.is_error:
        raise RuntimeError(str(result.content))
    return result


def api_keys(server: BastionProcess, count: int) -> list[str]:
    return [
        server.cli_json("connections", "add-key", "--name", f"Bench {n}", "--user", "alice")["api_key"]
        for n in range(count)
    ]


def searching_directly(source: SqlSource, identity: Identity) -> Step:
    async def step(_n: int) -> None:
        page = await source.search_read(identity, MODEL, DOMAIN, FIELDS, limit=LIMIT)
        if not page.records:
            raise RuntimeError("the direct search found nothing")

    return step


async def measure_direct(server: BastionProcess, backend: str, workers: int, **bounds: Any) -> Measurement:
    demo = Path(server.env["BASTION_HOME"]) / "demo.db"
    source = SqlSource(f"sqlite:///{demo}")
    identity = Identity(bastion_user_id=1, login="alice", cache_key="sql")
    try:
        await source.search_read(identity, MODEL, DOMAIN, FIELDS, limit=LIMIT)  # reflect once, as the server did
        steps = [searching_directly(source, identity) for _ in range(workers)]
        return await run_bounded(Measurement("search_records, direct on SqlSource", backend), steps, **bounds)
    finally:
        await source.aclose()


async def call_whoami(client: Client) -> Any:
    return await client.call_tool("whoami", {})


async def measure_replayed(
    server: BastionProcess, backend: str, keys: list[str], *, name: str = "search_records", **bounds: Any
) -> Measurement:
    call = call_search if name == "search_records" else call_whoami
    recorded = [await record_sdk_request(server, key, "tools/call", call) for key in keys]
    async with AsyncExitStack() as stack:
        steps: list[Step] = []
        for request in recorded:
            http = await stack.enter_async_context(httpx2.AsyncClient(trust_env=False, timeout=30.0))

            def replaying(http: httpx2.AsyncClient = http, request: Any = request) -> Step:
                async def step(n: int) -> None:
                    headers, body = request.replay(n)
                    reply = check_mcp_response(await http.post(server.mcp_url, json=body, headers=headers))
                    if reply["result"].get("isError"):
                        raise RuntimeError(str(reply["result"]["content"])[:200])

                return step

            steps.append(replaying())
        return await run_bounded(Measurement(f"{name}, replayed, 2026-07-28", backend), steps, **bounds)


async def measure_sdk(server: BastionProcess, backend: str, keys: list[str], **bounds: Any) -> Measurement:
    async with AsyncExitStack() as stack:
        clients = []
        for key in keys:
            http = await stack.enter_async_context(
                httpx2.AsyncClient(trust_env=False, timeout=30.0, headers={"Authorization": f"Bearer {key}"})
            )
            clients.append(
                await stack.enter_async_context(
                    Client(streamable_http_client(server.mcp_url, http_client=http), mode="auto", cache=None)
                )
            )

        def calling(client: Client) -> Step:
            async def step(_n: int) -> None:
                await call_search(client)

            return step

        steps = [calling(client) for client in clients]
        return await run_bounded(Measurement("search_records, SDK client, 2026-07-28", backend), steps, **bounds)


async def measure(backend: str, *, concurrency: int, max_requests: int, max_seconds: float) -> list[Measurement]:
    bounds: dict[str, Any] = {"max_requests": max_requests, "max_seconds": max_seconds}
    async with bench_server(backend) as server:
        unlimited_rates(server)
        keys = api_keys(server, concurrency)
        await record_sdk_request(server, keys[0], "tools/call", call_search)  # the server builds the demo
        return [
            await measure_direct(server, backend, concurrency, **bounds),
            await measure_replayed(server, backend, keys, **bounds),
            await measure_sdk(server, backend, keys, **bounds),
            # The same path with a tool that touches no source: what /mcp costs before any data work.
            await measure_replayed(server, backend, keys, name="whoami", **bounds),
        ]


def print_ratios(results: list[Measurement]) -> None:
    direct = {m.backend: m for m in results if "direct" in m.name}
    print()
    for m in results:
        base = direct[m.backend]
        if m is base or not base.rate:
            continue
        ratio = m.rate / base.rate
        verdict = "meets" if ratio >= TARGET_RATIO else "misses"
        print(f"{m.name} ({m.backend}): {ratio:.2f}× the direct rate ({verdict} the {TARGET_RATIO}× target)")


async def main() -> None:
    args = parse_arguments(__doc__.splitlines()[0], concurrency=8)
    results: list[Measurement] = []
    for backend in backends(args.postgres):
        results += await measure(
            backend, concurrency=args.concurrency, max_requests=args.requests, max_seconds=args.seconds
        )
    print_table(results)
    print_ratios(results)


if __name__ == "__main__":
    anyio.run(main)
