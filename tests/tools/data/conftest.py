from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bastion.clock import FrozenClock
from bastion.tools.data.env import DataToolEnv
from tests.tools.data.fake_source import FakeSource
from tests.tools.data.sample import ALICE, company

SECRET = b"preview-secret-for-tests"


@pytest.fixture
def source() -> FakeSource:
    return FakeSource(company())


@pytest.fixture
def env(source: FakeSource) -> DataToolEnv:
    return DataToolEnv(
        source=source,
        identity=ALICE,
        connection_id=7,
        preview_secret=SECRET,
        clock=FrozenClock(datetime(2026, 3, 15, 9, 0, tzinfo=UTC)),
    )
