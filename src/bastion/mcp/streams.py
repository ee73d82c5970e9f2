"""Open /mcp streams and sessions end when their credential stops being accepted, on every process.

A GET event stream, a POST answered as a stream and an SDK session can outlive the request that was
admitted: each one is registered here with the credential that opened (or last used) it. While anything
is registered, a watcher reads the change counter about every ``POLL_SECONDS``; every transaction that
revokes a token or connection, rotates a key, (de)activates a user or changes a setting bumps that
counter, in whichever process (or ``bastion`` CLI) it ran. When the version moved, the watcher checks
the master switch and every registered credential again, with the same rule and statement as the
request path (``mcp.auth.authenticate_credential``), and ends what may no longer be served: the SDK
session is terminated (its streams close cleanly) and any request still being served is cancelled and
its response closed. Expiry alone ends nothing here: an expired token is refused on its next request.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

import anyio
from mcp.server.streamable_http_manager import StreamableHTTPSessionManager
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bastion.credentials import TokenProblem
from bastion.mcp.auth import CredentialKey, authenticate_credential
from bastion.mcp.errors import AccessSwitchedOff, InvalidToken, McpRefusal
from bastion.services import Services
from bastion.store.repositories import ChangeCounters

logger = logging.getLogger("bastion.mcp")

# Half the one second within which a revocation must end open streams, whatever process committed it.
POLL_SECONDS = 0.5
SESSION_HEADER = b"mcp-session-id"


@dataclass(eq=False)
class ServedRequest:
    """One /mcp request handed to the SDK, cancellable by the watcher."""

    credential: CredentialKey
    cancel_scope: anyio.CancelScope = field(default_factory=anyio.CancelScope)
    started: bool = False  # the response's headers went out
    finished: bool = False  # its last body part went out
    ended_by: McpRefusal | None = None


def _header(headers: list[tuple[bytes, bytes]], name: bytes) -> str | None:
    for key, value in headers:
        if key.lower() == name:
            return value.decode("latin-1")
    return None


class OpenStreams:
    """The requests being served and the SDK sessions opened, per credential, in this process."""

    def __init__(self, services: Services, session_manager: StreamableHTTPSessionManager) -> None:
        self.services = services
        self.session_manager = session_manager
        self._requests: set[ServedRequest] = set()
        # Session id → the credential last used on it (a refreshed token carries an SDK session on).
        self._sessions: dict[str, CredentialKey] = {}
        self._seen_version: int | None = None
        self._recheck = True
        self._something_open = anyio.Event()
        self.ended = 0  # streams and sessions ended by the watcher (/metrics, tests)

    async def serve(
        self,
        app: ASGIApp,
        credential: CredentialKey,
        change_version: int | None,
        scope: Scope,
        receive: Receive,
        send: Send,
    ) -> None:
        """Run ``app`` for an admitted request, registered until it ends (or the watcher ends it)."""
        served = ServedRequest(credential)
        named = _header(scope.get("headers", []), SESSION_HEADER)

        async def tracking_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                served.started = True
                # Only a session the SDK served this credential on (it refuses another credential's session).
                session_id = _header(message.get("headers", []), SESSION_HEADER) or named
                if session_id is not None and message.get("status", 200) < 400:
                    self._sessions[session_id] = credential
            elif message["type"] == "http.response.body" and not message.get("more_body", False):
                served.finished = True
            await send(message)

        self._register(served, change_version)
        try:
            with served.cancel_scope:
                await app(scope, receive, tracking_send)
        finally:
            self._requests.discard(served)
        if served.ended_by is None:
            return
        if not served.started:
            await served.ended_by.response(self.services.settings)(scope, receive, send)
        elif not served.finished:
            await send({"type": "http.response.body", "body": b"", "more_body": False})

    def _register(self, served: ServedRequest, change_version: int | None) -> None:
        self._requests.add(served)
        # Admitted at another version than the watcher last checked: a change may have landed between
        # this request's admission and now, so the next tick checks again whatever the counter says.
        if change_version is None or change_version != self._seen_version:
            self._recheck = True
        self._something_open.set()

    @asynccontextmanager
    async def watching(self) -> AsyncIterator[None]:
        """The watcher, for the app's lifespan."""
        async with anyio.create_task_group() as group:
            group.start_soon(self._watch, name="bastion-stream-watcher")
            try:
                yield
            finally:
                group.cancel_scope.cancel()

    async def _watch(self) -> None:
        while True:
            await self._something_open.wait()
            await anyio.sleep(POLL_SECONDS)
            self._forget_ended_sessions()
            if not self._requests and not self._sessions:
                self._something_open = anyio.Event()
                continue
            try:
                await self.check()
            except Exception:
                logger.exception("could not check the credentials of open MCP streams; trying again shortly")

    async def check(self) -> None:
        """If the change counter moved: end every stream and session whose credential is no longer accepted."""
        recheck, self._recheck = self._recheck, False
        async with self.services.read_transaction() as session:
            version = await ChangeCounters(session).version()
            if not recheck and version is not None and version == self._seen_version:
                return
            settings = await self.services.settings_cache.at(session, version)
            credentials = {served.credential for served in self._requests} | set(self._sessions.values())
            refused: dict[CredentialKey, McpRefusal] = {}
            for credential in credentials:
                if not settings.mcp_enabled:
                    refused[credential] = AccessSwitchedOff()
                    continue
                try:
                    await authenticate_credential(session, self.services.clock(), credential, self.services.settings)
                except InvalidToken as refusal:
                    if refusal.reason != TokenProblem.EXPIRED.value:
                        refused[credential] = refusal
        self._seen_version = version
        if refused:
            await self._end(refused)

    async def _end(self, refused: dict[CredentialKey, McpRefusal]) -> None:
        for session_id, credential in list(self._sessions.items()):
            if credential in refused:
                del self._sessions[session_id]
                await self._terminate_session(session_id)
                self.ended += 1
        for served in list(self._requests):
            refusal = refused.get(served.credential)
            if refusal is not None and served.ended_by is None:
                served.ended_by = refusal
                served.cancel_scope.cancel()
                self.ended += 1
        logger.info("ended open MCP streams and sessions of %d credential(s) no longer accepted", len(refused))

    # The SDK has no public way for a server to end a session; these two read its session table.
    def _forget_ended_sessions(self) -> None:
        live = self.session_manager._server_instances
        for session_id in [known for known in self._sessions if known not in live]:
            del self._sessions[session_id]

    async def _terminate_session(self, session_id: str) -> None:
        transport = self.session_manager._server_instances.get(session_id)
        if transport is not None and not transport.is_terminated:
            # Closes the session's streams: its GET stream and streamed POST answers end their responses.
            await transport.terminate()
