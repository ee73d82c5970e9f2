"""Small HTTP helpers shared by the OAuth endpoints, /mcp and the console."""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence

from starlette.requests import HTTPConnection
from starlette.responses import Response

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


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


NO_STORE_HEADERS = {"Cache-Control": "no-store", "Pragma": "no-cache"}

# Discovery, registration and token requests come from browser-based clients too (MCP Inspector, web apps).
# They never rely on cookies, so a wildcard origin is safe (Fetch §3.2.5: no credentials with "*").
CORS_HEADERS = {"Access-Control-Allow-Origin": "*"}
CORS_ALLOWED_REQUEST_HEADERS = "Authorization, Content-Type, MCP-Protocol-Version"
CORS_PREFLIGHT_MAX_AGE = "86400"


def cors_preflight_response(methods: str) -> Response:
    """The answer to a browser's CORS preflight (OPTIONS) for an endpoint called from a page."""
    return Response(
        status_code=204,
        headers={
            **CORS_HEADERS,
            "Access-Control-Allow-Methods": methods,
            "Access-Control-Allow-Headers": CORS_ALLOWED_REQUEST_HEADERS,
            "Access-Control-Max-Age": CORS_PREFLIGHT_MAX_AGE,
        },
    )
