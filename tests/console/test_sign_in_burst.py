"""Issue 7, defect 5: a burst of concurrent sign-ins passes the throttle no further than sequential ones do.

100 attempts at once, through the in-process app on SQLite and PostgreSQL: each is counted before its
password is checked, so at most the limit are checked, and the right password among them gets in only
if it was one of those.
"""

from __future__ import annotations

import asyncio

import httpx2

from bastion.governance.sign_in_throttle import LOGIN_CEILING, PAIR_LIMIT
from tests.conftest import PUBLIC_URL
from tests.console.test_accounts_pages import audit_entries, hidden
from tests.factories import PASSWORD, make_user

BURST = 100


async def post_sign_ins(app, attempts: list[tuple[str, str]]) -> list[httpx2.Response]:
    """Every (address, password) posted for alice at once, each from its own browser at its address."""

    async def one(address: str, password: str) -> httpx2.Response:
        transport = httpx2.ASGITransport(app=app, client=(address, 50000))
        async with httpx2.AsyncClient(transport=transport, base_url=PUBLIC_URL) as browser:
            csrf_token = hidden((await browser.get("/console/login")).text, "csrf_token")
            form = {"login": "alice", "password": password, "next": "/console", "csrf_token": csrf_token}
            return await browser.post("/console/login", data=form)

    return await asyncio.wait_for(asyncio.gather(*(one(*attempt) for attempt in attempts)), timeout=300)


async def test_a_burst_from_one_address_checks_at_most_the_limit_of_passwords(app, services):
    await make_user(services, "alice")
    passwords = [f"guess number {n}" for n in range(BURST)]
    passwords[49] = PASSWORD  # the right one, 50th, as in the reproduction

    responses = await post_sign_ins(app, [("198.51.100.7", password) for password in passwords])

    statuses = [response.status_code for response in responses]
    failed = await audit_entries(services, "user.sign_in_failed")
    assert set(statuses) <= {303, 400, 429}
    assert len(failed) <= PAIR_LIMIT
    assert statuses.count(400) == len(failed)
    # Checked: the failures, and the right password only if it was let through with them.
    assert statuses.count(303) <= 1 and statuses.count(429) >= BURST - PAIR_LIMIT - 1
    assert len(await audit_entries(services, "user.sign_in_throttled")) == statuses.count(429)


async def test_a_burst_from_many_addresses_checks_at_most_the_per_login_ceiling(app, services):
    await make_user(services, "alice")
    attempts = [(f"198.51.{n // 250}.{n % 250 + 1}", f"guess number {n}") for n in range(BURST)]

    responses = await post_sign_ins(app, attempts)

    statuses = [response.status_code for response in responses]
    assert set(statuses) <= {400, 429}
    assert statuses.count(400) <= LOGIN_CEILING
    assert len(await audit_entries(services, "user.sign_in_failed")) == statuses.count(400)
