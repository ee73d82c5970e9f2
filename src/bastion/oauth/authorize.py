"""The authorization endpoint (OAuth 2.1 §4.1.1): validate the request, ask the person, issue a code.

GET validates and shows the consent page (no side effects before consent: some clients pre-fetch
it); POST re-validates the whole request from the form, never trusting its hidden fields, and
redirects with a code. Whether an error may be sent to the client's redirect URI is decided in one
place, ``AuthorizationRefused``: never for an unknown client or an unregistered redirect URI.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlencode, urlsplit, urlunsplit

from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from bastion.governance.audit import record
from bastion.http_util import NO_STORE_HEADERS, client_ip
from bastion.oauth import scopes as scope_rules
from bastion.oauth.codes import issue_code
from bastion.oauth.consent import consent_page, error_page, needs_consent, scopes_for_choice
from bastion.oauth.errors import (
    AccessDenied,
    InvalidClient,
    InvalidRequest,
    InvalidScope,
    OAuthError,
    ServerError,
    UnauthorizedClient,
    UnsupportedResponseType,
)
from bastion.oauth.pkce import check_code_challenge
from bastion.oauth.redirect_uris import redirect_uri_matches
from bastion.oauth.resource import check_resource
from bastion.services import Services
from bastion.store.models import Connection
from bastion.store.repositories import Connections, Consents
from bastion.web_session import LOGIN_PATH, Visitor, csrf_ok, current_visitor

logger = logging.getLogger("bastion.oauth")

AUTHORIZATION_PATH = "/oauth/authorize"
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
# RFC 8707 §2: resource may be repeated; every other parameter must appear at most once (RFC 6749 §3.1).
REPEATABLE_PARAMETERS = frozenset({"resource"})

Params = Mapping[str, list[str]]
Handler = Callable[[Request], Awaitable[Response]]


class LoginRequired(OAuthError):
    error = "login_required"


class ConsentRequired(OAuthError):
    error = "consent_required"


class AuthorizationRefused(Exception):
    """An authorization request that cannot go on.

    ``redirect_uri`` is None when the error must be shown to the person: RFC 6749 §4.1.2.1 forbids
    redirecting when the client or its redirect URI could not be verified (an open redirector).
    """

    def __init__(self, error: OAuthError, redirect_uri: str | None = None, state: str | None = None) -> None:
        super().__init__(error.description)
        self.error = error
        self.redirect_uri = redirect_uri
        self.state = state


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


def with_query(uri: str, values: Iterable[tuple[str, str | None]]) -> str:
    """Add parameters to a redirect URI, keeping its own query (RFC 6749 §3.1.2)."""
    parts = urlsplit(uri)
    extra = urlencode([(name, value) for name, value in values if value is not None])
    return urlunsplit(parts._replace(query=f"{parts.query}&{extra}" if parts.query else extra))


def redirect(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303, headers=NO_STORE_HEADERS)


def carried_fields(params: Params) -> list[tuple[str, str]]:
    return [(name, value) for name in CARRIED_PARAMETERS for value in params.get(name, [])]


def authorization_url(params: Params) -> str:
    return f"{AUTHORIZATION_PATH}?{urlencode(carried_fields(params))}"


def login_redirect(return_to: str) -> RedirectResponse:
    return redirect(f"{LOGIN_PATH}?{urlencode({'next': return_to})}")


def multi_params(items: Iterable[tuple[str, object]]) -> dict[str, list[str]]:
    params: dict[str, list[str]] = {}
    for name, value in items:
        if isinstance(value, str):  # a file in a multipart form is never a parameter
            params.setdefault(name, []).append(value)
    return params


def authorization_endpoint(services: Services) -> Handler:
    settings = services.settings

    def refusal_response(request: Request, refusal: AuthorizationRefused) -> Response:
        if refusal.redirect_uri is None:
            return error_page(services.templates, request, refusal.error)
        # RFC 9207 §2: iss on every authorization response, errors included.
        return redirect(
            with_query(
                refusal.redirect_uri,
                [
                    ("error", refusal.error.error),
                    ("error_description", refusal.error.description),
                    ("state", refusal.state),
                    ("iss", settings.issuer),
                ],
            )
        )

    async def find_connection(session: AsyncSession, params: Params) -> Connection | None:
        client_ids = params.get("client_id", [])
        return await Connections(session).by_client_id(client_ids[0]) if len(client_ids) == 1 else None

    async def grant(
        session: AsyncSession,
        request: Request,
        now: datetime,
        auth: AuthorizationRequest,
        connection: Connection,
        visitor: Visitor,
        scopes: str,
    ) -> Response:
        if connection.is_dynamic and connection.user_id is None:
            # A self-registered client belongs to the first person who allows it.
            connection.user_id = visitor.user.id
        server_settings = await services.server_settings(session)
        code = await issue_code(
            session,
            now,
            ttl_seconds=server_settings.auth_code_ttl_seconds,
            connection_id=connection.id,
            user_id=visitor.user.id,
            redirect_uri=auth.redirect_uri,
            code_challenge=auth.code_challenge,
            resource=auth.resource,
            scopes=scopes,
        )
        ip = client_ip(request, settings.trusted_proxies)
        await record(
            session,
            "code.issued",
            now,
            connection_id=connection.id,
            user_id=visitor.user.id,
            client_ip=ip,
            scopes=scopes,
        )
        return redirect(
            with_query(auth.redirect_uri, [("code", code), ("state", auth.state), ("iss", settings.issuer)])
        )

    async def handle_get(request: Request) -> Response:
        params = multi_params(request.query_params.multi_items())
        # The request exactly as the client sent it (prompt included), to come back to after sign-in.
        requested_path = f"{AUTHORIZATION_PATH}?{request.url.query}"
        now = services.clock()
        async with services.transaction() as session:
            connection = await find_connection(session, params)
            try:
                auth = check_authorization_request(params, connection, settings.resource_url)
                assert connection is not None
                visitor = await current_visitor(request, session, now)
                if visitor is None:
                    if "none" in auth.prompt:
                        raise AuthorizationRefused(
                            LoginRequired("Nobody is signed in to Bastion; ask again without prompt=none."),
                            auth.redirect_uri,
                            auth.state,
                        )
                    return login_redirect(requested_path)
                remembered = await Consents(session).get(visitor.user.id, connection.id)
                if not needs_consent(auth.scopes, remembered.scopes if remembered else None, auth.prompt):
                    return await grant(session, request, now, auth, connection, visitor, auth.scopes)
                if "none" in auth.prompt:
                    raise AuthorizationRefused(
                        ConsentRequired("The person has not allowed this app yet; ask again without prompt=none."),
                        auth.redirect_uri,
                        auth.state,
                    )
            except AuthorizationRefused as refusal:
                return refusal_response(request, refusal)
            return consent_page(
                services.templates,
                request,
                connection=connection,
                visitor=visitor,
                redirect_uri=auth.redirect_uri,
                grantable_scopes=auth.scopes,
                carried_fields=carried_fields(params),
                return_to=requested_path,
            )

    async def handle_post(request: Request) -> Response:
        form = await request.form()
        params = multi_params(form.multi_items())
        # A browser submits only the button that was pressed; the first value of each choice counts.
        decision = params.get("decision", [None])[0]
        access = params.get("access", [None])[0]
        submitted_csrf = params.get("csrf_token", [None])[0]
        now = services.clock()
        async with services.transaction() as session:
            visitor = await current_visitor(request, session, now)
            if visitor is None:
                # The sign-in ended between the pages: sign in again, then see the same request afresh.
                return login_redirect(authorization_url(params))
            if not csrf_ok(visitor, submitted_csrf):
                return error_page(
                    services.templates,
                    request,
                    InvalidRequest(
                        "This form has expired or did not come from Bastion. Go back to the app and try again."
                    ),
                    status_code=403,
                )
            connection = await find_connection(session, params)
            try:
                auth = check_authorization_request(params, connection, settings.resource_url)
            except AuthorizationRefused as refusal:
                return refusal_response(request, refusal)
            assert connection is not None
            ip = client_ip(request, settings.trusted_proxies)
            if decision == "deny":
                await record(
                    session, "consent.denied", now, connection_id=connection.id, user_id=visitor.user.id, client_ip=ip
                )
                return refusal_response(
                    request,
                    AuthorizationRefused(
                        AccessDenied("The person denied access to this app."), auth.redirect_uri, auth.state
                    ),
                )
            try:
                if decision != "allow":
                    raise InvalidRequest("Choose Allow or Deny.")
                scopes = scopes_for_choice(auth.scopes, access)
            except InvalidRequest as exc:
                return error_page(services.templates, request, exc)
            await Consents(session).remember(visitor.user.id, connection.id, scopes, now)
            await record(
                session,
                "consent.granted",
                now,
                connection_id=connection.id,
                user_id=visitor.user.id,
                client_ip=ip,
                scopes=scopes,
            )
            return await grant(session, request, now, auth, connection, visitor, scopes)

    async def handle(request: Request) -> Response:
        try:
            if request.method == "POST":
                return await handle_post(request)
            return await handle_get(request)
        except Exception:
            logger.exception("unexpected error at the authorization endpoint")
            return error_page(
                services.templates,
                request,
                ServerError(
                    "Bastion hit an unexpected error. Go back to the app and try again; report it if it persists."
                ),
                status_code=500,
            )

    return handle
