"""What the token, revocation and introspection endpoints share: the form body, CORS, and recording a refusal.

These are the back channel: clients call them directly (no browser redirect), with parameters
form-encoded in the body (RFC 6749 §3.2, RFC 7009 §2.1, RFC 7662 §2.1).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.responses import Response

from bastion.governance.audit import record
from bastion.http_util import CORS_HEADERS, cors_preflight_response
from bastion.oauth.errors import InvalidRequest, OAuthError, RequestTooLarge
from bastion.oauth.grants.replay import ReplayDetected
from bastion.services import Services

logger = logging.getLogger("bastion.oauth")

MAX_BODY_BYTES = 64 * 1024
FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"
# RFC 8707 §2: a client may name several resources; every other parameter appears at most once (RFC 6749 §3.2).
REPEATABLE_PARAMETERS = frozenset({"resource"})
# Longest client_id kept in an audit entry: a refused request's client_id is whatever the caller sent.
MAX_AUDITED_CLIENT_ID = 200


# Browser-based public clients (an SPA doing PKCE) call these endpoints cross-origin. No cookie is
# involved, so any origin may: the request itself carries the client's credentials.
@dataclass(frozen=True)
class Form:
    """The parameters of a back-channel request: each at most once, except ``resource``."""

    values: Mapping[str, str]
    resources: tuple[str, ...] = ()

    def get(self, name: str) -> str | None:
        return self.values.get(name)

    def require(self, name: str, hint: str) -> str:
        value = self.values.get(name)
        if value is None:
            raise InvalidRequest(f"{name} is required: {hint}")
        return value


def parse_form(body: bytes) -> Form:
    """Parse a form-encoded body, refusing repeated parameters (RFC 6749 §3.2)."""
    try:
        pairs = parse_qsl(body.decode("utf-8"), keep_blank_values=True, errors="strict")
    except (UnicodeDecodeError, ValueError):
        raise InvalidRequest(
            "The request body is not valid UTF-8 form encoding (application/x-www-form-urlencoded)."
        ) from None
    values: dict[str, str] = {}
    resources: list[str] = []
    for name, value in pairs:
        # RFC 6749 §3.1: a parameter sent without a value is treated as if it were omitted.
        if not value:
            continue
        if name in REPEATABLE_PARAMETERS:
            resources.append(value)
        elif name in values:
            raise InvalidRequest(
                f"The parameter {name} appears more than once; send each parameter once (RFC 6749 §3.2)."
            )
        else:
            values[name] = value
    return Form(values, tuple(resources))


async def read_form(request: Request) -> Form:
    """Read a form-encoded body of at most 64 KiB, without trusting Content-Length."""
    too_large = RequestTooLarge(
        f"The request body is larger than {MAX_BODY_BYTES // 1024} KiB; send only the parameters."
    )
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise too_large
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_BODY_BYTES:
            raise too_large
    content_type = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    # An empty body has no parameters whatever its type: the missing parameter is then the error to report.
    if body and content_type != FORM_CONTENT_TYPE:
        raise InvalidRequest(
            f"Send the parameters form-encoded in the body with Content-Type: {FORM_CONTENT_TYPE} (RFC 6749 §3.2)."
        )
    return parse_form(bytes(body))


def preflight_response() -> Response:
    return cors_preflight_response("POST, OPTIONS")


def with_cors(response: Response) -> Response:
    response.headers.update(CORS_HEADERS)
    return response


async def record_refusal(
    services: Services,
    exc: OAuthError,
    now: datetime,
    *,
    endpoint: str,
    client_ip: str | None,
    connection_id: int | None,
    client_id: str | None,
    **detail: Any,
) -> None:
    """Write what a refused request must leave behind, in a transaction of its own.

    The request's transaction was rolled back (nothing it did stays), but two things must persist:
    the audit entry, and the containment of a replayed code or refresh token (RFC 9700 §4.14.2).
    """
    services.count("oauth_requests_refused")
    try:
        async with services.transaction() as session:
            if isinstance(exc, ReplayDetected):
                await exc.contain(session, now, client_ip=client_ip)
            await record(
                session,
                "token.rejected",
                now,
                connection_id=connection_id,
                client_ip=client_ip,
                endpoint=endpoint,
                client_id=client_id[:MAX_AUDITED_CLIENT_ID] if client_id else None,
                error=exc.error,
                description=exc.description,
                **detail,
            )
    except Exception:
        logger.exception("could not record a refused %s request", endpoint)
