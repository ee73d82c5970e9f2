"""Sealed values: a small JSON payload the browser carries for us, encrypted and authenticated.

Used where the server must remember something between two requests without storing it, e.g. the
Custom OAuth wizard's pending registration between *Next* and *Save Connection*: nothing may be
written until the person saves, yet the client ID and secret digest shown must be the ones saved.

AES-256-GCM (confidential and tamper-evident) under a key derived from ``BASTION_SECRET_KEY`` with
HKDF-SHA256, one key per *purpose*, so a value sealed for one form is worthless to any other. The
purpose is also the additional authenticated data, and the sealing time travels inside the
ciphertext so ``unseal`` can refuse stale values.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
from datetime import UTC, datetime, timedelta
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from bastion.clock import utcnow
from bastion.config import Settings

NONCE_BYTES = 12  # the GCM standard nonce; random per seal, so a key may seal ~2^32 values safely
KEY_BYTES = 32
# A value sealed by another Bastion process whose clock runs slightly ahead is still accepted.
CLOCK_SKEW = timedelta(seconds=60)
# Far above anything a form carries; refuses absurd input before any decoding work.
MAX_SEALED_LENGTH = 32 * 1024
_SALT = b"bastion sealing v1"


class SealBroken(ValueError):
    """A sealed value cannot be opened; the message says why in words fit for a person."""


class SealTampered(SealBroken):
    """Not sealed by this server for this purpose (edited, truncated, or from another form or server)."""


class SealExpired(SealBroken):
    """Sealed by this server, but longer ago than the caller accepts."""


def _key(settings: Settings, purpose: str) -> bytes:
    derive = HKDF(algorithm=hashes.SHA256(), length=KEY_BYTES, salt=_SALT, info=purpose.encode("utf-8"))
    return derive.derive(settings.secret_key.encode("utf-8"))


def seal(settings: Settings, purpose: str, payload: dict[str, Any], *, now: datetime | None = None) -> str:
    """Encrypt ``payload`` (JSON-serialisable) for ``purpose``; returns URL-safe text for a hidden field or cookie."""
    sealed_at = (now or utcnow()).timestamp()
    plaintext = json.dumps({"sealed_at": sealed_at, "payload": payload}, separators=(",", ":")).encode("utf-8")
    nonce = os.urandom(NONCE_BYTES)
    ciphertext = AESGCM(_key(settings, purpose)).encrypt(nonce, plaintext, purpose.encode("utf-8"))
    return base64.urlsafe_b64encode(nonce + ciphertext).decode("ascii").rstrip("=")


def unseal(
    settings: Settings, purpose: str, token: str, max_age: timedelta, *, now: datetime | None = None
) -> dict[str, Any]:
    """The payload sealed for ``purpose`` at most ``max_age`` ago; raises ``SealTampered`` or ``SealExpired``."""
    if not token or len(token) > MAX_SEALED_LENGTH:
        raise SealTampered("The sealed value is missing or too long.")
    try:
        # validate=True: refuse stray characters instead of silently skipping them.
        raw = base64.b64decode(token + "=" * (-len(token) % 4), altchars=b"-_", validate=True)
    except (binascii.Error, ValueError):
        raise SealTampered("The sealed value is not valid base64url text.") from None
    if len(raw) <= NONCE_BYTES:
        raise SealTampered("The sealed value is too short.")
    try:
        plaintext = AESGCM(_key(settings, purpose)).decrypt(
            raw[:NONCE_BYTES], raw[NONCE_BYTES:], purpose.encode("utf-8")
        )
    except InvalidTag:
        raise SealTampered("The sealed value was changed, or was not sealed by this server for this form.") from None
    envelope = json.loads(plaintext)
    sealed_at = datetime.fromtimestamp(envelope["sealed_at"], UTC)
    current = now or utcnow()
    if sealed_at > current + CLOCK_SKEW:
        raise SealTampered("The sealed value claims to come from the future; check the server clocks.")
    if current - sealed_at > max_age:
        raise SealExpired(f"The sealed value is older than {_describe(max_age)}.")
    return envelope["payload"]


def _describe(age: timedelta) -> str:
    seconds = int(age.total_seconds())
    if seconds % 3600 == 0:
        hours = seconds // 3600
        return f"{hours} hour{'s' if hours != 1 else ''}"
    if seconds % 60 == 0:
        minutes = seconds // 60
        return f"{minutes} minute{'s' if minutes != 1 else ''}"
    return f"{seconds} seconds"


# Secrets kept at rest (an Odoo API key, a SQL password) never expire by age; they die with a new
# BASTION_SECRET_KEY, after which their owner links them again.
_AT_REST = timedelta(days=365 * 1000)


def seal_secret(settings: Settings, purpose: str, secret: str, *, now: datetime | None = None) -> str:
    """Encrypt a secret we must read back later; ``purpose`` names its owner (e.g. ``odoo-api-key:user:7``)
    so a sealed value copied to another row does not open there."""
    return seal(settings, purpose, {"secret": secret}, now=now)


def open_secret(settings: Settings, purpose: str, sealed: str) -> str:
    """The secret ``seal_secret`` sealed for ``purpose``; raises ``SealTampered`` when it cannot be opened
    (another purpose, an edited value, or a changed ``BASTION_SECRET_KEY``)."""
    return str(unseal(settings, purpose, sealed, _AT_REST)["secret"])
