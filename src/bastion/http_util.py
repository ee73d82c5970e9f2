"""Small HTTP helpers shared by the OAuth endpoints, /mcp and the console.

One of each: the caller's address, the size-limited body reader, the Authorization header's
scheme and credential, and the CORS answer of an endpoint that pages on other origins call.
"""

from __future__ import annotations

import ipaddress
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from starlette.datastructures import Headers
from starlette.requests import HTTPConnection
from starlette.responses import Response
from starlette.types import Message, Receive, Scope

Network = ipaddress.IPv4Network | ipaddress.IPv6Network

NO_STORE_HEADERS = {"Cache-Control": "no-store", "Pragma": "no-cache"}


def client_ip(connection: HTTPConnection, trusted_proxies: Sequence[Network]) -> str | None:
    """The caller's address; ``X-Forwarded-For`` is believed only when the direct peer is a trusted proxy.

    Walks the header right to left and stops at the first address that is not a trusted proxy,
    so a client cannot forge its address by prepending entries.
    """
    peer = connection.client.host if connection.client else None
    if not peer or not trusted_proxies or not _is_trusted(peer, trusted_proxies):
        return peer
    forwarded = connection.headers.get("x-forwarded-for", "")
    hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
    for hop in reversed(hops):
        if not _is_trusted(hop, trusted_proxies):
            return hop
    return hops[0] if hops else peer


def _is_trusted(address: str, trusted_proxies: Sequence[Network]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in trusted_proxies)


class BodyTooLarge(Exception):
    """The request body is over ``limit`` bytes; each surface answers it in its own wire format."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"request body over {limit} bytes")
        self.limit = limit


async def read_body(
    scope: Scope, receive: Receive, limit: int, too_large: Callable[[], Exception] | None = None
) -> tuple[bytes, Receive]:
    """The whole request body, at most ``limit`` bytes, and a ``receive`` that replays it to the next app.

    A declared Content-Length over the limit is refused before anything is read; a body sent
    without one (or lying about it) is cut off as it streams in, so the length is never trusted.
    Raises ``too_large()`` (the caller's refusal, in its wire format) or else ``BodyTooLarge``.
    """
    refusal = too_large or (lambda: BodyTooLarge(limit))
    declared = Headers(scope=scope).get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise refusal()
    body = bytearray()
    trailing: list[Message] = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            trailing.append(message)
            break
        body.extend(message.get("body", b""))
        if len(body) > limit:
            raise refusal()
        if not message.get("more_body", False):
            break
    replay: deque[Message] = deque([{"type": "http.request", "body": bytes(body), "more_body": False}, *trailing])

    async def replaying_receive() -> Message:
        return replay.popleft() if replay else await receive()

    return bytes(body), replaying_receive


def split_authorization(header: str | None) -> tuple[str, str] | None:
    """``(scheme, credential)`` of an Authorization header, the scheme lower-cased; None when absent or blank.

    RFC 7235 §2.1: the scheme name is case-insensitive; the credential may be empty (the caller decides).
    """
    if header is None or not header.strip():
        return None
    scheme, _, credential = header.strip().partition(" ")
    return scheme.lower(), credential.strip()


PREFLIGHT_MAX_AGE = "86400"


@dataclass(frozen=True)
class Cors:
    """What a web page on another origin may read from an endpoint, and send to it (Fetch §3.2).

    The OAuth and discovery endpoints never rely on cookies, so any origin may read them
    (Fetch §3.2.5: no credentials with "*"); /mcp names the one origin that passed its checks.
    """

    methods: str
    request_headers: str = "Authorization, Content-Type, MCP-Protocol-Version"
    exposed_headers: str | None = None

    def response_headers(self, origin: str = "*") -> dict[str, str]:
        headers = {"Access-Control-Allow-Origin": origin}
        if self.exposed_headers:
            headers["Access-Control-Expose-Headers"] = self.exposed_headers
        if origin != "*":
            # The answer depends on the Origin header: caches must not serve it to another page.
            headers["Vary"] = "Origin"
        return headers

    def preflight_headers(self) -> dict[str, str]:
        return {
            "Access-Control-Allow-Methods": self.methods,
            "Access-Control-Allow-Headers": self.request_headers,
            "Access-Control-Max-Age": PREFLIGHT_MAX_AGE,
        }

    def preflight(self) -> Response:
        """Fetch §4.8: the answer to a browser's OPTIONS preflight; no credential is needed to ask."""
        return Response(status_code=204, headers={**self.response_headers(), **self.preflight_headers()})

    def allow(self, response: Response) -> Response:
        response.headers.update(self.response_headers())
        return response


# Discovery documents (RFC 8414, RFC 9728 §3) are public and readable from any web origin.
DISCOVERY_CORS = Cors("GET, OPTIONS")
# Browser-based clients (MCP Inspector, an SPA doing PKCE) register, get and revoke tokens from a page.
CLIENT_CORS = Cors("POST, OPTIONS")
