"""RFC 7591 dynamic client registration: AI tools (claude.ai, ChatGPT, Inspector) register themselves.

A self-registered client is an unverified stranger: it gets a connection with no owner (the first
person who allows it becomes the owner), every redirect URI must pass our redirect policy, the
scope it asks for at registration is kept only as information, and registrations are rate-limited
per address and purged when never used.
"""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from bastion import credentials
from bastion.connections import MAX_NAME_LENGTH
from bastion.credentials import Prefix
from bastion.governance.audit import record
from bastion.http_util import CORS_HEADERS, NO_STORE_HEADERS, client_ip, cors_preflight_response
from bastion.oauth import scopes as scope_rules
from bastion.oauth.errors import (
    AccessDenied,
    InvalidClientMetadata,
    InvalidRedirectUri,
    OAuthError,
    SlowDown,
    error_response,
    unexpected_error_response,
)
from bastion.oauth.redirect_uris import RedirectUriRejected, check_redirect_uris
from bastion.services import Services
from bastion.store.models import Connection
from bastion.store.repositories import Connections

logger = logging.getLogger("bastion.oauth")

MAX_BODY_BYTES = 64 * 1024
REGISTRATIONS_PER_ADDRESS = 10
REGISTRATION_WINDOW = timedelta(hours=1)
DEFAULT_CLIENT_NAME = "Unnamed client"
MAX_TEXT_LENGTH = 255
MAX_URL_LENGTH = 2000
MAX_REDIRECT_URIS = 20
MAX_CONTACTS = 10
TOKEN_ENDPOINT_AUTH_METHODS = ("none", "client_secret_basic", "client_secret_post")
APPLICATION_TYPES = ("web", "native")
# Refresh tokens are issued with every authorization-code grant (claude.ai does not always ask for them).
GRANTED_GRANT_TYPES = ["authorization_code", "refresh_token"]
DEFAULT_RESPONSE_TYPES = ["code"]

Handler = Callable[[Request], Awaitable[Response]]


class RegistrationTooLarge(InvalidClientMetadata):
    status_code = 413


@dataclass(frozen=True)
class ClientRegistration:
    """Validated client metadata, ready to store."""

    client_name: str
    redirect_uris: list[str]
    token_endpoint_auth_method: str
    grant_types: list[str]
    application_type: str
    # Kept for the console and echoed back; never used to decide what the client may do.
    informational: dict[str, Any] = field(default_factory=dict)

    @property
    def is_public(self) -> bool:
        return self.token_endpoint_auth_method == "none"


def parse_json_object(body: bytes, content_type: str) -> dict[str, Any]:
    # RFC 7591 §3.1: the client metadata is sent as a JSON object.
    if content_type.split(";")[0].strip().lower() != "application/json":
        raise InvalidClientMetadata(
            "Send the client metadata as a JSON object with Content-Type: application/json (RFC 7591 §3.1)."
        )
    try:
        parsed = json.loads(body)
    except ValueError:
        raise InvalidClientMetadata(
            "The request body is not valid JSON; send the client metadata as a JSON object."
        ) from None
    if not isinstance(parsed, dict):
        raise InvalidClientMetadata(
            'The request body must be a JSON object of client metadata, e.g. {"redirect_uris": [...]}.'
        )
    return parsed


def optional_text(body: dict[str, Any], name: str, max_length: int = MAX_TEXT_LENGTH) -> str | None:
    value = body.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidClientMetadata(f"{name} must be a string.")
    # Control characters and line breaks have no place in a name shown to people or in a log.
    cleaned = " ".join("".join(ch if ch.isprintable() else " " for ch in value).split())
    if len(cleaned) > max_length:
        raise InvalidClientMetadata(f"{name} may be at most {max_length} characters long.")
    return cleaned or None


def optional_url(body: dict[str, Any], name: str) -> str | None:
    value = optional_text(body, name, MAX_URL_LENGTH)
    if value is None:
        return None
    try:
        parts = urlsplit(value)
    except ValueError:
        parts = None
    if parts is None or parts.scheme not in ("https", "http") or not parts.hostname:
        raise InvalidClientMetadata(f"{name} must be an https URL, e.g. https://app.example.com.")
    return value


def string_list(body: dict[str, Any], name: str, error: type[OAuthError] = InvalidClientMetadata) -> list[str] | None:
    value = body.get(name)
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise error(f"{name} must be a JSON array of strings.")
    return value


def check_redirect_uri_list(body: dict[str, Any]) -> list[str]:
    uris = string_list(body, "redirect_uris", InvalidRedirectUri)
    if not uris:
        raise InvalidRedirectUri("redirect_uris is required: list the URL(s) Bastion may send the browser back to.")
    if len(uris) > MAX_REDIRECT_URIS:
        raise InvalidRedirectUri(f"Register at most {MAX_REDIRECT_URIS} redirect URIs.")
    try:
        checked = check_redirect_uris(uris)
    except RedirectUriRejected as exc:
        raise InvalidRedirectUri(str(exc)) from None
    return list(dict.fromkeys(checked))


def check_token_endpoint_auth_method(body: dict[str, Any]) -> str:
    # RFC 7591 §2: client_secret_basic when the client does not say.
    method = body.get("token_endpoint_auth_method") or "client_secret_basic"
    if method not in TOKEN_ENDPOINT_AUTH_METHODS:
        supported = ", ".join(TOKEN_ENDPOINT_AUTH_METHODS)
        raise InvalidClientMetadata(f"token_endpoint_auth_method {method!r} is not supported; use one of {supported}.")
    return method


def check_grant_types(body: dict[str, Any]) -> list[str]:
    asked = string_list(body, "grant_types")
    if asked is None:
        return list(GRANTED_GRANT_TYPES)
    if "client_credentials" in asked:
        raise InvalidClientMetadata(
            "client_credentials is not available to self-registered clients; "
            "ask your administrator to create a Custom OAuth connection."
        )
    unsupported = [grant for grant in asked if grant not in GRANTED_GRANT_TYPES]
    if unsupported:
        raise InvalidClientMetadata(
            f"grant_types {unsupported} are not supported; use authorization_code and refresh_token."
        )
    # RFC 7591 §2.1: response_types [code] goes with the authorization_code grant.
    if "authorization_code" not in asked:
        raise InvalidClientMetadata(
            "grant_types must include authorization_code, the only flow for self-registered clients."
        )
    # RFC 7591 §3.2.1: the server may substitute values; refresh tokens come with every grant.
    return list(GRANTED_GRANT_TYPES)


def check_response_types(body: dict[str, Any]) -> list[str]:
    asked = string_list(body, "response_types")
    if asked is None:
        return list(DEFAULT_RESPONSE_TYPES)
    if set(asked) != {"code"}:
        raise InvalidClientMetadata('response_types must be ["code"]; the authorization code flow is the only one.')
    return list(DEFAULT_RESPONSE_TYPES)


def check_client_metadata(body: dict[str, Any]) -> ClientRegistration:
    """Validate a registration request (RFC 7591 §2); unknown fields are ignored as §2 requires."""
    redirect_uris = check_redirect_uri_list(body)
    method = check_token_endpoint_auth_method(body)
    grant_types = check_grant_types(body)
    response_types = check_response_types(body)
    application_type = body.get("application_type") or "web"  # OpenID Connect Registration §2 default
    if application_type not in APPLICATION_TYPES:
        raise InvalidClientMetadata(f"application_type must be 'web' or 'native', not {application_type!r}.")
    contacts = string_list(body, "contacts")
    if contacts is not None and (len(contacts) > MAX_CONTACTS or any(len(c) > MAX_TEXT_LENGTH for c in contacts)):
        raise InvalidClientMetadata(
            f"contacts may list at most {MAX_CONTACTS} addresses of {MAX_TEXT_LENGTH} characters."
        )
    informational = {
        "response_types": response_types,
        "client_uri": optional_url(body, "client_uri"),
        "logo_uri": optional_url(body, "logo_uri"),
        # Never bind the allowed scopes to this string: clients register once and ask for more later.
        "scope": optional_text(body, "scope", MAX_TEXT_LENGTH),
        "software_id": optional_text(body, "software_id"),
        "software_version": optional_text(body, "software_version"),
        "contacts": contacts,
    }
    return ClientRegistration(
        client_name=optional_text(body, "client_name", MAX_NAME_LENGTH) or DEFAULT_CLIENT_NAME,
        redirect_uris=redirect_uris,
        token_endpoint_auth_method=method,
        grant_types=grant_types,
        application_type=application_type,
        informational={name: value for name, value in informational.items() if value is not None},
    )


def client_information(connection: Connection, client_secret: str | None) -> dict[str, Any]:
    """The RFC 7591 §3.2.1 response: the client's credentials and every metadata value as registered."""
    metadata = dict(connection.registration_metadata or {})
    information: dict[str, Any] = {
        "client_id": connection.client_id,
        "client_id_issued_at": int(connection.created_at.timestamp()),
    }
    if client_secret is not None:
        information["client_secret"] = client_secret
        information["client_secret_expires_at"] = 0  # RFC 7591 §3.2.1: 0 means it does not expire
    information.update(
        {
            "client_name": connection.name,
            "redirect_uris": list(connection.redirect_uris),
            "token_endpoint_auth_method": connection.token_endpoint_auth_method,
            "grant_types": list(connection.grant_types),
            "response_types": metadata.pop("response_types", list(DEFAULT_RESPONSE_TYPES)),
            **metadata,
        }
    )
    return information


def registration_retry_after(recent: list[datetime], now: datetime) -> int | None:
    """Seconds until this address may register again, or None while it is under the hourly limit."""
    if len(recent) < REGISTRATIONS_PER_ADDRESS:
        return None
    # The limit frees up when enough of the window's registrations have aged out of it.
    frees_at = recent[len(recent) - REGISTRATIONS_PER_ADDRESS] + REGISTRATION_WINDOW
    return max(1, math.ceil((frees_at - now).total_seconds()))


async def read_body(request: Request, limit: int = MAX_BODY_BYTES) -> bytes:
    declared = request.headers.get("content-length", "")
    too_large = RegistrationTooLarge(
        f"The registration request is larger than {limit // 1024} KiB; send only the metadata."
    )
    if declared.isdigit() and int(declared) > limit:
        raise too_large
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise too_large
    return bytes(body)


def registration_endpoint(services: Services) -> Handler:
    settings = services.settings

    async def register(request: Request, ip: str) -> JSONResponse:
        body = await read_body(request)
        now = services.clock()
        async with services.transaction() as session:
            server_settings = await services.server_settings(session)
            if not server_settings.dynamic_registration_enabled:
                raise AccessDenied(
                    "Dynamic client registration is turned off on this server; "
                    "ask your administrator to create a Custom OAuth connection."
                )
            registration = check_client_metadata(parse_json_object(body, request.headers.get("content-type", "")))
            connections = Connections(session)
            # Counted in the database, so the limit holds across every Bastion process.
            recent = await connections.registration_times_since(ip, now - REGISTRATION_WINDOW)
            retry_after = registration_retry_after(recent, now)
            if retry_after is not None:
                raise SlowDown(
                    f"Too many registrations from your address ({REGISTRATIONS_PER_ADDRESS} per hour); "
                    "reuse the client you registered, or try again later.",
                    retry_after=retry_after,
                )
            purged = await connections.purge_unused_registrations(
                now - timedelta(days=server_settings.unused_registration_days)
            )
            secret = None if registration.is_public else credentials.new_credential(Prefix.CLIENT_SECRET)
            connection = await connections.add(
                Connection(
                    type="oauth",
                    name=registration.client_name,
                    user_id=None,
                    scopes=scope_rules.FULL,
                    created_at=now,
                    is_dynamic=True,
                    client_id=credentials.new_client_id(),
                    client_type="public" if registration.is_public else "confidential",
                    client_secret_digest=credentials.digest(secret) if secret else None,
                    redirect_uris=registration.redirect_uris,
                    token_endpoint_auth_method=registration.token_endpoint_auth_method,
                    grant_types=registration.grant_types,
                    registration_metadata={
                        "application_type": registration.application_type,
                        **registration.informational,
                    },
                    registered_from_ip=ip,
                )
            )
            await record(
                session,
                "client.registered",
                now,
                connection_id=connection.id,
                client_ip=ip,
                client_name=registration.client_name,
                token_endpoint_auth_method=registration.token_endpoint_auth_method,
                purged_unused=purged,
            )
            information = client_information(connection, secret)
        return JSONResponse(information, status_code=201, headers={**NO_STORE_HEADERS, **CORS_HEADERS})

    async def audit_refusal(ip: str, exc: OAuthError) -> None:
        # The refused request rolled back; its audit entry is written in a transaction of its own.
        async with services.transaction() as session:
            await record(
                session,
                "client.registration_refused",
                services.clock(),
                client_ip=ip,
                error=exc.error,
                reason=exc.description,
            )

    async def handle(request: Request) -> Response:
        if request.method == "OPTIONS":
            return cors_preflight_response("POST, OPTIONS")
        ip = client_ip(request, settings.trusted_proxies) or "unknown"
        try:
            return await register(request, ip)
        except OAuthError as exc:
            response = error_response(exc)
            try:
                await audit_refusal(ip, exc)
            except Exception as audit_exc:
                response = unexpected_error_response(audit_exc)
        except Exception as exc:
            response = unexpected_error_response(exc)
        response.headers.update(CORS_HEADERS)
        return response

    return handle
