"""Sealed values: what one purpose seals only that purpose opens, unchanged, and only while fresh."""

from __future__ import annotations

import base64
import dataclasses
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bastion.config import Settings
from bastion.sealing import (
    MAX_SEALED_LENGTH,
    SealBroken,
    SealExpired,
    SealTampered,
    open_secret,
    seal,
    seal_secret,
    unseal,
)

PURPOSE = "bastion connect wizard v1"
NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)
PAYLOAD = {"name": "Acme Internal CRM", "client_id": "bst_ci_abc", "uris": ["https://app.example.com/cb"], "n": 3}


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        home=tmp_path,
        database_url="sqlite+aiosqlite:///unused.db",
        public_url="https://mcp.example.com",
        secret_key="a-test-secret-key-that-is-long-enough-0123456789",
    )


def flip_one_byte(token: str, index: int) -> str:
    raw = bytearray(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    raw[index] ^= 0x01
    return base64.urlsafe_b64encode(bytes(raw)).decode().rstrip("=")


def test_a_sealed_payload_opens_unchanged_within_its_age(settings):
    token = seal(settings, PURPOSE, PAYLOAD, now=NOW)

    assert unseal(settings, PURPOSE, token, HOUR, now=NOW + timedelta(minutes=59)) == PAYLOAD


def test_the_sealed_text_is_url_safe_and_does_not_reveal_the_payload(settings):
    token = seal(settings, PURPOSE, PAYLOAD, now=NOW)

    assert set(token) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
    assert "Acme" not in token and "bst_ci_abc" not in token
    assert b"Acme" not in base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))


def test_sealing_the_same_payload_twice_gives_different_text(settings):
    assert seal(settings, PURPOSE, PAYLOAD, now=NOW) != seal(settings, PURPOSE, PAYLOAD, now=NOW)


def test_a_value_older_than_the_maximum_age_is_refused_as_expired(settings):
    token = seal(settings, PURPOSE, PAYLOAD, now=NOW)

    with pytest.raises(SealExpired, match="older than 1 hour"):
        unseal(settings, PURPOSE, token, HOUR, now=NOW + HOUR + timedelta(seconds=1))


@pytest.mark.parametrize("index", [0, 11, 12, 20, -1])
def test_changing_any_byte_nonce_ciphertext_or_tag_is_refused_as_tampered(settings, index):
    token = seal(settings, PURPOSE, PAYLOAD, now=NOW)

    with pytest.raises(SealTampered, match="changed, or was not sealed by this server"):
        unseal(settings, PURPOSE, flip_one_byte(token, index), HOUR, now=NOW)


def test_a_value_sealed_for_another_purpose_does_not_open(settings):
    token = seal(settings, "bastion api key reveal v1", PAYLOAD, now=NOW)

    with pytest.raises(SealTampered):
        unseal(settings, PURPOSE, token, HOUR, now=NOW)


def test_a_value_sealed_by_a_server_with_another_secret_key_does_not_open(settings):
    other = dataclasses.replace(settings, secret_key="another-secret-key-entirely-0123456789-abcdef")
    token = seal(other, PURPOSE, PAYLOAD, now=NOW)

    with pytest.raises(SealTampered):
        unseal(settings, PURPOSE, token, HOUR, now=NOW)


@pytest.mark.parametrize(
    ("token", "reason"),
    [
        ("", "missing or too long"),
        ("x" * (MAX_SEALED_LENGTH + 1), "missing or too long"),
        ("not base64 at all!", "not valid base64url"),
        ("c2hvcnQ", "too short"),
    ],
)
def test_malformed_text_is_refused_as_tampered_with_a_reason(settings, token, reason):
    with pytest.raises(SealTampered, match=reason):
        unseal(settings, PURPOSE, token, HOUR, now=NOW)


def test_a_value_sealed_in_the_future_beyond_clock_skew_is_refused(settings):
    token = seal(settings, PURPOSE, PAYLOAD, now=NOW + timedelta(minutes=5))

    with pytest.raises(SealTampered, match="future"):
        unseal(settings, PURPOSE, token, HOUR, now=NOW)
    # A process whose clock is a few seconds ahead is fine.
    slightly_ahead = seal(settings, PURPOSE, PAYLOAD, now=NOW + timedelta(seconds=5))
    assert unseal(settings, PURPOSE, slightly_ahead, HOUR, now=NOW) == PAYLOAD


def test_both_refusals_are_seal_broken_so_callers_can_catch_one_error(settings):
    assert issubclass(SealExpired, SealBroken) and issubclass(SealTampered, SealBroken)
    assert issubclass(SealBroken, ValueError)


def test_a_secret_sealed_at_rest_opens_for_its_purpose_only_and_does_not_expire(settings):
    sealed = seal_secret(settings, "odoo-api-key:user:7", "0123abcd", now=datetime(2001, 1, 1, tzinfo=UTC))
    assert "0123abcd" not in sealed
    assert open_secret(settings, "odoo-api-key:user:7", sealed) == "0123abcd"
    with pytest.raises(SealTampered, match="was not sealed by this server for this form"):
        open_secret(settings, "odoo-api-key:user:8", sealed)
