"""The rules on a client ID metadata document as plain values: its URL, its contents, how long it is kept."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from bastion.oauth.client_metadata_documents import (
    DEFAULT_CACHE,
    MAX_CACHE,
    MIN_CACHE,
    CacheHeaders,
    MetadataDocumentRefused,
    cache_lifetime,
    check_metadata_document,
    check_metadata_url,
    host_allowed,
    looks_like_metadata_url,
)
from tests.cimd_server import CALLBACK, valid_document

URL = "https://client.test/oauth/client.json"
NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def refusal(call, *args) -> str:
    with pytest.raises(MetadataDocumentRefused) as caught:
        call(*args)
    assert caught.value.error == "invalid_client"
    return caught.value.description


def body(**changes) -> bytes:
    return json.dumps(valid_document(URL, **changes)).encode()


def test_a_client_id_with_a_scheme_is_meant_as_a_metadata_document_and_our_own_ids_are_not():
    assert looks_like_metadata_url("https://claude.ai/oauth/claude-code-client-metadata")
    assert looks_like_metadata_url("http://client.test/doc.json")
    assert not looks_like_metadata_url("bst_ci_abc123")


def test_a_metadata_url_is_https_with_a_path_and_its_host_is_returned():
    assert check_metadata_url("https://Claude.AI/oauth/claude-code-client-metadata") == "claude.ai"
    assert "is not an https URL" in refusal(check_metadata_url, "http://client.test/client.json")
    assert "has no path" in refusal(check_metadata_url, "https://client.test")
    assert "has no path" in refusal(check_metadata_url, "https://client.test/")
    assert "user name or password" in refusal(check_metadata_url, "https://me:pw@client.test/client.json")
    assert "fragment" in refusal(check_metadata_url, "https://client.test/client.json#x")
    assert ". or .. path segments" in refusal(check_metadata_url, "https://client.test/a/../client.json")
    assert "not a valid URL" in refusal(check_metadata_url, "https://client.test:99999/client.json")


def test_allowed_hosts_match_exactly_and_an_empty_list_allows_any():
    assert host_allowed("evil.example", ())
    assert host_allowed("claude.ai", ("claude.ai", "chatgpt.com"))
    assert not host_allowed("evil.claude.ai", ("claude.ai",))
    assert not host_allowed("evil.example", ("claude.ai",))


def test_a_valid_document_gives_its_redirect_uris_and_a_public_client():
    registration = check_metadata_document(body(), URL)
    assert registration.redirect_uris == [CALLBACK]
    assert registration.token_endpoint_auth_method == "none"
    assert registration.client_name == "Metadata Client"
    assert registration.grant_types == ["authorization_code", "refresh_token"]


def test_a_document_without_an_auth_method_is_a_public_client():
    assert check_metadata_document(body(token_endpoint_auth_method=None), URL).is_public


def test_the_document_client_id_must_equal_the_url_it_came_from():
    description = refusal(check_metadata_document, body(client_id="https://client.test/other.json"), URL)
    assert description == (
        "The metadata document's client_id is 'https://client.test/other.json', not the URL it was fetched "
        "from (https://client.test/oauth/client.json); they must be equal."
    )
    assert "client_id is None" in refusal(check_metadata_document, body(client_id=None), URL)


@pytest.mark.parametrize(
    ("changes", "words"),
    [
        ({"client_secret": "s3cret"}, "contains a client_secret"),
        ({"client_secret_expires_at": 0}, "contains a client_secret"),
        ({"token_endpoint_auth_method": "client_secret_basic"}, "asks for token_endpoint_auth_method"),
        ({"token_endpoint_auth_method": "client_secret_post"}, "asks for token_endpoint_auth_method"),
        ({"token_endpoint_auth_method": "private_key_jwt"}, "must use none (PKCE only) here"),
        ({"jwks": {"keys": [{"kty": "EC", "crv": "P-256", "x": "a", "y": "b", "d": "private"}]}}, "private key"),
        ({"jwks": {"keys": [{"kty": "oct", "k": "c2VjcmV0"}]}}, "private key material in jwks"),
    ],
)
def test_a_document_with_a_secret_is_refused(changes, words):
    assert words in refusal(check_metadata_document, body(**changes), URL)


def test_a_document_with_only_public_keys_is_accepted():
    jwks = {"keys": [{"kty": "EC", "crv": "P-256", "x": "a", "y": "b"}]}
    assert check_metadata_document(body(jwks=jwks), URL).is_public


def test_redirect_uris_follow_the_redirect_uri_rules():
    description = refusal(check_metadata_document, body(redirect_uris=["http://evil.example/cb"]), URL)
    assert description.startswith("The client's metadata document is not usable: ")
    assert "uses http on a non-loopback host" in description
    assert "redirect_uris is required" in refusal(check_metadata_document, body(redirect_uris=None), URL)


def test_a_document_that_is_not_a_json_object_is_refused():
    assert "is not valid JSON" in refusal(check_metadata_document, b"<html>", URL)
    assert "is not a JSON object" in refusal(check_metadata_document, b"[]", URL)


@pytest.mark.parametrize(
    ("headers", "kept"),
    [
        (CacheHeaders("max-age=3600", None, None), timedelta(hours=1)),
        (CacheHeaders("public, max-age=7200", None, None), timedelta(hours=2)),
        (CacheHeaders("max-age=10", None, None), MIN_CACHE),  # never fetched more often than the minimum
        (CacheHeaders("no-store", None, None), MIN_CACHE),
        (CacheHeaders("no-cache", None, None), MIN_CACHE),
        (CacheHeaders("max-age=31536000", None, None), MAX_CACHE),  # never trusted longer than the maximum
        (CacheHeaders(None, None, None), DEFAULT_CACHE),
        (CacheHeaders(None, "Tue, 01 Dec 2026 14:00:00 GMT", "Tue, 01 Dec 2026 12:00:00 GMT"), timedelta(hours=2)),
        (CacheHeaders(None, "Tue, 01 Dec 2026 13:30:00 GMT", None), timedelta(minutes=90)),
        (CacheHeaders(None, "not a date", None), MIN_CACHE),
        (CacheHeaders("max-age=oops", None, None), DEFAULT_CACHE),
    ],
)
def test_a_document_is_kept_as_its_cache_headers_say_within_bounds(headers, kept):
    assert cache_lifetime(headers, NOW) == kept
