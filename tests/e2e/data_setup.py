"""Preparing a running server's data side from the test process: its source configuration, users, API keys and
Odoo links, written through Bastion's own functions straight into the server's database, and the stand-in Odoo
served on a loopback port for the server to call.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import uvicorn

from bastion.config import Settings
from bastion.services import Services, build_services
from tests.e2e.server import BastionProcess
from tests.sources.odoo.standin.app import Knobs, build_standin


@asynccontextmanager
async def server_services(server: BastionProcess) -> AsyncIterator[Services]:
    """Services on the server's own home and database, as another process (the CLI) would have them."""
    services = build_services(Settings.from_env(server.env))
    try:
        yield services
    finally:
        await services.aclose()


@dataclass
class ServedOdoo:
    url: str
    knobs: Knobs


@asynccontextmanager
async def served_standin(version: int = 19) -> AsyncIterator[ServedOdoo]:
    """The stand-in Odoo behind a real socket on a free loopback port, served by this test's event loop."""
    app, knobs = build_standin(version)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    task = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        while not server.started:
            await asyncio.sleep(0.01)
        yield ServedOdoo(f"http://127.0.0.1:{sock.getsockname()[1]}", knobs)
    finally:
        server.should_exit = True
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.wait_for(task, timeout=5)
        sock.close()
