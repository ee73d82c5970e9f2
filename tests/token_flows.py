"""Helpers for the back-channel tests: codes made directly (no authorize endpoint), token requests, stored rows."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote_plus

import httpx2
from sqlalchemy import select

from bastion import connections, credentials
from bastion import scopes as scope_rules
from bastion.oauth.authorization_request import AuthorizationRequest
from bastion.oauth.codes import issue_code
from bastion.oauth.pkce import s256
from bastion.services import Services
from bastion.store.models import AuditEvent, Token, User
from bastion.store.repositories import StoredSettings
from tests.conftest import PUBLIC_URL
from tests.factories import make_oauth_client, make_user

RESOURCE = f"{PUBLIC_URL}/mcp"
REDIRECT_URI = "https://app.example.com/callback"
VERIFIER = "v" * 20 + "-._~" + "0123456789abcdefghijkl"
CHALLENGE = s256(VERIFIER)
TOKEN_URL = "/oauth/token"


@dataclass(frozen=True)
class Party:
    """A user and an OAuth client they use."""

    user: User
    client: connections.IssuedCredential

    @property
    def client_id(self) -> str:
        return self.client.connection.client_id

    @property
    def secret(self) -> str | None:
        return self.client.secret


async def make_party(services: Services, *, client_type: str = "confidential", login: str = "alice") -> Party:
    # No password: these users never sign in, and hashing one (argon2) would slow every test.
    user = await make_user(services, login, password=None)  # type: ignore[arg-type]
    client = await make_oauth_client(services, client_type=client_type, redirect_uris=[REDIRECT_URI], owner=user)
    return Party(user, client)


async def make_code(
    services: Services,
    party: Party,
    *,
    scopes: str = scope_rules.FULL,
    redirect_uri: str = REDIRECT_URI,
    resource: str = RESOURCE,
    challenge: str = CHALLENGE,
) -> str:
    async with services.transaction() as session:
        server_settings = await services.server_settings(session)
        return await issue_code(
            session,
            services.clock(),
            ttl_seconds=server_settings.auth_code_ttl_seconds,
            request=AuthorizationRequest(
                client_id=party.client_id,
                redirect_uri=redirect_uri,
                state=None,
                code_challenge=challenge,
                resource=resource,
                scopes=scopes,
                prompt=frozenset(),
            ),
            connection_id=party.client.connection.id,
            user_id=party.user.id,
            scopes=scopes,
        )


def basic_auth(client_id: str, secret: str) -> dict[str, str]:
    """``Authorization: Basic`` with RFC 6749 §2.3.1 form-urlencoding of both parts."""
    pair = f"{quote_plus(client_id)}:{quote_plus(secret)}"
    return {"Authorization": "Basic " + base64.b64encode(pair.encode()).decode()}


def client_auth(party: Party) -> tuple[dict[str, str], dict[str, str]]:
    """Headers and body fields that authenticate ``party``'s client: Basic when it has a secret, else client_id."""
    if party.secret:
        return basic_auth(party.client_id, party.secret), {}
    return {}, {"client_id": party.client_id}


async def post_token(http: httpx2.AsyncClient, party: Party, **fields: Any) -> httpx2.Response:
    headers, body = client_auth(party)
    body.update({name: value for name, value in fields.items() if value is not None})
    return await http.post(TOKEN_URL, data=body, headers=headers)


async def exchange_code(http: httpx2.AsyncClient, party: Party, code: str, **overrides: Any) -> httpx2.Response:
    fields = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": REDIRECT_URI,
        "code_verifier": VERIFIER,
        "resource": RESOURCE,
        **overrides,
    }
    return await post_token(http, party, **fields)


async def refresh(http: httpx2.AsyncClient, party: Party, refresh_token: str, **extra: Any) -> httpx2.Response:
    return await post_token(http, party, grant_type="refresh_token", refresh_token=refresh_token, **extra)


async def sign_in(services: Services, http: httpx2.AsyncClient, party: Party, **code_options: Any) -> dict[str, Any]:
    """An authorization-code grant done end to end; returns the token response."""
    response = await exchange_code(http, party, await make_code(services, party, **code_options))
    assert response.status_code == 200, response.text
    return response.json()


async def stored_token(services: Services, token: str) -> Token:
    async with services.transaction() as session:
        found = await session.scalar(select(Token).where(Token.digest == credentials.digest(token)))
    assert found is not None
    return found


async def audit_events(services: Services, event: str) -> list[AuditEvent]:
    await services.batch_writer.flush()  # the per-request entries the app has queued, written first
    async with services.transaction() as session:
        return list((await session.scalars(select(AuditEvent).where(AuditEvent.event == event))).all())


async def put_setting(services: Services, key: str, value: Any) -> None:
    async with services.transaction() as session:
        await StoredSettings(session).put(key, value, services.clock())


def assert_error(response: httpx2.Response, status: int, error: str, description: str) -> None:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["error"] == error, body
    assert description in body["error_description"], body
