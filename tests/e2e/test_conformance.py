"""The MCP conformance suite (``@modelcontextprotocol/conformance``, pinned in tests/package.json) against
a real ``bastion serve``: the authorization-server scenarios, and every server scenario that each protocol
era's requirement set names (``--requirements 2025-11-25`` and ``2026-07-28``), each run at its era's wire.

Scenarios that call the suite's diagnostic tools run against the test build (``diagnostic_serve``), the
others against ``bastion serve`` itself. The suite connects without a credential, so a reverse proxy hands
it an API key (``Authorization: Bearer``), as a gateway in front of a local server would.

What does not pass yet is listed, check by check and with the reason, in ``conformance-baseline-<era>.yml``;
the suite's own ``--expected-failures`` rule then fails a run on any other failure, and on a listed check
that has started to pass (remove it from the list).
"""

from __future__ import annotations

import asyncio
import json
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx2
import pytest

from tests.e2e.browser import ScriptedBrowser
from tests.e2e.node_packages import NODE_MODULES, node_binary, package_dir
from tests.e2e.proxy import running_proxy
from tests.e2e.server import BastionProcess, free_port, running_bastion

pytestmark = pytest.mark.e2e

PASSWORD = "correct horse battery staple"
ERAS = ("2025-11-25", "2026-07-28")
BASELINES = Path(__file__).parent
SCENARIO_TIMEOUT_SECONDS = 120
# Scenarios calling tools only the suite defines (test_simple_text, test_missing_capability, test_elicitation...).
NEEDS_DIAGNOSTIC_TOOLS = ("tools-call-", "elicitation-", "input-required-result-", "server-stateless")


def conformance_cli() -> list[str]:
    return [node_binary(), str(package_dir("@modelcontextprotocol/conformance") / "dist" / "index.js")]


def required_server_scenarios(era: str) -> list[str]:
    """The ``server:`` list of the suite's frozen requirement set for ``era`` (empty when it is not installed)."""
    requirements = NODE_MODULES / "@modelcontextprotocol" / "conformance" / "requirements" / f"{era}.yaml"
    if not requirements.exists():
        return []
    scenarios, in_server = [], False
    for line in requirements.read_text().splitlines():
        if not line.startswith((" ", "#")) and line.strip():
            in_server = line.strip() == "server:"
        elif in_server and line.startswith("  - "):
            scenarios.append(line[4:].split("#", 1)[0].strip())
    return scenarios


def era_scenarios() -> list[tuple[str, str]]:
    pairs = [(era, scenario) for era in ERAS for scenario in required_server_scenarios(era)]
    # Without the npm packages there is nothing to list: one case remains, and skips saying how to install them.
    return pairs or [(ERAS[0], "not-installed")]


def check_results(output_dir: Path) -> list[tuple[str, str, str, str]]:
    """(scenario directory, check id, status, error) for every check the suite wrote under ``output_dir``."""
    rows = []
    for checks in sorted(output_dir.glob("*/checks.json")):
        for check in json.loads(checks.read_text()):
            rows.append((checks.parent.name, check["id"], check["status"], check.get("errorMessage") or ""))
    return rows


def report(completed: subprocess.CompletedProcess[str], output_dir: Path) -> str:
    failed = [row for row in check_results(output_dir) if row[2] == "FAILURE"]
    lines = [f"{scenario} {check}: {error[:300]}" for scenario, check, _status, error in failed]
    return "\n".join([*lines, completed.stdout[-4000:], completed.stderr[-2000:]])


def with_api_key(server: BastionProcess) -> str:
    server.cli("users", "add", "alice", "--admin", "--password-stdin", stdin=PASSWORD + "\n")
    return server.cli_json("connections", "add-key", "--name", "MCP conformance suite", "--user", "alice")["api_key"]


@pytest.fixture(scope="module")
def conformance() -> list[str]:
    return conformance_cli()


@pytest.fixture(scope="module")
def product(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``bastion serve`` behind the proxy that adds its API key; yields the MCP URL the suite is given."""
    home = tmp_path_factory.mktemp("product")
    with (
        running_bastion(home, f"sqlite:///{home / 'bastion.db'}") as server,
        running_proxy(server.base_url, bearer=with_api_key(server)) as proxy,
    ):
        yield f"{proxy.base_url}/mcp"


@pytest.fixture(scope="module")
def test_build(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    home = tmp_path_factory.mktemp("diagnostic")
    command = ("-m", "tests.e2e.diagnostic_serve")
    with (
        running_bastion(home, f"sqlite:///{home / 'bastion.db'}", serve_command=command) as server,
        running_proxy(server.base_url, bearer=with_api_key(server)) as proxy,
    ):
        yield f"{proxy.base_url}/mcp"


@pytest.mark.parametrize(("era", "scenario"), era_scenarios())
def test_a_required_server_scenario_passes_at_its_eras_wire(
    era: str, scenario: str, conformance: list[str], product: str, test_build: str, tmp_path: Path
) -> None:
    url = test_build if scenario.startswith(NEEDS_DIAGNOSTIC_TOOLS) else product
    baseline = BASELINES / f"conformance-baseline-{era}.yml"
    completed = subprocess.run(
        [*conformance, "server", "--url", url, "--scenario", scenario, "--spec-version", era,
         "--expected-failures", str(baseline), "-o", str(tmp_path)],
        capture_output=True, text=True, timeout=SCENARIO_TIMEOUT_SECONDS,
    )  # fmt: skip
    assert check_results(tmp_path), f"the suite wrote no results for {scenario}:\n{report(completed, tmp_path)}"
    assert completed.returncode == 0, report(completed, tmp_path)


async def test_the_authorization_server_scenarios_pass(conformance: list[str], tmp_path: Path) -> None:
    callback_port = free_port()
    home = tmp_path / "home"
    with running_bastion(home, f"sqlite:///{home / 'bastion.db'}") as server:
        server.cli("users", "add", "alice", "--admin", "--password-stdin", stdin=PASSWORD + "\n")
        client = server.cli_json(
            "connections", "add-oauth", "--name", "MCP conformance suite", "--type", "public",
            "--redirect-uri", f"http://127.0.0.1:{callback_port}/callback",
        )  # fmt: skip
        output_dir = tmp_path / "results"
        process = await asyncio.create_subprocess_exec(
            *conformance, "authorization", "--url", server.issuer, "--client-id", client["client_id"],
            "--resource", server.mcp_url, "--port", str(callback_port), "-o", str(output_dir),
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
        )  # fmt: skip
        browser = ScriptedBrowser(server.base_url, server.issuer, login="alice", password=PASSWORD)
        printed = []
        try:
            assert process.stdout is not None
            async with asyncio.timeout(SCENARIO_TIMEOUT_SECONDS):
                async for raw in process.stdout:
                    line = raw.decode(errors="replace").rstrip()
                    printed.append(line)
                    # The suite prints the authorization URL for a person to open; the scripted browser does.
                    if line.startswith(f"{server.base_url}/oauth/authorize?"):
                        await browser.redirect_handler(line)
                        redirected_to = browser.authorizations[-1].redirected_to
                        assert redirected_to is not None, printed
                        async with httpx2.AsyncClient(trust_env=False) as http:
                            await http.get(redirected_to)
                returncode = await process.wait()
        finally:
            await browser.aclose()
            if process.returncode is None:
                process.kill()
    output = "\n".join(printed)
    results = check_results(output_dir)
    assert {row[1] for row in results} >= {"authorization-server-metadata", "authorization-code-grant"}, output
    failed = [row for row in results if row[2] == "FAILURE"]
    assert not failed and returncode == 0, f"{failed}\n{output}"
