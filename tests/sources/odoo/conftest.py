"""Fixtures: the stand-in Odoo (in process over ``httpx2.ASGITransport``, or served by uvicorn on a loopback
port), a client and a source on it, for Odoo 19 (JSON-2) and Odoo 17 (JSON-RPC), and its two users."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator

import httpx2
import pytest
import uvicorn

from bastion.sources.odoo.client import OdooClient
from bastion.sources.odoo.source import OdooSource
from bastion.sources.port import Identity
from tests.sources.odoo.standin import data
from tests.sources.odoo.standin.app import Knobs, build_standin

ODOO_URL = "http://odoo.test"


@pytest.fixture(params=[19, 17], ids=["json-2", "json-rpc"])
def odoo_version(request: pytest.FixtureRequest) -> int:
    return request.param


@pytest.fixture
def standin(odoo_version: int):
    return build_standin(odoo_version)


@pytest.fixture
def knobs(standin) -> Knobs:
    return standin[1]


@pytest.fixture
async def client(standin) -> AsyncIterator[OdooClient]:
    app, _knobs = standin
    odoo = OdooClient(ODOO_URL, data.DATABASE, transport=httpx2.ASGITransport(app=app))
    yield odoo
    await odoo.aclose()


@pytest.fixture
async def source(client: OdooClient) -> AsyncIterator[OdooSource]:
    yield OdooSource(client)


@pytest.fixture
def alice() -> Identity:
    return Identity(bastion_user_id=1, login="alice", secret="alice-key-0123456789", cache_key="odoo:alice")


@pytest.fixture
def bob() -> Identity:
    return Identity(bastion_user_id=2, login="bob", secret="bob-key-0123456789", cache_key="odoo:bob")


@pytest.fixture
def revoked() -> Identity:
    return Identity(bastion_user_id=1, login="alice", secret="alice-revoked-key-000", cache_key="odoo:alice")


@pytest.fixture
async def served_standin(standin) -> AsyncIterator[tuple[str, Knobs]]:
    """The stand-in behind a real socket, for what ASGITransport cannot show: timeouts, refused connections."""
    app, knobs = standin
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    task = asyncio.create_task(server.serve(sockets=[sock]))
    while not server.started:
        await asyncio.sleep(0.01)
    yield f"http://127.0.0.1:{port}", knobs
    server.should_exit = True
    with contextlib.suppress(asyncio.CancelledError):
        await asyncio.wait_for(task, timeout=5)
    sock.close()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
