"""Clients identified by a client ID metadata document, through /oauth/authorize and /oauth/token: the
document is fetched from a local https server (test CA, test resolver), cached, and governed by settings."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from bastion import connections
from bastion.config import Settings
from bastion.oauth.registration_limit import REGISTRATIONS_PER_ADDRESS
from bastion.settings_changes import apply_settings
from bastion.store.models import Connection
from tests.cimd_server import (
    CALLBACK,
    DocumentCertificates,
    DocumentServer,
    document_fetcher,
    make_certificates,
    serving_documents,
    valid_document,
)
from tests.conftest import PUBLIC_URL
from tests.oauth.authorization_helpers import (
    STATE,
    VERIFIER,
    audit_events,
    authorize_params,
    decide,
    make_person,
    redirect_query,
    sign_in,
)

METADATA_PATH = "/.well-known/oauth-authorization-server"


@pytest.fixture(scope="module")
def certificates(tmp_path_factory: pytest.TempPathFactory) -> DocumentCertificates:
    return make_certificates(tmp_path_factory.mktemp("cimd-ca"))


@pytest.fixture
def settings(tmp_path: Path, database_url: str, certificates: DocumentCertificates) -> Settings:
    """The test CA is trusted the way an operator adds one: BASTION_CLIENT_METADATA_CA_FILE."""
    return Settings.from_env(
        {
            "BASTION_HOME": str(tmp_path / "home"),
            "BASTION_DATABASE_URL": database_url,
            "BASTION_PUBLIC_URL": PUBLIC_URL,
            "BASTION_SECRET_KEY": "test-secret-key-" + "x" * 32,
            "BASTION_CLIENT_METADATA_CA_FILE": str(certificates.ca_file),
        }
    )


@pytest.fixture
def documents(certificates: DocumentCertificates, services) -> Iterator[DocumentServer]:
    """The server, and the one test hook: the test host resolves to the loopback address allowed as public."""
    with serving_documents(certificates) as server:
        hooked = document_fetcher(certificates)
        assert services.metadata_fetcher.ca_file == certificates.ca_file  # from the configuration
        services.metadata_fetcher.resolver = hooked.resolver
        services.metadata_fetcher.address_allowed = hooked.address_allowed
        yield server


@pytest.fixture
async def alice(services, client):
    person = await make_person(services, "alice")
    await sign_in(services, client, person)
    return person


async def change_settings(services, **values) -> None:
    async with services.transaction() as session:
        await apply_settings(session, services.clock(), values)


async def stored(services, client_id: str) -> Connection | None:
    async with services.transaction() as session:
        return await session.scalar(select(Connection).where(Connection.client_id == client_id))


def assert_page(response, description: str) -> None:
    """An error shown to the person, never a redirect: the document's redirect URIs cannot be trusted."""
    assert response.status_code == 400, response.text
    assert "location" not in response.headers
    assert '<code class="mono">invalid_client</code>' in response.text
    assert description in html.unescape(response.text)


async def sign_in_with_document(client, url: str) -> str:
    """Authorize with the metadata document's URL as client_id, allow, and return the code."""
    page = await client.get("/oauth/authorize", params=authorize_params(url))
    assert page.status_code == 200, page.text
    answer = redirect_query(await decide(client, page))
    assert answer["state"] == STATE
    return answer["code"]


async def exchange(client, url: str, code: str):
    return await client.post(
        "/oauth/token",
        data={
            "grant_type": "authorization_code",
            "client_id": url,
            "code": code,
            "redirect_uri": CALLBACK,
            "code_verifier": VERIFIER,
        },
    )


async def test_a_metadata_document_client_signs_in_and_gets_tokens(client, services, documents, alice):
    url = documents.publish("/oauth/client.json")

    tokens = await exchange(client, url, await sign_in_with_document(client, url))

    assert tokens.status_code == 200, tokens.text
    assert tokens.json()["refresh_token"]
    connection = await stored(services, url)
    assert connection is not None
    assert (connection.type, connection.is_dynamic, connection.client_type) == ("oauth", True, "public")
    assert connection.uses_metadata_document
    assert connection.metadata_fetched_at == services.clock()
    assert connection.redirect_uris == [CALLBACK]
    assert connection.name == "Metadata Client"
    # One client_id serves everyone who uses the app: nobody owns its connection alone.
    assert connection.user_id is None
    [registered] = await audit_events(services, "client.registered")
    assert registered.detail["client_id_metadata_document"] == url
    refreshed = await client.post(
        "/oauth/token",
        data={"grant_type": "refresh_token", "client_id": url, "refresh_token": tokens.json()["refresh_token"]},
    )
    assert refreshed.status_code == 200, refreshed.text


async def test_the_consent_page_shows_the_host_that_published_the_document(client, documents, alice):
    url = documents.publish("/oauth/client.json")
    page = await client.get("/oauth/authorize", params=authorize_params(url))
    text = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page.text)).split())
    assert "This app is described by client.test , which published its details" in text
    assert "you will be sent back to app.example.com ." in text
    assert "This app registered itself" not in text


async def test_redirect_uris_come_from_the_document(client, documents, alice):
    url = documents.publish("/oauth/client.json")
    response = await client.get(
        "/oauth/authorize", params=authorize_params(url, redirect_uri="https://evil.example/callback")
    )
    assert response.status_code == 400
    assert "location" not in response.headers
    assert "is not registered for this app" in html.unescape(response.text)


async def test_a_document_naming_another_client_id_is_shown_to_the_person(client, services, documents, alice):
    url = documents.publish("/oauth/client.json", valid_document("https://client.test/other.json"))
    response = await client.get("/oauth/authorize", params=authorize_params(url))
    assert_page(response, "The metadata document's client_id is 'https://client.test/other.json'")
    assert await stored(services, url) is None
    [refused] = await audit_events(services, "client.metadata_refused")
    assert refused.detail["client_id"] == url


async def test_a_document_with_a_secret_is_refused_at_the_authorization_endpoint(client, documents, alice):
    url = documents.publish("/oauth/client.json")
    documents.publish("/oauth/client.json", valid_document(url, client_secret="s3cret"))
    response = await client.get("/oauth/authorize", params=authorize_params(url))
    assert_page(response, "contains a client_secret")


async def test_an_http_client_id_is_refused_without_a_fetch(client, documents, alice):
    url = "http://client.test/oauth/client.json"
    response = await client.get("/oauth/authorize", params=authorize_params(url))
    assert_page(response, "is not an https URL; a client ID metadata document is fetched over https only.")
    assert documents.hits == []


async def test_an_unreachable_document_is_explained_on_the_page(client, services, documents, alice):
    response = await client.get("/oauth/authorize", params=authorize_params(documents.url("/missing.json")))
    assert_page(response, "answered HTTP 404, not 200.")


async def test_the_document_is_kept_as_long_as_its_cache_headers_say(client, services, clock, documents, alice):
    url = documents.publish(
        "/oauth/client.json", headers={"Content-Type": "application/json", "Cache-Control": "max-age=3600"}
    )
    await client.get("/oauth/authorize", params=authorize_params(url))
    clock.advance(3500)
    await client.get("/oauth/authorize", params=authorize_params(url))
    assert documents.hits == ["/oauth/client.json"]

    new_callback = "https://app.example.com/new-callback"
    documents.publish("/oauth/client.json", valid_document(url, redirect_uris=[new_callback]))
    clock.advance(200)
    page = await client.get("/oauth/authorize", params=authorize_params(url, redirect_uri=new_callback))
    assert page.status_code == 200, page.text
    assert documents.hits == ["/oauth/client.json"] * 2
    connection = await stored(services, url)
    assert connection is not None
    assert connection.redirect_uris == [new_callback]
    assert connection.metadata_fetched_at == clock()


async def test_a_document_that_turned_bad_makes_the_token_endpoint_answer_invalid_client(
    client, services, clock, documents, alice
):
    url = documents.publish("/oauth/client.json")
    code = await sign_in_with_document(client, url)
    documents.publish("/oauth/client.json", valid_document(url, token_endpoint_auth_method="client_secret_basic"))
    clock.advance(2 * 3600)  # past the default hour the document is kept

    response = await exchange(client, url, code)

    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"
    assert "asks for token_endpoint_auth_method 'client_secret_basic'" in response.json()["error_description"]


async def test_a_url_never_seen_at_the_authorization_endpoint_is_an_unknown_client_at_the_token_endpoint(
    client, documents
):
    url = documents.publish("/oauth/client.json")
    response = await exchange(client, url, "bst_ac_nothing")
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"
    assert documents.hits == []


async def test_switched_off_metadata_documents_are_refused_and_not_advertised(client, services, documents, alice):
    url = documents.publish("/oauth/client.json")
    code = await sign_in_with_document(client, url)
    assert (await client.get(METADATA_PATH)).json()["client_id_metadata_document_supported"] is True

    await change_settings(services, client_metadata_documents_enabled=False)

    assert "client_id_metadata_document_supported" not in (await client.get(METADATA_PATH)).json()
    response = await client.get("/oauth/authorize", params=authorize_params(url))
    assert_page(response, "this server does not accept those: an administrator switched them off")
    token = await exchange(client, url, code)
    assert token.status_code == 401
    assert token.json()["error"] == "invalid_client"
    assert "an administrator switched them off" in token.json()["error_description"]
    assert documents.hits == ["/oauth/client.json"]


async def test_only_the_allowed_hosts_are_fetched(client, services, documents, alice):
    url = documents.publish("/oauth/client.json")
    await change_settings(services, client_metadata_allowed_hosts="claude.ai chatgpt.com")

    response = await client.get("/oauth/authorize", params=authorize_params(url))

    assert_page(
        response,
        "This server accepts client ID metadata documents only from claude.ai, chatgpt.com, not from client.test.",
    )
    assert documents.hits == []
    await change_settings(services, client_metadata_allowed_hosts="claude.ai client.test")
    assert (await client.get("/oauth/authorize", params=authorize_params(url))).status_code == 200


async def test_a_revoked_metadata_document_client_stays_refused_until_reactivated(client, services, documents, alice):
    url = documents.publish("/oauth/client.json")
    await sign_in_with_document(client, url)
    connection = await stored(services, url)
    assert connection is not None
    async with services.transaction() as session:
        row = await connections.get_connection(session, connection.id)
        await connections.revoke_connection(session, services.clock(), row)
        # Never used at /mcp and long unused: a revoked document client is still not purged, or it could come back.
        purged = await connections.Connections(session).purge_unused_registrations(services.clock())
    assert purged == 0

    response = await client.get("/oauth/authorize", params=authorize_params(url))
    assert_page(response, "was revoked by an administrator")

    async with services.transaction() as session:
        row = await connections.get_connection(session, connection.id)
        await connections.reactivate_connection(session, services.clock(), row)
    assert (await client.get("/oauth/authorize", params=authorize_params(url))).status_code == 200


async def test_new_metadata_documents_count_against_the_per_address_registration_limit(client, services, documents):
    urls = [documents.publish(f"/oauth/client-{n}.json") for n in range(REGISTRATIONS_PER_ADDRESS + 1)]
    for url in urls[:REGISTRATIONS_PER_ADDRESS]:
        page = await client.get("/oauth/authorize", params=authorize_params(url))
        assert page.status_code in (200, 303), page.text  # the sign-in page or its redirect: the URL is known now
    again = await client.get("/oauth/authorize", params=authorize_params(urls[0]))

    refused = await client.get("/oauth/authorize", params=authorize_params(urls[-1]))

    assert again.status_code in (200, 303)  # a known document is not a new registration
    assert_page(refused, "Too many registrations from your address (10 per hour)")
    assert "each new app's metadata document counts as one" in html.unescape(refused.text)
    assert await stored(services, urls[-1]) is None
    assert f"/oauth/client-{REGISTRATIONS_PER_ADDRESS}.json" not in documents.hits  # refused before any fetch
