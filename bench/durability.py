"""Is every answered refresh grant durable? ``kill -9`` Bastion right after a response, restart, present it.

One round: the workers chain refresh grants under load (as in ``refresh_grants``); after
``load_seconds`` the probe worker, on its next answer, sends SIGKILL to the server before doing
anything else (no await in between), so the kill lands microseconds after the response left the
server. Bastion is started again on the same data folder and database, and the last refresh token
each worker was answered is presented again:

- the probe's, and those of workers with no request in flight at the kill, must be accepted (200):
  the server answered them, so it must have committed them;
- a worker with a request in flight at the kill is only reported: the request cut off by the kill may
  or may not have committed before the kill, and if it did, the token it held is rightly spent.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field

import anyio
import httpx2
from tests.e2e.server import STARTUP_TIMEOUT_SECONDS, BastionProcess, _wait_until_healthy

from bench.common import GrantedClient, grant_confidential_client


@dataclass
class Round:
    strict_checked: int = 0
    strict_usable: int = 0
    in_flight: int = 0
    in_flight_usable: int = 0
    refused: list[str] = field(default_factory=list)


@dataclass
class Durability:
    rounds: list[Round] = field(default_factory=list)
    server: BastionProcess | None = None  # the server running after the last round

    @property
    def passed(self) -> bool:
        return bool(self.rounds) and all(r.strict_checked == r.strict_usable for r in self.rounds)

    def report(self) -> str:
        checked = sum(r.strict_checked for r in self.rounds)
        usable = sum(r.strict_usable for r in self.rounds)
        in_flight = sum(r.in_flight for r in self.rounds)
        in_flight_usable = sum(r.in_flight_usable for r in self.rounds)
        line = (
            f"{len(self.rounds)} kill -9 rounds: {usable}/{checked} answered refresh tokens usable after restart "
            f"({in_flight} workers had a request in flight at the kill, {in_flight_usable} of their tokens usable)"
        )
        refused = [text for r in self.rounds for text in r.refused]
        return line + "".join(f"\n    refused: {text[:200]}" for text in refused[:5])


def refresh_form(client_id: str, refresh_token: str) -> dict[str, str]:
    """The body of every refresh grant the runner sends (client_id too: the SDK's token handler requires it)."""
    return {"grant_type": "refresh_token", "refresh_token": refresh_token, "client_id": client_id}


def restart(killed: BastionProcess, generation: int) -> BastionProcess:
    """``bastion serve`` again with the killed server's data folder, database and port (so its public URL,
    hence the resource its tokens were issued for, is the same)."""
    port = killed.base_url.rpartition(":")[2]
    log_path = killed.log_path.with_name(f"serve-{port}-after-kill-{generation}.log")
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "bastion", "serve", "--host", "127.0.0.1", "--port", port],
            env=killed.env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    restarted = BastionProcess(base_url=killed.base_url, env=killed.env, process=process, log_path=log_path)
    # The e2e harness's own health poll (it also notices a server that exited).
    if not _wait_until_healthy(restarted, STARTUP_TIMEOUT_SECONDS):
        restarted.stop()
        raise RuntimeError(f"Bastion did not start again after kill -9:\n{restarted.log()[-2000:]}")
    return restarted


async def one_round(
    server: BastionProcess, workers: int, load_seconds: float, rounds_before: int
) -> tuple[Round, BastionProcess]:
    granted = await grant_confidential_client(server, workers)
    auth = httpx2.BasicAuth(granted.client_id, granted.client_secret)
    in_flight = [False] * workers
    at_kill: list[bool] = []
    killed = anyio.Event()
    deadline = time.perf_counter() + load_seconds

    async def worker(index: int, http: httpx2.AsyncClient) -> None:
        while not killed.is_set():
            in_flight[index] = True
            try:
                response = await http.post(
                    server.token_url, data=refresh_form(granted.client_id, granted.refresh_tokens[index]), auth=auth
                )
            except httpx2.TransportError:
                return  # cut off by the kill
            if response.status_code != 200:
                if killed.is_set():
                    return
                raise RuntimeError(f"refresh grant answered {response.status_code}: {response.text[:200]}")
            granted.refresh_tokens[index] = response.json()["refresh_token"]
            in_flight[index] = False
            if index == 0 and time.perf_counter() >= deadline and not killed.is_set():
                os.kill(server.process.pid, signal.SIGKILL)  # before any await: right after the answer
                at_kill.extend(in_flight)
                killed.set()
                return

    clients = [httpx2.AsyncClient(trust_env=False, timeout=30.0) for _ in range(workers)]
    try:
        async with anyio.create_task_group() as tasks:
            for index, http in enumerate(clients):
                tasks.start_soon(worker, index, http)
    finally:
        for http in clients:
            await http.aclose()
    if not killed.is_set():
        raise RuntimeError(f"the server died before the probe killed it:\n{server.log()[-2000:]}")
    server.process.wait(timeout=10)
    restarted = restart(server, rounds_before)
    try:
        return await presented_again(restarted, granted, auth, at_kill), restarted
    except BaseException:
        restarted.stop()
        raise


async def presented_again(
    server: BastionProcess, granted: GrantedClient, auth: httpx2.BasicAuth, at_kill: list[bool]
) -> Round:
    outcome = Round()
    async with httpx2.AsyncClient(trust_env=False, timeout=30.0) as http:
        for index, token in enumerate(granted.refresh_tokens):
            response = await http.post(server.token_url, data=refresh_form(granted.client_id, token), auth=auth)
            usable = response.status_code == 200
            if at_kill[index]:
                outcome.in_flight += 1
                outcome.in_flight_usable += usable
                continue
            outcome.strict_checked += 1
            outcome.strict_usable += usable
            if not usable:
                outcome.refused.append(f"worker {index}: {response.status_code} {response.text}")
    return outcome


async def check_durability(server: BastionProcess, *, workers: int, rounds: int, load_seconds: float) -> Durability:
    """``rounds`` kill -9 rounds on ``server``; the caller stops ``Durability.server`` (the last restart).

    Each round kills the server it was given, so only the last restart is left running.
    """
    result = Durability()
    current = server
    try:
        for done in range(rounds):
            outcome, current = await one_round(current, workers, load_seconds, done)
            result.rounds.append(outcome)
    except BaseException:
        if current is not server:
            current.stop()
        raise
    result.server = current if current is not server else None
    return result
