"""One error hierarchy for the OAuth endpoints, rendered in one place.

Each error carries its protocol code (RFC 6749 §5.2, RFC 7591 §3.2.2, RFC 8707 §2, OpenID Connect
Core §3.1.2.6), an HTTP status and a sentence that tells the caller how to fix the request.
"""

from __future__ import annotations

import logging

from starlette.responses import JSONResponse

from bastion.http_util import NO_STORE_HEADERS

logger = logging.getLogger("bastion.oauth")


class OAuthError(Exception):
    error = "invalid_request"
    status_code = 400

    def __init__(self, description: str) -> None:
        super().__init__(description)
        self.description = description

    def as_dict(self) -> dict[str, str]:
        return {"error": self.error, "error_description": self.description}


class InvalidRequest(OAuthError):
    error = "invalid_request"


class RequestTooLarge(OAuthError):
    error = "invalid_request"
    status_code = 413


class InvalidClient(OAuthError):
    error = "invalid_client"
    status_code = 401


class InvalidGrant(OAuthError):
    error = "invalid_grant"


class UnauthorizedClient(OAuthError):
    error = "unauthorized_client"


class UnsupportedGrantType(OAuthError):
    error = "unsupported_grant_type"


class UnsupportedResponseType(OAuthError):
    error = "unsupported_response_type"


class InvalidScope(OAuthError):
    error = "invalid_scope"


class InvalidTarget(OAuthError):
    error = "invalid_target"


class AccessDenied(OAuthError):
    error = "access_denied"
    status_code = 403


class InvalidRedirectUri(OAuthError):
    error = "invalid_redirect_uri"


class InvalidClientMetadata(OAuthError):
    error = "invalid_client_metadata"


class LoginRequired(OAuthError):
    """OpenID Connect Core §3.1.2.6: prompt=none, and nobody is signed in."""

    error = "login_required"


class ConsentRequired(OAuthError):
    """OpenID Connect Core §3.1.2.6: prompt=none, and the person has not allowed this client yet."""

    error = "consent_required"


class SlowDown(OAuthError):
    """Too many requests (e.g. registrations from one address); answered 429 with Retry-After."""

    error = "slow_down"
    status_code = 429

    def __init__(self, description: str, retry_after: int) -> None:
        super().__init__(description)
        self.retry_after = retry_after


class ServerError(OAuthError):
    error = "server_error"
    status_code = 500


def error_response(exc: OAuthError) -> JSONResponse:
    headers = dict(NO_STORE_HEADERS)
    if isinstance(exc, InvalidClient):
        # RFC 6749 §5.2: a 401 for client authentication carries a challenge for the scheme the client tried.
        headers["WWW-Authenticate"] = 'Basic realm="bastion"'
    if isinstance(exc, SlowDown):
        headers["Retry-After"] = str(exc.retry_after)
    return JSONResponse(exc.as_dict(), status_code=exc.status_code, headers=headers)


def unexpected_error_response(exc: BaseException) -> JSONResponse:
    logger.exception("unexpected error in an OAuth endpoint", exc_info=exc)
    return error_response(ServerError("The server hit an unexpected error; try again, and report it if it persists."))
