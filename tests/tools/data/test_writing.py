"""The write tools: dry runs that show what would change, preview ids bound to the call, read-only refusals."""

from __future__ import annotations

from dataclasses import replace

import pytest

from bastion.tools.data.reading import get_records
from bastion.tools.data.writing import create_record, create_records, delete_records, update_records
from bastion.tools.registry import ToolError
from tests.tools.data.fake_source import READ_ONLY, FakeSource
from tests.tools.data.sample import company

MISMATCH = (
    "The preview_id does not match this {tool} call: it was issued for other arguments, another tool or another "
    "connection. Call {tool} with dry_run true and exactly these arguments, check the preview, then pass the "
    "preview_id it returns."
)


async def test_a_dry_run_update_shows_current_values_beside_the_new_ones_and_changes_nothing(env, source):
    preview = await update_records(env, "sale.order", [1, 3], {"state": "cancel"}, dry_run=True)
    assert preview["changes"] == [
        {"id": 1, "current": {"state": "sale"}, "new": {"state": "cancel"}},
        {"id": 3, "current": {"state": "draft"}, "new": {"state": "cancel"}},
    ]
    assert preview["dry_run"] is True and len(preview["preview_id"]) == 64
    assert "update" not in [name for name, _ in source.calls]
    unchanged = await get_records(env, "sale.order", [1], fields=["state"])
    assert unchanged["records"] == [{"id": 1, "state": "sale"}]


async def test_the_real_update_with_the_preview_id_changes_what_was_previewed(env):
    preview = await update_records(env, "sale.order", [1, 3], {"state": "cancel"}, dry_run=True)
    done = await update_records(env, "sale.order", [1, 3], {"state": "cancel"}, preview_id=preview["preview_id"])
    assert done == {"model": "sale.order", "dry_run": False, "updated": [1, 3], "fields": ["state"]}
    after = await get_records(env, "sale.order", [1, 3], fields=["state"])
    assert [record["state"] for record in after["records"]] == ["cancel", "cancel"]


@pytest.mark.parametrize(
    "changed",
    [
        {"ids": [1, 2]},
        {"values": {"state": "sale"}},
        {"model": "res.partner"},
        {"context": {"lang": "fr_BE"}},
    ],
)
async def test_a_preview_id_for_other_arguments_is_refused_before_any_write(env, source, changed):
    preview = await update_records(env, "sale.order", [1, 3], {"state": "cancel"}, dry_run=True)
    call = {"model": "sale.order", "ids": [1, 3], "values": {"state": "cancel"}, **changed}
    with pytest.raises(ToolError) as refused:
        await update_records(env, preview_id=preview["preview_id"], **call)
    assert str(refused.value) == MISMATCH.format(tool="update_records")
    assert "update" not in [name for name, _ in source.calls]


async def test_a_preview_id_is_bound_to_the_tool_and_the_connection(env):
    preview = await delete_records(env, "sale.order", [3], dry_run=True)
    other_connection = replace(env, connection_id=8)
    with pytest.raises(ToolError, match="does not match this delete_records call"):
        await delete_records(other_connection, "sale.order", [3], preview_id=preview["preview_id"])
    with pytest.raises(ToolError, match="does not match this update_records call"):
        await update_records(env, "sale.order", [3], {"state": "draft"}, preview_id=preview["preview_id"])
    again = await delete_records(env, "sale.order", [3], dry_run=True)
    assert again["preview_id"] == preview["preview_id"]


async def test_a_dry_run_delete_shows_the_records_as_they_are(env, source):
    preview = await delete_records(env, "sale.order", [3], dry_run=True)
    assert preview["would_delete"] == [
        {"id": 3, "name": "S00003", "partner_id": [2, "Deco Addict"], "date_order": "2026-02-11 09:30:00",
         "amount_total": 40.0, "state": "draft"}
    ]  # fmt: skip
    assert len(source.models["sale.order"].rows) == 4
    done = await delete_records(env, "sale.order", [3], preview_id=preview["preview_id"])
    assert done == {"model": "sale.order", "dry_run": False, "deleted": [3]}
    assert [row["id"] for row in source.models["sale.order"].rows] == [1, 2, 4]


async def test_a_dry_run_create_shows_the_values_as_they_would_be_sent(env, source):
    values = {"name": "New Customer", "city": "Ghent", "country_id": 1}
    preview = await create_record(env, "res.partner", values, dry_run=True)
    assert preview["would_create"] == [values]
    assert len(source.models["res.partner"].rows) == 6
    done = await create_record(env, "res.partner", values, preview_id=preview["preview_id"])
    assert done == {"model": "res.partner", "dry_run": False, "ids": [7], "id": 7}


async def test_create_records_writes_every_record_or_none(env, source):
    batch = [{"name": "One"}, {"name": "Two"}]
    assert (await create_records(env, "res.partner", batch))["ids"] == [7, 8]
    with pytest.raises(ToolError, match=r"The field 'name' is required on res\.partner"):
        await create_records(env, "res.partner", [{"name": "Three"}, {"city": "Liège"}])
    assert len(source.models["res.partner"].rows) == 8


async def test_create_records_refuses_more_than_a_hundred_before_any_io(env, source):
    with pytest.raises(ToolError) as refused:
        await create_records(env, "res.partner", [{"name": str(n)} for n in range(101)])
    assert str(refused.value) == (
        "101 records is over the maximum of 100 per create_records call: split them into batches of 100."
    )
    assert source.calls == []


async def test_unknown_fields_in_values_are_refused_before_the_write(env, source):
    with pytest.raises(ToolError, match=r"Unknown field 'stat' on sale\.order\. Did you mean 'state'\?"):
        await update_records(env, "sale.order", [1], {"stat": "cancel"})
    with pytest.raises(ToolError, match=r"records\[1\] is empty"):
        await create_records(env, "res.partner", [{"name": "x"}, {}])
    assert [name for name, _ in source.calls] == ["describe_model", "describe_model"]


async def test_a_dry_run_update_of_a_binary_field_does_not_echo_the_current_file(env):
    preview = await update_records(env, "res.partner", [1], {"image_1920": "aGVsbG8="}, dry_run=True)
    assert preview["changes"] == [{"id": 1, "current": {"image_1920": "(binary, not shown)"},
                                   "new": {"image_1920": "aGVsbG8="}}]  # fmt: skip


async def test_a_dry_run_of_missing_records_says_which_ids_do_not_exist(env):
    with pytest.raises(ToolError, match=r"No sale\.order record has the id\(s\) 99\."):
        await update_records(env, "sale.order", [1, 99], {"state": "draft"}, dry_run=True)


@pytest.mark.parametrize(
    "write",
    [
        lambda env: create_record(env, "res.partner", {"name": "x"}, dry_run=True),
        lambda env: create_records(env, "res.partner", [{"name": "x"}]),
        lambda env: update_records(env, "res.partner", [1], {"name": "x"}),
        lambda env: delete_records(env, "res.partner", [1], dry_run=True),
    ],
)
async def test_every_write_is_refused_on_a_read_only_connection_before_any_io(env, source, write):
    with pytest.raises(ToolError, match=r"This connection is read-only, so \w+ is refused: it would change data"):
        await write(replace(env, read_only=True))
    assert source.calls == []


async def test_a_write_on_a_read_only_source_is_refused_with_a_sentence(env):
    read_only_source = replace(env, source=FakeSource(company(), READ_ONLY))
    with pytest.raises(ToolError) as refused:
        await delete_records(read_only_source, "res.partner", [1])
    assert str(refused.value) == (
        "The data source is read-only, so delete_records is refused: the administrator has not made it writable."
    )
