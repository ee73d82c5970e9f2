"""A client that identifies itself with a client ID metadata document, end to end: the official SDK client
(``OAuthClientProvider(client_metadata_url=...)``) against a real server process that fetches the document
from a local https server, trusting its CA through ``BASTION_CLIENT_METADATA_CA_FILE``."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from mcp.client.auth import OAuthClientProvider
from mcp.shared.auth import OAuthClientMetadata

from tests.cimd_server import (
    DOCUMENT_HOST,
    PRETEND_PUBLIC,
    DocumentServer,
    make_certificates,
    serving_documents,
    valid_document,
)
from tests.e2e.browser import InMemoryTokenStorage, ScriptedBrowser
from tests.e2e.mcp_clients import expire_access_token, loopback_redirect_uri, mcp_session, tool_payload
from tests.e2e.server import BastionProcess, running_bastion
from tests.e2e.test_oauth_journeys import find_connection, mcp_status_with, refresh_directly
from tests.snapshots import REPO_ROOT

pytestmark = pytest.mark.e2e
REDIRECT_URI = loopback_redirect_uri(47031)


@pytest.fixture
def documents(tmp_path: Path) -> Iterator[tuple[DocumentServer, Path]]:
    certificates = make_certificates(tmp_path / "cimd-ca")
    with serving_documents(certificates) as server:
        yield server, certificates.ca_file


@pytest.fixture
def bastion(tmp_path: Path, e2e_database_url: str, documents) -> Iterator[BastionProcess]:
    """``bastion serve`` through the test launcher: host names resolve as the test says (tests/e2e/cimd_serve.py)."""
    _, ca_file = documents
    python_path = os.pathsep.join(filter(None, [str(REPO_ROOT), os.environ.get("PYTHONPATH")]))
    with running_bastion(
        tmp_path / "home",
        e2e_database_url,
        serve_command=("-m", "tests.e2e.cimd_serve"),
        extra_args=("--resolve", f"{DOCUMENT_HOST}={PRETEND_PUBLIC}"),
        extra_env={"BASTION_CLIENT_METADATA_CA_FILE": str(ca_file), "PYTHONPATH": python_path},
    ) as server:
        yield server


async def test_the_sdk_client_signs_in_with_a_client_id_metadata_document(
    bastion: BastionProcess, browser: ScriptedBrowser, documents
) -> None:
    server, _ = documents
    url = server.url("/oauth/client.json")
    server.publish("/oauth/client.json", valid_document(url, client_name="Claude Code", redirect_uris=[REDIRECT_URI]))
    storage = InMemoryTokenStorage()
    provider = OAuthClientProvider(
        server_url=bastion.mcp_url,
        client_metadata=OAuthClientMetadata(
            redirect_uris=[REDIRECT_URI],  # type: ignore[list-item]
            client_name="Claude Code",
            token_endpoint_auth_method="none",
            grant_types=["authorization_code", "refresh_token"],
        ),
        storage=storage,
        redirect_handler=browser.redirect_handler,
        callback_handler=browser.callback_handler,
        client_metadata_url=url,
    )

    async with mcp_session(bastion, auth=provider, mode="legacy") as client:
        me = tool_payload(await client.call_tool("whoami", {}))
        first = storage.tokens
        expire_access_token(provider)
        tool_payload(await client.call_tool("whoami", {}))

    # No registration: the client_id is the document's URL, fetched once by the server.
    assert storage.client_info is not None and storage.client_info.client_id == url
    assert server.hits == ["/oauth/client.json"]
    assert me["user"]["login"] == "alice"
    assert me["client"] == {"client_id": url, "dynamic": True}
    assert storage.tokens.refresh_token != first.refresh_token
    consent = browser.authorizations[0].consent_form
    assert consent is not None and consent.hidden["client_id"] == url

    listed = find_connection(bastion, url)
    assert (listed["type"], listed["name"], listed["is_dynamic"], listed["status"]) == (
        "oauth",
        "Claude Code",
        True,
        "connected",
    )

    bastion.cli("connections", "revoke", str(listed["connection_id"]), "--yes")
    assert (await mcp_status_with(bastion, storage.tokens.access_token)).status_code == 401
    refused = await refresh_directly(bastion, storage.tokens.refresh_token, url, None)
    assert refused.status_code == 401
    assert refused.json()["error"] == "invalid_client"
    assert "revoked" in refused.json()["error_description"]
