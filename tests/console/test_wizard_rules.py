"""The wizard's rules without HTTP: redirect URI lines, the pending registration, the snippets, and
``create_oauth_client`` saving credentials that were already shown."""

from __future__ import annotations

import json
import shlex
from datetime import UTC, datetime

import pytest
from sqlalchemy.exc import IntegrityError

from bastion import connections, credentials
from bastion.connections import ConnectionRejected
from bastion.console.wizard_rules import (
    LineProblem,
    PendingRegistration,
    check_redirect_uri_lines,
    new_pending_registration,
)
from bastion.setup_snippets import api_key_snippets, curl_body, curl_command, curl_headers
from tests.factories import make_user

NOW = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
KEY = "bst_ak_0123456789abcdefghijklmnopqrstuvwxyzABCDEFG"
HTTPS_URL = "https://mcp.example.com/mcp"
LOCAL_URL = "http://127.0.0.1:8000/mcp"


# --- redirect URI lines --------------------------------------------------------------------------------


def test_every_good_line_is_kept_in_order_and_blank_lines_and_edge_spaces_are_ignored():
    check = check_redirect_uri_lines("  https://a.example.com/cb \r\n\r\nhttp://localhost:3000/cb\n\n")

    assert check.ok and check.problems == []
    assert check.uris == ["https://a.example.com/cb", "http://localhost:3000/cb"]
    assert check.summary == "All 2 redirect URIs can be registered."


def test_a_single_good_uri_is_confirmed_in_the_singular():
    assert check_redirect_uri_lines("https://a.example.com/cb").summary == "The redirect URI can be registered."


def test_each_bad_line_is_named_by_its_number_with_the_policys_reason():
    check = check_redirect_uri_lines("https://ok.example.com/cb\n\nhttp://crm.example.com/cb\nmyapp://cb")

    assert not check.ok and check.uris == ["https://ok.example.com/cb"]
    assert [problem.line for problem in check.problems] == [3, 4]
    assert str(check.problems[0]).startswith("Line 3: 'http://crm.example.com/cb' uses http on a non-loopback host")
    assert "uses the scheme 'myapp'" in str(check.problems[1])
    assert check.summary == "2 lines cannot be registered; fix them:"


def test_a_repeated_uri_points_at_its_first_line():
    check = check_redirect_uri_lines("https://a.example.com/cb\nhttps://a.example.com/cb")

    assert check.problems == [LineProblem(2, "repeats line 1; give each redirect URI once.")]


def test_an_empty_box_asks_for_at_least_one_uri():
    check = check_redirect_uri_lines(" \n \n")

    assert not check.ok and check.problems == []
    assert check.summary.startswith("Give at least one redirect URI")


def test_more_redirect_uris_than_registration_allows_are_refused_at_the_first_one_too_many():
    lines = "\n".join(f"https://app.example.com/cb{number}" for number in range(21))

    check = check_redirect_uri_lines(lines)

    assert [problem.line for problem in check.problems] == [21]
    assert "at most 20 redirect URIs" in check.problems[0].message


# --- the pending registration ----------------------------------------------------------------------


def test_a_confidential_pending_registration_keeps_only_the_digest_of_the_secret_it_returns():
    pending, secret = new_pending_registration(
        name="Acme", client_type="confidential", redirect_uris=["https://a.example.com/cb"], owner_id=7, now=NOW
    )

    assert secret is not None and secret.startswith("bst_cs_")
    assert pending.client_id.startswith("bst_ci_")
    assert credentials.digest_matches(secret, pending.secret_digest)
    assert secret not in json.dumps(pending.as_payload())


def test_a_public_pending_registration_has_no_secret():
    pending, secret = new_pending_registration(
        name="SPA", client_type="public", redirect_uris=["https://a.example.com/cb"], owner_id=7, now=NOW
    )

    assert secret is None and pending.secret_digest is None


def test_a_pending_registration_survives_its_json_payload_unchanged():
    pending, _ = new_pending_registration(
        name="Acme", client_type="confidential", redirect_uris=["https://a.example.com/cb"], owner_id=7, now=NOW
    )

    assert PendingRegistration.from_payload(json.loads(json.dumps(pending.as_payload()))) == pending


# --- snippets --------------------------------------------------------------------------------------


def snippets_by_slug(url: str = HTTPS_URL) -> dict[str, str]:
    return {snippet.slug: snippet.text for snippet in api_key_snippets(url, KEY)}


def test_there_is_one_snippet_per_client_in_the_order_shown():
    assert [snippet.title for snippet in api_key_snippets(HTTPS_URL, KEY)] == [
        "Cursor",
        "Claude Code",
        "Claude Desktop",
        "Gemini CLI",
        "curl",
        "Any other client",
    ]


def test_cursor_uses_url_and_an_authorization_header():
    assert json.loads(snippets_by_slug()["cursor"]) == {
        "mcpServers": {"bastion": {"url": HTTPS_URL, "headers": {"Authorization": f"Bearer {KEY}"}}}
    }


def test_gemini_uses_http_url_because_url_would_mean_sse():
    assert json.loads(snippets_by_slug()["gemini"]) == {
        "mcpServers": {"bastion": {"httpUrl": HTTPS_URL, "headers": {"Authorization": f"Bearer {KEY}"}}}
    }


def test_claude_code_adds_an_http_server_with_the_header_as_one_argument():
    assert shlex.split(snippets_by_slug()["claude-code"]) == [
        "claude", "mcp", "add", "--transport", "http", "bastion", HTTPS_URL,
        "--header", f"Authorization: Bearer {KEY}",
    ]  # fmt: skip


def test_claude_desktop_bridges_with_mcp_remote_and_keeps_the_space_in_env_not_args():
    server = json.loads(snippets_by_slug()["claude-desktop"])["mcpServers"]["bastion"]

    assert server == {
        "command": "npx",
        "args": ["-y", "mcp-remote", HTTPS_URL, "--header", "Authorization:${AUTH_HEADER}"],
        "env": {"AUTH_HEADER": f"Bearer {KEY}"},
    }
    assert not any(" " in argument for argument in server["args"])


def test_claude_desktop_allows_plain_http_only_when_the_endpoint_is_http():
    server = json.loads(snippets_by_slug(LOCAL_URL)["claude-desktop"])["mcpServers"]["bastion"]

    assert server["args"][-1] == "--allow-http"


def test_the_curl_command_carries_every_header_and_the_body_as_one_shell_word_each():
    words = shlex.split(curl_command(HTTPS_URL, KEY).replace("\\\n", " "))

    assert words[:3] == ["curl", "-sS", HTTPS_URL]
    headers = [words[i + 1] for i, word in enumerate(words) if word == "-H"]
    assert headers == [f"{name}: {value}" for name, value in curl_headers(KEY)]
    assert "MCP-Protocol-Version: 2026-07-28" in headers and "Mcp-Name: whoami" in headers
    assert json.loads(words[words.index("--data") + 1]) == curl_body()


def test_the_generic_snippet_is_the_header_line():
    assert snippets_by_slug()["header"] == f"Authorization: Bearer {KEY}"


# --- create_oauth_client with credentials already shown ---------------------------------------------


async def test_create_oauth_client_stores_a_given_client_id_and_secret_digest_and_returns_no_secret(services):
    owner = await make_user(services, "alice")
    secret = credentials.new_credential(credentials.Prefix.CLIENT_SECRET)
    async with services.transaction() as session:
        issued = await connections.create_oauth_client(
            session,
            services.clock(),
            name="Acme",
            client_type="confidential",
            redirect_uris=["https://a.example.com/cb"],
            owner=owner,
            client_id="bst_ci_given",
            secret_digest=credentials.digest(secret),
        )

    assert issued.secret is None
    assert issued.connection.client_id == "bst_ci_given"
    assert credentials.digest_matches(secret, issued.connection.client_secret_digest)
    assert issued.connection.token_endpoint_auth_method == "client_secret_basic"
    assert "client_credentials" in issued.connection.grant_types


async def test_a_public_client_cannot_be_given_a_secret_digest(services):
    async with services.transaction() as session:
        with pytest.raises(ConnectionRejected, match="Only a confidential client has a client secret"):
            await connections.create_oauth_client(
                session,
                services.clock(),
                name="SPA",
                client_type="public",
                redirect_uris=["https://a.example.com/cb"],
                owner=None,
                secret_digest=credentials.digest("x"),
            )


async def test_a_client_id_already_taken_is_refused_by_the_database(services):
    async with services.transaction() as session:
        await connections.create_oauth_client(
            session, services.clock(), name="One", client_type="public",
            redirect_uris=["https://a.example.com/cb"], owner=None, client_id="bst_ci_same",
        )  # fmt: skip
    with pytest.raises(IntegrityError):
        async with services.transaction() as session:
            await connections.create_oauth_client(
                session, services.clock(), name="Two", client_type="public",
                redirect_uris=["https://a.example.com/cb"], owner=None, client_id="bst_ci_same",
            )  # fmt: skip
