"""``POST /oauth/register``: RFC 7591 dynamic client registration; AI tools (claude.ai, ChatGPT,
Inspector) register themselves.

A self-registered client gets a connection with no owner (the first person who allows it becomes
the owner); registrations are rate-limited per address and purged when never used.
"""

from __future__ import annotations

from datetime import timedelta

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from bastion import credentials
from bastion import scopes as scope_rules
from bastion.credentials import Prefix
from bastion.governance import attempts
from bastion.governance.audit import record
from bastion.http_util import CLIENT_CORS, NO_STORE_HEADERS, read_body
from bastion.oauth.client_metadata import (
    ClientRegistration,
    check_client_metadata,
    client_information,
    parse_json_object,
)
from bastion.oauth.errors import AccessDenied, InvalidClientMetadata, OAuthError
from bastion.oauth.json_endpoint import Attempt, Handler, json_endpoint
from bastion.oauth.registration_limit import check_registration_limit
from bastion.services import Services
from bastion.store.models import Connection
from bastion.store.repositories import Connections

MAX_BODY_BYTES = 64 * 1024


class RegistrationTooLarge(InvalidClientMetadata):
    status_code = 413


async def read_registration(request: Request) -> bytes:
    too_large = f"The registration request is larger than {MAX_BODY_BYTES // 1024} KiB; send only the metadata."
    body, _ = await read_body(request.scope, request.receive, MAX_BODY_BYTES, lambda: RegistrationTooLarge(too_large))
    return body


def registering_address(attempt: Attempt) -> str:
    # Every registration is counted against an address, even when the peer's is not known.
    return attempt.client_ip or "unknown"


def new_connection(registration: ClientRegistration, secret: str | None, attempt: Attempt) -> Connection:
    return Connection(
        type="oauth",
        name=registration.client_name,
        user_id=None,
        scopes=scope_rules.FULL,
        created_at=attempt.now,
        is_dynamic=True,
        client_id=credentials.new_client_id(),
        client_type="public" if registration.is_public else "confidential",
        client_secret_digest=credentials.digest(secret) if secret else None,
        redirect_uris=registration.redirect_uris,
        token_endpoint_auth_method=registration.token_endpoint_auth_method,
        grant_types=registration.grant_types,
        registration_metadata={"application_type": registration.application_type, **registration.informational},
        registered_from_ip=registering_address(attempt),
    )


def registration_endpoint(services: Services) -> Handler:
    async def register(request: Request, attempt: Attempt) -> Response:
        body = await read_registration(request)
        now = attempt.now
        async with services.transaction() as session:
            server_settings = await services.server_settings(session)
        if not server_settings.dynamic_registration_enabled:
            raise AccessDenied(
                "Dynamic client registration is turned off on this server; "
                "ask your administrator to create a Custom OAuth connection."
            )
        registration = check_client_metadata(parse_json_object(body, request.headers.get("content-type", "")))
        # Counted before the limit is checked, in a transaction of its own: a burst cannot pass it together.
        reservation = await attempts.reserve(services.transaction, attempts.REGISTRATION, now, attempt.client_ip)
        try:
            async with services.transaction() as session:
                await check_registration_limit(session, reservation, now)
                connections = Connections(session)
                purged = await connections.purge_unused_registrations(
                    now - timedelta(days=server_settings.unused_registration_days)
                )
                secret = None if registration.is_public else credentials.new_credential(Prefix.CLIENT_SECRET)
                connection = await connections.add(new_connection(registration, secret, attempt))
                await record(
                    session,
                    "client.registered",
                    now,
                    connection_id=connection.id,
                    client_ip=registering_address(attempt),
                    client_name=registration.client_name,
                    token_endpoint_auth_method=registration.token_endpoint_auth_method,
                    purged_unused=purged,
                )
                information = client_information(connection, secret)
        except Exception:
            # Refused or broken: the registration did not happen, so it stops counting.
            await attempts.release(services.transaction, reservation)
            raise
        return JSONResponse(information, status_code=201, headers=NO_STORE_HEADERS)

    async def record_refusal(exc: OAuthError, attempt: Attempt) -> None:
        async with services.transaction() as session:
            await record(
                session,
                "client.registration_refused",
                attempt.now,
                client_ip=registering_address(attempt),
                error=exc.error,
                reason=exc.description,
            )

    return json_endpoint(services, register, record_refusal, cors=CLIENT_CORS)
