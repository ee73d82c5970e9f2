"""Metadata document clients in the console: the list's tag, the form's *Metadata document* block, redirect
URIs that come from the document, and the two settings on Server Settings."""

from __future__ import annotations

from datetime import timedelta

from bastion.oauth.client_metadata import check_client_metadata
from bastion.oauth.metadata_document_clients import apply_document, new_connection
from bastion.store.models import Connection
from bastion.store.repositories import Connections, StoredSettings
from tests.console.test_accounts_pages import hidden
from tests.console.test_admin_settings import SETTINGS, field_error, form_values, signed_in_admin
from tests.console.test_connection_pages import LIST, signed_in, stored, text_of

URL = "https://claude.ai/oauth/claude-code-client-metadata"
CALLBACK = "http://localhost/callback"


async def make_metadata_document_client(services) -> Connection:
    """A connection as the first use of its metadata document leaves it (no fetch: the document is given)."""
    now = services.clock()
    registration = check_client_metadata(
        {"client_name": "Claude Code", "redirect_uris": [CALLBACK], "token_endpoint_auth_method": "none"}
    )
    connection = new_connection(URL, registration, now, "203.0.113.9")
    apply_document(connection, registration, now, now + timedelta(hours=1))
    async with services.transaction() as session:
        return await Connections(session).add(connection)


async def test_the_list_tags_a_metadata_document_client_and_says_it_is_shared(client, services):
    await signed_in(client, services)
    await make_metadata_document_client(services)

    page = text_of((await client.get(LIST)).text)

    assert "OAuth client metadata document Claude Code shared Awaiting connection" in page
    assert "self-registered" not in page


async def test_the_form_shows_the_document_url_its_host_and_when_it_was_fetched(client, services, clock):
    await signed_in(client, services)
    connection = await make_metadata_document_client(services)
    clock.advance(2 * 3600)

    response = await client.get(f"{LIST}/{connection.id}")
    page = text_of(response.text)

    assert response.status_code == 200
    assert "OAuth client · metadata document" in page
    assert f"Document URL {URL}" in page
    assert "Published by claude.ai" in page
    assert "Last fetched 2026-01-01 00:00 UTC (2 hours ago)" in page
    assert "Fetched again after 2026-01-01 01:00 UTC" in page
    assert "Owner Shared: everyone who allows this app signs in as themselves" in page
    assert "Redirect URIs come from the app's metadata document, so they are not edited here." in page
    assert 'name="redirect_uris"' not in response.text


async def test_saving_the_form_keeps_the_redirect_uris_of_the_document(client, services):
    _, csrf = await signed_in(client, services)
    connection = await make_metadata_document_client(services)
    form = {"csrf_token": csrf, "name": "Claude Code (team)", "notes": "", "redirect_uris": "https://evil.example/cb"}

    response = await client.post(f"{LIST}/{connection.id}", data=form)

    assert response.status_code == 303
    after = await stored(services, connection.id)
    assert after.name == "Claude Code (team)"
    assert after.redirect_uris == [CALLBACK]


async def test_server_settings_switch_metadata_documents_and_list_their_hosts(client, services):
    csrf = await signed_in_admin(client, services)
    page = text_of((await client.get(SETTINGS)).text)
    assert "Accept client ID metadata documents" in page
    assert "Accept metadata documents only from" in page and "Default: empty (any host)." in page

    values = form_values(client_metadata_allowed_hosts="claude.ai, ChatGPT.com", csrf_token=csrf)
    values.pop("client_metadata_documents_enabled")  # an unticked switch is not sent
    response = await client.post(SETTINGS, data=values)

    assert response.status_code == 303
    async with services.transaction() as session:
        saved = await StoredSettings(session).all()
    assert saved["client_metadata_allowed_hosts"] == ["claude.ai", "chatgpt.com"]
    assert saved["client_metadata_documents_enabled"] is False
    assert 'value="claude.ai chatgpt.com"' in (await client.get(SETTINGS)).text


async def test_a_host_with_a_scheme_is_explained_next_to_its_field_and_nothing_is_saved(client, services):
    csrf = await signed_in_admin(client, services)

    response = await client.post(
        SETTINGS, data=form_values(client_metadata_allowed_hosts="https://claude.ai", csrf_token=csrf)
    )

    assert response.status_code == 400
    assert field_error(response.text, "client_metadata_allowed_hosts") == (
        "Enter host names such as claude.ai chatgpt.com, separated by spaces or commas (no https://, path or port)."
    )
    assert 'value="https://claude.ai"' in response.text
    async with services.transaction() as session:
        assert "client_metadata_allowed_hosts" not in await StoredSettings(session).all()
    assert hidden(response.text, "csrf_token") == csrf
