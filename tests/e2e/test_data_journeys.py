"""The data tools through /mcp with the real SDK client against a real ``bastion serve``: a newcomer's demo, a
writable SQL source with write and read-only keys, and Odoo (the stand-in) in per-user mode.

The source and the Odoo links are configured the way ``bastion source ...`` and ``bastion users link-odoo``
will, through ``bastion.sources.configuration`` and ``odoo_links`` in this (other) process, straight into
the server's database: the running server picks the change up on its next call.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import httpx2
import pytest
import sqlalchemy as sa
from mcp_types import TextContent

from bastion.accounts import create_user
from bastion.connections import create_api_key
from bastion.sources.configuration import use_odoo, use_sql
from bastion.sources.odoo_links import link_odoo_account, verify_odoo_account
from bastion.store.models import User
from bastion.store.repositories import OdooLinks
from tests.e2e.data_setup import served_standin, server_services
from tests.e2e.mcp_clients import mcp_session, tool_payload
from tests.e2e.server import BastionProcess
from tests.sources.odoo.standin import data

pytestmark = pytest.mark.e2e

ALICE_KEY = "alice-key-0123456789"
BOB_KEY = "bob-key-0123456789"


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


async def new_key(services: Any, login: str, *, read_only: bool = False) -> tuple[User, str]:
    async with services.transaction() as session:
        user = await create_user(session, services.clock(), login=login, is_admin=False)
        issued = await create_api_key(session, services.clock(), name=f"{login}'s key", user=user, read_only=read_only)
    assert issued.secret is not None
    return user, issued.secret


def error_text(result: Any) -> str:
    assert result.is_error, f"the call succeeded: {result.structured_content}"
    return result.content[0].text


async def test_a_newcomers_server_answers_business_questions_about_the_demo_company(bastion: BastionProcess) -> None:
    async with server_services(bastion) as services:
        _user, key = await new_key(services, "newcomer", read_only=True)
    year = dt.date.today().year

    async with mcp_session(bastion, headers=bearer(key)) as client:
        listed = {tool.name for tool in (await client.list_tools()).tools}
        models = tool_payload(await client.call_tool("list_models", {"name": "sale"}))
        found = tool_payload(
            await client.call_tool(
                "search_records",
                {"model": "res.partner", "domain": [["is_company", "=", True]], "fields": ["name"], "limit": 3},
            )
        )
        confirmed = tool_payload(
            await client.call_tool("count_records", {"model": "sale.order", "domain": [["state", "=", "sale"]]})
        )
        top = await client.call_tool(
            "aggregate_records",
            {
                "model": "sale.order",
                "domain": [["state", "=", "sale"], ["date_order", ">=", f"{year}-01-01"]],
                "group_by": ["partner_id"],
                "measures": ["amount_total:sum"],
                "order": "amount_total:sum desc",
                "limit": 5,
            },
        )
        workflow = await client.call_tool("get_workflow_state", {"model": "sale.order", "id": 1})
        by_month = tool_payload(
            await client.call_tool(
                "aggregate_records",
                {"model": "sale.order", "group_by": ["date_order:month"], "measures": ["amount_total:sum", "__count"]},
            )
        )

    assert {"whoami", "list_models", "search_records", "aggregate_records"} <= listed
    assert not listed & {"create_record", "update_records", "get_workflow_state", "post_message"}
    assert {"sale.order", "sale.order.line"} <= {row["model"] for row in models["records"]}
    assert len(found["records"]) == 3 and found["has_more"] is True and found["next_offset"] == 3
    assert confirmed["count"] > 0
    customers = tool_payload(top)["records"]
    assert len(customers) == 5
    revenue = [row["amount_total:sum"] for row in customers]
    assert revenue == sorted(revenue, reverse=True) and revenue[0] > 0
    assert all(isinstance(row["partner_id"], list) and isinstance(row["partner_id"][1], str) for row in customers)
    (rendered,) = top.content
    assert isinstance(rendered, TextContent) and customers[0]["partner_id"][1] in rendered.text  # what a model reads
    assert error_text(workflow).startswith(
        "The tool 'get_workflow_state' is not available on this data source: it needs workflow"
    )
    months = [row["date_order:month"] for row in by_month["records"]]
    assert len(months) >= 6 and months == sorted(months)
    assert sum(row["__count"] for row in by_month["records"]) >= confirmed["count"]


def shop_database(path: Path) -> str:
    engine = sa.create_engine(f"sqlite:///{path}")
    with engine.begin() as connection:
        connection.execute(
            sa.text("CREATE TABLE res_partner (id INTEGER PRIMARY KEY, name TEXT NOT NULL, email TEXT, city TEXT)")
        )
        connection.execute(sa.text("INSERT INTO res_partner (name, city) VALUES ('Azure Interior', 'Fremont')"))
    engine.dispose()
    return f"sqlite:///{path}"


async def test_on_a_writable_sql_source_a_write_key_creates_and_updates_after_a_dry_run_and_a_read_only_key_cannot(
    bastion: BastionProcess, tmp_path: Path
) -> None:
    async with server_services(bastion) as services:
        async with services.transaction() as session:
            await use_sql(
                session, services.settings, services.clock(), shop_database(tmp_path / "shop.db"), writable=True,
                actor_id=None,
            )  # fmt: skip
        _writer, write_key = await new_key(services, "writer")
        _reader, read_key = await new_key(services, "reader", read_only=True)
    values = {"name": "Deco Addict", "city": "Brussels"}

    async with mcp_session(bastion, headers=bearer(write_key)) as client:
        assert "create_record" in {tool.name for tool in (await client.list_tools()).tools}
        preview = tool_payload(
            await client.call_tool("create_record", {"model": "res.partner", "values": values, "dry_run": True})
        )
        assert preview["dry_run"] is True and preview["would_create"][0]["name"] == "Deco Addict"
        still_one = tool_payload(await client.call_tool("count_records", {"model": "res.partner"}))["count"]
        assert still_one == 1  # a dry run changes nothing
        mismatch = await client.call_tool(
            "create_record", {"model": "res.partner", "values": {**values, "city": "Paris"},
                              "preview_id": preview["preview_id"]},
        )  # fmt: skip
        assert "The preview_id does not match this create_record call" in error_text(mismatch)
        created = tool_payload(
            await client.call_tool(
                "create_record", {"model": "res.partner", "values": values, "preview_id": preview["preview_id"]}
            )
        )
        new_id = created["id"]
        update = {"model": "res.partner", "ids": [new_id], "values": {"email": "info@deco.example"}}
        dry = tool_payload(await client.call_tool("update_records", {**update, "dry_run": True}))
        assert dry["changes"] == [{"id": new_id, "current": {"email": False}, "new": {"email": "info@deco.example"}}]
        tool_payload(await client.call_tool("update_records", {**update, "preview_id": dry["preview_id"]}))
        (record,) = tool_payload(
            await client.call_tool(
                "get_records", {"model": "res.partner", "ids": [new_id], "fields": ["email", "city"]}
            )
        )["records"]
    assert record == {"id": new_id, "email": "info@deco.example", "city": "Brussels"}

    async with mcp_session(bastion, headers=bearer(read_key)) as client:
        listed = {tool.name for tool in (await client.list_tools()).tools}
        assert "search_records" in listed and not listed & {"create_record", "update_records", "delete_records"}
    async with httpx2.AsyncClient(trust_env=False, timeout=10.0) as http:
        refused = await http.post(
            bastion.mcp_url,
            json={"jsonrpc": "2.0", "id": 1, "method": "tools/call",
                  "params": {"name": "create_record", "arguments": {"model": "res.partner", "values": values}}},
            headers={**bearer(read_key), "Accept": "application/json, text/event-stream",
                     "Content-Type": "application/json"},
        )  # fmt: skip
    assert refused.status_code == 403
    assert 'error="insufficient_scope"' in refused.headers["www-authenticate"]
    assert refused.json()["error_description"].startswith("The tool create_record needs the scope mcp:write")


async def link(services: Any, user: User, odoo_login: str, key: str) -> None:
    account = await verify_odoo_account(services.sources, odoo_login, key)
    async with services.transaction() as session:
        await link_odoo_account(session, services.sources, services.clock(), user, account, key, actor_id=None)


async def test_on_odoo_per_user_each_linked_user_sees_what_odoo_lets_them_and_a_revoked_key_asks_to_relink(
    bastion: BastionProcess,
) -> None:
    async with served_standin(19) as odoo, server_services(bastion) as services:
        async with services.transaction() as session:
            await use_odoo(session, services.settings, services.clock(), odoo.url, data.DATABASE, actor_id=None)
        salesman, salesman_key = await new_key(services, "sam")
        manager, manager_key = await new_key(services, "maria")
        _stranger, stranger_key = await new_key(services, "nolink")
        await link(services, salesman, "alice", ALICE_KEY)
        await link(services, manager, "bob", BOB_KEY)

        seen: dict[str, dict[str, Any]] = {}
        for login, key in (("sam", salesman_key), ("maria", manager_key)):
            async with mcp_session(bastion, headers=bearer(key)) as client:
                listed = {tool.name for tool in (await client.list_tools()).tools}
                assert {"get_workflow_state", "post_message", "execute_method"} <= listed
                seen[login] = tool_payload(
                    await client.call_tool("search_records", {"model": "sale.order", "fields": ["name", "user_id"]})
                )
        assert 0 < seen["sam"]["total"] < seen["maria"]["total"]
        assert {row["user_id"][0] for row in seen["sam"]["records"]} == {data.ALICE_UID}

        async with mcp_session(bastion, headers=bearer(stranger_key)) as client:
            unlinked = await client.call_tool("count_records", {"model": "sale.order"})
        assert error_text(unlinked) == (
            "Your Bastion user 'nolink' has no linked Odoo account, and every call runs as your own Odoo user: link "
            f"it with your Odoo login and an Odoo API key in the console at {bastion.base_url}/console/account/odoo, "
            "or ask an administrator to run `bastion users link-odoo nolink --odoo-login YOUR_ODOO_LOGIN "
            "--api-key-stdin`."
        )

        del odoo.knobs.keys[ALICE_KEY]  # alice's key is revoked in Odoo
        async with mcp_session(bastion, headers=bearer(salesman_key)) as client:
            revoked = await client.call_tool("count_records", {"model": "sale.order"})
            again = await client.call_tool("count_records", {"model": "sale.order"})
        assert "rejected the API key" in error_text(revoked)
        assert "re-link your Odoo account" in error_text(revoked)
        assert f"Link it again in the console at {bastion.base_url}/console/account/odoo" in error_text(revoked)
        assert error_text(again).startswith("Odoo refused the API key linked for 'alice' (revoked or expired)")
        async with services.transaction() as session:
            stored = await OdooLinks(session).get(salesman.id)
        assert stored is not None and stored.state == "rejected"
