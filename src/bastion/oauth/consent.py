"""The consent decision and the pages a person sees at /oauth/authorize (consent and error).

The client name is chosen by whoever registered the client, so it is only ever rendered escaped;
the host the browser will be sent back to is what the person should judge the client by.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Protocol
from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import Response
from starlette.templating import Jinja2Templates

from bastion import scopes as scope_rules
from bastion.http_util import NO_STORE_HEADERS
from bastion.oauth.errors import InvalidRequest, OAuthError
from bastion.oauth.redirect_uris import is_loopback
from bastion.store.models import Connection, User

ACCESS_FULL = "full"
ACCESS_READ = "read"
LOGOUT_PATH = "/console/logout"

ERROR_HEADINGS = {
    "invalid_client": "This app is not known here",
    "access_denied": "Access was not allowed",
}
DEFAULT_ERROR_HEADING = "This sign-in request cannot be completed"


class SignedInPerson(Protocol):
    """The person signed in at the browser, as the console's sign-in knows them."""

    @property
    def user(self) -> User: ...

    @property
    def csrf_token(self) -> str: ...


def needs_consent(asked_scopes: str, remembered_scopes: str | None, prompt: Collection[str]) -> bool:
    """Whether the person must be asked: nothing remembered covers the scopes, or the client insists."""
    if "consent" in prompt:
        return True
    return remembered_scopes is None or not scope_rules.includes(remembered_scopes, asked_scopes)


def scopes_for_choice(grantable: str, access: str | None) -> str:
    """The scopes granted for the person's choice on the consent page: everything offered, or read only."""
    if access in (None, "", ACCESS_FULL):
        return grantable
    if access == ACCESS_READ:
        return scope_rules.intersect(scope_rules.READ, grantable)
    raise InvalidRequest(f"access must be {ACCESS_FULL!r} or {ACCESS_READ!r}; go back and pick one of the choices.")


def describe_scopes(scopes: str) -> str:
    return "Read and change your data" if scope_rules.WRITE in scope_rules.parse_scope(scopes) else "Read your data"


def redirect_host(redirect_uri: str) -> str:
    """The host a person recognises ("claude.ai"); for a loopback redirect, say it is this computer."""
    host = urlsplit(redirect_uri).hostname or redirect_uri
    if is_loopback(redirect_uri):
        return f"an app on this computer ({host})"
    return host


def consent_page(
    templates: Jinja2Templates,
    request: Request,
    *,
    connection: Connection,
    person: SignedInPerson,
    redirect_uri: str,
    grantable_scopes: str,
    carried_fields: Sequence[tuple[str, str]],
    return_to: str,
) -> Response:
    """The Allow/Deny page; ``carried_fields`` repeat the authorization request, which the POST re-validates."""
    context = {
        "client_name": connection.name,
        "is_self_registered": connection.is_dynamic and not connection.uses_metadata_document,
        # The host that published the client's metadata document: who vouches for the name shown.
        "metadata_document_host": (
            urlsplit(connection.client_id or "").hostname if connection.uses_metadata_document else None
        ),
        "redirect_host": redirect_host(redirect_uri),
        "scope_description": describe_scopes(grantable_scopes),
        "offers_write": scope_rules.WRITE in scope_rules.parse_scope(grantable_scopes),
        "hidden_fields": list(carried_fields),
        "csrf_token": person.csrf_token,
        "user_login": person.user.login,
        "user_name": person.user.name if person.user.name != person.user.login else "",
        "logout_path": LOGOUT_PATH,
        "return_to": return_to,
    }
    return templates.TemplateResponse(request, "oauth_consent.html", context, headers=NO_STORE_HEADERS)


def error_page(templates: Jinja2Templates, request: Request, error: OAuthError, status_code: int = 400) -> Response:
    """An error shown to the person instead of a redirect (unknown client, unregistered redirect URI, CSRF)."""
    context = {
        "heading": ERROR_HEADINGS.get(error.error, DEFAULT_ERROR_HEADING),
        "message": error.description,
        "error": error.error,
    }
    return templates.TemplateResponse(
        request, "oauth_error.html", context, status_code=status_code, headers=NO_STORE_HEADERS
    )
