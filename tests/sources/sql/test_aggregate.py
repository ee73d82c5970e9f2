"""aggregate on the SQL source: group keys and labels as Odoo writes them, on every dialect."""

from __future__ import annotations

import datetime as dt

import pytest

from bastion.sources.errors import InvalidArguments, UnknownField
from bastion.sources.sql import SqlSource
from bastion.sources.sql.aggregate import period_start
from tests.sources.sql.conftest import ALICE


@pytest.mark.parametrize(
    ("day", "expected"),
    [(dt.date(2026, 1, 26), "2026-01-26"), (dt.datetime(2026, 4, 1, 0, 0), "2026-04-01"), ("2026-01-01", "2026-01-01")],
)
def test_a_date_group_is_the_first_day_of_its_period_as_an_iso_date(day: object, expected: str) -> None:
    assert period_start(day) == expected


def test_an_empty_date_group_is_false_as_in_odoo() -> None:
    assert period_start(None) is False


async def test_top_customers_by_revenue(source: SqlSource) -> None:
    rows = await source.aggregate(
        ALICE, "sale.order", [["state", "=", "sale"]], ["partner_id"], ["amount_total:sum", "__count"],
        order="amount_total:sum desc", limit=2,
    )  # fmt: skip

    assert rows == [
        {"partner_id": [1, "Azure Interior"], "amount_total:sum": 4850.25, "__count": 3},
        {"partner_id": [2, "Deco Addict"], "amount_total:sum": 4000.0, "__count": 1},
    ]


@pytest.mark.parametrize(
    ("part", "expected"),
    [
        ("day", ["2025-01-15", "2025-03-31", "2025-12-29", "2026-02-14", "2026-02-28"]),
        ("week", ["2025-01-13", "2025-03-31", "2025-12-29", "2026-02-09", "2026-02-23"]),
        ("month", ["2025-01-01", "2025-03-01", "2025-12-01", "2026-02-01"]),
        ("quarter", ["2025-01-01", "2025-10-01", "2026-01-01"]),
        ("year", ["2025-01-01", "2026-01-01"]),
    ],
)
async def test_datetimes_group_by_day_week_month_quarter_and_year(
    source: SqlSource, part: str, expected: list[str]
) -> None:
    rows = await source.aggregate(ALICE, "sale.order", [["state", "=", "sale"]], [f"date_order:{part}"], ["__count"])

    assert [row[f"date_order:{part}"] for row in rows] == expected


@pytest.mark.parametrize(
    ("tz", "expected"),
    [
        # S00002 was placed at 23:59:59 UTC on 31 March 2025: already 1 April in Brussels (UTC+2 since 30 March).
        ("Europe/Brussels", {"2025-01-01": 1, "2025-04-01": 2, "2025-12-01": 1, "2026-01-01": 2, "2026-02-01": 2}),
        # Midnight UTC on 1 April 2025 (S00003) is still 31 March in Los Angeles; 08:00 UTC on 1 January 2026
        # (S00005) is midnight there, so January.
        ("America/Los_Angeles", {"2025-01-01": 1, "2025-03-01": 2, "2025-12-01": 1, "2026-01-01": 2, "2026-02-01": 2}),
        ("UTC", {"2025-01-01": 1, "2025-03-01": 1, "2025-04-01": 1, "2025-12-01": 1, "2026-01-01": 2, "2026-02-01": 2}),
    ],
)  # fmt: skip
async def test_datetimes_group_by_the_local_day_of_the_time_zone_in_the_context(
    source: SqlSource, tz: str, expected: dict[str, int]
) -> None:
    schema = await source.schema()
    if not schema.named_time_zones and tz != "UTC":
        with pytest.raises(InvalidArguments, match="no time zone tables"):
            await source.aggregate(ALICE, "sale.order", [], ["date_order:month"], ["__count"], context={"tz": tz})
        return

    rows = await source.aggregate(ALICE, "sale.order", [], ["date_order:month"], ["__count"], context={"tz": tz})

    assert {row["date_order:month"]: row["__count"] for row in rows} == expected


async def test_an_unknown_time_zone_is_refused_saying_what_to_write(source: SqlSource) -> None:
    with pytest.raises(InvalidArguments) as refused:
        await source.aggregate(ALICE, "sale.order", [], ["date_order:day"], ["__count"], context={"tz": "Mars/Olympus"})

    assert str(refused.value) == "context.tz 'Mars/Olympus' is not a time zone: write one such as 'Europe/Brussels'."


async def test_dates_group_by_month_when_no_part_is_given(source: SqlSource) -> None:
    rows = await source.aggregate(ALICE, "res.partner", [["created", "!=", False]], ["created"], ["__count"])

    assert rows == [{"created": "2025-01-01", "__count": 1}, {"created": "2025-06-01", "__count": 1},
                    {"created": "2026-02-01", "__count": 1}]  # fmt: skip


async def test_several_groups_and_measures_in_one_call(source: SqlSource) -> None:
    rows = await source.aggregate(
        ALICE, "sale.order", [["date_order", ">=", "2026-01-01"]], ["date_order:month", "state"],
        ["amount_total:max", "amount_total:avg", "partner_id:count_distinct", "date_order:min"],
    )  # fmt: skip

    assert rows == [
        {"date_order:month": "2026-01-01", "state": "cancel", "amount_total:max": 10.0, "amount_total:avg": 10.0,
         "partner_id:count_distinct": 1, "date_order:min": "2026-01-01 08:00:00"},
        {"date_order:month": "2026-01-01", "state": "sent", "amount_total:max": 720.0, "amount_total:avg": 720.0,
         "partner_id:count_distinct": 1, "date_order:min": "2026-01-05 10:00:00"},
        {"date_order:month": "2026-02-01", "state": "sale", "amount_total:max": 3100.0, "amount_total:avg": 1572.75,
         "partner_id:count_distinct": 2, "date_order:min": "2026-02-14 16:45:00"},
    ]  # fmt: skip


async def test_without_group_by_one_row_covers_every_matching_record(source: SqlSource) -> None:
    everything = await source.aggregate(ALICE, "sale.order", [], [], ["amount_total:sum", "__count"])
    nothing = await source.aggregate(ALICE, "sale.order", [["id", "<", 0]], [], ["amount_total:sum", "__count"])

    assert everything == [{"amount_total:sum": 9725.74, "__count": 8}]
    assert nothing == [{"amount_total:sum": 0.0, "__count": 0}]


async def test_empty_groups_read_as_false(source: SqlSource) -> None:
    rows = await source.aggregate(ALICE, "res.partner", [["is_company", "=", True]], ["kind", "country_id"], [])

    assert rows == [
        {"kind": "customer", "country_id": [1, "Belgium"], "__count": 1},
        {"kind": "customer", "country_id": [2, "France"], "__count": 1},
        {"kind": "vendor", "country_id": [3, "United States"], "__count": 1},
    ]


@pytest.mark.parametrize(
    ("group_by", "measures", "order", "error", "message"),
    [
        (
            ["state:month"],
            [],
            "",
            InvalidArguments,
            "group_by 'state:month': only date and datetime fields take a part such as ':month'.",
        ),
        (
            ["date_order:hour"],
            [],
            "",
            InvalidArguments,
            "group_by 'date_order:hour': the date part must be one of day, week, month, quarter, year.",
        ),
        (
            ["customer"],
            [],
            "",
            UnknownField,
            "group_by 'customer': sale.order has no field 'customer': describe_model('sale.order') lists its fields.",
        ),
        (
            [],
            ["amount_total:median"],
            "",
            InvalidArguments,
            "measure 'amount_total:median': write field:function "
            "with one of sum, avg, min, max, count_distinct, or "
            "'__count'.",
        ),
        (
            [],
            ["state:sum"],
            "",
            InvalidArguments,
            "measure 'state:sum': sum does not apply to state, a selection field.",
        ),
        (
            ["state"],
            ["__count"],
            "total desc",
            InvalidArguments,
            "order 'total' is neither a group_by entry nor a "
            "measure of this aggregate: order on one of "
            "'state', '__count'.",
        ),
        (
            "state",
            [],
            "",
            InvalidArguments,
            "group_by is a list of strings such as ['state', 'date_order:month'], not 'state'.",
        ),
    ],
)
async def test_wrong_groupings_and_measures_are_refused(
    source: SqlSource, group_by: list[str], measures: list[str], order: str, error: type[Exception], message: str
) -> None:
    with pytest.raises(error) as refused:
        await source.aggregate(ALICE, "sale.order", [], group_by, measures, order=order)

    assert str(refused.value) == message
