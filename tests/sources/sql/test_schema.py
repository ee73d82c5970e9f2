from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import create_async_engine

from bastion.sources.errors import UnknownField, UnknownModel
from bastion.sources.sql import SqlSource, async_url
from tests.sources.sql import sample
from tests.sources.sql.conftest import ALICE


async def test_tables_with_a_single_column_key_become_models_named_as_in_odoo(source: SqlSource) -> None:
    models = {model.name: model for model in await source.list_models(ALICE)}

    assert sorted(models) == ["res.country", "res.partner", "sale.order"]
    assert models["res.partner"].label == "Contact"
    assert models["sale.order"].description.startswith("Quotations and sales orders")


async def test_denied_models_and_secret_columns_are_never_exposed(source: SqlSource) -> None:
    partner = await source.describe_model(ALICE, "res.partner")
    names = [field.name for field in partner.fields]

    assert "password" not in names and "signup_token" not in names
    with pytest.raises(UnknownModel) as refused:
        await source.describe_model(ALICE, "res.users.apikeys")
    assert str(refused.value) == "there is no model 'res.users.apikeys': list_models names the models of this source."
    with pytest.raises(UnknownField) as unknown:
        await source.read(ALICE, "res.partner", [1], ["password"])
    assert str(unknown.value) == (
        "fields: res.partner has no field 'password': describe_model('res.partner') lists its fields."
    )


async def test_an_unknown_model_suggests_the_closest_name(source: SqlSource) -> None:
    with pytest.raises(UnknownModel) as refused:
        await source.describe_model(ALICE, "res.partners")

    assert str(refused.value) == (
        "there is no model 'res.partners' (did you mean 'res.partner'?): list_models names the models of this source."
    )


async def test_columns_become_fields_with_odoo_types(source: SqlSource) -> None:
    partner = await source.describe_model(ALICE, "res.partner")
    order = await source.describe_model(ALICE, "sale.order")
    types = {field.name: field.type for field in (*partner.fields, *order.fields)}

    shown = ("id", "email", "notes", "is_company", "credit_limit", "created", "image")
    assert {name: types[name] for name in shown} == {
        "id": "integer", "email": "char", "notes": "text", "is_company": "boolean", "credit_limit": "monetary",
        "created": "date", "image": "binary",
    }  # fmt: skip
    assert types["date_order"] == "datetime"
    key = partner.field("id")
    assert key is not None and key.readonly and not key.required
    name = partner.field("name")
    assert name is not None and name.required and name.label == "Name"
    country = partner.field("country_id")
    assert country is not None and (country.type, country.relation, country.label) == (
        "many2one",
        "res.country",
        "Country",
    )
    customer = order.field("partner_id")
    assert customer is not None and customer.required and customer.relation == "res.partner"


async def test_check_constraints_make_selection_fields(source: SqlSource) -> None:
    partner = await source.describe_model(ALICE, "res.partner")
    order = await source.describe_model(ALICE, "sale.order")
    kind, state = partner.field("kind"), order.field("state")

    assert kind is not None and kind.type == "selection"
    assert kind.selection == (("customer", "Customer"), ("vendor", "Vendor"))
    assert state is not None and state.type == "selection"
    assert [value for value, _ in state.selection or ()] == ["draft", "sent", "sale", "cancel"]


async def test_default_fields_are_compact_and_leave_out_binary_and_long_text(source: SqlSource) -> None:
    partner = await source.describe_model(ALICE, "res.partner")

    assert partner.name_field == "name"
    assert partner.default_fields[:2] == ("id", "name")
    assert len(partner.default_fields) <= 10
    assert "image" not in partner.default_fields and "notes" not in partner.default_fields


async def test_the_name_field_is_the_first_text_column_when_there_is_no_name(tmp_path) -> None:
    url = f"sqlite:///{tmp_path / 'plain.db'}"
    extra = sa.MetaData()
    sa.Table("stock_lot", extra, sa.Column("id", sa.Integer, primary_key=True), sa.Column("quantity", sa.Integer),
             sa.Column("ref", sa.String(20)), sa.Column("comment", sa.Text))  # fmt: skip
    engine = create_async_engine(async_url(url))
    async with engine.begin() as connection:
        await connection.run_sync(extra.create_all)
    await engine.dispose()
    source = SqlSource(url)
    try:
        lot = await source.describe_model(ALICE, "stock.lot")
    finally:
        await source.aclose()

    assert lot.name_field == "ref"
    assert lot.model.label == "Stock Lot"


async def test_bastion_own_tables_are_hidden_when_the_database_holds_them(tmp_path) -> None:
    url = f"sqlite:///{tmp_path / 'shared.db'}"
    extra = sa.MetaData()
    for name in ("users", "connections", "tokens", "audit_events", "server_settings"):
        sa.Table(name, extra, sa.Column("id", sa.Integer, primary_key=True), sa.Column("name", sa.String(20)))
    sa.Table("res_country", extra, sa.Column("id", sa.Integer, primary_key=True), sa.Column("name", sa.String(20)))
    engine = create_async_engine(async_url(url))
    async with engine.begin() as connection:
        await connection.run_sync(extra.create_all)
    await engine.dispose()
    source = SqlSource(url)
    try:
        names = [model.name for model in await source.list_models(ALICE)]
    finally:
        await source.aclose()

    assert names == ["res.country"]


async def test_the_schema_is_reflected_once_and_again_after_refresh(source: SqlSource, sample_url: str) -> None:
    await source.list_models(ALICE)
    extra = sa.MetaData()
    sa.Table("hr_employee", extra, sa.Column("id", sa.Integer, primary_key=True), sa.Column("name", sa.String(20)))
    engine = create_async_engine(async_url(sample_url))
    async with engine.begin() as connection:
        await connection.run_sync(extra.create_all)
    await engine.dispose()
    try:
        before = [model.name for model in await source.list_models(ALICE)]
        source.refresh()
        after = [model.name for model in await source.list_models(ALICE)]
    finally:
        await sample.drop(sample_url, extra)

    assert "hr.employee" not in before
    assert "hr.employee" in after
