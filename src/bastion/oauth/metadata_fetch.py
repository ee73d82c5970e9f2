"""Fetching a client ID metadata document without letting a stranger aim Bastion at its own network.

Anyone can send a client_id URL, so the fetch is an SSRF risk (CIMD §6.5, RFC 9700 §4.14). The rules:
https only, no redirects, no proxy from the environment, at most ``MAX_DOCUMENT_BYTES`` within
``FETCH_TIMEOUT_SECONDS`` all told, and only to public addresses. The address is checked on the
connection itself: the host name is resolved once, every address it resolves to must be public, and the
connection goes to that very address (TLS still verifies the certificate for the name, and the Host header
carries the name). A DNS answer that changes between a check and the connection (rebinding) cannot
send the request elsewhere, because there is no second lookup.
"""

from __future__ import annotations

import ipaddress
import socket
import ssl
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import anyio
import httpcore2
import httpx2

from bastion.oauth.client_metadata_documents import CacheHeaders, MetadataDocumentRefused

MAX_DOCUMENT_BYTES = 5 * 1024
FETCH_TIMEOUT_SECONDS = 5.0

IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
# host, port → the addresses the name resolves to.
Resolver = Callable[[str, int], Awaitable[list[str]]]
AddressPolicy = Callable[[IpAddress], bool]


async def system_resolver(host: str, port: int) -> list[str]:
    infos = await anyio.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def is_public_address(address: IpAddress) -> bool:
    """Only globally routable unicast addresses: no private, loopback, link-local, multicast or reserved ones."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped  # ::ffff:127.0.0.1 is loopback, whatever its spelling
    return address.is_global and not address.is_multicast and not address.is_reserved


class AddressRefused(Exception):
    """The host resolves to (or connected to) an address Bastion must not reach; the message says which."""


class PinnedBackend(httpcore2.AsyncNetworkBackend):
    """A network backend that resolves once, checks every address, and connects to the address it checked."""

    def __init__(self, resolver: Resolver, address_allowed: AddressPolicy) -> None:
        self.resolver = resolver
        self.address_allowed = address_allowed
        self.inner = httpcore2.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109 - httpcore2's interface
        local_address: str | None = None,
        socket_options: Iterable[httpcore2.SOCKET_OPTION] | None = None,
    ) -> httpcore2.AsyncNetworkStream:
        try:
            addresses = [ipaddress.ip_address(item) for item in await self.resolver(host, port)]
        except (OSError, ValueError) as exc:
            raise httpcore2.ConnectError(f"{host} could not be resolved ({exc})") from exc
        if not addresses:
            raise httpcore2.ConnectError(f"{host} resolves to no address")
        refused = [address for address in addresses if not self.address_allowed(address)]
        if refused:
            raise AddressRefused(f"{host} resolves to {refused[0]}, which is not a public address")
        chosen = addresses[0]
        stream = await self.inner.connect_tcp(str(chosen), port, timeout, local_address, socket_options)
        peer = stream.get_extra_info("server_addr")
        connected = ipaddress.ip_address(peer[0]) if peer else None
        if connected is None or connected != chosen or not self.address_allowed(connected):
            await stream.aclose()
            raise AddressRefused(f"the connection for {host} reached {connected}, not the checked address {chosen}")
        return stream

    async def sleep(self, seconds: float) -> None:
        await self.inner.sleep(seconds)


class PinnedTransport(httpx2.AsyncHTTPTransport):
    """httpx2's transport over a connection pool that uses ``PinnedBackend`` (the transport takes no backend)."""

    def __init__(self, ssl_context: ssl.SSLContext, backend: PinnedBackend) -> None:
        super().__init__(verify=ssl_context, trust_env=False)
        self._pool = httpcore2.AsyncConnectionPool(
            ssl_context=ssl_context, network_backend=backend, max_connections=1, keepalive_expiry=0
        )


def trust_store(ca_file: Path | None) -> ssl.SSLContext:
    """The system's trust store, plus the CA bundle the administrator configured (an internal CA, a test CA)."""
    context = ssl.create_default_context()
    if ca_file is not None:
        context.load_verify_locations(cafile=str(ca_file))
    return context


@dataclass(frozen=True)
class FetchedDocument:
    body: bytes
    cache: CacheHeaders


@dataclass
class MetadataFetcher:
    """Fetches documents by the rules above. ``resolver`` and ``address_allowed`` exist for tests alone:
    no setting reaches them, so no deployment can switch the address rule off."""

    ca_file: Path | None = None
    resolver: Resolver = system_resolver
    address_allowed: AddressPolicy = is_public_address
    timeout: float = FETCH_TIMEOUT_SECONDS
    max_bytes: int = MAX_DOCUMENT_BYTES
    # Built on the first fetch: loading the system's trust store takes a tenth of a second.
    _ssl_context: ssl.SSLContext | None = field(default=None, init=False, repr=False)

    def ssl_context(self) -> ssl.SSLContext:
        if self._ssl_context is None:
            self._ssl_context = trust_store(self.ca_file)
        return self._ssl_context

    async def fetch(self, url: str) -> FetchedDocument:
        """GET the document, or raise ``MetadataDocumentRefused`` with a sentence a person can act on."""
        try:
            with anyio.fail_after(self.timeout):
                return await self._fetch(url)
        except TimeoutError:
            raise MetadataDocumentRefused(
                f"The client's metadata document at {url} did not arrive within {self.timeout:g} seconds."
            ) from None
        except AddressRefused as exc:
            raise MetadataDocumentRefused(
                f"The client's metadata document at {url} was not fetched: {exc}. Bastion fetches metadata "
                "documents only from public internet addresses."
            ) from None
        except httpx2.HTTPError as exc:
            raise MetadataDocumentRefused(
                f"The client's metadata document at {url} could not be fetched: {describe(exc)}."
            ) from None

    async def _fetch(self, url: str) -> FetchedDocument:
        transport = PinnedTransport(self.ssl_context(), PinnedBackend(self.resolver, self.address_allowed))
        # identity: the size limit counts the bytes of the document itself, never a compressed form of it.
        headers = {
            "Accept": "application/json",
            "Accept-Encoding": "identity",
            "User-Agent": "Bastion (client ID metadata document fetch)",
        }
        async with (
            httpx2.AsyncClient(transport=transport, follow_redirects=False, trust_env=False, timeout=None) as http,
            http.stream("GET", url, headers=headers) as response,
        ):
            if response.is_redirect:
                raise MetadataDocumentRefused(
                    f"The client's metadata document at {url} answered with a redirect ({response.status_code}); "
                    "Bastion does not follow redirects for metadata documents: publish it at the client_id URL itself."
                )
            if response.status_code != 200:
                raise MetadataDocumentRefused(
                    f"The client's metadata document at {url} answered HTTP {response.status_code}, not 200."
                )
            declared = response.headers.get("content-length", "")
            if declared.isdigit() and int(declared) > self.max_bytes:
                raise self._too_large(url)
            body = b""
            async for chunk in response.aiter_bytes():
                body += chunk
                if len(body) > self.max_bytes:
                    raise self._too_large(url)
            cache = CacheHeaders(
                response.headers.get("cache-control"), response.headers.get("expires"), response.headers.get("date")
            )
            return FetchedDocument(body, cache)

    def _too_large(self, url: str) -> MetadataDocumentRefused:
        return MetadataDocumentRefused(
            f"The client's metadata document at {url} is larger than {self.max_bytes // 1024} KB; "
            "a client metadata document is a few hundred bytes."
        )


def describe(exc: httpx2.HTTPError) -> str:
    cause = exc.__cause__ or exc.__context__
    if isinstance(cause, ssl.SSLCertVerificationError) or "CERTIFICATE_VERIFY_FAILED" in str(exc):
        return "its TLS certificate is not trusted"
    return str(exc) or type(exc).__name__
