"""The Odoo source's read side, on Odoo 19 (JSON-2) and Odoo 17 (JSON-RPC), as two users with different rights."""

from __future__ import annotations

import re

import pytest

from bastion.sources.errors import (
    CredentialRejected,
    InvalidArguments,
    InvalidDomain,
    MissingRecords,
    UnknownField,
    UnknownModel,
)
from bastion.sources.port import BusinessSource, Capability, DataSource, Identity


async def test_the_odoo_source_implements_the_business_port(source):
    assert isinstance(source, DataSource) and isinstance(source, BusinessSource)
    assert source.kind == "odoo"
    assert source.capabilities == frozenset(Capability)


async def test_test_connection_shows_version_protocol_and_identity(source, alice, odoo_version):
    status = await source.test(alice)
    assert (status.kind, status.version, status.identity) == ("odoo", f"Odoo {odoo_version}.0", "alice")
    assert status.protocol == ("json-2" if odoo_version >= 19 else "json-rpc")
    assert status.detail == "Alice Salesman on database acme at http://odoo.test"


async def test_test_connection_refuses_a_key_that_belongs_to_another_login(source, alice):
    someone_else = Identity(bastion_user_id=3, login="bob", secret=alice.secret, cache_key="odoo:bob")
    with pytest.raises(CredentialRejected) as caught:
        await source.test(someone_else)
    assert str(caught.value) == (
        "Odoo at http://odoo.test rejected the login 'bob' with this API key; "
        "re-link your Odoo account with a valid API key."
    )


async def test_list_models_leaves_out_transient_and_denylisted_models(source, bob):
    models = {info.name: info for info in await source.list_models(bob)}
    assert "sale.order" in models and "res.partner" in models
    assert "sale.advance.payment.inv" not in models  # transient
    assert "ir.config_parameter" not in models and "res.users.apikeys" not in models
    assert models["res.partner"].label == "Contact"
    assert models["product.product"].description == "Product Variant A sellable or purchasable item."


async def test_describe_model_gives_fields_without_denied_ones_and_compact_defaults(source, bob):
    description = await source.describe_model(bob, "res.partner")
    names = {info.name for info in description.fields}
    assert {"name", "email", "is_company", "parent_id", "image_1920"} <= names
    assert "signup_token" not in names
    assert description.name_field == "name"
    assert description.default_fields == ("name", "email", "phone", "create_date", "is_company", "parent_id")
    assert description.field("is_company").help == "Check if the contact is a company."
    users = await source.describe_model(bob, "res.users")
    assert users.field("password") is None and users.field("api_key_ids") is None  # relation to a denied model


async def test_describe_model_refuses_a_denylisted_model_as_unknown(source, bob):
    with pytest.raises(UnknownModel) as caught:
        await source.describe_model(bob, "ir.config_parameter")
    assert str(caught.value) == (
        "Odoo has no model 'ir.config_parameter' you can use; call list_models to see the available models."
    )


async def test_descriptions_are_cached_per_identity(source, knobs, alice, bob):
    await source.describe_model(alice, "sale.order")
    await source.describe_model(alice, "sale.order")
    await source.describe_model(bob, "sale.order")
    fields_get = [c["uid"] for c in knobs.calls if c["method"] == "fields_get"]
    assert len(fields_get) == 2 and set(fields_get) == {2, 6}


async def test_selection_fields_carry_their_values_and_labels(source, bob):
    state = (await source.describe_model(bob, "sale.order")).field("state")
    assert state.selection == (
        ("draft", "Quotation"),
        ("sent", "Quotation Sent"),
        ("sale", "Sales Order"),
        ("cancel", "Cancelled"),
    )


async def test_two_users_see_different_sale_orders(source, alice, bob):
    mine = await source.search_read(alice, "sale.order", [], ["name", "user_id"], limit=50)
    every = await source.search_read(bob, "sale.order", [], ["name"], limit=50)
    assert [r["name"] for r in mine.records] == ["S00001", "S00003"] and mine.total == 2
    assert [r["name"] for r in every.records] == ["S00001", "S00002", "S00003", "S00004"] and every.total == 4
    assert mine.records[0]["user_id"] == [6, "Alice Salesman"]


async def test_search_read_pages_with_the_total_of_every_match(source, bob):
    page = await source.search_read(
        bob, "sale.order", [["state", "!=", "draft"]], ["name"], order="name desc", limit=2, offset=0
    )
    assert [r["name"] for r in page.records] == ["S00004", "S00003"] and page.total == 3
    last = await source.search_read(
        bob, "sale.order", [["state", "!=", "draft"]], ["name"], order="name desc", limit=2, offset=2
    )
    assert [r["name"] for r in last.records] == ["S00002"] and last.total == 3


async def test_search_read_without_fields_returns_the_default_fields_and_no_binary(source, bob):
    page = await source.search_read(bob, "res.partner", [["name", "=", "Azure Interior"]], [], limit=5)
    assert set(page.records[0]) == {"id", "name", "email", "phone", "create_date", "is_company", "parent_id"}


async def test_a_domain_through_a_many2one_path_is_passed_to_odoo(source, bob):
    page = await source.search_read(bob, "sale.order", [["partner_id.name", "ilike", "azure"]], ["name"], limit=10)
    assert [r["name"] for r in page.records] == ["S00001", "S00003"]


async def test_unknown_and_denied_fields_are_refused_before_any_call(source, knobs, bob):
    await source.describe_model(bob, "res.partner")
    before = len(knobs.calls)
    with pytest.raises(UnknownField) as caught:
        await source.search_read(bob, "res.partner", [], ["name", "colour"], limit=5)
    assert str(caught.value) == (
        "res.partner has no field 'colour'; call describe_model with model='res.partner' to see its fields."
    )
    with pytest.raises(UnknownField, match=re.escape("no field 'signup_token'")):
        await source.search_read(bob, "res.partner", [["signup_token", "=", "s3cr3t"]], ["name"], limit=5)
    with pytest.raises(UnknownField, match=re.escape("no field 'parent_id.signup_token'")):
        await source.count(bob, "res.partner", [["parent_id.signup_token", "!=", False]])
    assert len(knobs.calls) == before


async def test_a_malformed_domain_is_refused_with_the_element_that_is_wrong(source, bob):
    with pytest.raises(InvalidDomain) as caught:
        await source.count(bob, "res.partner", [["name", "="]])
    assert str(caught.value) == (
        "domain element ['name', '='] is neither '&', '|', '!' nor a [field, operator, value] triple; "
        "write conditions like ['state', '=', 'sale']."
    )
    with pytest.raises(InvalidDomain, match=re.escape("is not 'field [asc|desc], ...'")):
        await source.search_read(bob, "res.partner", [], ["name"], order="name sideways", limit=5)


async def test_read_returns_records_in_the_order_asked(source, bob):
    records = await source.read(bob, "res.partner", [9, 1, 3], ["name"])
    assert [r["id"] for r in records] == [9, 1, 3]
    assert records[0] == {"id": 9, "name": "Brandon Freeman"}


async def test_read_names_the_ids_that_do_not_exist_or_are_hidden(source, alice):
    with pytest.raises(MissingRecords) as caught:
        await source.read(alice, "sale.order", [1, 2, 99], ["name"])
    assert str(caught.value) == (
        "sale.order has no records with ids 2, 99 (or you may not see them); search_records finds the ids that exist."
    )


async def test_count_applies_the_record_rules_of_the_user(source, alice, bob):
    assert await source.count(alice, "sale.order", [["state", "=", "sale"]]) == 1
    assert await source.count(bob, "sale.order", [["state", "=", "sale"]]) == 2


async def test_aggregate_groups_by_field_and_month_with_measures(source, bob):
    rows = await source.aggregate(
        bob,
        "sale.order",
        [["state", "!=", "cancel"]],
        ["date_order:month"],
        ["amount_total:sum", "amount_total:avg", "__count"],
    )
    assert rows == [
        {"date_order:month": "2025-01-01", "amount_total:sum": 1080.0, "amount_total:avg": 540.0, "__count": 2},
        {"date_order:month": "2025-02-01", "amount_total:sum": 240.0, "amount_total:avg": 240.0, "__count": 1},
    ]


async def test_aggregate_groups_many2one_as_id_and_name_and_counts_distinct(source, bob, alice):
    rows = await source.aggregate(bob, "sale.order", [], ["partner_id"], ["amount_total:max", "user_id:count_distinct"])
    assert rows[0] == {"partner_id": [3, "Azure Interior"], "amount_total:max": 600.0, "user_id:count_distinct": 1}
    assert len(rows) == 3
    mine = await source.aggregate(alice, "sale.order", [], ["partner_id"], ["__count"])
    assert mine == [{"partner_id": [3, "Azure Interior"], "__count": 2}]


async def test_aggregate_without_group_by_gives_one_row_over_everything(source, bob):
    assert await source.aggregate(bob, "sale.order", [], [], ["amount_total:sum", "__count"]) == [
        {"amount_total:sum": 2520.0, "__count": 4}
    ]
    assert await source.aggregate(bob, "sale.order", [["id", "=", 0]], [], ["__count"]) == [{"__count": 0}]


async def test_aggregate_refuses_bad_grouping_and_measures(source, bob):
    with pytest.raises(InvalidArguments) as caught:
        await source.aggregate(bob, "sale.order", [], ["state:month"], ["__count"])
    assert str(caught.value) == (
        "group_by 'state:month': a ':month' part needs a date field and one of day, week, month, quarter, year."
    )
    with pytest.raises(InvalidArguments, match=re.escape("measure 'amount_total:median' is not 'field:function'")):
        await source.aggregate(bob, "sale.order", [], ["state"], ["amount_total:median"])
    with pytest.raises(UnknownField, match=re.escape("sale.order has no field 'revenue'")):
        await source.aggregate(bob, "sale.order", [], ["state"], ["revenue:sum"])


async def test_name_search_resolves_a_name_to_ids(source, bob):
    assert await source.name_search(bob, "res.partner", "azure", limit=5) == [(3, "Azure Interior")]
    assert await source.name_search(bob, "res.partner", "nobody", limit=5) == []
