"""Bastion next to the SDK-only baseline, in the same run, with the same load generator, on SQLite and PostgreSQL.

.venv/bin/python -m bench.compare                          # 16 clients, 10 s per row and server, both databases
.venv/bin/python -m bench.compare --duration 3 --kills 1   # a quick smoke run
.venv/bin/python -m bench.compare --profile /tmp/profiles  # and py-spy samples of both servers, per row

For each database: a fresh ``bastion serve`` (``bench.common.bench_server``) and a fresh
``bench.sdk_baseline`` server run side by side; every row is measured on both, back to back (which one
goes first alternates from row to row), by ``bench.common.run_bounded`` with the same number of
concurrent httpx2 clients sending the same requests. Then the ratios with their targets (PASS/FAIL),
p99, each server's RSS after the run, failures and ``database is locked`` in Bastion's log, and the
kill -9 durability check (``bench.durability``) of Bastion's refresh grants. PostgreSQL is skipped,
with a message, when ``BASTION_TEST_POSTGRES_URL`` is not set.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import anyio
import httpx2
from mcp.client.client import Client
from mcp.client.streamable_http import streamable_http_client

from bench import profiling
from bench.common import (
    POSTGRES_ENV,
    SET_BY_HTTP_CLIENT,
    Measurement,
    RecordedRequest,
    Step,
    bench_server,
    check_mcp_response,
    grant_confidential_client,
    run_bounded,
    unlimited_rates,
)
from bench.durability import check_durability, refresh_form
from bench.report import Result, print_report
from bench.sdk_baseline import grant_baseline_clients, running_baseline

BACKENDS = ("sqlite", "postgres")


@dataclass
class Served:
    """One server under load (Bastion or the baseline) and the credentials its workers use."""

    name: str
    pid: int
    mcp_url: str
    token_url: str
    client_id: str
    client_secret: str
    access_tokens: list[str]
    refresh_tokens: list[str]


# Runs the load: ``run_bounded`` with the row's bounds, under py-spy when profiling.
Load = Callable[[Measurement, list[Step]], Awaitable[Measurement]]


@dataclass(frozen=True)
class Row:
    key: str
    name: str
    measure: Callable[[Served, Load], Awaitable[Measurement]]


def chained_refresh(http: httpx2.AsyncClient, served: Served, worker: int) -> Step:
    auth = httpx2.BasicAuth(served.client_id, served.client_secret)

    async def step(_n: int) -> None:
        form = refresh_form(served.client_id, served.refresh_tokens[worker])
        response = await http.post(served.token_url, data=form, auth=auth)
        if response.status_code != 200:
            raise RuntimeError(f"{response.status_code} {response.text[:200]}")
        served.refresh_tokens[worker] = response.json()["refresh_token"]

    return step


async def measure_refresh(served: Served, load: Load) -> Measurement:
    async with AsyncExitStack() as stack:
        steps = []
        for worker in range(len(served.refresh_tokens)):
            http = await stack.enter_async_context(httpx2.AsyncClient(trust_env=False, timeout=30.0))
            steps.append(chained_refresh(http, served, worker))
        return await load(Measurement(ROWS_BY_KEY["refresh"].name, served.name), steps)


async def call_whoami(client: Client) -> None:
    result = await client.call_tool("whoami", {})
    if result.is_error:
        raise RuntimeError(str(result.content)[:200])


async def list_tools(client: Client) -> None:
    await client.list_tools()


@asynccontextmanager
async def sdk_clients(
    served: Served, mode: str, version: str, tokens: list[str] | None = None
) -> AsyncIterator[list[Client]]:
    """One ``mcp.Client`` per worker, each with its own access token, open for the block (sessions included)."""
    async with AsyncExitStack() as stack:
        clients = []
        for token in served.access_tokens if tokens is None else tokens:
            http = await stack.enter_async_context(
                httpx2.AsyncClient(trust_env=False, timeout=30.0, headers={"Authorization": f"Bearer {token}"})
            )
            client = await stack.enter_async_context(
                Client(streamable_http_client(served.mcp_url, http_client=http), mode=mode, cache=None)
            )
            if client.protocol_version != version:
                raise RuntimeError(f"{served.name}: the client negotiated {client.protocol_version}, not {version}")
            clients.append(client)
        yield clients


async def measure_sdk_whoami(served: Served, load: Load) -> Measurement:
    async with sdk_clients(served, "legacy", "2025-11-25") as clients:

        def calling(client: Client) -> Step:
            async def step(_n: int) -> None:
                await call_whoami(client)

            return step

        name = ROWS_BY_KEY["whoami-sdk-2025"].name
        return await load(Measurement(name, served.name), [calling(c) for c in clients])


@asynccontextmanager
async def recorded_requests(
    served: Served, mode: str, version: str, method: str, call: Callable[[Client], Awaitable[None]]
) -> AsyncIterator[list[RecordedRequest]]:
    """Each worker's SDK client makes ``call`` once; its ``method`` request is kept for replay while the client
    stays open (a 2025-11-25 session stays alive, and its Mcp-Session-Id is among the recorded headers)."""
    async with AsyncExitStack() as stack:
        recorded: list[RecordedRequest] = []
        for token in served.access_tokens:
            kept: list[RecordedRequest] = []

            async def keep(request: httpx2.Request, kept: list[RecordedRequest] = kept) -> None:
                if request.method == "POST" and request.content:
                    body = json.loads(request.content)
                    if isinstance(body, dict) and body.get("method") == method:
                        headers = {k: v for k, v in request.headers.items() if k.lower() not in SET_BY_HTTP_CLIENT}
                        kept.append(RecordedRequest(headers, body))

            http = await stack.enter_async_context(
                httpx2.AsyncClient(
                    trust_env=False,
                    timeout=30.0,
                    headers={"Authorization": f"Bearer {token}"},
                    event_hooks={"request": [keep]},
                )
            )
            client = await stack.enter_async_context(
                Client(streamable_http_client(served.mcp_url, http_client=http), mode=mode, cache=None)
            )
            if client.protocol_version != version:
                raise RuntimeError(f"{served.name}: the client negotiated {client.protocol_version}, not {version}")
            await call(client)
            if not kept:
                raise RuntimeError(f"{served.name}: the SDK client sent no {method!r} request")
            recorded.append(kept[-1])
        yield recorded


def replaying(http: httpx2.AsyncClient, url: str, recorded: RecordedRequest) -> Step:
    async def step(n: int) -> None:
        headers, body = recorded.replay(n)
        reply = check_mcp_response(await http.post(url, json=body, headers=headers))
        if reply["result"].get("isError"):
            raise RuntimeError(str(reply["result"].get("content"))[:200])

    return step


def replayed_row(key: str, mode: str, version: str, method: str, call: Callable[[Client], Awaitable[None]]) -> Any:
    async def measure(served: Served, load: Load) -> Measurement:
        async with recorded_requests(served, mode, version, method, call) as recorded, AsyncExitStack() as stack:
            steps = []
            for request in recorded:
                http = await stack.enter_async_context(httpx2.AsyncClient(trust_env=False, timeout=30.0))
                steps.append(replaying(http, served.mcp_url, request))
            return await load(Measurement(ROWS_BY_KEY[key].name, served.name), steps)

    return measure


ROWS = [
    Row("refresh", "refresh_token grant, chained per worker", measure_refresh),
    Row("whoami-sdk-2025", "tools/call whoami, SDK client, 2025-11-25 sessions", measure_sdk_whoami),
    Row(
        "whoami-replayed-2025",
        "tools/call whoami, replayed in 2025-11-25 sessions",
        replayed_row("whoami-replayed-2025", "legacy", "2025-11-25", "tools/call", call_whoami),
    ),
    Row(
        "whoami-replayed-2026",
        "tools/call whoami, replayed, 2026-07-28",
        replayed_row("whoami-replayed-2026", "auto", "2026-07-28", "tools/call", call_whoami),
    ),
    Row(
        "token-check",
        "/mcp token check: tools/list, replayed, 2026-07-28",
        replayed_row("token-check", "auto", "2026-07-28", "tools/list", list_tools),
    ),
]
ROWS_BY_KEY = {row.key: row for row in ROWS}


async def measure_row(
    row: Row, served: Served, backend: str, args: argparse.Namespace
) -> tuple[Measurement, profiling.Profile | None]:
    """One row on one server; with ``--profile``, py-spy samples the server while the load runs (not the setup)."""
    bounds = {"max_requests": args.requests, "max_seconds": args.duration}
    profile: profiling.Profile | None = None

    async def load(measurement: Measurement, steps: list[Step]) -> Measurement:
        nonlocal profile
        if not args.profile:
            return await run_bounded(measurement, steps, **bounds)
        label = f"{backend}-{served.name}-{row.key}"
        with profiling.sampling(served.pid, args.profile, label, nonblocking=args.nonblocking) as profile:
            return await run_bounded(measurement, steps, **bounds)

    return await row.measure(served, load), profile


async def warm_up(served: Served) -> None:
    """One tools/list and one whoami call before any row: Bastion builds its demo data source on first use."""
    async with sdk_clients(served, "auto", "2026-07-28", tokens=served.access_tokens[:1]) as (client,):
        await list_tools(client)
        await call_whoami(client)


def memory_of(pid: int) -> tuple[float, float]:
    """(resident MB now, peak resident MB) of a live process, from /proc."""
    fields: dict[str, float] = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            fields[name] = int(value.split()[0]) / 1024
    return fields["VmRSS"], fields["VmHWM"]


async def compare_on(backend: str, args: argparse.Namespace, rows: list[Row]) -> Result:
    result = Result(backend)
    async with bench_server(backend) as bastion:
        unlimited_rates(bastion)
        granted = await grant_confidential_client(bastion, args.concurrency)
        with tempfile.TemporaryDirectory(prefix="bastion-baseline-") as folder, running_baseline(Path(folder)) as sdk:
            baseline_grants = await grant_baseline_clients(sdk, args.concurrency)
            servers = [
                Served("bastion", bastion.process.pid, bastion.mcp_url, bastion.token_url, granted.client_id,
                       granted.client_secret, granted.access_tokens, granted.refresh_tokens),
                Served("baseline", sdk.process.pid, sdk.mcp_url, sdk.token_url, baseline_grants.client_id,
                       baseline_grants.client_secret, baseline_grants.access_tokens, baseline_grants.refresh_tokens),
            ]  # fmt: skip
            for served in servers:
                await warm_up(served)
            for number, row in enumerate(rows):
                # Bastion first on even rows, the baseline first on odd ones: a drift in the machine's load
                # (other processes) then favours neither server.
                for served in servers if number % 2 == 0 else servers[::-1]:
                    measured, profile = await measure_row(row, served, backend, args)
                    result.add(row.key, served.name, measured, profile)
                    print(f"  {backend:<8} {served.name:<8} {row.name:<52} {measured.rate:>8.1f} req/s", flush=True)
            result.memory = {s.name: memory_of(s.pid) for s in servers}
        result.locked = bastion.log().count("database is locked")
        result.tracebacks = bastion.log().count("Traceback")
        if args.kills:
            result.durability = await check_durability(
                bastion, workers=args.concurrency, rounds=args.kills, load_seconds=args.kill_after
            )
            if result.durability.server is not None:
                result.durability.server.stop()
    return result


def parse_arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per row and server (default 10)")
    parser.add_argument(
        "--requests", type=int, default=200_000, help="at most this many requests per row and server (default 200000)"
    )
    parser.add_argument("--concurrency", type=int, default=16, help="concurrent clients (default 16)")
    parser.add_argument(
        "--backend", choices=BACKENDS, action="append", help="sqlite or postgres, repeatable (default both)"
    )
    parser.add_argument(
        "--rows",
        default=",".join(ROWS_BY_KEY),
        help=f"comma-separated rows to measure (default all: {','.join(ROWS_BY_KEY)})",
    )
    parser.add_argument(
        "--kills", type=int, default=3, help="kill -9 durability rounds per database (0 skips; default 3)"
    )
    parser.add_argument(
        "--kill-after", type=float, default=1.0, help="seconds of refresh load before each kill -9 (default 1)"
    )
    parser.add_argument(
        "--profile", type=Path, help="write py-spy samples of both servers during every row into this folder"
    )
    parser.add_argument(
        "--nonblocking", action="store_true", help="with --profile: py-spy does not pause the server to sample it"
    )
    args = parser.parse_args()
    unknown = [key for key in args.rows.split(",") if key not in ROWS_BY_KEY]
    if unknown:
        parser.error(f"unknown rows {unknown}; choose from {','.join(ROWS_BY_KEY)}")
    return args


async def main() -> None:
    args = parse_arguments()
    if args.profile:
        profiling.py_spy_path()  # fail now, not after the first row
    rows = [ROWS_BY_KEY[key] for key in args.rows.split(",")]
    results = []
    for backend in args.backend or BACKENDS:
        if backend == "postgres" and not os.environ.get(POSTGRES_ENV):
            print(f"PostgreSQL skipped: set {POSTGRES_ENV} (e.g. postgresql://postgres@127.0.0.1:5432/test)")
            continue
        print(f"{backend}: {args.concurrency} clients, {args.duration:g} s per row and server", flush=True)
        results.append(await compare_on(backend, args, rows))
    print_report(results, args)


if __name__ == "__main__":
    anyio.run(main)
