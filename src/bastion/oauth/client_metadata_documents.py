"""Client ID metadata documents (CIMD, draft-ietf-oauth-client-id-metadata-document), checked as plain values.

A client may identify itself with an https URL instead of registering: its ``client_id`` is the URL
of a JSON document describing it. This module holds the rules on the URL, on the document and on how
long a fetched document may be kept; fetching it safely is ``oauth/metadata_fetch.py``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit

from bastion.oauth.client_metadata import ClientRegistration, check_client_metadata
from bastion.oauth.errors import InvalidClient, OAuthError

MAX_URL_LENGTH = 2000
# The bounds within which a document's own cache headers are followed: never fetched more often than the
# minimum (a document cannot make every request cost a fetch), never trusted longer than the maximum.
MIN_CACHE = timedelta(minutes=5)
MAX_CACHE = timedelta(hours=24)
DEFAULT_CACHE = timedelta(hours=1)  # a document that says nothing about caching
# CIMD §4.1: shared-secret methods are forbidden; Bastion supports no key-based method, so "none" is the one left.
ACCEPTED_AUTH_METHOD = "none"
# JWK members that hold private key material (RFC 7518 §6.2.2, §6.3.2, §6.4.1; RFC 8037 §2).
PRIVATE_JWK_MEMBERS = frozenset({"d", "p", "q", "dp", "dq", "qi", "oth", "k"})


class MetadataDocumentRefused(InvalidClient):
    """A client ID metadata document cannot be used; the sentence says what is wrong with it."""


def looks_like_metadata_url(client_id: str) -> bool:
    """Whether a client_id is meant as a metadata document URL (our own client IDs never start with a scheme)."""
    return client_id.lower().startswith(("https://", "http://"))


def check_metadata_url(client_id: str) -> str:
    """CIMD §3: an https URL with a path, no fragment, no user name or password, no dot segments. Returns its host."""
    if len(client_id) > MAX_URL_LENGTH:
        raise MetadataDocumentRefused(f"The client_id URL is longer than {MAX_URL_LENGTH} characters.")
    try:
        parts = urlsplit(client_id)
        parts.port  # noqa: B018 - raises ValueError on a malformed port
    except ValueError:
        raise MetadataDocumentRefused(f"The client_id {client_id!r} is not a valid URL.") from None
    if parts.scheme != "https":
        raise MetadataDocumentRefused(
            f"The client_id {client_id!r} is not an https URL; "
            "a client ID metadata document is fetched over https only."
        )
    if not parts.hostname:
        raise MetadataDocumentRefused(f"The client_id {client_id!r} has no host.")
    if parts.username is not None or parts.password is not None:
        raise MetadataDocumentRefused("The client_id URL must not contain a user name or password.")
    if "#" in client_id:
        raise MetadataDocumentRefused("The client_id URL must not have a fragment (#...).")
    segments = parts.path.split("/")[1:]
    if not parts.path or parts.path == "/" or not any(segments):
        raise MetadataDocumentRefused(
            f"The client_id {client_id!r} has no path; a metadata document URL names a document, "
            "e.g. https://app.example.com/oauth/client.json."
        )
    if any(segment in (".", "..") for segment in segments):
        raise MetadataDocumentRefused("The client_id URL must not contain . or .. path segments.")
    return parts.hostname.lower()


def host_allowed(host: str, allowed_hosts: tuple[str, ...]) -> bool:
    """An empty list allows every host; otherwise the host must be one of them exactly."""
    return not allowed_hosts or host.lower() in allowed_hosts


def refuse_secrets(document: dict[str, Any]) -> None:
    """CIMD §4.1: a document is public, so it must not carry a secret nor ask for a shared-secret method."""
    if "client_secret" in document or "client_secret_expires_at" in document:
        raise MetadataDocumentRefused(
            "The client's metadata document contains a client_secret; a published document cannot hold a secret, "
            "so the client must use token_endpoint_auth_method none."
        )
    method = document.get("token_endpoint_auth_method", ACCEPTED_AUTH_METHOD)
    if method != ACCEPTED_AUTH_METHOD:
        raise MetadataDocumentRefused(
            f"The client's metadata document asks for token_endpoint_auth_method {method!r}; clients identified "
            "by a metadata document must use none (PKCE only) here."
        )
    keys = document.get("jwks", {}).get("keys", []) if isinstance(document.get("jwks"), dict) else []
    if any(isinstance(key, dict) and PRIVATE_JWK_MEMBERS & key.keys() for key in keys):
        raise MetadataDocumentRefused(
            "The client's metadata document publishes private key material in jwks; remove it and publish only "
            "public keys."
        )


def parse_document(body: bytes, client_id: str) -> dict[str, Any]:
    try:
        document = json.loads(body)
    except (ValueError, RecursionError):
        raise MetadataDocumentRefused(f"The metadata document at {client_id} is not valid JSON.") from None
    if not isinstance(document, dict):
        raise MetadataDocumentRefused(f"The metadata document at {client_id} is not a JSON object.")
    return document


def check_metadata_document(body: bytes, client_id: str) -> ClientRegistration:
    """The document's client_id must equal the URL it came from (CIMD §4.1); the rest are RFC 7591 metadata."""
    document = parse_document(body, client_id)
    if document.get("client_id") != client_id:
        raise MetadataDocumentRefused(
            f"The metadata document's client_id is {document.get('client_id')!r}, not the URL it was fetched from "
            f"({client_id}); they must be equal."
        )
    refuse_secrets(document)
    try:
        registration = check_client_metadata({**document, "token_endpoint_auth_method": ACCEPTED_AUTH_METHOD})
    except OAuthError as exc:
        raise MetadataDocumentRefused(f"The client's metadata document is not usable: {exc.description}") from None
    return registration


@dataclass(frozen=True)
class CacheHeaders:
    cache_control: str | None
    expires: str | None
    date: str | None


def cache_lifetime(headers: CacheHeaders, now: datetime) -> timedelta:
    """How long a fetched document is kept: RFC 9111 §4.2.1 freshness, clamped to [MIN_CACHE, MAX_CACHE]."""
    directives = {}
    for item in (headers.cache_control or "").split(","):
        name, _, value = item.strip().partition("=")
        if name:
            directives[name.lower()] = value.strip().strip('"')
    lifetime: timedelta | None = None
    if "no-store" in directives or "no-cache" in directives:
        lifetime = timedelta(0)
    elif "max-age" in directives:
        try:
            lifetime = timedelta(seconds=max(0, int(directives["max-age"])))
        except ValueError:
            lifetime = None
    elif headers.expires:
        lifetime = _expires_lifetime(headers, now)
    if lifetime is None:
        lifetime = DEFAULT_CACHE
    return min(MAX_CACHE, max(MIN_CACHE, lifetime))


def _expires_lifetime(headers: CacheHeaders, now: datetime) -> timedelta:
    try:
        expires = parsedate_to_datetime(headers.expires or "")
        origin = parsedate_to_datetime(headers.date) if headers.date else now
    except (TypeError, ValueError):
        return timedelta(0)  # RFC 9111 §5.3: an invalid Expires means already expired
    return _aware(expires) - _aware(origin)


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
