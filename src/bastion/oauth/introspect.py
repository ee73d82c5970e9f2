"""``POST /oauth/introspect``: token introspection (RFC 7662) for confidential clients and admin API keys.

Who may learn what is policy (RFC 7662 §2.1, §4): a confidential client learns only about tokens
issued to itself; any other token, like an unknown, expired, revoked or rotated one, is simply
``{"active": false}``. An administrator's API key (``Authorization: Bearer bst_ak_...``, OAUTH.md)
may introspect any token. Public clients have nothing to authenticate with and are refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import JSONResponse, Response

from bastion import credentials
from bastion.config import Settings
from bastion.credentials import token_problem
from bastion.http_util import NO_STORE_HEADERS, split_authorization
from bastion.oauth.back_channel import back_channel_endpoint
from bastion.oauth.client_auth import authenticate_client, read_client_credentials
from bastion.oauth.errors import InvalidClient
from bastion.oauth.json_endpoint import Attempt, Handler
from bastion.oauth.parameters import Form
from bastion.services import Services
from bastion.store.models import Connection
from bastion.store.repositories import Connections, Tokens, Users

INACTIVE: dict[str, Any] = {"active": False}


@dataclass(frozen=True)
class Introspector:
    """The authenticated caller: a confidential client (its own tokens) or an admin API key (every token)."""

    connection: Connection
    sees_every_token: bool


async def authenticate_introspector(
    session: AsyncSession, attempt: Attempt, authorization: str | None, form: Form
) -> Introspector:
    scheme, credential = split_authorization(authorization) or ("", "")
    if scheme == "bearer":
        connection = await authenticate_admin_api_key(session, credential)
        attempt.connection_id = connection.id
        return Introspector(connection, sees_every_token=True)
    presented = read_client_credentials(authorization, form)
    client = await authenticate_client(session, presented)
    attempt.connection_id = client.id
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


async def introspect_token(
    session: AsyncSession, now: datetime, settings: Settings, *, caller: Introspector, token: str
) -> dict[str, Any]:
    found = await Tokens(session).by_digest(credentials.digest(token))
    if found is None or token_problem(found, now, settings.resource_url) is not None:
        return INACTIVE
    # RFC 9700 §4.14.2: a rotated refresh token is spent; its grace retry is the refresh grant's business.
    if found.kind == "refresh" and found.rotated_at is not None:
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


def introspection_endpoint(services: Services) -> Handler:
    async def answer(session: AsyncSession, attempt: Attempt, caller: Introspector, form: Form) -> Response:
        token = form.require("token", "send the token to introspect (RFC 7662 §2.1).")
        body = await introspect_token(session, attempt.now, services.settings, caller=caller, token=token)
        return JSONResponse(body, headers=NO_STORE_HEADERS)

    # RFC 7662 §2.1: the callers are confidential clients and administrators' scripts, never a web page: no CORS.
    return back_channel_endpoint(services, "introspect", authenticate_introspector, answer, cors=None)
