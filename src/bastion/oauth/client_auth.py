"""Client authentication at the token, revocation and introspection endpoints (RFC 6749 §2.3, OAuth 2.1 §2.4).

Three methods, all advertised in our metadata: ``client_secret_basic`` (HTTP Basic),
``client_secret_post`` (secret in the body) and ``none`` (a public client sends only its client_id).
A confidential client may use either secret method whatever it registered: both are equally
strong, and refusing one would only break clients. What matters for security is enforced: a
confidential client must prove its secret, and a public client has none to present.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from typing import Literal
from urllib.parse import unquote_plus

from sqlalchemy.ext.asyncio import AsyncSession

from bastion import credentials
from bastion.http_util import split_authorization
from bastion.oauth.errors import InvalidClient, InvalidRequest
from bastion.oauth.parameters import Form, refuse_nul
from bastion.store.models import Connection
from bastion.store.repositories import Connections

AuthMethod = Literal["client_secret_basic", "client_secret_post", "none"]


@dataclass(frozen=True)
class ClientCredentials:
    """What the caller presented: who it claims to be, its secret if any, and how it sent them."""

    client_id: str
    secret: str | None
    method: AuthMethod


def parse_basic_authorization(header: str) -> tuple[str, str]:
    """Client id and secret from ``Authorization: Basic ...``, each form-urlencoded (RFC 6749 §2.3.1)."""
    scheme, encoded = split_authorization(header) or ("", "")
    if scheme != "basic":
        raise InvalidClient(
            "The Authorization header must use the Basic scheme with the client ID and secret (RFC 6749 §2.3.1); "
            "public clients leave it out and send client_id in the body."
        )
    try:
        decoded = base64.b64decode(encoded, validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        raise InvalidClient("The Basic credentials are not valid base64 of 'client_id:client_secret'.") from None
    raw_id, separator, raw_secret = decoded.partition(":")
    if not separator or not raw_id:
        raise InvalidClient("The Basic credentials must be 'client_id:client_secret', base64-encoded.")
    # RFC 6749 §2.3.1: both are form-urlencoded before being joined, so a ':' or '%' in them survives.
    client_id, secret = unquote_plus(raw_id), unquote_plus(raw_secret)
    refuse_nul(client_id, "The client_id in the Basic credentials")
    refuse_nul(secret, "The secret in the Basic credentials")
    return client_id, secret


def read_client_credentials(authorization: str | None, form: Form) -> ClientCredentials:
    """Which client is calling and how, from the Authorization header and the body (no lookup)."""
    body_client_id = form.get("client_id")
    body_secret = form.get("client_secret")
    if authorization:
        client_id, secret = parse_basic_authorization(authorization)
        # RFC 6749 §2.3: a client must not use more than one authentication method in a request.
        if body_secret is not None:
            raise InvalidRequest(
                "Send the client secret either in the Authorization header or as client_secret in the body, not both."
            )
        if body_client_id is not None and body_client_id != client_id:
            raise InvalidRequest("The client_id in the body differs from the one in the Authorization header.")
        # An empty Basic password is how some public clients say "no secret".
        return ClientCredentials(client_id, secret or None, "client_secret_basic" if secret else "none")
    if body_client_id is None:
        raise InvalidClient(
            "Identify the client: send client_id in the body (public clients), or the client ID and secret "
            "by HTTP Basic or as client_id and client_secret in the body (confidential clients)."
        )
    if body_secret is not None:
        return ClientCredentials(body_client_id, body_secret, "client_secret_post")
    return ClientCredentials(body_client_id, None, "none")


def check_client(connection: Connection | None, presented: ClientCredentials) -> Connection:
    """The rule: a known, live OAuth client whose secret, if it has one, was proven."""
    if connection is None or connection.type != "oauth":
        # Clients that get invalid_client here register again (dynamic registration) and carry on.
        raise InvalidClient(
            "No client is registered with this client_id (it may have been deleted). Register the client again, "
            "or ask an administrator for a new client ID."
        )
    if connection.revoked_at is not None:
        raise InvalidClient(
            "This client was revoked by an administrator. Ask them to reactivate the connection or create a new one."
        )
    if connection.client_type == "confidential":
        if presented.secret is None:
            raise InvalidClient(
                "This is a confidential client: authenticate with its client secret, by HTTP Basic "
                "(client_secret_basic) or as client_secret in the body (client_secret_post)."
            )
        if not credentials.digest_matches(presented.secret, connection.client_secret_digest):
            raise InvalidClient(
                "The client secret is wrong. If it was rotated, the old secret stopped working: use the new one."
            )
    elif presented.secret is not None:
        raise InvalidClient("This is a public client and has no secret: send only client_id (method none).")
    return connection


async def authenticate_client(session: AsyncSession, presented: ClientCredentials) -> Connection:
    return check_client(await Connections(session).by_client_id(presented.client_id), presented)
