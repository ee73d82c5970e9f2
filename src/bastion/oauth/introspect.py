"""``POST /oauth/introspect``: token introspection (RFC 7662) for confidential clients and admin API keys.

Who may learn what is policy (RFC 7662 §2.1, §4): a confidential client learns only about tokens
issued to itself; any other token, like an unknown, expired, revoked or rotated one, is simply
``{"active": false}``. An administrator's API key (``Authorization: Bearer bst_ak_...``, OAUTH.md)
may introspect any token. Public clients have nothing to authenticate with and are refused.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from bastion import credentials
from bastion.config import Settings
from bastion.http_util import NO_STORE_HEADERS, client_ip
from bastion.oauth.back_channel import Form, read_form, record_refusal
from bastion.oauth.client_auth import authenticate_client, read_client_credentials
from bastion.oauth.errors import InvalidClient, OAuthError, error_response, unexpected_error_response
from bastion.services import Services
from bastion.store.models import Connection, Token
from bastion.store.repositories import Connections, Tokens, Users

INACTIVE: dict[str, Any] = {"active": False}


@dataclass(frozen=True)
class Introspector:
    """The authenticated caller: a confidential client (its own tokens) or an admin API key (every token)."""

    connection: Connection
    sees_every_token: bool


async def authenticate_introspector(session: AsyncSession, authorization: str | None, form: Form) -> Introspector:
    scheme, _, value = (authorization or "").strip().partition(" ")
    if scheme.lower() == "bearer":
        return Introspector(await authenticate_admin_api_key(session, value.strip()), sees_every_token=True)
    presented = read_client_credentials(authorization, form)
    client = await authenticate_client(session, presented)
    if presented.secret is None:
        raise InvalidClient(
            "Introspection is for confidential clients: authenticate with the client secret (RFC 7662 §2.1). "
            "Public clients cannot introspect tokens."
        )
    return Introspector(client, sees_every_token=False)


async def authenticate_admin_api_key(session: AsyncSession, api_key: str) -> Connection:
    connection = await Connections(session).by_key_digest(credentials.digest(api_key)) if api_key else None
    user = await Users(session).get(connection.user_id) if connection and connection.user_id else None
    if (
        connection is None
        or connection.type != "api_key"
        or connection.revoked_at is not None
        or user is None
        or not user.active
        or not user.is_admin
    ):
        raise InvalidClient(
            "This bearer credential may not introspect tokens: use a live API key of an administrator, "
            "or authenticate as a confidential client with its secret."
        )
    return connection


def is_live(token: Token, now: datetime, resource_url: str) -> bool:
    if token.revoked_at is not None or token.expires_at <= now:
        return False
    if token.kind == "refresh":
        return token.rotated_at is None
    return token.resource == resource_url


async def introspect_token(
    session: AsyncSession, now: datetime, settings: Settings, *, caller: Introspector, token: str
) -> dict[str, Any]:
    found = await Tokens(session).by_digest(credentials.digest(token))
    if found is None or not is_live(found, now, settings.resource_url):
        return INACTIVE
    # RFC 7662 §4: telling a client about other clients' tokens would help whoever stole one.
    if not caller.sees_every_token and found.connection_id != caller.connection.id:
        return INACTIVE
    owner = await Connections(session).get(found.connection_id)
    if owner is None or owner.revoked_at is not None:
        return INACTIVE
    user = await Users(session).get(found.user_id) if found.user_id is not None else None
    if user is not None and not user.active:
        return INACTIVE
    answer: dict[str, Any] = {
        "active": True,
        "scope": found.scopes,
        "client_id": owner.client_id,
        "exp": int(found.expires_at.timestamp()),
        "iat": int(found.created_at.timestamp()),
        "aud": found.resource,
        "iss": settings.issuer,
    }
    if found.kind == "access":
        answer["token_type"] = "Bearer"
    if user is not None:
        answer["sub"] = user.login
        answer["username"] = user.login
    return answer


def introspection_endpoint(services: Services) -> Callable[[Request], Awaitable[Response]]:
    async def introspect(request: Request) -> Response:
        now = services.clock()
        ip = client_ip(request, services.settings.trusted_proxies)
        form: Form | None = None
        # Kept as a plain int: after a rollback the ORM object is expired and cannot be read.
        connection_id: int | None = None
        try:
            form = await read_form(request)
            async with services.transaction() as session:
                caller = await authenticate_introspector(session, request.headers.get("authorization"), form)
                connection_id = caller.connection.id
                token = form.require("token", "send the token to introspect (RFC 7662 §2.1).")
                answer = await introspect_token(session, now, services.settings, caller=caller, token=token)
            return JSONResponse(answer, headers=NO_STORE_HEADERS)
        except OAuthError as exc:
            await record_refusal(
                services,
                exc,
                now,
                endpoint="introspect",
                client_ip=ip,
                connection_id=connection_id,
                client_id=form.get("client_id") if form else None,
            )
            return error_response(exc)
        except Exception as exc:
            return unexpected_error_response(exc)

    return introspect
