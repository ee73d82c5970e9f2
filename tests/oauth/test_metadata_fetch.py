"""Fetching client ID metadata documents: every SSRF rule, the size and time limits, against a local https
server whose CA the fetcher trusts by configuration (the CA bundle), never the network."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterator
from pathlib import Path

import httpcore2
import pytest

from bastion.oauth.client_metadata_documents import MetadataDocumentRefused
from bastion.oauth.metadata_fetch import AddressRefused, MetadataFetcher, PinnedBackend, is_public_address
from tests.cimd_server import (
    PRETEND_PUBLIC,
    DocumentCertificates,
    DocumentServer,
    document_fetcher,
    make_certificates,
    pretend_public_allowed,
    resolving_to,
    serving_documents,
)


@pytest.fixture(scope="module")
def certificates(tmp_path_factory: pytest.TempPathFactory) -> DocumentCertificates:
    return make_certificates(tmp_path_factory.mktemp("cimd-ca"))


@pytest.fixture
def documents(certificates: DocumentCertificates) -> Iterator[DocumentServer]:
    with serving_documents(certificates) as server:
        yield server


async def refused(fetcher: MetadataFetcher, url: str) -> str:
    with pytest.raises(MetadataDocumentRefused) as caught:
        await fetcher.fetch(url)
    assert caught.value.error == "invalid_client"
    return caught.value.description


async def test_a_document_is_fetched_over_https_from_the_checked_address(certificates, documents):
    url = documents.publish(
        "/client.json", headers={"Content-Type": "application/json", "Cache-Control": "max-age=600"}
    )
    fetched = await document_fetcher(certificates).fetch(url)
    assert b'"client_name": "Metadata Client"' in fetched.body
    assert fetched.cache.cache_control == "max-age=600"
    assert documents.hits == ["/client.json"]


async def test_a_certificate_from_an_untrusted_authority_is_refused(certificates, documents, tmp_path: Path):
    url = documents.publish("/client.json")
    other = make_certificates(tmp_path / "other-ca")
    fetcher = document_fetcher(certificates)
    fetcher.ca_file = other.ca_file
    assert "its TLS certificate is not trusted" in await refused(fetcher, url)


async def test_a_redirect_is_not_followed(certificates, documents):
    target = documents.publish("/real.json")
    url = documents.publish("/client.json", body=b"", status=302, headers={"Location": target})
    description = await refused(document_fetcher(certificates), url)
    assert "answered with a redirect (302)" in description
    assert "does not follow redirects" in description
    assert documents.hits == ["/client.json"]


async def test_an_error_status_is_refused(certificates, documents):
    description = await refused(document_fetcher(certificates), documents.url("/missing.json"))
    assert description.endswith("answered HTTP 404, not 200.")


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",  # loopback
        "::1",
        "::ffff:127.0.0.1",  # loopback spelled as an IPv4-mapped IPv6 address
        "10.1.2.3",  # private
        "172.16.0.1",
        "192.168.1.1",
        "fd00::1",
        "169.254.169.254",  # link-local: the cloud metadata service
        "fe80::1",
        "100.64.0.1",  # shared address space (carrier-grade NAT)
        "224.0.0.1",  # multicast
        "240.0.0.1",  # reserved
        "0.0.0.0",
    ],
)
async def test_an_address_that_is_not_public_is_never_connected_to(certificates, documents, address):
    url = documents.publish("/client.json")
    # The real rule, not the test hook: only public addresses.
    fetcher = document_fetcher(certificates, [address], address_allowed=is_public_address)
    description = await refused(fetcher, url)
    assert f"resolves to {ipaddress.ip_address(address)}, which is not a public address" in description
    assert "only from public internet addresses" in description
    assert documents.hits == []


async def test_one_private_address_among_public_ones_is_enough_to_refuse(certificates, documents):
    url = documents.publish("/client.json")
    fetcher = document_fetcher(certificates, [PRETEND_PUBLIC, "10.0.0.1"])
    assert "resolves to 10.0.0.1" in await refused(fetcher, url)
    assert documents.hits == []


async def test_the_loopback_test_server_itself_is_refused_without_the_test_hook(certificates, documents):
    url = documents.publish("/client.json")
    fetcher = document_fetcher(certificates, [PRETEND_PUBLIC], address_allowed=is_public_address)
    assert f"resolves to {PRETEND_PUBLIC}, which is not a public address" in await refused(fetcher, url)


async def test_dns_rebinding_cannot_reach_loopback(certificates):
    # A name that resolves to a "public" address when checked and to loopback on any later lookup: the
    # fetch connects to the address it checked, so the loopback server never sees a request.
    with (
        serving_documents(certificates, PRETEND_PUBLIC) as public,
        serving_documents(certificates, "127.0.0.1", public.port) as internal,
    ):
        url = public.publish("/client.json")
        internal.publish("/client.json", body=b'{"secret": "internal"}')
        fetcher = document_fetcher(certificates, [PRETEND_PUBLIC], ["127.0.0.1"])
        fetched = await fetcher.fetch(url)
        assert b"Metadata Client" in fetched.body
        assert public.hits == ["/client.json"]
        assert internal.hits == []
        assert fetcher.resolver.lookups == ["client.test"]  # type: ignore[attr-defined]


async def test_a_document_larger_than_5_kb_is_refused(certificates, documents):
    url = documents.publish("/client.json", body=b'{"client_id": "' + b"x" * 6000 + b'"}')
    assert "is larger than 5 KB" in await refused(document_fetcher(certificates), url)


async def test_a_large_document_without_a_length_is_cut_off_at_5_kb(certificates, documents):
    body = b'{"client_name": "' + b"x" * 20000 + b'"}'
    url = documents.publish(
        "/client.json", body=body, headers={"Content-Type": "application/json", "Content-Length": str(len(body))}
    )
    fetcher = document_fetcher(certificates)
    assert "is larger than 5 KB" in await refused(fetcher, url)
    assert fetcher.max_bytes == 5 * 1024


async def test_a_document_that_does_not_arrive_in_time_is_refused(certificates, documents):
    url = documents.publish("/client.json", delay=2.0)
    fetcher = document_fetcher(certificates, timeout=0.3)
    assert "did not arrive within 0.3 seconds" in await refused(fetcher, url)
    assert MetadataFetcher().timeout == 5.0


async def test_a_name_that_does_not_resolve_is_refused(certificates, documents):
    async def nowhere(host: str, port: int) -> list[str]:
        raise OSError("Name or service not known")

    fetcher = document_fetcher(certificates)
    fetcher.resolver = nowhere
    assert "could not be fetched: client.test could not be resolved" in await refused(
        fetcher, documents.url("/client.json")
    )


def test_only_global_unicast_addresses_are_public():
    assert is_public_address(ipaddress.ip_address("93.184.216.34"))
    assert is_public_address(ipaddress.ip_address("2606:4700::1111"))
    assert not is_public_address(ipaddress.ip_address("::ffff:10.0.0.1"))


class LandsElsewhere(httpcore2.AsyncNetworkBackend):
    """A network that connects somewhere other than asked: the peer address is what gets checked."""

    def __init__(self) -> None:
        self.asked: list[str] = []
        self.closed = False

    async def connect_tcp(self, host, port, timeout=None, local_address=None, socket_options=None):
        self.asked.append(host)
        backend = self

        class Stream(httpcore2.AsyncNetworkStream):
            def get_extra_info(self, info):
                return ("127.0.0.1", port) if info == "server_addr" else None

            async def aclose(self) -> None:
                backend.closed = True

        return Stream()


async def test_the_address_actually_connected_to_is_checked_too():
    backend = PinnedBackend(resolving_to([PRETEND_PUBLIC]), pretend_public_allowed)
    backend.inner = LandsElsewhere()  # type: ignore[assignment]

    with pytest.raises(AddressRefused, match=re.escape("reached 127.0.0.1, not the checked address 127.0.0.2")):
        await backend.connect_tcp("client.test", 443)

    assert backend.inner.asked == [PRETEND_PUBLIC]  # connected by address, never by name
    assert backend.inner.closed
