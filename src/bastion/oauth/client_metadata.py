"""RFC 7591 client metadata: what a self-registering client may say about itself, checked as plain values.

A self-registered client is an unverified stranger: every redirect URI must pass our redirect
policy, and the scope it asks for at registration is kept only as information.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from bastion.oauth.errors import InvalidClientMetadata, InvalidRedirectUri, OAuthError
from bastion.oauth.redirect_uris import MAX_REDIRECT_URIS, RedirectUriRejected, check_redirect_uris
from bastion.store.models import Connection

# The longest name of a connection, however it was made: shown on the consent page and in the console.
MAX_NAME_LENGTH = 120
DEFAULT_CLIENT_NAME = "Unnamed client"
MAX_TEXT_LENGTH = 255
MAX_URL_LENGTH = 2000
MAX_CONTACTS = 10
TOKEN_ENDPOINT_AUTH_METHODS = ("none", "client_secret_basic", "client_secret_post")
APPLICATION_TYPES = ("web", "native")
# Refresh tokens are issued with every authorization-code grant (claude.ai does not always ask for them).
GRANTED_GRANT_TYPES = ["authorization_code", "refresh_token"]
DEFAULT_RESPONSE_TYPES = ["code"]


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
    except RecursionError:
        # Deep nesting exhausts the parser's stack: no client metadata is nested more than a level or two.
        raise InvalidClientMetadata(
            "The request body is JSON nested too deeply; send the client metadata as a flat JSON object."
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
    # Contacts are stored as sent: a control character (a NUL above all) has no place in an address.
    if contacts is not None and not all(contact.isprintable() for contact in contacts):
        raise InvalidClientMetadata("contacts contains a control character; list plain e-mail addresses.")
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
