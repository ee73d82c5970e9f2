"""How long a client may take to send a request: its headers, then its body; 408 and a closed connection after.

A client that opens connections and sends its request a byte at a time (or stops halfway through a
chunked body) would otherwise hold the connection, and the task waiting on it, for as long as it likes.

uvicorn bounds neither: ``timeout_keep_alive`` only closes a connection idle *between* requests (the
first byte of the next request cancels it, and a fresh connection has none), and h11's
``max_incomplete_event_size`` bounds the size of the headers, not the time they take. So the headers are
bounded by ``HeaderDeadlineProtocol`` (uvicorn's h11 protocol with one more timer), the body by the
ASGI middleware ``BodyDeadline`` around ``receive()``, under which every body reader runs.
"""

from __future__ import annotations

import logging
from typing import Any

import anyio
import h11
from starlette.responses import PlainTextResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from uvicorn.protocols.http.h11_impl import H11Protocol

logger = logging.getLogger("uvicorn.error")


def overdue_text(part: str, seconds: float) -> str:
    return f"The request {part} did not arrive within {seconds:g} seconds; nothing was changed. Send the request again."


class HeaderDeadlineProtocol(H11Protocol):
    """uvicorn's h11 protocol, with the request's headers due ``header_timeout`` seconds after the
    connection opened or the previous response was sent.

    Past it: a 408 with ``Connection: close`` when part of a request had arrived, or the connection
    closed quietly when nothing had (as uvicorn's keep-alive timeout does).
    """

    header_timeout: float = 20.0

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.header_timer: Any = None
        self.bytes_seen = False

    def connection_made(self, transport: Any) -> None:
        super().connection_made(transport)
        self.await_headers()

    def data_received(self, data: bytes) -> None:
        self.bytes_seen = True
        super().data_received(data)
        if self.conn.their_state is not h11.IDLE:
            self.stop_header_timer()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if not self.transport.is_closing() and self.conn.their_state is h11.IDLE:
            self.await_headers()

    def connection_lost(self, exc: Exception | None) -> None:
        self.stop_header_timer()
        super().connection_lost(exc)

    def await_headers(self) -> None:
        self.stop_header_timer()
        # Bytes of the next request may already wait in h11's buffer (a pipelined request).
        self.bytes_seen = bool(self.conn.trailing_data[0])
        self.header_timer = self.loop.call_later(self.header_timeout, self.headers_overdue)

    def stop_header_timer(self) -> None:
        if self.header_timer is not None:
            self.header_timer.cancel()
            self.header_timer = None

    def headers_overdue(self) -> None:
        self.header_timer = None
        if self.transport.is_closing() or self.conn.their_state is not h11.IDLE:
            return
        if not self.bytes_seen:
            self.conn.send(h11.ConnectionClosed())
            self.transport.close()
            return
        prefix = f"{self.client[0]}:{self.client[1]} - " if self.client else ""
        logger.warning("%sRequest headers not received within %g s: answered 408.", prefix, self.header_timeout)
        body = overdue_text("headers", self.header_timeout).encode()
        headers = [
            (b"content-type", b"text/plain; charset=utf-8"),
            (b"content-length", str(len(body)).encode()),
            (b"connection", b"close"),
        ]
        for event in (
            h11.Response(status_code=408, headers=headers, reason=b"Request Timeout"),
            h11.Data(data=body),
            h11.EndOfMessage(),
        ):
            self.transport.write(self.conn.send(event) or b"")
        self.transport.close()


def header_deadline_protocol(seconds: float) -> type[HeaderDeadlineProtocol]:
    """The protocol class to give ``uvicorn.run(http=...)``: uvicorn builds one per connection."""
    return type("HeaderDeadlineProtocol", (HeaderDeadlineProtocol,), {"header_timeout": seconds})


class BodyDeadline:
    """Answers 408 (``Connection: close``) when a request's body is not all there ``seconds`` after its
    headers: the app, waiting in ``receive()``, is cancelled, and what it had begun rolls back.

    Only waiting for body bytes is bounded: once the body is complete, ``receive()`` (an event stream
    listening for the client's disconnect) waits as long as the response lasts.
    """

    def __init__(self, app: ASGIApp, seconds: float) -> None:
        self.app = app
        self.seconds = seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        deadline = anyio.current_time() + self.seconds
        body_complete = False
        overdue = False
        response_started = False

        async def bounded_receive() -> Message:
            nonlocal body_complete, overdue
            if body_complete:
                return await receive()
            message: Message | None = None
            with anyio.move_on_at(deadline):
                message = await receive()
            if message is None:
                overdue = True
                request_scope.cancel()
                await anyio.lowlevel.checkpoint()
                # Only reached by a task outside the request's scope: to it, the client has gone.
                return {"type": "http.disconnect"}
            if message["type"] != "http.request" or not message.get("more_body", False):
                body_complete = True
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal response_started
            if message["type"] == "http.response.start":
                response_started = True
            await send(message)

        with anyio.CancelScope() as request_scope:
            await self.app(scope, bounded_receive, tracking_send)
        if overdue and not response_started:
            client = scope.get("client")
            prefix = f"{client[0]}:{client[1]} - " if client else ""
            logger.warning("%sRequest body not received within %g s: answered 408.", prefix, self.seconds)
            too_slow = PlainTextResponse(
                overdue_text("body", self.seconds), status_code=408, headers={"Connection": "close"}
            )
            await too_slow(scope, receive, send)
