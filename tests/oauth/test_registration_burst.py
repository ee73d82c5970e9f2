"""Issue 7, defect 6: a burst of concurrent registrations from one address gets no more than the hourly limit.

100 registrations at once through the in-process app, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import asyncio

from sqlalchemy import func, select

from bastion.oauth.registration_limit import REGISTRATIONS_PER_ADDRESS
from bastion.store.models import Attempt, Connection
from tests.oauth.test_register import metadata

BURST = 100


async def test_a_burst_of_registrations_from_one_address_gets_at_most_the_hourly_limit(client, services):
    responses = await asyncio.wait_for(
        asyncio.gather(*(client.post("/oauth/register", json=metadata()) for _ in range(BURST))), timeout=300
    )

    statuses = [response.status_code for response in responses]
    assert set(statuses) <= {201, 429}
    assert 1 <= statuses.count(201) <= REGISTRATIONS_PER_ADDRESS
    refused = next(response for response in responses if response.status_code == 429)
    assert refused.json()["error"] == "slow_down" and int(refused.headers["retry-after"]) > 0
    async with services.transaction() as session:
        connections = await session.scalar(select(func.count()).select_from(Connection))
        counted = await session.scalar(select(func.count()).select_from(Attempt))
    # What was refused stopped counting: only the registrations made are left, as many as were answered 201.
    assert connections == counted == statuses.count(201)
