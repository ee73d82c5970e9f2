"""The embedded demo database: a believable company in Odoo's model names, the same on every build."""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bastion.sources.demo import build_demo_database
from bastion.sources.port import Identity
from bastion.sources.sql import SqlSource

ANCHOR = dt.date(2026, 6, 15)
ALICE = Identity(bastion_user_id=1, login="alice")


@pytest.fixture(scope="module")
def demo_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("demo") / "demo.db"
    build_demo_database(path, ANCHOR)
    return path


@pytest.fixture
async def demo(demo_path: Path) -> AsyncIterator[SqlSource]:
    source = SqlSource(f"sqlite:///{demo_path}")
    yield source
    await source.aclose()


def _dump(path: Path) -> list[str]:
    connection = sqlite3.connect(path)
    try:
        return list(connection.iterdump())
    finally:
        connection.close()


def test_two_builds_with_the_same_anchor_are_identical(demo_path: Path, tmp_path: Path) -> None:
    again = tmp_path / "again.db"
    build_demo_database(again, ANCHOR)

    assert _dump(again) == _dump(demo_path)


def test_an_existing_file_is_never_overwritten(demo_path: Path) -> None:
    with pytest.raises(FileExistsError) as refused:
        build_demo_database(demo_path, ANCHOR)

    assert str(refused.value) == f"{demo_path} already exists: the demo database is only built into a new file."


async def test_the_demo_has_odoo_models_with_a_few_thousand_rows(demo: SqlSource) -> None:
    models = {model.name: model.label for model in await demo.list_models(ALICE)}
    counts = {name: await demo.count(ALICE, name, []) for name in models}

    assert set(models) == {
        "res.country", "res.users", "res.partner", "product.category", "product.product", "crm.stage", "crm.lead",
        "sale.order", "sale.order.line", "account.move", "hr.department", "hr.employee",
    }  # fmt: skip
    assert models["sale.order"] == "Sales Order" and models["res.partner"] == "Contact"
    assert 2000 <= sum(counts.values()) <= 10000
    assert counts["sale.order"] == 700 and counts["sale.order.line"] > counts["sale.order"]


async def test_orders_have_odoo_fields_states_and_relations(demo: SqlSource) -> None:
    order = await demo.describe_model(ALICE, "sale.order")
    state, partner, amount = order.field("state"), order.field("partner_id"), order.field("amount_total")

    assert state is not None and [v for v, _ in state.selection or ()] == ["draft", "sent", "sale", "cancel"]
    assert partner is not None and (partner.type, partner.relation) == ("many2one", "res.partner")
    assert amount is not None and amount.type == "monetary"
    states = await demo.aggregate(ALICE, "sale.order", [], ["state"], ["__count"])
    assert {row["state"] for row in states} == {"draft", "sent", "sale", "cancel"}


async def test_every_date_lies_within_the_two_years_before_the_anchor(demo: SqlSource) -> None:
    [span] = await demo.aggregate(ALICE, "sale.order", [], [], ["date_order:min", "date_order:max"])
    [invoiced] = await demo.aggregate(ALICE, "account.move", [], [], ["invoice_date:max"])

    assert span["date_order:min"] >= "2024-06-15" and span["date_order:max"] <= "2026-06-15 18:00:00"
    assert invoiced["invoice_date:max"] <= "2026-06-15"


async def test_top_five_customers_by_revenue_this_year_have_a_real_answer(demo: SqlSource) -> None:
    top = await demo.aggregate(
        ALICE, "sale.order", [["state", "=", "sale"], ["date_order", ">=", "2026-01-01"]], ["partner_id"],
        ["amount_total:sum"], order="amount_total:sum desc", limit=5,
    )  # fmt: skip

    assert len(top) == 5
    revenues = [row["amount_total:sum"] for row in top]
    assert revenues == sorted(revenues, reverse=True) and revenues[-1] > 1000
    assert top[0]["partner_id"] == [1, "Azure Interior"]


async def test_order_totals_are_the_sums_of_their_lines_and_invoices_follow_confirmed_orders(demo: SqlSource) -> None:
    lines = await demo.aggregate(ALICE, "sale.order.line", [["order_id", "=", 1]], [], ["price_total:sum"])
    [order] = await demo.read(ALICE, "sale.order", [1], ["amount_total"])
    invoiced = await demo.count(ALICE, "account.move", [])
    confirmed = await demo.count(ALICE, "sale.order", [["state", "=", "sale"], ["invoice_status", "=", "invoiced"]])

    assert abs(lines[0]["price_total:sum"] - order["amount_total"]) < 0.05
    assert invoiced == confirmed > 300


async def test_contacts_belong_to_companies_and_employees_to_a_hierarchy(demo: SqlSource) -> None:
    azure_people = await demo.count(ALICE, "res.partner", [["parent_id.name", "=", "Azure Interior"]])
    below_ceo = await demo.count(ALICE, "hr.employee", [["id", "child_of", 1]])

    assert azure_people >= 1
    assert below_ceo == await demo.count(ALICE, "hr.employee", [])
