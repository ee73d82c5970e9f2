"""Console test fixtures."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher

from bastion import passwords


@pytest.fixture(autouse=True)
def cheap_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Real argon2id, with the smallest cost: these tests sign in dozens of times, and what they check is the
    flow around the hash, not its strength (which stays the library default in production)."""
    monkeypatch.setattr(passwords, "_hasher", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))
