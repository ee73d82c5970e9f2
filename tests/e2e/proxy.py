"""A tiny reverse proxy in front of a real ``bastion serve``, doing what nginx's ``proxy_pass`` does.

Two uses: mounting Bastion under a path prefix (``location /bastion/ { proxy_pass http://127.0.0.1:8000/; }``
strips the prefix, passes the original ``Host`` and adds ``X-Forwarded-*``), and handing a credential to a
client that cannot send one (the MCP conformance suite connects without authentication, so the proxy adds
``Authorization: Bearer <API key>`` when the request has none). Bodies and answers are streamed both ways,
so SSE streams stay open through it.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import httpx2
import uvicorn
from starlette.types import Message, Receive, Scope, Send

from tests.e2e.server import free_port

# RFC 9110 §7.6.1: connection-specific fields a proxy must not forward.
HOP_BY_HOP = frozenset(
    {b"connection", b"keep-alive", b"proxy-connection", b"te", b"trailer", b"transfer-encoding", b"upgrade"}
)
STARTUP_TIMEOUT_SECONDS = 10.0


@dataclass
class ReverseProxy:
    """An ASGI app forwarding every request under ``prefix`` to ``upstream`` with the prefix removed."""

    upstream: str
    prefix: str = ""
    bearer: str | None = None
    # Paths outside the prefix passed on unchanged (nginx: location = /.well-known/...; proxy_pass without a URI).
    passthrough: tuple[str, ...] = ()
    client: httpx2.AsyncClient = field(init=False)

    def __post_init__(self) -> None:
        self.client = httpx2.AsyncClient(trust_env=False, timeout=httpx2.Timeout(60.0, read=None))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self.lifespan(receive, send)
            return
        path = scope["raw_path"].decode("latin-1") if scope.get("raw_path") else scope["path"]
        if path.split("?", 1)[0] in self.passthrough:
            upstream_path = path
        elif not self.prefix or path == self.prefix or path.startswith(self.prefix + "/"):
            upstream_path = path[len(self.prefix) :] or "/"
        else:
            await send({"type": "http.response.start", "status": 404, "headers": [(b"content-type", b"text/plain")]})
            await send({"type": "http.response.body", "body": b"not under the proxied prefix"})
            return
        query = scope.get("query_string", b"").decode("latin-1")
        url = self.upstream + upstream_path + (f"?{query}" if query else "")
        headers = [(name, value) for name, value in scope["headers"] if name.lower() not in HOP_BY_HOP]
        names = {name.lower() for name, _ in headers}
        if self.bearer and b"authorization" not in names:
            headers.append((b"authorization", f"Bearer {self.bearer}".encode()))
        client_host = scope["client"][0] if scope.get("client") else "127.0.0.1"
        host = next((value for name, value in headers if name == b"host"), b"").decode("latin-1")
        headers += [
            (b"x-forwarded-for", client_host.encode()),
            (b"x-forwarded-proto", scope.get("scheme", "http").encode()),
            (b"x-forwarded-host", host.encode("latin-1")),
        ]
        if self.prefix:
            headers.append((b"x-forwarded-prefix", self.prefix.encode()))
        request = self.client.build_request(
            scope["method"],
            url,
            headers=[(n.decode("latin-1"), v.decode("latin-1")) for n, v in headers],
            content=self.request_body(receive),
        )
        response = await self.client.send(request, stream=True)
        try:
            answer = [(n.lower(), v) for n, v in response.headers.raw if n.lower() not in HOP_BY_HOP]
            await send({"type": "http.response.start", "status": response.status_code, "headers": answer})
            async for chunk in response.aiter_raw():
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
            await send({"type": "http.response.body", "body": b""})
        finally:
            await response.aclose()

    @staticmethod
    async def request_body(receive: Receive):  # type: ignore[no-untyped-def]
        while True:
            message: Message = await receive()
            if message["type"] == "http.disconnect":
                return
            yield message.get("body", b"")
            if not message.get("more_body", False):
                return

    async def lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await self.client.aclose()
                await send({"type": "lifespan.shutdown.complete"})
                return


@dataclass
class RunningProxy:
    base_url: str
    server: uvicorn.Server
    thread: threading.Thread


@contextmanager
def running_proxy(
    upstream: str,
    *,
    prefix: str = "",
    bearer: str | None = None,
    passthrough: tuple[str, ...] = (),
    port: int | None = None,
) -> Iterator[RunningProxy]:
    """Serve a ``ReverseProxy`` on a loopback port in a thread of its own for the duration of the block."""
    port = port or free_port()
    proxy = ReverseProxy(upstream, prefix, bearer, passthrough)
    config = uvicorn.Config(proxy, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=lambda: asyncio.run(server.serve()), daemon=True)
    thread.start()
    deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError(f"the test proxy did not start on port {port}")
        time.sleep(0.02)
    try:
        yield RunningProxy(f"http://127.0.0.1:{port}{prefix}", server, thread)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
