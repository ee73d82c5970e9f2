"""What every benchmark shares: a real ``bastion serve`` (one uvicorn worker), credentials made with
the CLI, a loop bounded by request count *and* time, and the table of results.

The server is started by the same harness the end-to-end tests use (``tests/e2e/server.py``), so a
benchmark measures exactly what ``bastion serve`` runs. Everything stays on loopback. Run the
scripts as modules from the repository root (``.venv/bin/python -m bench.run_all``).
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import statistics
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import anyio
import httpx2
from mcp.client.auth.oauth2 import PKCEParameters
from mcp.client.client import Client
from mcp.client.streamable_http import streamable_http_client
from tests.e2e.browser import ScriptedBrowser
from tests.e2e.server import (
    BastionProcess,
    new_postgres_database,
    remove_postgres_database,
    running_bastion,
)

PASSWORD = "correct horse battery staple"
POSTGRES_ENV = "BASTION_TEST_POSTGRES_URL"
MODERN_VERSION = "2026-07-28"
# Headers the replaying client sets itself (it must, for a body of another length).
SET_BY_HTTP_CLIENT = {"host", "content-length", "connection", "accept-encoding", "user-agent"}


@dataclass
class Measurement:
    """One benchmark run: how many requests succeeded, in how long, and each one's latency."""

    name: str
    backend: str
    latencies: list[float] = field(default_factory=list)
    failures: int = 0
    seconds: float = 0.0
    first_failure: str = ""

    @property
    def requests(self) -> int:
        return len(self.latencies)

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def percentile(self, fraction: float) -> float:
        if not self.latencies:
            return float("nan")
        if len(self.latencies) == 1:
            return self.latencies[0]
        cuts = statistics.quantiles(self.latencies, n=100, method="inclusive")
        return cuts[round(fraction * 100) - 1]


Step = Callable[[int], Awaitable[None]]


async def run_bounded(
    measurement: Measurement, steps: list[Step], *, max_requests: int, max_seconds: float
) -> Measurement:
    """Run each worker's ``step`` in its own task until ``max_requests`` in all or ``max_seconds`` have passed.

    A step is one request (or one chained request); a step that raises counts as a failure and ends
    its worker, since a chained credential cannot go on after a failed rotation.
    """
    started = time.perf_counter()
    deadline = started + max_seconds
    issued = 0

    async def worker(step: Step) -> None:
        nonlocal issued
        while issued < max_requests and time.perf_counter() < deadline:
            issued += 1
            sent = time.perf_counter()
            try:
                await step(issued)
            except Exception as exc:
                measurement.failures += 1
                measurement.first_failure = measurement.first_failure or f"{type(exc).__name__}: {exc}"
                return
            measurement.latencies.append(time.perf_counter() - sent)

    async with anyio.create_task_group() as tasks:
        for step in steps:
            tasks.start_soon(worker, step)
    measurement.seconds = time.perf_counter() - started
    return measurement


def print_table(measurements: list[Measurement]) -> None:
    header = f"{'benchmark':<44} {'backend':<9} {'requests':>8} {'failed':>6} {'seconds':>8} {'req/s':>8} "
    header += f"{'p50 ms':>8} {'p95 ms':>8}"
    print(header)
    print("-" * len(header))
    for m in measurements:
        print(
            f"{m.name:<44} {m.backend:<9} {m.requests:>8} {m.failures:>6} {m.seconds:>8.2f} {m.rate:>8.1f} "
            f"{m.percentile(0.50) * 1000:>8.1f} {m.percentile(0.95) * 1000:>8.1f}"
        )
        if m.first_failure:
            print(f"    first failure: {m.first_failure[:300]}")


def parse_arguments(description: str, *, concurrency: int) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--requests", type=int, default=2000, help="stop after this many requests (default 2000)")
    parser.add_argument("--seconds", type=float, default=10.0, help="stop after this many seconds (default 10)")
    parser.add_argument(
        "--concurrency", type=int, default=concurrency, help=f"concurrent clients (default {concurrency})"
    )
    parser.add_argument(
        "--postgres",
        action="store_true",
        help=f"also run on PostgreSQL (a fresh database on the server of ${POSTGRES_ENV})",
    )
    return parser.parse_args()


def backends(include_postgres: bool) -> list[str]:
    if not include_postgres:
        return ["sqlite"]
    if not os.environ.get(POSTGRES_ENV):
        raise SystemExit(f"--postgres needs {POSTGRES_ENV}, e.g. postgresql://postgres@127.0.0.1:5432/test")
    return ["sqlite", "postgres"]


@asynccontextmanager
async def bench_server(backend: str) -> AsyncIterator[BastionProcess]:
    """A fresh ``bastion serve`` with its own data folder and database, and the user ``alice``."""
    with tempfile.TemporaryDirectory(prefix="bastion-bench-") as folder:
        home = Path(folder) / "home"
        if backend == "sqlite":
            with running_bastion(home, f"sqlite:///{Path(folder) / 'bastion.db'}") as server:
                _add_alice(server)
                yield server
            return
        admin_url = os.environ[POSTGRES_ENV]
        database_url = await new_postgres_database(admin_url, prefix="bastion_bench")
        try:
            with running_bastion(home, database_url) as server:
                _add_alice(server)
                yield server
        finally:
            await remove_postgres_database(admin_url, database_url)


def _add_alice(server: BastionProcess) -> None:
    server.cli("users", "add", "alice", "--admin", "--password-stdin", stdin=PASSWORD + "\n")


REDIRECT_URI = "http://127.0.0.1:9/callback"  # never contacted: the scripted browser stops at the redirect


def unlimited_rates(server: BastionProcess) -> None:
    """Lift the default per-connection rate limits to their maximum, so the benchmark measures speed, not policy."""
    server.cli("settings", "set", "rate_limit_per_minute", "100000")
    server.cli("settings", "set", "rate_limit_per_day", "100000000")


@dataclass
class GrantedClient:
    """A confidential custom client and, per worker, the tokens of its own authorization-code grant."""

    client_id: str
    client_secret: str
    access_tokens: list[str]
    refresh_tokens: list[str]


async def grant_confidential_client(server: BastionProcess, grants: int) -> GrantedClient:
    """``connections add-oauth`` then ``grants`` authorization-code flows (sign-in, consent, code, token)."""
    created = server.cli_json(
        "connections", "add-oauth", "--name", "Benchmark client", "--type", "confidential",
        "--redirect-uri", REDIRECT_URI,
    )  # fmt: skip
    granted = GrantedClient(created["client_id"], created["client_secret"], [], [])
    browser = ScriptedBrowser(server.base_url, server.issuer, login="alice", password=PASSWORD)
    try:
        async with httpx2.AsyncClient(trust_env=False, timeout=30.0) as http:
            for _ in range(grants):
                pkce = PKCEParameters.generate()
                query = {
                    "response_type": "code",
                    "client_id": granted.client_id,
                    "redirect_uri": REDIRECT_URI,
                    "state": secrets.token_urlsafe(16),
                    "code_challenge": pkce.code_challenge,
                    "code_challenge_method": "S256",
                    "scope": "mcp:read mcp:write",
                    "resource": server.mcp_url,
                }
                await browser.redirect_handler(f"{server.base_url}/oauth/authorize?{urlencode(query)}")
                code = (await browser.callback_handler()).code
                response = await http.post(
                    server.token_url,
                    data={
                        "grant_type": "authorization_code",
                        "code": code,
                        "redirect_uri": REDIRECT_URI,
                        "code_verifier": pkce.code_verifier,
                        "resource": server.mcp_url,
                    },
                    auth=httpx2.BasicAuth(granted.client_id, granted.client_secret),
                )
                response.raise_for_status()
                tokens = response.json()
                granted.access_tokens.append(tokens["access_token"])
                granted.refresh_tokens.append(tokens["refresh_token"])
    finally:
        await browser.aclose()
    return granted


@dataclass(frozen=True)
class RecordedRequest:
    """One MCP request exactly as the SDK client put it on the wire, to be replayed without the client."""

    headers: dict[str, str]
    body: dict[str, Any]

    def replay(self, request_id: int) -> tuple[dict[str, str], dict[str, Any]]:
        return self.headers, {**self.body, "id": request_id}


async def record_sdk_request(
    server: BastionProcess, credential: str, method: str, call: Callable[[Client], Awaitable[Any]]
) -> RecordedRequest:
    """Run ``call`` with the SDK client at protocol 2026-07-28; keep the request whose JSON-RPC method is ``method``."""
    recorded: list[RecordedRequest] = []

    async def keep(request: httpx2.Request) -> None:
        if request.method == "POST" and request.content:
            body = json.loads(request.content)
            if isinstance(body, dict) and body.get("method") == method:
                headers = {k: v for k, v in request.headers.items() if k.lower() not in SET_BY_HTTP_CLIENT}
                recorded.append(RecordedRequest(headers, body))

    async with (
        httpx2.AsyncClient(
            trust_env=False, headers={"Authorization": f"Bearer {credential}"}, event_hooks={"request": [keep]}
        ) as http,
        Client(streamable_http_client(server.mcp_url, http_client=http), mode=MODERN_VERSION, cache=None) as client,
    ):
        await call(client)
    if not recorded:
        raise RuntimeError(f"the SDK client sent no {method!r} request")
    return recorded[-1]


def check_mcp_response(response: httpx2.Response) -> dict[str, Any]:
    """The JSON-RPC reply of a /mcp POST, answered as JSON or as an SSE stream; raise when it is an error."""
    if response.status_code != 200:
        raise RuntimeError(f"HTTP {response.status_code}: {response.text[:200]}")
    if response.headers.get("content-type", "").startswith("text/event-stream"):
        data = [line[5:].strip() for line in response.text.splitlines() if line.startswith("data:")]
        reply = json.loads(data[-1])
    else:
        reply = response.json()
    if "error" in reply:
        raise RuntimeError(f"JSON-RPC error: {reply['error']}")
    return reply


def run_benchmark(
    description: str, measure: Callable[..., Awaitable[Measurement | list[Measurement]]], *, concurrency: int
) -> None:
    """A benchmark script's whole ``main``: parse the bounds, measure on each backend, print one table."""

    async def main() -> None:
        args = parse_arguments(description, concurrency=concurrency)
        results: list[Measurement] = []
        for backend in backends(args.postgres):
            measured = await measure(
                backend, concurrency=args.concurrency, max_requests=args.requests, max_seconds=args.seconds
            )
            results += measured if isinstance(measured, list) else [measured]
        print_table(results)

    anyio.run(main)
