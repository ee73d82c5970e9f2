"""Bearer credentials: random values with a readable prefix, kept at rest only as SHA-256 digests.

OAuth 2.1 §7.1 and RFC 9700 ask that codes, tokens and client secrets never be stored in
the clear; a digest also makes every lookup one indexed equality and revocation instant.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime
from enum import StrEnum
from typing import Protocol


class Prefix(StrEnum):
    ACCESS_TOKEN = "bst_at_"
    REFRESH_TOKEN = "bst_rt_"
    API_KEY = "bst_ak_"
    CLIENT_SECRET = "bst_cs_"
    AUTHORIZATION_CODE = "bst_ac_"
    CLIENT_ID = "bst_ci_"
    SETUP_LINK = "bst_su_"
    BROWSER_SESSION = "bst_bs_"


# 32 random bytes = 256 bits, far beyond the 128 bits RFC 6749 §10.10 asks of guessable values.
_ENTROPY_BYTES = 32
# How many characters after the prefix are shown to administrators to tell keys apart.
VISIBLE_PREFIX_CHARS = 6


def new_credential(prefix: Prefix) -> str:
    return f"{prefix}{secrets.token_urlsafe(_ENTROPY_BYTES)}"


def new_client_id() -> str:
    return f"{Prefix.CLIENT_ID}{secrets.token_urlsafe(16)}"


def digest(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


def digest_matches(value: str, expected_digest: str | None) -> bool:
    if expected_digest is None:
        return False
    return hmac.compare_digest(digest(value), expected_digest)


def visible_prefix(credential: str) -> str:
    """The part of a credential an administrator may see again, e.g. ``bst_ak_Q3x9Zk``."""
    for prefix in Prefix:
        if credential.startswith(prefix):
            return credential[: len(prefix) + VISIBLE_PREFIX_CHARS]
    return credential[:VISIBLE_PREFIX_CHARS]


class TokenProblem(StrEnum):
    """Why a stored token can no longer be used; the value is the word the audit log records."""

    REVOKED = "revoked_token"
    EXPIRED = "expired_token"
    WRONG_RESOURCE = "wrong_resource"


class IssuedToken(Protocol):
    """What the liveness rule reads of a token: a stored ``Token``, or the row /mcp reads it as."""

    @property
    def revoked_at(self) -> datetime | None: ...

    @property
    def expires_at(self) -> datetime: ...

    @property
    def resource(self) -> str: ...


def token_problem(token: IssuedToken, now: datetime, resource_url: str) -> TokenProblem | None:
    """The one rule for "is this token live" (/mcp, introspection, the refresh grant); None while it is."""
    if token.revoked_at is not None:
        return TokenProblem.REVOKED
    if token.expires_at <= now:
        return TokenProblem.EXPIRED
    # RFC 8707 §2 / MCP authorization: a token is only good at the resource it was issued for (its audience).
    if token.resource != resource_url:
        return TokenProblem.WRONG_RESOURCE
    return None
