"""Read-only checks against a real Odoo, opt-in: set BASTION_TEST_ODOO_URL, BASTION_TEST_ODOO_DB,
BASTION_TEST_ODOO_LOGIN and BASTION_TEST_ODOO_KEY (an API key of that login). Nothing is written."""

from __future__ import annotations

import os
import re
from collections.abc import AsyncIterator

import pytest

from bastion.sources.errors import CredentialRejected, MissingRecords
from bastion.sources.odoo import OdooClient, OdooSource
from bastion.sources.port import Identity

ENV = ("BASTION_TEST_ODOO_URL", "BASTION_TEST_ODOO_DB", "BASTION_TEST_ODOO_LOGIN", "BASTION_TEST_ODOO_KEY")
MISSING = [name for name in ENV if not os.environ.get(name)]

pytestmark = pytest.mark.skipif(bool(MISSING), reason=f"live Odoo suite: set {', '.join(MISSING)} to run it")


@pytest.fixture(params=[None, "json-rpc"], ids=["detected", "json-rpc"])
async def live(request: pytest.FixtureRequest) -> AsyncIterator[OdooSource]:
    client = OdooClient(
        os.environ["BASTION_TEST_ODOO_URL"], os.environ["BASTION_TEST_ODOO_DB"], protocol=request.param, timeout=30
    )
    source = OdooSource(client)
    yield source
    await source.aclose()


@pytest.fixture
def me() -> Identity:
    return Identity(0, os.environ["BASTION_TEST_ODOO_LOGIN"], os.environ["BASTION_TEST_ODOO_KEY"], "live")


async def test_the_live_odoo_answers_with_its_version_and_our_identity(live, me):
    status = await live.test(me)
    assert status.version.startswith("Odoo ") and status.identity == me.login
    assert status.protocol in ("json-2", "json-rpc")


async def test_the_live_odoo_lists_contacts_and_hides_denied_models(live, me):
    names = {info.name for info in await live.list_models(me)}
    assert "res.partner" in names
    assert "ir.config_parameter" not in names and "res.users.apikeys" not in names


async def test_the_live_odoo_describes_searches_counts_and_groups_contacts(live, me):
    description = await live.describe_model(me, "res.partner")
    assert description.name_field == "name" and "name" in description.default_fields
    page = await live.search_read(me, "res.partner", [], ["name"], order="id", limit=3)
    assert len(page.records) <= 3 and page.total >= len(page.records)
    assert await live.count(me, "res.partner", []) == page.total
    rows = await live.aggregate(me, "res.partner", [], ["is_company"], ["__count"])
    assert sum(row["__count"] for row in rows) == page.total
    if page.records:
        first = page.records[0]
        assert (await live.read(me, "res.partner", [first["id"]], ["name"]))[0]["name"] == first["name"]
        assert any(
            pair[0] == first["id"] for pair in await live.name_search(me, "res.partner", first["name"], limit=50)
        )


async def test_the_live_odoo_groups_by_month_as_the_first_day_of_the_period(live, me):
    rows = await live.aggregate(me, "res.partner", [], ["create_date:month"], ["__count"])
    assert rows, "every database has contacts"
    for row in rows:
        assert row["create_date:month"] is False or re.fullmatch(r"\d{4}-\d{2}-01", row["create_date:month"])


async def test_the_live_odoo_reports_missing_records_and_a_wrong_key(live, me):
    with pytest.raises(MissingRecords):
        await live.read(me, "res.partner", [2_000_000_000], ["name"])
    with pytest.raises(CredentialRejected, match="re-link your Odoo account"):
        await live.test(Identity(0, me.login, "not-a-valid-key-0000000000", "live-wrong"))
