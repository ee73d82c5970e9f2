"""The authorization request (OAuth 2.1 §4.1.1) checked as plain values, and where its errors go.

Whether an error may be sent to the client's redirect URI is decided in one place,
``AuthorizationRefused``: never for an unknown client or an unregistered redirect URI.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from bastion import scopes as scope_rules
from bastion.oauth.errors import (
    InvalidClient,
    InvalidRequest,
    InvalidScope,
    OAuthError,
    UnauthorizedClient,
    UnsupportedResponseType,
)
from bastion.oauth.parameters import REPEATABLE_PARAMETERS
from bastion.oauth.pkce import check_code_challenge
from bastion.oauth.redirect_uris import redirect_uri_matches
from bastion.oauth.resource import check_resource
from bastion.store.models import Connection

# The request parameters the consent form carries to the POST, which validates them again.
CARRIED_PARAMETERS = (
    "response_type",
    "client_id",
    "redirect_uri",
    "scope",
    "state",
    "code_challenge",
    "code_challenge_method",
    "resource",
)

Params = Mapping[str, list[str]]


class AuthorizationRefused(Exception):
    """An authorization request that cannot go on.

    ``redirect_uri`` is None when the error must be shown to the person: RFC 6749 §4.1.2.1 forbids
    redirecting when the client or its redirect URI could not be verified (an open redirector).
    """

    def __init__(
        self, error: OAuthError, redirect_uri: str | None = None, state: str | None = None, *, page_status: int = 400
    ) -> None:
        super().__init__(error.description)
        self.error = error
        self.redirect_uri = redirect_uri
        self.state = state
        self.page_status = page_status  # the status of the page shown instead of a redirect


@dataclass(frozen=True)
class AuthorizationRequest:
    """A validated authorization request."""

    client_id: str
    # Exactly as the client sent it (its loopback port included), or its one registered URI when it sent
    # none; the code is bound to it and the token request must repeat it (OAuth 2.1 §4.1.3).
    redirect_uri: str
    state: str | None
    code_challenge: str
    resource: str
    scopes: str  # what may be granted: asked for, within what the connection allows
    prompt: frozenset[str]


def single(params: Params, name: str) -> str | None:
    """One parameter's value; an empty value counts as absent."""
    values = params.get(name, [])
    if len(values) > 1 and name not in REPEATABLE_PARAMETERS:
        raise InvalidRequest(f"{name} was sent {len(values)} times; send it once (RFC 6749 §3.1).")
    return values[0] if values and values[0] else None


def check_client_and_redirect_uri(params: Params, connection: Connection | None) -> str:
    """The checks whose failure is shown, never redirected. Returns the redirect URI to use."""
    client_id = single(params, "client_id")
    if client_id is None:
        raise InvalidRequest("client_id is required; the app that sent you here must include it.")
    if connection is None or connection.client_id != client_id:
        raise InvalidClient(
            "No app with this client_id is registered here. It may have been removed; "
            "the app should register again (or ask your administrator for a connection)."
        )
    if connection.revoked_at is not None:
        raise InvalidClient(
            f"The connection {connection.name!r} was revoked by an administrator; ask them to reactivate it."
        )
    sent = single(params, "redirect_uri")
    if sent is None:
        # OAuth 2.1 §4.1.1: redirect_uri may be left out only when exactly one is registered.
        if len(connection.redirect_uris) == 1:
            return connection.redirect_uris[0]
        raise InvalidRequest("redirect_uri is required: this app registered several, so say which one to use.")
    # RFC 9700 §4.1.3: exact match; RFC 8252 §7.3: the port of a loopback redirect is ignored.
    if not redirect_uri_matches(sent, connection.redirect_uris):
        raise InvalidRequest(
            f"The redirect URI {sent!r} is not registered for this app, so Bastion will not send you there. "
            "The app must use one of the redirect URIs it registered."
        )
    return sent


def check_request_parameters(
    params: Params, connection: Connection, resource_url: str
) -> tuple[str, str, str, frozenset[str]]:
    """The checks whose failure goes back to the client. Returns (code challenge, resource, scopes, prompt)."""
    response_type = single(params, "response_type")
    if response_type is None:
        raise InvalidRequest("response_type is required; use response_type=code.")
    if response_type != "code":
        raise UnsupportedResponseType(f"response_type {response_type!r} is not supported; use response_type=code.")
    if "authorization_code" not in (connection.grant_types or []):
        raise UnauthorizedClient("This client is not allowed the authorization code flow; register it with that grant.")
    # OAuth 2.1 §4.1.1: PKCE with S256 on every request; plain or a missing challenge is a downgrade attempt.
    code_challenge = check_code_challenge(single(params, "code_challenge"), single(params, "code_challenge_method"))
    # RFC 8707 §2: absent means this server's MCP endpoint; anything else is invalid_target.
    resource = check_resource(params.get("resource", []), resource_url)
    asked = single(params, "scope")
    scopes = scope_rules.grantable_scopes(asked, connection.scopes)
    if not scopes:
        raise InvalidScope(
            f"The scope {asked!r} asks for nothing this client may have; it may be granted {connection.scopes!r}."
        )
    prompt = frozenset(scope_rules.parse_scope(single(params, "prompt")))
    if "none" in prompt and len(prompt) > 1:
        raise InvalidRequest("prompt=none cannot be combined with other prompt values.")
    return code_challenge, resource, scopes, prompt


def check_authorization_request(
    params: Params, connection: Connection | None, resource_url: str
) -> AuthorizationRequest:
    """Validate a whole authorization request; raises ``AuthorizationRefused`` saying where the error goes."""
    try:
        redirect_uri = check_client_and_redirect_uri(params, connection)
    except OAuthError as exc:
        raise AuthorizationRefused(exc) from None
    assert connection is not None  # checked above
    state_values = params.get("state", [])
    state = state_values[0] if len(state_values) == 1 and state_values[0] else None
    try:
        code_challenge, resource, scopes, prompt = check_request_parameters(params, connection, resource_url)
        single(params, "state")  # refuse a repeated state
    except OAuthError as exc:
        raise AuthorizationRefused(exc, redirect_uri, state) from None
    return AuthorizationRequest(
        client_id=connection.client_id or "",
        redirect_uri=redirect_uri,
        state=state,
        code_challenge=code_challenge,
        resource=resource,
        scopes=scopes,
        prompt=prompt,
    )


def multi_params(items: Iterable[tuple[str, object]]) -> dict[str, list[str]]:
    params: dict[str, list[str]] = {}
    for name, value in items:
        if isinstance(value, str):  # a file in a multipart form is never a parameter
            params.setdefault(name, []).append(value)
    return params


def carried_fields(params: Params) -> list[tuple[str, str]]:
    return [(name, value) for name in CARRIED_PARAMETERS for value in params.get(name, [])]
