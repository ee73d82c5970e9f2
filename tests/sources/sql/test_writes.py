"""Writes on the SQL source: only when the administrator made it writable, each call in one transaction."""

from __future__ import annotations

import pytest

from bastion.sources.errors import InvalidArguments, MissingRecords, ReadOnlySource, UnknownField, ValidationFailed
from bastion.sources.port import Capability
from bastion.sources.sql import SqlSource
from tests.sources.sql.conftest import ALICE


async def test_a_read_only_source_refuses_every_write_saying_how_to_allow_it(source: SqlSource) -> None:
    message = (
        "this SQL source is read-only: an administrator can allow writes with `bastion source set-sql URL --writable`."
    )
    for write in (
        source.create(ALICE, "res.country", [{"name": "Spain"}]),
        source.update(ALICE, "res.country", [1], {"name": "Belgique"}),
        source.delete(ALICE, "res.country", [4]),
    ):
        with pytest.raises(ReadOnlySource) as refused:
            await write
        assert str(refused.value) == message
        assert refused.value.code == "read_only"
    assert await source.count(ALICE, "res.country", []) == 4


async def test_a_writable_source_creates_records_and_returns_their_ids_in_order(writable: SqlSource) -> None:
    assert Capability.WRITE in writable.capabilities
    ids = await writable.create(
        ALICE, "res.partner",
        [{"name": "Lumber Inc", "is_company": True, "country_id": 2, "created": "2026-03-01", "kind": "vendor",
          "credit_limit": 99.5, "image": "iVBORw=="},
         {"name": "Jo Lumber", "parent_id": 1}],
    )  # fmt: skip

    records = await writable.read(
        ALICE, "res.partner", ids, ["name", "country_id", "created", "kind", "credit_limit", "parent_id", "image"]
    )
    assert records == [
        {"id": ids[0], "name": "Lumber Inc", "country_id": [2, "France"], "created": "2026-03-01", "kind": "vendor",
         "credit_limit": 99.5, "parent_id": False, "image": "iVBORw=="},
        {"id": ids[1], "name": "Jo Lumber", "country_id": False, "created": False, "kind": False,
         "credit_limit": False, "parent_id": [1, "Azure Interior"], "image": False},
    ]  # fmt: skip


async def test_a_create_of_several_records_writes_all_or_none(writable: SqlSource) -> None:
    with pytest.raises(ValidationFailed) as refused:
        await writable.create(ALICE, "res.partner", [{"name": "Good"}, {"name": "Bad", "country_id": 99}])

    assert str(refused.value) == (
        "values: country_id refers to res.country id 99, which does not exist: find_by_name('res.country', ...) "
        "finds the right id."
    )
    assert await writable.count(ALICE, "res.partner", [["name", "=", "Good"]]) == 0


async def test_a_create_missing_required_fields_names_them(writable: SqlSource) -> None:
    with pytest.raises(ValidationFailed) as refused:
        await writable.create(ALICE, "sale.order", [{"name": "S1"}])

    assert str(refused.value) == (
        "sale.order needs partner_id, state, date_order, amount_total to create a record: add them to values."
    )


@pytest.mark.parametrize(
    ("values", "error", "message"),
    [
        (
            {"name": "X", "colour": "red"},
            UnknownField,
            "values: res.partner has no field 'colour': describe_model('res.partner') lists its fields.",
        ),
        ({"name": "X", "id": 50}, InvalidArguments, "values: id of res.partner is read-only; leave it out."),
        (
            {"name": "X", "kind": "friend"},
            InvalidArguments,
            "values: kind is a selection field and takes one of 'customer', 'vendor', not 'friend'.",
        ),
        (
            {"name": "X", "credit_limit": "many"},
            InvalidArguments,
            "values: credit_limit is a monetary field and needs a number, not 'many'.",
        ),
        ({"name": False}, ValidationFailed, "values: name is required on res.partner and cannot be empty."),
        (
            {"name": "X", "password": "x"},
            UnknownField,
            "values: res.partner has no field 'password': describe_model('res.partner') lists its fields.",
        ),
    ],
)
async def test_wrong_values_are_refused_before_any_write(
    writable: SqlSource, values: dict[str, object], error: type[Exception], message: str
) -> None:
    with pytest.raises(error) as refused:
        await writable.create(ALICE, "res.partner", [values])

    assert str(refused.value) == message
    assert await writable.count(ALICE, "res.partner", []) == 8


async def test_update_changes_every_named_record(writable: SqlSource) -> None:
    await writable.update(ALICE, "sale.order", [3, 5], {"state": "sent", "date_order": "2026-04-01 10:00:00"})

    records = await writable.read(ALICE, "sale.order", [3, 5], ["state", "date_order"])
    assert records == [
        {"id": 3, "state": "sent", "date_order": "2026-04-01 10:00:00"},
        {"id": 5, "state": "sent", "date_order": "2026-04-01 10:00:00"},
    ]


async def test_update_and_delete_of_missing_records_change_nothing(writable: SqlSource) -> None:
    with pytest.raises(MissingRecords) as update:
        await writable.update(ALICE, "res.country", [1, 77], {"name": "Nowhere"})
    with pytest.raises(MissingRecords) as delete:
        await writable.delete(ALICE, "res.country", [4, 77])

    assert str(update.value) == "res.country has no record with id 77: search_records finds the ids that exist."
    assert str(delete.value) == str(update.value)
    assert await writable.read(ALICE, "res.country", [1, 4], ["name"]) == [
        {"id": 1, "name": "Belgium"}, {"id": 4, "name": "Germany"}
    ]  # fmt: skip


async def test_delete_removes_records_and_refuses_those_others_still_point_to(writable: SqlSource) -> None:
    await writable.delete(ALICE, "sale.order", [5])
    with pytest.raises(ValidationFailed) as refused:
        await writable.delete(ALICE, "res.country", [1])

    assert await writable.count(ALICE, "sale.order", [["id", "=", 5]]) == 0
    assert str(refused.value) == (
        "the database refused the change: it breaks a uniqueness or reference constraint (a duplicate value, or other "
        "records still point to these): check the values and related records."
    )
    assert await writable.count(ALICE, "res.country", [["id", "=", 1]]) == 1
