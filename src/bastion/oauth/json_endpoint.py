"""The one refusal path of the OAuth endpoints that answer in JSON (token, revocation, introspection,
registration, metadata): answer, or record the refusal and render it, or hide an unexpected error.

A refused request's transaction has rolled back, so its audit entry is written afterwards, apart from
it (through the batch writer, or in a transaction of its own); a failure to write it is logged and never
turns the refusal into a 500.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from bastion.http_util import Cors, client_ip
from bastion.oauth.errors import OAuthError, error_response, unexpected_error_response
from bastion.services import Services

logger = logging.getLogger("bastion.oauth")

Handler = Callable[[Request], Awaitable[Response]]
# Longest client_id kept in an audit entry: a refused request's client_id is whatever the caller sent.
MAX_AUDITED_CLIENT_ID = 200


@dataclass
class Attempt:
    """One request: when and from where it came, and what the endpoint learned of the caller before it
    was refused, so the audit entry of a refusal names as much as is known."""

    now: datetime
    client_ip: str | None
    # A plain int: after a rollback the ORM object is expired and cannot be read.
    connection_id: int | None = None
    client_id: str | None = None
    detail: dict[str, Any] = field(default_factory=dict)


Answer = Callable[[Request, Attempt], Awaitable[Response]]
RecordRefusal = Callable[[OAuthError, Attempt], Awaitable[None]]


def json_endpoint(
    services: Services, answer: Answer, record_refusal: RecordRefusal | None = None, *, cors: Cors | None = None
) -> Handler:
    async def handle(request: Request) -> Response:
        if cors is not None and request.method == "OPTIONS":
            return cors.preflight()
        attempt = Attempt(services.clock(), client_ip(request, services.settings.trusted_proxies))
        try:
            response = await answer(request, attempt)
        except OAuthError as exc:
            response = error_response(exc)
            if record_refusal is not None:
                try:
                    await record_refusal(exc, attempt)
                except Exception:
                    logger.exception("could not record a refused request at %s", request.url.path)
        except Exception as exc:
            response = unexpected_error_response(exc)
        # Every answer, error or not, carries CORS: a browser-based client must be able to read why.
        return cors.allow(response) if cors is not None else response

    return handle
