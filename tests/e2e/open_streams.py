"""An /mcp GET event stream held open against a real server, a bare request's answer, and a console
administrator driving a server's forms: what the revocation tests across processes need."""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass

import httpx2

from tests.e2e.browser import LOGIN_PATH, find_form
from tests.e2e.mcp_clients import LEGACY_VERSION
from tests.e2e.server import BastionProcess

STREAMABLE = {"Accept": "application/json, text/event-stream", "Content-Type": "application/json"}
# Generous against a loaded machine: the watcher ends streams within a second; twelve was the defect.
ENDS_WITHIN_SECONDS = 5.0


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


async def bare_ping(server: BastionProcess, key: str) -> httpx2.Response:
    """A bare ``ping``: a refused credential is answered by Bastion's gate (401, 503) before the SDK reads it."""
    body = {"jsonrpc": "2.0", "id": 1, "method": "ping"}
    async with httpx2.AsyncClient(trust_env=False, timeout=10.0) as http:
        return await http.post(server.mcp_url, content=json.dumps(body), headers={**STREAMABLE, **bearer(key)})


@dataclass
class EventStream:
    """A session's GET stream, read in the background until the server ends it."""

    http: httpx2.AsyncClient
    reader: asyncio.Task[float]

    async def ended_within(self, seconds: float) -> float:
        """When (``time.monotonic``) the server ended the stream; fails if it is still open after ``seconds``."""
        try:
            return await asyncio.wait_for(asyncio.shield(self.reader), seconds)
        except TimeoutError:
            raise AssertionError(f"the /mcp event stream was still open {seconds:.0f} s later") from None

    async def aclose(self) -> None:
        self.reader.cancel()
        await asyncio.gather(self.reader, return_exceptions=True)
        await self.http.aclose()


async def open_event_stream(server: BastionProcess, key: str) -> EventStream:
    """Initialize a 2025-11-25 session with ``key``, then open its GET event stream (MCP Streamable HTTP)."""
    http = httpx2.AsyncClient(trust_env=False, timeout=httpx2.Timeout(10.0, read=None))
    initialize = {
        "jsonrpc": "2.0",
        "id": 1,
        "method": "initialize",
        "params": {
            "protocolVersion": LEGACY_VERSION,
            "capabilities": {},
            "clientInfo": {"name": "e2e", "version": "1"},
        },
    }
    opened = await http.post(server.mcp_url, content=json.dumps(initialize), headers={**STREAMABLE, **bearer(key)})
    assert opened.status_code == 200, opened.text
    session = {"Mcp-Session-Id": opened.headers["mcp-session-id"], "MCP-Protocol-Version": LEGACY_VERSION}
    initialized = json.dumps({"jsonrpc": "2.0", "method": "notifications/initialized"})
    sent = await http.post(server.mcp_url, content=initialized, headers={**STREAMABLE, **bearer(key), **session})
    assert sent.status_code == 202, sent.text
    streaming = asyncio.Event()

    async def read_until_ended() -> float:
        headers = {"Accept": "text/event-stream", **bearer(key), **session}
        async with http.stream("GET", server.mcp_url, headers=headers) as response:
            assert response.status_code == 200, await response.aread()
            assert response.headers["content-type"].startswith("text/event-stream")
            streaming.set()
            async for _ in response.aiter_bytes():
                pass
        return time.monotonic()

    reader = asyncio.create_task(read_until_ended())
    done, _ = await asyncio.wait({reader, asyncio.ensure_future(streaming.wait())}, return_when="FIRST_COMPLETED")
    if reader in done:
        await http.aclose()
        reader.result()  # raises what went wrong
        raise AssertionError("the /mcp event stream ended as soon as it was opened")
    return EventStream(http, reader)


class ConsoleAdmin:
    """An administrator signed in to one server's console, submitting its forms as a browser would."""

    def __init__(self, server: BastionProcess, login: str, password: str) -> None:
        self.server = server
        self.login = login
        self.password = password
        self.http = httpx2.AsyncClient(base_url=server.base_url, follow_redirects=False, trust_env=False, timeout=10.0)

    async def sign_in(self) -> None:
        page = await self.http.get(LOGIN_PATH)
        form = find_form(page, method="post", action=LOGIN_PATH)
        signed_in = await self.http.post(
            LOGIN_PATH, data={**form.hidden, "login": self.login, "password": self.password}
        )
        assert signed_in.status_code == 303, signed_in.text

    async def submit(self, page_path: str, action: str) -> None:
        """Post the form of ``page_path`` whose action is ``action``, with its hidden fields (CSRF included)."""
        page = await self.http.get(page_path)
        assert page.status_code == 200, page.text
        form = find_form(page, method="post", action=action)
        done = await self.http.post(action, data=form.hidden)
        assert done.status_code == 303, done.text

    async def aclose(self) -> None:
        await self.http.aclose()
