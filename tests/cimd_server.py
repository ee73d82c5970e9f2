"""A local https server for client ID metadata documents: a test CA and server certificate made here with
``cryptography``, documents served from memory, and a record of every request. No network: the fetcher is
given a resolver that maps the test host name to a loopback address, and a test-only address policy.
"""

from __future__ import annotations

import datetime
import ipaddress
import json
import ssl
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from bastion.oauth.metadata_fetch import IpAddress, MetadataFetcher, is_public_address

DOCUMENT_HOST = "client.test"
# Stands in for a public address of DOCUMENT_HOST: loopback really, allowed only by ``pretend_public_allowed``.
PRETEND_PUBLIC = "127.0.0.2"
CALLBACK = "https://app.example.com/callback"


@dataclass
class DocumentCertificates:
    ca_file: Path
    cert_file: Path
    key_file: Path


def make_certificates(folder: Path, host: str = DOCUMENT_HOST) -> DocumentCertificates:
    """A CA and a server certificate for ``host`` signed by it, written as PEM files."""
    now = datetime.datetime.now(datetime.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Bastion test CA")])
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, host)]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(host)]), critical=False)
        .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    folder.mkdir(parents=True, exist_ok=True)
    certificates = DocumentCertificates(folder / "ca.pem", folder / "server.pem", folder / "server-key.pem")
    certificates.ca_file.write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
    certificates.cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    certificates.key_file.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return certificates


@dataclass
class Route:
    body: bytes
    status: int = 200
    headers: dict[str, str] = field(default_factory=lambda: {"Content-Type": "application/json"})
    delay: float = 0.0


@dataclass
class DocumentServer:
    """Serves ``routes`` over https on ``address``:``port``; ``hits`` lists each request's path."""

    address: str
    port: int
    routes: dict[str, Route] = field(default_factory=dict)
    hits: list[str] = field(default_factory=list)

    def url(self, path: str) -> str:
        return f"https://{DOCUMENT_HOST}:{self.port}{path}"

    def publish(self, path: str, document: dict[str, Any] | None = None, **route: Any) -> str:
        """Serve ``document`` (by default a valid one naming this URL) at ``path``; returns the URL."""
        url = self.url(path)
        body = json.dumps(valid_document(url) if document is None else document).encode()
        self.routes[path] = Route(route.pop("body", body), **route)
        return url


def valid_document(url: str, **changes: Any) -> dict[str, Any]:
    document: dict[str, Any] = {
        "client_id": url,
        "client_name": "Metadata Client",
        "redirect_uris": [CALLBACK],
        "token_endpoint_auth_method": "none",
        "grant_types": ["authorization_code", "refresh_token"],
        "response_types": ["code"],
        "client_uri": "https://app.example.com",
    }
    document.update(changes)
    return {name: value for name, value in document.items() if value is not None}


def _handler(server: DocumentServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            server.hits.append(self.path)
            route = server.routes.get(self.path)
            if route is None:
                route = Route(b'{"error": "not found"}', status=404)
            if route.delay:
                time.sleep(route.delay)
            try:
                self.send_response(route.status)
                for name, value in route.headers.items():
                    self.send_header(name, value)
                if "Content-Length" not in route.headers:
                    self.send_header("Content-Length", str(len(route.body)))
                self.end_headers()
                self.wfile.write(route.body)
            except (BrokenPipeError, ConnectionResetError, ssl.SSLError):
                pass

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


@contextmanager
def serving_documents(
    certificates: DocumentCertificates, address: str = PRETEND_PUBLIC, port: int = 0
) -> Iterator[DocumentServer]:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(str(certificates.cert_file), str(certificates.key_file))
    server = DocumentServer(address, port)
    httpd = ThreadingHTTPServer((address, port), _handler(server))
    httpd.daemon_threads = True
    httpd.socket = context.wrap_socket(httpd.socket, server_side=True)
    server.port = httpd.server_address[1]
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)


def pretend_public_allowed(address: IpAddress) -> bool:
    """The test hook: public addresses, and the one loopback address standing in for a public one."""
    return address == ipaddress.ip_address(PRETEND_PUBLIC) or is_public_address(address)


def resolving_to(*answers: list[str]) -> Any:
    """A resolver answering each lookup with the next list of addresses (the last one repeats)."""
    lookups: list[str] = []

    async def resolve(host: str, port: int) -> list[str]:
        lookups.append(host)
        return list(answers[min(len(lookups), len(answers)) - 1])

    resolve.lookups = lookups  # type: ignore[attr-defined]
    return resolve


def document_fetcher(certificates: DocumentCertificates, *answers: list[str], **options: Any) -> MetadataFetcher:
    """A fetcher trusting the test CA, resolving DOCUMENT_HOST as told, allowing PRETEND_PUBLIC."""
    return MetadataFetcher(
        certificates.ca_file,
        resolver=resolving_to(*(answers or ([PRETEND_PUBLIC],))),
        address_allowed=options.pop("address_allowed", pretend_public_allowed),
        **options,
    )
