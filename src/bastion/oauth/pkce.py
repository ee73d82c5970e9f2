"""PKCE (RFC 7636), S256 only as OAuth 2.1 §4.1.1 and the MCP authorization spec require."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re

from bastion.oauth.errors import InvalidGrant, InvalidRequest

# RFC 7636 §4.1: 43-128 characters from the unreserved set.
_VERIFIER = re.compile(r"^[A-Za-z0-9\-._~]{43,128}$")
# A base64url SHA-256 digest without padding is exactly 43 characters.
_CHALLENGE = re.compile(r"^[A-Za-z0-9\-_]{43}$")


def check_code_challenge(challenge: str | None, method: str | None) -> str:
    """Validate the authorization request's challenge; every authorization-code flow must use S256."""
    if not challenge:
        raise InvalidRequest("code_challenge is required: use PKCE with code_challenge_method=S256 (RFC 7636).")
    if (method or "plain") != "S256":
        raise InvalidRequest(
            f"code_challenge_method {method or 'plain'!r} is not supported; only S256 is accepted (OAuth 2.1 §4.1.1)."
        )
    if not _CHALLENGE.match(challenge):
        raise InvalidRequest("code_challenge must be the base64url-encoded SHA-256 of the verifier (43 characters).")
    return challenge


def s256(verifier: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode("ascii")).digest()).decode("ascii").rstrip("=")


def verify_pkce(verifier: str | None, challenge: str) -> None:
    if not verifier:
        raise InvalidGrant("code_verifier is required: send the PKCE verifier that matches the code_challenge.")
    if not _VERIFIER.match(verifier):
        raise InvalidGrant("code_verifier must be 43-128 characters of A-Z, a-z, 0-9, '-', '.', '_' or '~'.")
    if not hmac.compare_digest(s256(verifier), challenge):
        raise InvalidGrant("code_verifier does not match the code_challenge sent with the authorization request.")
