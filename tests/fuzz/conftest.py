"""The fuzz suite's fixtures: cheap password hashing, and one ``World`` (app, database, parties) per test."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from argon2 import PasswordHasher

from bastion import passwords
from tests.fuzz.harness import World, build_world


@pytest.fixture(autouse=True)
def cheap_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Real argon2id at its smallest cost: the fuzzer signs in thousands of times."""
    monkeypatch.setattr(passwords, "_hasher", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))


@pytest.fixture
async def world(services, app) -> AsyncIterator[World]:
    built = await build_world(services, app)
    try:
        yield built
    finally:
        await built.http.aclose()
