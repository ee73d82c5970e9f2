"""The shape the token, revocation and introspection endpoints share: read the form, authenticate the
caller, answer; a refusal is recorded through the batch writer, or, when a replayed credential must be
contained, with the containment in a transaction of its own.

These are the back channel: clients call them directly (no browser redirect), with parameters
form-encoded in the body (RFC 6749 §3.2, RFC 7009 §2.1, RFC 7662 §2.1).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import Request
from starlette.responses import Response

from bastion.governance.audit import record
from bastion.http_util import CLIENT_CORS, Cors
from bastion.oauth.client_auth import authenticate_client, read_client_credentials
from bastion.oauth.client_metadata_documents import looks_like_metadata_url
from bastion.oauth.errors import OAuthError
from bastion.oauth.grants.replay import ReplayDetected
from bastion.oauth.json_endpoint import MAX_AUDITED_CLIENT_ID, Attempt, Handler, json_endpoint
from bastion.oauth.metadata_document_clients import ensure_current
from bastion.oauth.parameters import Form, read_form
from bastion.services import Services
from bastion.store.models import Connection

Caller = TypeVar("Caller")


def back_channel_endpoint(
    services: Services,
    endpoint: str,
    authenticate: Callable[[AsyncSession, Attempt, str | None, Form], Awaitable[Caller]],
    answer: Callable[[AsyncSession, Attempt, Caller, Form], Awaitable[Response]],
    *,
    cors: Cors | None = CLIENT_CORS,
    refusal_detail: Callable[[Form], dict[str, Any]] = lambda _form: {},
) -> Handler:
    """``authenticate`` (session, attempt, Authorization header, form) → the caller; ``answer`` the rest."""

    async def run(request: Request, attempt: Attempt) -> Response:
        form = await read_form(request)
        attempt.client_id = form.get("client_id")
        attempt.detail = refusal_detail(form)
        client_id = presented_client_id(request.headers.get("authorization"), form)
        if client_id is not None and looks_like_metadata_url(client_id):
            # Fetched before the transaction; a refused document is the standard invalid_client.
            await ensure_current(services, client_id, attempt.client_ip, create=False)
        async with services.transaction() as session:
            caller = await authenticate(session, attempt, request.headers.get("authorization"), form)
            return await answer(session, attempt, caller, form)

    async def refused(exc: OAuthError, attempt: Attempt) -> None:
        await record_refusal(services, exc, attempt, endpoint=endpoint)

    return json_endpoint(services, run, refused, cors=cors)


def presented_client_id(authorization: str | None, form: Form) -> str | None:
    """Who the caller says it is, or None when it says so unreadably (the authentication then explains)."""
    try:
        return read_client_credentials(authorization, form).client_id
    except OAuthError:
        return None


async def authenticate_oauth_client(
    session: AsyncSession, attempt: Attempt, authorization: str | None, form: Form
) -> Connection:
    presented = read_client_credentials(authorization, form)
    attempt.client_id = presented.client_id
    client = await authenticate_client(session, presented)
    attempt.connection_id = client.id
    return client


async def record_refusal(services: Services, exc: OAuthError, attempt: Attempt, *, endpoint: str) -> None:
    """Write what a refused request must leave behind: the audit entry, and the containment of a
    replayed code or refresh token (RFC 9700 §4.14.2), which must outlive the rolled-back request."""
    services.count("oauth_requests_refused")
    entry: dict[str, Any] = {
        "connection_id": attempt.connection_id,
        "client_ip": attempt.client_ip,
        "endpoint": endpoint,
        "client_id": attempt.client_id[:MAX_AUDITED_CLIENT_ID] if attempt.client_id else None,
        "error": exc.error,
        "description": exc.description,
        **attempt.detail,
    }
    if not isinstance(exc, ReplayDetected):
        # Nothing changed: a per-request entry, written off the request path by the batch writer.
        await services.batch_writer.audit("token.rejected", attempt.now, **entry)
        return
    async with services.transaction() as session:
        await exc.contain(session, attempt.now, client_ip=attempt.client_ip)
        await record(session, "token.rejected", attempt.now, **entry)
