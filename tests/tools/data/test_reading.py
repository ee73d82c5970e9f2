"""The read tools over the fake source: paging envelope, limits, default and binary fields, aggregates, names."""

from __future__ import annotations

from dataclasses import replace

import pytest

from bastion.tools.data.reading import (
    MAX_OFFSET,
    aggregate_records,
    count_records,
    describe_model,
    find_by_name,
    get_records,
    list_models,
    search_records,
)
from bastion.tools.registry import ToolError


async def test_search_pages_with_total_has_more_and_next_offset(env):
    first = await search_records(env, "res.partner", fields=["name"], order="name", limit=4)
    assert first["records"] == [
        {"id": 1, "name": "Azure Interior"},
        {"id": 2, "name": "Deco Addict"},
        {"id": 3, "name": "Gemini Furniture"},
        {"id": 4, "name": "Lumber Inc"},
    ]
    assert (first["total"], first["has_more"], first["next_offset"]) == (6, True, 4)
    last = await search_records(env, "res.partner", fields=["name"], order="name", limit=4, offset=first["next_offset"])
    assert [record["name"] for record in last["records"]] == ["Ready Mat", "Wood Corner"]
    assert (last["total"], last["has_more"], last["next_offset"]) == (6, False, None)


async def test_search_without_a_limit_reads_the_default_limit(env, source):
    await search_records(env, "res.partner", fields=["name"])
    assert source.calls[-1][1][4] == 50
    small = replace(env, default_limit=2)
    result = await search_records(small, "res.partner", fields=["name"])
    assert (len(result["records"]), result["next_offset"]) == (2, 2)


async def test_a_limit_over_the_maximum_is_refused_with_the_maximum_not_clamped(env, source):
    with pytest.raises(ToolError) as refused:
        await search_records(env, "res.partner", limit=501)
    assert str(refused.value) == (
        "limit 501 is over the maximum of 500: ask for at most 500 and fetch the rest with offset "
        "(each result gives next_offset)."
    )
    assert source.calls == []
    with pytest.raises(ToolError, match="over the maximum of 20"):
        await search_records(replace(env, max_limit=20), "res.partner", limit=21)


@pytest.mark.parametrize("tool", [search_records, aggregate_records])
async def test_an_offset_beyond_what_any_source_takes_is_refused_before_any_io(env, source, tool):
    # Found by the fuzz suite: 10**30 reached SQLite ("Python int too large to convert to SQLite INTEGER").
    with pytest.raises(ToolError) as refused:
        await tool(env, "res.partner", offset=10**30)
    assert str(refused.value) == (
        f"offset {10**30} is over the maximum of {MAX_OFFSET}; use the next_offset of the previous page."
    )
    assert source.calls == []


async def test_without_fields_the_model_defaults_are_read_and_binary_fields_left_out(env):
    result = await search_records(env, "res.partner", domain=[["id", "=", 1]])
    assert result["fields"] == ["name", "email", "city", "country_id"]
    assert result["records"] == [
        {"id": 1, "name": "Azure Interior", "email": "info@azure.example", "city": "Brussels",
         "country_id": [1, "Belgium"]}
    ]  # fmt: skip


async def test_a_binary_field_is_read_when_named(env):
    result = await get_records(env, "res.partner", [1], fields=["image_1920"])
    assert result["records"] == [{"id": 1, "image_1920": "iVBORy4uLg=="}]


async def test_a_model_without_defaults_gets_a_compact_few_fields_never_every_field(env):
    result = await search_records(env, "x.wide")
    assert result["fields"] == ["x_name"] + [f"x_field_{n}" for n in range(7)]
    assert "x_doc" not in result["records"][0] and "x_tags" not in result["records"][0]


async def test_an_unknown_field_is_refused_with_close_names_before_the_search(env, source):
    with pytest.raises(ToolError) as refused:
        await search_records(env, "res.partner", fields=["name", "emial"])
    assert str(refused.value) == (
        "Unknown field 'emial' on res.partner. Did you mean 'email'? "
        "Call describe_model with model 'res.partner' for its fields."
    )
    assert [name for name, _ in source.calls] == ["describe_model"]


async def test_a_domain_on_an_unknown_field_is_refused_before_the_search(env, source):
    with pytest.raises(ToolError, match=r"Unknown domain field 'town' on res\.partner"):
        await search_records(env, "res.partner", domain=[["town", "=", "Paris"]])
    assert [name for name, _ in source.calls] == ["describe_model"]


async def test_a_malformed_domain_is_refused_before_any_io(env, source):
    with pytest.raises(ToolError, match="wrap it in a list"):
        await search_records(env, "res.partner", domain=["city", "=", "Paris"])
    with pytest.raises(ToolError, match='unknown operator "=="'):
        await count_records(env, "res.partner", domain=[["city", "==", "Paris"]])
    assert source.calls == []


async def test_search_filters_with_prefix_operators_and_many2one_paths(env):
    either = ["|", ["city", "=", "Paris"], ["name", "ilike", "azure"]]
    result = await search_records(env, "res.partner", domain=either, fields=["name"], order="id")
    assert [record["id"] for record in result["records"]] == [1, 2, 4, 6]
    by_path = await search_records(env, "sale.order", domain=[["partner_id.city", "=", "Paris"]], fields=["name"])
    assert [record["name"] for record in by_path["records"]] == ["S00003"]


async def test_the_context_reaches_the_source(env, source):
    context = {"lang": "fr_BE", "tz": "Europe/Brussels", "allowed_company_ids": [1]}
    await search_records(env, "res.partner", fields=["name"], context=context)
    assert source.calls[-1][1][-1] == context


async def test_get_records_returns_every_asked_record_in_one_page(env):
    result = await get_records(env, "sale.order", [2, 1], fields=["name", "partner_id"])
    assert result["records"] == [
        {"id": 2, "name": "S00002", "partner_id": [1, "Azure Interior"]},
        {"id": 1, "name": "S00001", "partner_id": [1, "Azure Interior"]},
    ]
    assert (result["total"], result["has_more"], result["next_offset"]) == (2, False, None)


async def test_get_records_refuses_repeated_or_too_many_ids_before_any_io(env, source):
    with pytest.raises(ToolError, match="ids holds the same id twice"):
        await get_records(env, "sale.order", [1, 1])
    with pytest.raises(ToolError, match="3 ids is over the maximum of 2 per call"):
        await get_records(replace(env, max_limit=2), "sale.order", [1, 2, 3])
    assert source.calls == []


async def test_count_records_counts_what_the_domain_matches(env):
    assert await count_records(env, "sale.order", [["state", "=", "sale"]]) == {"model": "sale.order", "count": 2}


async def test_aggregate_groups_by_date_parts_and_many2one_with_measures(env):
    result = await aggregate_records(
        env,
        "sale.order",
        domain=[["state", "!=", "cancel"]],
        group_by=["partner_id", "date_order:month"],
        measures=["amount_total:sum", "__count"],
        order="amount_total:sum desc",
    )
    assert result["records"] == [
        {
            "partner_id": [1, "Azure Interior"],
            "date_order:month": "2026-02-01",
            "amount_total:sum": 250.0,
            "__count": 1,
        },
        {
            "partner_id": [1, "Azure Interior"],
            "date_order:month": "2026-01-01",
            "amount_total:sum": 100.0,
            "__count": 1,
        },
        {"partner_id": [2, "Deco Addict"], "date_order:month": "2026-02-01", "amount_total:sum": 40.0, "__count": 1},
    ]
    assert (result["total"], result["has_more"], result["next_offset"]) == (3, False, None)


async def test_aggregate_pages_its_groups_and_says_more_follow(env):
    first = await aggregate_records(env, "sale.order", group_by=["state"], order="state", limit=2)
    assert [row["state"] for row in first["records"]] == ["cancel", "draft"]
    assert (first["total"], first["has_more"], first["next_offset"]) == (None, True, 2)
    rest = await aggregate_records(env, "sale.order", group_by=["state"], order="state", limit=2, offset=2)
    assert rest["records"] == [{"state": "sale", "__count": 2}]
    assert (rest["total"], rest["has_more"], rest["next_offset"]) == (3, False, None)


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"group_by": ["state:month"]}, "group_by 'state:month': 'state' is a selection field; date parts need a date"),
        ({"group_by": ["date_order:hour"]}, "the date part must be one of day, week, month, quarter, year"),
        ({"measures": ["amount_total"]}, "measure 'amount_total' must be 'field:function' with function one of sum"),
        ({"measures": ["name:sum"]}, "measure 'name:sum': 'name' is a char field; sum needs a number field"),
        ({"measures": ["amount:sum"]}, "Unknown measure field 'amount' on sale.order. Did you mean 'amount_total'?"),
        ({"order": "total desc"}, "order 'total' is neither a group_by entry nor a measure"),
    ],
)
async def test_aggregate_arguments_are_checked_before_the_aggregate(env, source, arguments, message):
    with pytest.raises(ToolError, match=message.replace("(", r"\(").replace("?", r"\?")):
        await aggregate_records(env, "sale.order", **arguments)
    assert "aggregate" not in [name for name, _ in source.calls]


async def test_aggregate_without_group_by_is_one_row_over_every_match(env):
    result = await aggregate_records(env, "sale.order", measures=["amount_total:max"])
    assert result["records"] == [{"amount_total:max": 250.0}]


async def test_find_by_name_resolves_a_name_to_ids_and_says_when_more_match(env):
    result = await find_by_name(env, "res.partner", "in", limit=2)
    assert result["records"] == [
        {"id": 1, "display_name": "Azure Interior"},
        {"id": 3, "display_name": "Gemini Furniture"},
    ]
    assert (result["total"], result["has_more"], result["next_offset"]) == (None, True, None)
    exact = await find_by_name(env, "res.partner", "azure")
    assert (exact["records"], exact["total"], exact["has_more"]) == (
        [{"id": 1, "display_name": "Azure Interior"}],
        1,
        False,
    )


async def test_list_models_filters_by_name_or_label_and_pages(env):
    result = await list_models(env, name="order")
    assert result["records"] == [{"model": "sale.order", "label": "Sales Order", "description": ""}]
    paged = await list_models(env, limit=3)
    assert (paged["total"], paged["has_more"], paged["next_offset"]) == (4, True, 3)


async def test_describe_model_lists_fields_with_relations_selections_and_defaults(env):
    result = await describe_model(env, "sale.order")
    assert result["default_fields"] == ["name", "partner_id", "date_order", "amount_total", "state"]
    by_name = {entry["name"]: entry for entry in result["fields"]}
    assert by_name["partner_id"] == {
        "name": "partner_id", "label": "Customer", "type": "many2one", "required": True, "readonly": False,
        "stored": True, "relation": "res.partner",
    }  # fmt: skip
    assert by_name["state"]["selection"] == [["draft", "Quotation"], ["sale", "Sales Order"], ["cancel", "Cancelled"]]
