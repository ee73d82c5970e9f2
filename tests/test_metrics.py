"""``/metrics``: readable from this machine only unless ``metrics_public`` is on, and no COUNT per scrape."""

from __future__ import annotations

import httpx2
import pytest
from sqlalchemy import event

from bastion.settings_changes import apply_settings
from tests.conftest import PUBLIC_URL
from tests.factories import make_oauth_client


async def scrape(app, address: str = "127.0.0.1", **headers: str) -> httpx2.Response:
    transport = httpx2.ASGITransport(app=app, client=(address, 50000))
    async with httpx2.AsyncClient(transport=transport, base_url=PUBLIC_URL) as scraper:
        return await scraper.get("/metrics", headers=headers)


def gauge(response: httpx2.Response, name: str) -> int:
    [line] = [line for line in response.text.splitlines() if line.startswith(f"{name} ")]
    return int(line.split()[1])


@pytest.mark.parametrize(
    ("address", "headers"),
    [
        ("203.0.113.5", {}),
        ("127.0.0.1", {"X-Forwarded-For": "203.0.113.5"}),
        ("127.0.0.1", {"Forwarded": "for=203.0.113.5"}),
        ("::1", {"X-Real-IP": "203.0.113.5"}),
    ],
)
async def test_a_scrape_from_another_machine_or_through_a_proxy_is_refused_and_says_how_to_allow_it(
    app, address, headers
):
    response = await scrape(app, address, **headers)

    assert response.status_code == 403
    assert response.text.startswith("/metrics answers only requests made on this machine, not through a proxy.")
    assert "bastion settings set metrics_public true" in response.text
    assert "bastion_" not in response.text


@pytest.mark.parametrize("address", ["127.0.0.1", "::1"])
async def test_a_scrape_made_on_this_machine_is_answered(app, address):
    response = await scrape(app, address)

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=0.0.4")


async def test_with_metrics_public_on_any_address_may_scrape(app, services):
    async with services.transaction() as session:
        await apply_settings(session, services.clock(), {"metrics_public": "true"})

    response = await scrape(app, "203.0.113.5", **{"X-Forwarded-For": "198.51.100.1"})

    assert response.status_code == 200
    assert gauge(response, "bastion_connections_active") == 0


async def test_the_gauges_are_counted_at_most_once_a_minute_so_a_scrape_runs_no_count(app, services, clock):
    statements: list[str] = []
    event.listen(services.engine.sync_engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
    first = await scrape(app)
    counts_at_first = sum("count(" in statement.lower() for statement in statements)
    await make_oauth_client(services)
    statements.clear()

    cached = await scrape(app)
    counts_in_a_cached_scrape = sum("count(" in statement.lower() for statement in statements)
    clock.advance(60)
    refreshed = await scrape(app)

    assert counts_at_first == 2 and counts_in_a_cached_scrape == 0
    assert gauge(first, "bastion_connections_active") == gauge(cached, "bastion_connections_active") == 0
    assert gauge(refreshed, "bastion_connections_active") == 1
