"""``POST /oauth/token`` (RFC 6749 §3.2): parse → authenticate the client → dispatch on grant_type → respond."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from bastion.http_util import NO_STORE_HEADERS
from bastion.oauth.back_channel import authenticate_oauth_client, back_channel_endpoint
from bastion.oauth.errors import UnsupportedGrantType
from bastion.oauth.grants.authorization_code import AuthorizationCodeRequest, exchange_authorization_code
from bastion.oauth.grants.client_credentials import ClientCredentialsRequest, grant_client_credentials
from bastion.oauth.grants.refresh_token import RefreshTokenRequest, rotate_refresh_token
from bastion.oauth.grants.request import GrantContext
from bastion.oauth.json_endpoint import Attempt
from bastion.oauth.parameters import Form
from bastion.services import Services
from bastion.store.models import Connection

# A grant: (its context, its typed request) → the token response.
Grant = Callable[[GrantContext, Any], Awaitable[dict[str, Any]]]


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
    async def answer(session: AsyncSession, attempt: Attempt, client: Connection, form: Form) -> Response:
        read_request, grant = choose_grant(form)
        context = GrantContext(
            session,
            attempt.now,
            await services.server_settings(session),
            client,
            services.settings.resource_url,
            attempt.client_ip,
        )
        body = await grant(context, read_request(form))
        services.count("oauth_tokens_issued")
        # RFC 6749 §5.1: token responses must not be cached.
        return JSONResponse(body, headers=NO_STORE_HEADERS)

    return back_channel_endpoint(
        services,
        "token",
        authenticate_oauth_client,
        answer,
        refusal_detail=lambda form: {"grant_type": (form.get("grant_type") or "")[:64]},
    )
