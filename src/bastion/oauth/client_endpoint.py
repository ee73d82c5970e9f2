"""The shape the token and revocation endpoints share: read the form, authenticate the client, answer.

A refusal is recorded (and a replayed credential contained) in a transaction of its own, and every
answer, error or not, carries CORS so browser-based public clients can read it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import Request
from starlette.responses import Response

from bastion.http_util import client_ip
from bastion.oauth.back_channel import Form, preflight_response, read_form, record_refusal, with_cors
from bastion.oauth.client_auth import ClientCredentials, authenticate_client, read_client_credentials
from bastion.oauth.errors import OAuthError, error_response, unexpected_error_response
from bastion.services import Services
from bastion.store.models import Connection

# (the request's transaction, now, the authenticated client, the form, the caller's address) → the answer
Answer = Callable[[AsyncSession, datetime, Connection, Form, str | None], Awaitable[Response]]


def client_authenticated_endpoint(
    services: Services,
    endpoint: str,
    answer: Answer,
    refusal_detail: Callable[[Form], dict[str, Any]] = lambda _form: {},
) -> Callable[[Request], Awaitable[Response]]:
    async def handle(request: Request) -> Response:
        if request.method == "OPTIONS":
            return preflight_response()
        now = services.clock()
        ip = client_ip(request, services.settings.trusted_proxies)
        form: Form | None = None
        presented: ClientCredentials | None = None
        # Kept as a plain int: after a rollback the ORM object is expired and cannot be read.
        connection_id: int | None = None
        try:
            form = await read_form(request)
            presented = read_client_credentials(request.headers.get("authorization"), form)
            async with services.transaction() as session:
                client = await authenticate_client(session, presented)
                connection_id = client.id
                response = await answer(session, now, client, form, ip)
            return with_cors(response)
        except OAuthError as exc:
            await record_refusal(
                services,
                exc,
                now,
                endpoint=endpoint,
                client_ip=ip,
                connection_id=connection_id,
                client_id=presented.client_id if presented else None,
                **(refusal_detail(form) if form else {}),
            )
            return with_cors(error_response(exc))
        except Exception as exc:
            return with_cors(unexpected_error_response(exc))

    return handle
