"""The authorization endpoint (OAuth 2.1 §4.1.1): validate the request, ask the person, issue a code.

GET validates and shows the consent page (no side effects before consent: some clients pre-fetch
it); POST re-validates the whole request from the form, never trusting its hidden fields, and
redirects with a code. Refusals are raised as ``AuthorizationRefused`` and answered in one place:
a page for the person, or a redirect to the client.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar
from urllib.parse import urlencode, urlsplit, urlunsplit

from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from bastion.governance.audit import record
from bastion.http_util import NO_STORE_HEADERS, client_ip
from bastion.oauth.authorization_request import (
    AuthorizationRefused,
    AuthorizationRequest,
    Params,
    carried_fields,
    check_authorization_request,
    multi_params,
)
from bastion.oauth.client_metadata_documents import MetadataDocumentRefused, looks_like_metadata_url
from bastion.oauth.codes import issue_code
from bastion.oauth.consent import SignedInPerson, consent_page, error_page, needs_consent, scopes_for_choice
from bastion.oauth.errors import AccessDenied, ConsentRequired, InvalidRequest, LoginRequired, ServerError
from bastion.oauth.metadata import AUTHORIZATION_PATH
from bastion.oauth.metadata_document_clients import ensure_current
from bastion.oauth.parameters import query_parameters, read_browser_form
from bastion.services import Services
from bastion.store.models import Connection
from bastion.store.repositories import Connections, Consents

logger = logging.getLogger("bastion.oauth")

Handler = Callable[[Request], Awaitable[Response]]
Person = TypeVar("Person", bound=SignedInPerson)


@dataclass(frozen=True)
class BrowserSignIn(Generic[Person]):
    """Who is at the browser, lent by the console (its session cookie and CSRF tokens) to this endpoint."""

    current_visitor: Callable[[Request, AsyncSession, datetime], Awaitable[Person | None]]
    csrf_ok: Callable[[Person, str | None], bool]
    login_path: str


def with_query(uri: str, values: Iterable[tuple[str, str | None]]) -> str:
    """Add parameters to a redirect URI, keeping its own query (RFC 6749 §3.1.2)."""
    parts = urlsplit(uri)
    extra = urlencode([(name, value) for name, value in values if value is not None])
    return urlunsplit(parts._replace(query=f"{parts.query}&{extra}" if parts.query else extra))


def redirect(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303, headers=NO_STORE_HEADERS)


def authorization_url(params: Params) -> str:
    return f"{AUTHORIZATION_PATH}?{urlencode(carried_fields(params))}"


async def read_parameters(request: Request) -> Params:
    """The request's parameters, from the query (GET) or the consent form (POST)."""
    try:
        items: Iterable[tuple[str, object]]
        if request.method == "POST":
            items = (await read_browser_form(request)).multi_items()
        else:
            items = query_parameters(request)
    except InvalidRequest as unreadable:
        # Refused before any client is known (a NUL, a broken form): a page for the person, never a redirect.
        raise AuthorizationRefused(unreadable) from None
    return multi_params(items)


def authorization_endpoint(services: Services, sign_in: BrowserSignIn[Any]) -> Handler:
    settings = services.settings

    def refusal_response(request: Request, refusal: AuthorizationRefused) -> Response:
        if refusal.redirect_uri is None:
            return error_page(services.templates, request, refusal.error, status_code=refusal.page_status)
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

    def login_redirect(return_to: str) -> RedirectResponse:
        return redirect(f"{sign_in.login_path}?{urlencode({'next': return_to})}")

    async def find_connection(session: AsyncSession, params: Params) -> Connection | None:
        client_ids = params.get("client_id", [])
        return await Connections(session).by_client_id(client_ids[0]) if len(client_ids) == 1 else None

    async def audit(
        session: AsyncSession,
        request: Request,
        now: datetime,
        event: str,
        connection: Connection,
        person: SignedInPerson,
        **detail: Any,
    ) -> None:
        await record(
            session,
            event,
            now,
            connection_id=connection.id,
            user_id=person.user.id,
            client_ip=client_ip(request, settings.trusted_proxies),
            **detail,
        )

    async def grant(
        session: AsyncSession,
        request: Request,
        now: datetime,
        auth: AuthorizationRequest,
        connection: Connection,
        person: SignedInPerson,
        scopes: str,
    ) -> Response:
        if connection.is_dynamic and connection.user_id is None and not connection.uses_metadata_document:
            # A self-registered client belongs to the first person who allows it; a metadata-document client
            # is one client_id for everyone who uses that app, so it belongs to nobody alone.
            connection.user_id = person.user.id
        server_settings = await services.server_settings(session)
        code = await issue_code(
            session,
            now,
            ttl_seconds=server_settings.auth_code_ttl_seconds,
            request=auth,
            connection_id=connection.id,
            user_id=person.user.id,
            scopes=scopes,
        )
        await audit(session, request, now, "code.issued", connection, person, scopes=scopes)
        return redirect(
            with_query(auth.redirect_uri, [("code", code), ("state", auth.state), ("iss", settings.issuer)])
        )

    async def refresh_metadata_document(request: Request, params: Params) -> None:
        """A client_id that is a URL: its document fetched when needed, before the request's transaction."""
        client_ids = params.get("client_id", [])
        if len(client_ids) == 1 and looks_like_metadata_url(client_ids[0]):
            try:
                await ensure_current(services, client_ids[0], client_ip(request, settings.trusted_proxies))
            except MetadataDocumentRefused as refused:
                # The redirect URIs come from the document, so none can be trusted: the person sees the page.
                raise AuthorizationRefused(refused) from None

    async def handle_get(request: Request) -> Response:
        params = await read_parameters(request)
        await refresh_metadata_document(request, params)
        # The request exactly as the client sent it (prompt included), to come back to after sign-in.
        requested_path = f"{AUTHORIZATION_PATH}?{request.url.query}"
        now = services.clock()
        async with services.transaction() as session:
            connection = await find_connection(session, params)
            auth = check_authorization_request(params, connection, settings.resource_url)
            assert connection is not None
            person = await sign_in.current_visitor(request, session, now)
            if person is None:
                if "none" in auth.prompt:
                    raise AuthorizationRefused(
                        LoginRequired("Nobody is signed in to Bastion; ask again without prompt=none."),
                        auth.redirect_uri,
                        auth.state,
                    )
                return login_redirect(requested_path)
            remembered = await Consents(session).get(person.user.id, connection.id)
            if not needs_consent(auth.scopes, remembered.scopes if remembered else None, auth.prompt):
                return await grant(session, request, now, auth, connection, person, auth.scopes)
            if "none" in auth.prompt:
                raise AuthorizationRefused(
                    ConsentRequired("The person has not allowed this app yet; ask again without prompt=none."),
                    auth.redirect_uri,
                    auth.state,
                )
            return consent_page(
                services.templates,
                request,
                connection=connection,
                person=person,
                redirect_uri=auth.redirect_uri,
                grantable_scopes=auth.scopes,
                carried_fields=carried_fields(params),
                return_to=requested_path,
            )

    async def handle_post(request: Request) -> Response:
        params = await read_parameters(request)
        # A browser submits only the button that was pressed; the first value of each choice counts.
        decision = params.get("decision", [None])[0]
        access = params.get("access", [None])[0]
        await refresh_metadata_document(request, params)
        now = services.clock()
        async with services.transaction() as session:
            person = await sign_in.current_visitor(request, session, now)
            if person is None:
                # The sign-in ended between the pages: sign in again, then see the same request afresh.
                return login_redirect(authorization_url(params))
            if not sign_in.csrf_ok(person, params.get("csrf_token", [None])[0]):
                raise AuthorizationRefused(
                    InvalidRequest(
                        "This form has expired or did not come from Bastion. Go back to the app and try again."
                    ),
                    page_status=403,
                )
            connection = await find_connection(session, params)
            auth = check_authorization_request(params, connection, settings.resource_url)
            assert connection is not None
            if decision == "deny":
                await audit(session, request, now, "consent.denied", connection, person)
                # Answered, not raised: the denial's audit entry commits with this transaction.
                return refusal_response(
                    request,
                    AuthorizationRefused(
                        AccessDenied("The person denied access to this app."), auth.redirect_uri, auth.state
                    ),
                )
            if decision != "allow":
                raise AuthorizationRefused(InvalidRequest("Choose Allow or Deny."))
            try:
                scopes = scopes_for_choice(auth.scopes, access)
            except InvalidRequest as exc:
                raise AuthorizationRefused(exc) from None
            await Consents(session).remember(person.user.id, connection.id, scopes, now)
            await audit(session, request, now, "consent.granted", connection, person, scopes=scopes)
            return await grant(session, request, now, auth, connection, person, scopes)

    async def handle(request: Request) -> Response:
        """The one refusal path of the pages a person sees here: raised refusals become a page or a redirect."""
        try:
            if request.method == "POST":
                return await handle_post(request)
            return await handle_get(request)
        except AuthorizationRefused as refusal:
            return refusal_response(request, refusal)
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
