"""Redirect URI policy: what may be registered, and whether an authorization request's URI matches.

OAuth 2.1 §2.3.1 and RFC 9700 §4.1.3: exact string match, except the port of loopback redirects
(RFC 8252 §7.3). Only https, or http to a loopback address (RFC 8252 §7.3); no fragments (RFC 6749 §3.1.2).
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit, urlunsplit

LOOPBACK_HOSTS = frozenset({"127.0.0.1", "::1", "localhost"})
MAX_REDIRECT_URI_LENGTH = 2000
# How many redirect URIs one client may have, registered by itself or by a person in the console.
MAX_REDIRECT_URIS = 20
# RFC 3986 §2: no URI contains a control character (U+0000-U+001F, U+007F), raw or percent-encoded.
CONTROL_CHARACTER = re.compile(r"[\x00-\x1f\x7f]|%(?:[01][0-9a-f]|7f)", re.IGNORECASE)


class RedirectUriRejected(ValueError):
    """A redirect URI cannot be registered; the message says why and what would work."""


def is_loopback(uri: str) -> bool:
    try:
        host = urlsplit(uri).hostname
    except ValueError:
        return False
    return host in LOOPBACK_HOSTS


def check_redirect_uri(uri: str) -> str:
    """Validate one redirect URI for registration and return it unchanged."""
    if CONTROL_CHARACTER.search(uri):
        raise RedirectUriRejected(
            f"{uri!r} contains a control character (raw or percent-encoded, such as %00); no URI may contain one."
        )
    if not uri or uri != uri.strip():
        raise RedirectUriRejected(f"{uri!r} has leading or trailing spaces; remove them.")
    if len(uri) > MAX_REDIRECT_URI_LENGTH:
        raise RedirectUriRejected(f"A redirect URI may be at most {MAX_REDIRECT_URI_LENGTH} characters long.")
    try:
        parts = urlsplit(uri)
        parts.port  # noqa: B018 - raises ValueError on a malformed port
    except ValueError:
        raise RedirectUriRejected(f"{uri!r} is not a valid URL.") from None
    if not parts.scheme or not parts.netloc or not parts.hostname:
        raise RedirectUriRejected(
            f"{uri!r} is not an absolute URL; write it in full, e.g. https://app.example.com/callback."
        )
    if "#" in uri:
        raise RedirectUriRejected(f"{uri!r} has a fragment (#...); redirect URIs must not have one (RFC 6749 §3.1.2).")
    if parts.username is not None or parts.password is not None:
        raise RedirectUriRejected(f"{uri!r} contains a user name or password; remove them.")
    if parts.scheme == "https":
        return uri
    if parts.scheme == "http":
        if parts.hostname in LOOPBACK_HOSTS:
            return uri
        raise RedirectUriRejected(
            f"{uri!r} uses http on a non-loopback host; use https, or http only for 127.0.0.1, [::1] or localhost."
        )
    raise RedirectUriRejected(
        f"{uri!r} uses the scheme {parts.scheme!r}; only https (or http on 127.0.0.1, [::1], localhost) is allowed."
    )


def check_redirect_uris(uris: list[str]) -> list[str]:
    if not uris:
        raise RedirectUriRejected("Give at least one redirect URI.")
    return [check_redirect_uri(uri) for uri in uris]


def _without_port(uri: str) -> str:
    parts = urlsplit(uri)
    host = parts.hostname or ""
    netloc = f"[{host}]" if ":" in host else host
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


def redirect_uri_matches(requested: str, registered: list[str]) -> bool:
    """Whether ``requested`` equals one registered URI, ignoring only the port of a loopback URI."""
    if requested in registered:
        return True
    try:
        parts = urlsplit(requested)
        parts.port  # noqa: B018
    except ValueError:
        return False
    if parts.scheme != "http" or parts.hostname not in LOOPBACK_HOSTS:
        return False
    # RFC 8252 §7.3: loopback redirects may use any port; scheme, host, path and query must still match exactly.
    bare = _without_port(requested)
    return any(is_loopback(uri) and _without_port(uri) == bare for uri in registered)
