"""SqlSource through the DataSource port: records in Odoo's shapes, paging, ordering, name search, status."""

from __future__ import annotations

import pytest

from bastion.sources.errors import InvalidArguments, MissingRecords, UnknownField
from bastion.sources.port import DataSource
from bastion.sources.sql import SqlSource
from tests.sources.sql.conftest import ALICE


async def test_a_sql_source_is_a_data_source_that_reads_only_by_default(source: SqlSource) -> None:
    assert isinstance(source, DataSource)
    assert source.kind == "sql"
    assert source.capabilities == frozenset()


async def test_records_read_in_odoo_shapes(source: SqlSource) -> None:
    page = await source.search_read(
        ALICE, "res.partner", [["id", "in", [1, 7]]],
        ["name", "country_id", "is_company", "credit_limit", "created", "parent_id", "email"], limit=10,
    )  # fmt: skip

    assert page.records == [
        {"id": 1, "name": "Azure Interior", "country_id": [1, "Belgium"], "is_company": True, "credit_limit": 5000.0,
         "created": "2025-01-10", "parent_id": False, "email": "info@azure.example"},
        {"id": 7, "name": "Ready Mat", "country_id": False, "is_company": False, "credit_limit": 0.0,
         "created": False, "parent_id": False, "email": False},
    ]  # fmt: skip
    assert page.total == 2


async def test_datetimes_read_as_utc_strings_and_display_name_as_the_name(source: SqlSource) -> None:
    [order] = await source.read(ALICE, "sale.order", [2], ["date_order", "display_name", "partner_id", "state"])

    assert order == {
        "id": 2, "date_order": "2025-03-31 23:59:59", "display_name": "S00002", "partner_id": [1, "Azure Interior"],
        "state": "sale",
    }  # fmt: skip


async def test_without_fields_a_search_returns_the_compact_defaults_and_no_binary(source: SqlSource) -> None:
    page = await source.search_read(ALICE, "res.partner", [["id", "=", 2]], [], limit=5)
    described = await source.describe_model(ALICE, "res.partner")

    assert list(page.records[0]) == list(described.default_fields)
    assert "image" not in page.records[0]


async def test_binary_fields_read_as_base64_when_asked(source: SqlSource) -> None:
    [record] = await source.read(ALICE, "res.partner", [2], ["image"])

    assert record == {"id": 2, "image": "iVBORw=="}


async def test_pages_carry_the_total_of_every_matching_record(source: SqlSource) -> None:
    first = await source.search_read(ALICE, "sale.order", [], ["name"], limit=3)
    last = await source.search_read(ALICE, "sale.order", [], ["name"], limit=3, offset=6)
    beyond = await source.search_read(ALICE, "sale.order", [], ["name"], limit=3, offset=20)

    assert [r["id"] for r in first.records] == [1, 2, 3] and first.total == 8
    assert [r["id"] for r in last.records] == [7, 8] and last.total == 8
    assert beyond.records == [] and beyond.total == 8


async def test_order_sorts_on_fields_and_a_many2one_on_the_related_name(source: SqlSource) -> None:
    by_amount = await source.search_read(ALICE, "sale.order", [], ["amount_total"], order="amount_total desc", limit=3)
    by_partner = await source.search_read(
        ALICE, "sale.order", [], ["partner_id"], order="partner_id, date_order DESC", limit=4
    )

    assert [r["id"] for r in by_amount.records] == [4, 7, 1]
    assert [r["partner_id"][1] for r in by_partner.records] == ["Azure Interior"] * 3 + ["Brandon Freeman"]
    assert [r["id"] for r in by_partner.records] == [7, 2, 1, 6]


@pytest.mark.parametrize(
    ("order", "ids"),
    [
        # Empty values sort as on Odoo's PostgreSQL, on every database: last ascending, first descending.
        ("country_id.code, id", [1, 4, 2, 3, 5, 6, 7, 8]),
        ("country_id.code desc, id", [5, 6, 7, 8, 3, 2, 1, 4]),
        ("country_id.code asc nulls first, id", [5, 6, 7, 8, 1, 4, 2, 3]),
        ("created desc nulls last, id", [3, 2, 1, 4, 5, 6, 7, 8]),
        ("created NULLS FIRST, id", [4, 5, 6, 7, 8, 1, 2, 3]),
        # A path through two many2one fields: the parent's country.
        ("parent_id.country_id.name, id", [4, 5, 6, 1, 2, 3, 7, 8]),
    ],
)
async def test_order_follows_paths_and_places_empty_values_alike_on_every_database(
    source: SqlSource, order: str, ids: list[int]
) -> None:
    page = await source.search_read(ALICE, "res.partner", [], ["name"], order=order, limit=20)

    assert [record["id"] for record in page.records] == ids


@pytest.mark.parametrize(
    ("order", "error", "message"),
    [
        (
            "amount_total downwards",
            InvalidArguments,
            "order part 'amount_total downwards' is not 'field [asc|desc] [nulls first|nulls last]': "
            "write e.g. 'amount_total desc, partner_id.name nulls first, id'.",
        ),
        (
            "amount desc",
            UnknownField,
            "order 'amount': sale.order has no field 'amount' (did you mean "
            "'amount_total'?): describe_model('sale.order') lists its fields.",
        ),
        (
            "name.id",
            InvalidArguments,
            "order 'name.id': name is a char field of sale.order; a path goes through many2one fields only, "
            "e.g. 'partner_id.name'.",
        ),
        (
            "partner_id.nope",
            UnknownField,
            "order 'partner_id.nope': res.partner has no field 'nope' (did you mean 'notes'?): "
            "describe_model('res.partner') lists its fields.",
        ),
        (
            "amount_total desc nulls sometimes",
            InvalidArguments,
            "order part 'amount_total desc nulls sometimes' is not 'field [asc|desc] [nulls first|nulls last]': "
            "write e.g. 'amount_total desc, partner_id.name nulls first, id'.",
        ),
        (
            "id; DROP TABLE sale_order",
            InvalidArguments,
            "order part 'id; DROP TABLE sale_order' is not 'field [asc|desc] [nulls first|nulls last]': "
            "write e.g. 'amount_total desc, partner_id.name nulls first, id'.",
        ),
    ],
)
async def test_a_wrong_order_is_refused_saying_how_to_write_it(
    source: SqlSource, order: str, error: type[Exception], message: str
) -> None:
    with pytest.raises(error) as refused:
        await source.search_read(ALICE, "sale.order", [], [], order=order, limit=5)

    assert str(refused.value) == message


async def test_read_returns_records_in_the_order_of_the_ids(source: SqlSource) -> None:
    records = await source.read(ALICE, "res.country", [3, 1, 3], ["code"])

    assert records == [{"id": 3, "code": "US"}, {"id": 1, "code": "BE"}]


async def test_read_names_the_ids_that_do_not_exist(source: SqlSource) -> None:
    with pytest.raises(MissingRecords) as refused:
        await source.read(ALICE, "res.country", [1, 40, 41], ["name"])

    assert str(refused.value) == "res.country has no records with ids 40, 41: search_records finds the ids that exist."
    assert refused.value.code == "missing_records"


async def test_unknown_fields_and_malformed_arguments_are_refused(source: SqlSource) -> None:
    with pytest.raises(UnknownField) as unknown:
        await source.search_read(ALICE, "res.partner", [], ["name", "emial"], limit=5)
    with pytest.raises(InvalidArguments) as not_a_list:
        await source.search_read(ALICE, "res.partner", [], "name", limit=5)  # type: ignore[arg-type]
    with pytest.raises(InvalidArguments) as negative:
        await source.search_read(ALICE, "res.partner", [], [], limit=-1)

    assert str(unknown.value) == (
        "fields: res.partner has no field 'emial' (did you mean 'email'?): describe_model('res.partner') lists its "
        "fields."
    )
    assert str(not_a_list.value) == "fields is a list of field names such as ['name', 'email'], not 'name'."
    assert str(negative.value) == "limit is a whole number, 0 or more, not -1."


async def test_count_counts_the_matching_records(source: SqlSource) -> None:
    assert await source.count(ALICE, "sale.order", [["state", "=", "sale"]]) == 5
    assert await source.count(ALICE, "sale.order", []) == 8


async def test_name_search_finds_display_names_containing_the_text(source: SqlSource) -> None:
    assert await source.name_search(ALICE, "res.partner", "AZ", limit=5) == [(1, "Azure Interior"), (5, "Colleen Diaz")]
    assert await source.name_search(ALICE, "res.partner", "100%", limit=5) == [(8, "O'Brien 100% _real_")]
    assert await source.name_search(ALICE, "res.partner", "", limit=2) == [
        (1, "Azure Interior"),
        (4, "Brandon Freeman"),
    ]


async def test_name_search_refuses_a_nul_like_every_text_value(source: SqlSource) -> None:
    # Found by the fuzz suite: SQLite cut the text at the NUL (and matched every name with an "a"),
    # PostgreSQL refused it deep in the driver.
    with pytest.raises(InvalidArguments) as refused:
        await source.name_search(ALICE, "res.partner", "a\x00b", limit=5)
    assert str(refused.value) == "name cannot hold the NUL character (\\x00): leave it out of the text to look for."


async def test_test_connection_names_the_database_and_the_identity(source: SqlSource, sample_url: str) -> None:
    status = await source.test(ALICE)

    expected = {"sqlite": "SQLite", "postgresql": "PostgreSQL", "mysql": "MariaDB"}[sample_url.split(":")[0]]
    assert status.version.startswith(expected + " ")
    assert (status.kind, status.protocol, status.identity) == ("sql", "sqlalchemy", "alice")
    assert status.detail == "3 models, read-only"
