"""``POST /oauth/token`` (RFC 6749 §3.2): parse → authenticate the client → dispatch on grant_type → respond."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from bastion.http_util import CORS_HEADERS, NO_STORE_HEADERS, client_ip
from bastion.oauth.back_channel import (
    Form,
    preflight_response,
    read_form,
    record_refusal,
    with_cors,
)
from bastion.oauth.client_auth import ClientCredentials, authenticate_client, read_client_credentials
from bastion.oauth.errors import OAuthError, UnsupportedGrantType, error_response, unexpected_error_response
from bastion.oauth.grants.authorization_code import AuthorizationCodeRequest, exchange_authorization_code
from bastion.oauth.grants.client_credentials import ClientCredentialsRequest, grant_client_credentials
from bastion.oauth.grants.refresh_token import RefreshTokenRequest, rotate_refresh_token
from bastion.server_settings import ServerSettings
from bastion.services import Services
from bastion.store.models import Connection


class Grant(Protocol):
    def __call__(
        self,
        session: AsyncSession,
        now: datetime,
        server_settings: ServerSettings,
        *,
        client: Connection,
        request: Any,
        resource_url: str,
        client_ip: str | None,
    ) -> Awaitable[dict[str, Any]]: ...


# grant_type → (its typed request, read from the form; the rule that answers it).
GRANTS: dict[str, tuple[Callable[[Form], Any], Grant]] = {
    "authorization_code": (AuthorizationCodeRequest.from_form, exchange_authorization_code),
    "refresh_token": (RefreshTokenRequest.from_form, rotate_refresh_token),
    "client_credentials": (ClientCredentialsRequest.from_form, grant_client_credentials),
}


def choose_grant(form: Form) -> tuple[Callable[[Form], Any], Grant]:
    grant_type = form.require("grant_type", f"one of {', '.join(GRANTS)}.")
    if grant_type not in GRANTS:
        raise UnsupportedGrantType(
            f"The grant_type {grant_type[:40]!r} is not supported; use one of {', '.join(GRANTS)}."
        )
    return GRANTS[grant_type]


def token_endpoint(services: Services) -> Callable[[Request], Awaitable[Response]]:
    async def token(request: Request) -> Response:
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
                read_request, grant = choose_grant(form)
                body = await grant(
                    session,
                    now,
                    await services.server_settings(session),
                    client=client,
                    request=read_request(form),
                    resource_url=services.settings.resource_url,
                    client_ip=ip,
                )
            services.count("oauth_tokens_issued")
            # RFC 6749 §5.1: token responses must not be cached.
            return JSONResponse(body, headers={**NO_STORE_HEADERS, **CORS_HEADERS})
        except OAuthError as exc:
            await record_refusal(
                services,
                exc,
                now,
                endpoint="token",
                client_ip=ip,
                connection_id=connection_id,
                client_id=presented.client_id if presented else None,
                grant_type=(form.get("grant_type") or "")[:64] if form else None,
            )
            return with_cors(error_response(exc))
        except Exception as exc:
            return with_cors(unexpected_error_response(exc))

    return token
