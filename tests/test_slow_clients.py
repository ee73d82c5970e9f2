"""The body deadline in-process (``slow_clients.BodyDeadline``): a body that stops arriving is answered
408 on every surface and changes nothing; a body that is complete is never cut short, nor is the
response that follows it. The header deadline and the real server are in ``tests/e2e/test_slow_clients.py``.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncIterator

import anyio
import httpx2
import pytest
from sqlalchemy import func, select

from bastion.app import create_app
from bastion.config import ConfigError, Settings
from bastion.slow_clients import BodyDeadline
from bastion.store.models import AuditEvent, Connection, User
from tests.conftest import PUBLIC_URL

DEADLINE_SECONDS = 0.3
STALLING_SURFACES = [
    ("/oauth/token", "application/x-www-form-urlencoded", b"grant_type=client_cre"),
    ("/oauth/register", "application/json", b'{"redirect_uris": ['),
    ("/console/login", "application/x-www-form-urlencoded", b"login=admin&pass"),
    ("/mcp", "application/json", b'{"jsonrpc": "2.0", '),
]


async def stalls_after(first: bytes) -> AsyncIterator[bytes]:
    yield first
    await asyncio.sleep(3600)
    yield b"never"


async def arrives_slowly(pieces: list[bytes], pause: float) -> AsyncIterator[bytes]:
    for piece in pieces:
        await asyncio.sleep(pause)
        yield piece


@pytest.fixture
async def quick_client(settings: Settings, services) -> AsyncIterator[httpx2.AsyncClient]:
    app = create_app(dataclasses.replace(settings, request_read_timeout=DEADLINE_SECONDS), services=services)
    async with httpx2.AsyncClient(transport=httpx2.ASGITransport(app=app), base_url=PUBLIC_URL) as http:
        yield http


async def row_counts(services) -> tuple[int, ...]:
    async with services.transaction() as session:
        return tuple(
            [await session.scalar(select(func.count()).select_from(m)) for m in (User, Connection, AuditEvent)]
        )


@pytest.mark.parametrize(("path", "content_type", "first"), STALLING_SURFACES)
async def test_a_body_that_stops_arriving_is_408_with_connection_close_and_changes_nothing(
    quick_client, services, path, content_type, first
):
    before = await row_counts(services)
    with anyio.fail_after(10):
        response = await quick_client.post(path, content=stalls_after(first), headers={"Content-Type": content_type})

    assert response.status_code == 408
    assert response.headers["connection"] == "close"
    assert response.headers["content-type"].startswith("text/plain")
    assert response.text == (
        "The request body did not arrive within 0.3 seconds; nothing was changed. Send the request again."
    )
    # The security headers are on it like on every answer.
    assert response.headers["x-frame-options"] == "DENY"
    assert await row_counts(services) == before


async def test_a_body_that_arrives_in_pieces_within_the_deadline_is_answered_normally(quick_client):
    pieces = [b"grant_type=client_credentials", b"&client_id=nobody", b"&client_secret=x"]
    response = await quick_client.post(
        "/oauth/token",
        content=arrives_slowly(pieces, DEADLINE_SECONDS / 10),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"


async def test_the_deadline_is_for_the_whole_body_not_each_piece(quick_client):
    # Each pause is under the deadline; together they are well over it.
    pieces = [b"grant_type=", b"client_", b"credentials", b"&client_id=", b"nobody", b"&x=1"]
    response = await quick_client.post(
        "/oauth/token",
        content=arrives_slowly(pieces, DEADLINE_SECONDS / 2),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 408


async def test_a_complete_body_leaves_receive_unbounded_for_the_response_that_follows():
    """An event stream waits in ``receive()`` for the client's disconnect far longer than the deadline."""
    waited: list[str] = []

    async def streaming_app(scope, receive, send):
        assert (await receive())["type"] == "http.request"
        await send({"type": "http.response.start", "status": 200, "headers": []})
        with anyio.move_on_after(DEADLINE_SECONDS * 3):
            waited.append((await receive())["type"])
        waited.append("still streaming")
        await send({"type": "http.response.body", "body": b"done", "more_body": False})

    async def receive_after_body():
        if not sent:
            sent.append(True)
            return {"type": "http.request", "body": b"", "more_body": False}
        await asyncio.sleep(3600)
        return {"type": "http.disconnect"}

    sent: list[bool] = []
    messages: list[dict] = []

    async def send(message):
        messages.append(message)

    await BodyDeadline(streaming_app, DEADLINE_SECONDS)({"type": "http"}, receive_after_body, send)

    assert waited == ["still streaming"]
    assert [m.get("status") for m in messages if m["type"] == "http.response.start"] == [200]


async def test_a_request_without_a_body_is_not_touched(quick_client):
    response = await quick_client.get("/healthz")
    assert response.status_code == 200


@pytest.mark.parametrize("value", ["0", "-1", "abc", "nan", "inf", "3601"])
def test_an_unusable_request_read_timeout_is_refused_at_start_naming_the_variable(tmp_path, value):
    with pytest.raises(ConfigError, match="BASTION_REQUEST_READ_TIMEOUT"):
        Settings.from_env({"BASTION_HOME": str(tmp_path), "BASTION_REQUEST_READ_TIMEOUT": value})


def test_the_request_read_timeout_defaults_to_20_seconds_and_takes_fractions(tmp_path):
    assert Settings.from_env({"BASTION_HOME": str(tmp_path)}).request_read_timeout == 20.0
    env = {"BASTION_HOME": str(tmp_path), "BASTION_REQUEST_READ_TIMEOUT": "2.5"}
    assert Settings.from_env(env).request_read_timeout == 2.5
