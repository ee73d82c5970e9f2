"""Slow clients against a real ``bastion serve``: headers sent a byte at a time, a chunked body that stops
halfway, a connection that sends nothing. Each is answered 408 (or closed) once
``BASTION_REQUEST_READ_TIMEOUT`` has passed, and the server keeps serving everyone else meanwhile.

Raw sockets, because every HTTP client library sends a request whole.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator

import httpx2
import pytest

from tests.e2e.server import BastionProcess, running_bastion

pytestmark = pytest.mark.e2e

READ_TIMEOUT_SECONDS = 1.0
# Generous: the point is that an answer comes at all (without the deadline none ever does), not how fast.
ANSWER_WITHIN_SECONDS = READ_TIMEOUT_SECONDS + 9.0
STALLED_CONNECTIONS = 20


@pytest.fixture(scope="module")
def slow_bastion(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BastionProcess]:
    home = tmp_path_factory.mktemp("slow-clients")
    with running_bastion(
        home / "home",
        f"sqlite:///{home / 'bastion.db'}",
        extra_env={"BASTION_REQUEST_READ_TIMEOUT": str(READ_TIMEOUT_SECONDS)},
    ) as server:
        yield server


def connect(server: BastionProcess) -> socket.socket:
    host, port = server.base_url.removeprefix("http://").split(":")
    sock = socket.create_connection((host, int(port)), timeout=ANSWER_WITHIN_SECONDS)
    return sock


def read_until_closed(sock: socket.socket) -> bytes:
    """Everything the server sends until it closes the connection (a timeout fails the test)."""
    received = bytearray()
    while True:
        chunk = sock.recv(65536)
        if not chunk:
            return bytes(received)
        received.extend(chunk)


def assert_408_and_closed(answer: bytes, part: str) -> None:
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 408 "), answer
    assert b"connection: close" in head.lower(), answer
    assert f"The request {part} did not arrive within 1 seconds".encode() in body, answer


def test_headers_sent_a_byte_at_a_time_get_408_and_the_connection_closed(slow_bastion):
    with connect(slow_bastion) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        started = time.monotonic()
        sock.setblocking(False)
        answer = bytearray()
        # Keep dripping a header byte every 0.2 s: a per-byte idle timer would never fire.
        while time.monotonic() - started < ANSWER_WITHIN_SECONDS:
            try:
                sock.send(b"X")
            except (BrokenPipeError, ConnectionResetError):
                break
            time.sleep(0.2)
            try:
                chunk = sock.recv(65536)
            except BlockingIOError:
                continue
            if not chunk:
                break
            answer.extend(chunk)
        assert_408_and_closed(bytes(answer), "headers")


def test_a_chunked_body_that_stops_halfway_gets_408_and_the_connection_closed(slow_bastion):
    with connect(slow_bastion) as sock:
        sock.sendall(
            b"POST /oauth/token HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Content-Type: application/x-www-form-urlencoded\r\nTransfer-Encoding: chunked\r\n\r\n"
            b"a\r\ngrant_type"
        )
        assert_408_and_closed(read_until_closed(sock), "body")


@pytest.mark.parametrize("path", ["/console/login", "/mcp", "/oauth/register"])
def test_a_body_shorter_than_its_content_length_gets_408_on_every_surface(slow_bastion, path):
    with connect(slow_bastion) as sock:
        sock.sendall(
            f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            "Content-Length: 100\r\n\r\n{".encode()
        )
        assert_408_and_closed(read_until_closed(sock), "body")


def test_a_connection_that_sends_nothing_is_closed(slow_bastion):
    with connect(slow_bastion) as sock:
        assert read_until_closed(sock) == b""


def test_the_server_serves_others_while_slow_clients_stall_and_then_drops_them(slow_bastion):
    stalled = [connect(slow_bastion) for _ in range(STALLED_CONNECTIONS)]
    try:
        for index, sock in enumerate(stalled):
            if index % 2:
                sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: 1")
            else:
                sock.sendall(b"POST /oauth/token HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 50\r\n\r\ngrant")
        with httpx2.Client(trust_env=False, timeout=5.0) as http:
            for _ in range(5):
                assert http.get(f"{slow_bastion.base_url}/healthz").status_code == 200
        for index, sock in enumerate(stalled):
            assert_408_and_closed(read_until_closed(sock), "body" if index % 2 == 0 else "headers")
    finally:
        for sock in stalled:
            sock.close()


def test_a_keep_alive_connection_gets_the_same_deadline_for_its_next_request(slow_bastion):
    with connect(slow_bastion) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        first = b""
        while not first.endswith(b'{"status":"ok"}'):  # the head and the body may come in two segments
            chunk = sock.recv(65536)
            assert chunk, first
            first += chunk
        assert first.startswith(b"HTTP/1.1 200 "), first
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHo")
        assert_408_and_closed(read_until_closed(sock), "headers")


def test_a_request_sent_in_pieces_within_the_deadline_is_served(slow_bastion):
    with connect(slow_bastion) as sock:
        for piece in (b"GET /healthz HTTP/1.1\r\n", b"Host: 127.0.0.1\r\n", b"Connection: close\r\n\r\n"):
            sock.sendall(piece)
            time.sleep(0.2)
        answer = read_until_closed(sock)
    assert answer.startswith(b"HTTP/1.1 200 "), answer
    assert answer.endswith(b'{"status":"ok"}'), answer


def test_each_deadline_is_logged_as_a_warning(slow_bastion: BastionProcess):
    with connect(slow_bastion) as headers, connect(slow_bastion) as body:
        headers.sendall(b"GET /console HTTP/1.1\r\nHost: 1")
        body.sendall(b"POST /console/login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 90\r\n\r\nlogin=")
        read_until_closed(headers)
        read_until_closed(body)
    log = slow_bastion.log()
    assert "Request body not received within 1 s: answered 408." in log
    assert "Request headers not received within 1 s: answered 408." in log
