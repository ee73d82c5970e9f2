"""The benchmark tools work: the SDK-only baseline is a real OAuth + MCP server, the profile summary counts
right, and ``bench.compare`` runs end to end. No figure is asserted here (timing targets live in bench/);
only that the tools measure what they say, and that an answered refresh token survives kill -9.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import httpx2
import pytest
from bench.durability import refresh_form
from bench.profiling import package_of, summarize
from bench.sdk_baseline import grant_baseline_clients, running_baseline
from mcp.client.client import Client
from mcp.client.streamable_http import streamable_http_client

ROOT = Path(__file__).resolve().parents[1]


def run_module(module: str, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", module, *args], cwd=ROOT, capture_output=True, text=True, timeout=timeout, check=False
    )


@pytest.mark.parametrize("module", ["bench.compare", "bench.sdk_baseline"])
def test_benchmark_scripts_explain_their_options(module: str):
    completed = run_module(module, "--help")
    assert completed.returncode == 0, completed.stderr
    assert "--help" in completed.stdout
    if module == "bench.compare":
        for option in ("--duration", "--concurrency", "--backend", "--profile", "--kills"):
            assert option in completed.stdout


def test_compare_refuses_an_unknown_row():
    completed = run_module("bench.compare", "--rows", "refresh,nonsense")
    assert completed.returncode == 2
    assert "unknown rows ['nonsense']" in completed.stderr


def test_profile_summary_counts_threads_packages_and_functions():
    collapsed = "\n".join(
        [
            "thread (1): MainThread;run (asyncio/base_events.py:600);execute (sqlalchemy/engine/base.py:10) 6",
            "thread (1): MainThread;run (asyncio/base_events.py:612) 2",
            "thread (2): Thread-1 (worker);_worker (aiosqlite/core.py:48) 4",
        ]
    )
    summary = summarize(collapsed, ticks=10)
    assert summary.samples == 12
    assert summary.ticks == 10
    assert summary.threads == {"thread (1): MainThread": 8, "thread (2): Thread-1 (worker)": 4}
    assert summary.packages == {"sqlalchemy": 6, "asyncio": 2, "aiosqlite": 4}
    assert summary.self_lines["execute (sqlalchemy/engine/base.py:10)"] == 6
    assert summary.self_time["run (asyncio/base_events.py)"] == 2
    assert summary.total_time["run (asyncio/base_events.py)"] == 8
    assert package_of("select (selectors.py:451)") == "selectors"
    # On every stack of the main thread: its total is the thread's whole time, left out of the total-time list.
    assert summary.scaffolding == {"run (asyncio/base_events.py)", "_worker (aiosqlite/core.py)"}


@pytest.mark.e2e
async def test_the_baseline_rotates_refresh_tokens_and_answers_whoami_in_both_eras(tmp_path: Path):
    with running_baseline(tmp_path) as baseline:
        granted = await grant_baseline_clients(baseline, 1)
        auth = httpx2.BasicAuth(granted.client_id, granted.client_secret)
        spent = granted.refresh_tokens[0]
        async with httpx2.AsyncClient(trust_env=False, timeout=30.0) as http:
            rotated = await http.post(baseline.token_url, data=refresh_form(granted.client_id, spent), auth=auth)
            assert rotated.status_code == 200, rotated.text
            assert rotated.json()["refresh_token"] != spent
            again = await http.post(baseline.token_url, data=refresh_form(granted.client_id, spent), auth=auth)
            assert again.status_code == 400
            assert again.json()["error"] == "invalid_grant"
            unauthenticated = await http.post(baseline.mcp_url, json={"jsonrpc": "2.0", "id": 1, "method": "ping"})
            assert unauthenticated.status_code == 401
        for mode, version in (("legacy", "2025-11-25"), ("auto", "2026-07-28")):
            async with (
                httpx2.AsyncClient(
                    trust_env=False, headers={"Authorization": f"Bearer {rotated.json()['access_token']}"}
                ) as http,
                Client(streamable_http_client(baseline.mcp_url, http_client=http), mode=mode, cache=None) as client,
            ):
                assert client.protocol_version == version
                result = await client.call_tool("whoami", {})
                assert not result.is_error
                assert result.structured_content is not None
                assert result.structured_content["user"] == {"login": "alice"}
                assert result.structured_content["client"] == {"client_id": granted.client_id}
                assert result.structured_content["protocol"] == {"version": version}


@pytest.mark.e2e
def test_a_tiny_compare_run_reports_every_figure_and_the_durability_check():
    completed = run_module(
        "bench.compare", "--backend", "sqlite", "--duration", "0.5", "--concurrency", "2", "--kills", "1",
        "--kill-after", "0.3", "--rows", "refresh,token-check",
        timeout=240,
    )  # fmt: skip
    assert completed.returncode == 0, completed.stdout + completed.stderr
    out = completed.stdout
    assert "refresh_token grant, chained per worker" in out
    assert "/mcp token check" in out
    assert "Bastion / baseline" in out
    assert "RSS of the bastion process after the run" in out
    assert "RSS of the baseline process after the run" in out
    # Not a figure: an answered refresh token must still be usable after kill -9 and a restart.
    durability = next(line for line in out.splitlines() if line.startswith("durability of Bastion's refresh grants"))
    assert durability.endswith("PASS"), out
    assert "every target:" in out
