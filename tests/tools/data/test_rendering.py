"""The text beside each result: a table for lists, key: value lines for one record, a sentence for a change."""

from __future__ import annotations

from bastion.tools.data.reading import aggregate_records, count_records, get_records, search_records
from bastion.tools.data.rendering import cell, render_aggregate, render_count, render_records, render_update
from bastion.tools.data.writing import update_records


async def test_a_record_list_reads_as_a_markdown_table_with_the_paging_line(env):
    output = await search_records(env, "res.partner", fields=["name", "country_id"], order="id", limit=2)
    assert render_records(output) == (
        "res.partner: 2 records of 6; more from offset=2.\n"
        "| id | name | country_id |\n"
        "|---|---|---|\n"
        "| 1 | Azure Interior | Belgium (#1) |\n"
        "| 2 | Deco Addict | France (#2) |"
    )


async def test_one_record_reads_as_key_value_lines(env):
    output = await get_records(env, "sale.order", [3], fields=["name", "partner_id", "state"])
    assert render_records(output) == (
        "sale.order: 1 records.\nid: 3\nname: S00003\npartner_id: Deco Addict (#2)\nstate: draft"
    )


async def test_an_aggregate_reads_as_a_table_of_groups_and_measures(env):
    output = await aggregate_records(env, "sale.order", group_by=["state"], measures=["amount_total:sum"],
                                     order="state")  # fmt: skip
    assert render_aggregate(output) == (
        "sale.order grouped: 3 groups.\n"
        "| state | amount_total:sum |\n"
        "|---|---|\n"
        "| cancel | 75.5 |\n"
        "| draft | 40.0 |\n"
        "| sale | 350.0 |"
    )


async def test_a_count_and_a_dry_run_read_as_sentences(env):
    assert render_count(await count_records(env, "sale.order")) == "4 sale.order records match."
    preview = await update_records(env, "sale.order", [1], {"state": "cancel"}, dry_run=True)
    assert render_update(preview) == (
        "Dry run: would update 1 sale.order record(s) (current → new); nothing was changed. To apply, call again "
        f"without dry_run and with preview_id {preview['preview_id']}.\n"
        "| id | state |\n|---|---|\n| 1 | sale → cancel |"
    )
    done = await update_records(env, "sale.order", [1, 2], {"state": "cancel"})
    assert render_update(done) == "Updated state on sale.order ids 1, 2."


def test_cells_are_short_single_lines_that_cannot_break_the_table():
    assert cell("a | b\nc") == "a \\| b c"
    assert cell("x" * 100) == "x" * 59 + "…"
    assert cell(False) == "" and cell(None) == ""
    assert cell(list(range(8))) == "0, 1, 2, 3, 4, … (8 in all)"
