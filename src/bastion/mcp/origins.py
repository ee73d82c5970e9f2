"""Which Host and Origin headers /mcp accepts, derived from ``BASTION_PUBLIC_URL`` (DNS-rebinding protection).

The MCP SDK enforces the same ``TransportSecuritySettings`` inside its transport; Bastion checks
them first so a refused request gets a sentence saying what is wrong, and an audit entry.
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from mcp.server.transport_security import TransportSecurityMiddleware, TransportSecuritySettings
from starlette.requests import Request

from bastion.config import Settings
from bastion.mcp.errors import HostNotAllowed, OriginNotAllowed

LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "[::1]")
DEFAULT_PORTS = {"http": 80, "https": 443}


def is_loopback(hostname: str) -> bool:
    if hostname == "localhost":
        return True
    try:
        return ipaddress.ip_address(hostname.strip("[]")).is_loopback
    except ValueError:
        return False


def transport_security_settings(settings: Settings) -> TransportSecuritySettings:
    parts = urlsplit(settings.public_url)
    hostname = parts.hostname or ""
    host = parts.netloc.rpartition("@")[2]
    hosts = [host]
    if parts.port is not None and parts.port == DEFAULT_PORTS.get(parts.scheme):
        # A client leaves a default port out of Host and Origin even when the public URL spells it.
        hosts.append(host.rsplit(":", 1)[0])
    elif parts.port is None:
        hosts.append(f"{host}:{DEFAULT_PORTS[parts.scheme]}")
    origins = [f"{parts.scheme}://{value}" for value in hosts]
    if is_loopback(hostname):
        # Local tools reach a loopback server as 127.0.0.1, localhost or [::1], on whatever port they were given.
        for loopback in LOOPBACK_HOSTS:
            hosts += [loopback, f"{loopback}:*"]
            origins += [f"{scheme}://{loopback}{port}" for scheme in ("http", "https") for port in ("", ":*")]
    return TransportSecuritySettings(
        enable_dns_rebinding_protection=True,
        allowed_hosts=list(dict.fromkeys(hosts)),
        allowed_origins=list(dict.fromkeys(origins)),
    )


async def check_host_and_origin(request: Request, security: TransportSecuritySettings, settings: Settings) -> None:
    """Raise the refusal the SDK's own check would answer (421 bad Host, 403 bad Origin), with a sentence."""
    verdict = await TransportSecurityMiddleware(security).validate_request(request, is_post=False)
    if verdict is None:
        return
    if verdict.status_code == 421:
        raise HostNotAllowed(
            f"The Host header {request.headers.get('host', '')!r} is not this server's address. "
            f"Use the MCP URL {settings.resource_url}; if Bastion runs behind a proxy, have it forward the "
            "original Host, or set BASTION_PUBLIC_URL to the address clients use."
        )
    raise OriginNotAllowed(
        f"Requests from the web page origin {request.headers.get('origin', '')!r} are not allowed "
        f"(DNS-rebinding protection). Only {settings.public_url} may call {settings.resource_url} from a browser."
    )
