"""The connections list's query rules (store/repositories/connection_listing.py and console/listing.py),
without HTTP, on both databases."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import insert, true

from bastion.console.listing import ListFilters, page_numbers
from bastion.governance.connection_status import connection_status
from bastion.store.models import Connection, User
from bastion.store.repositories import ConnectionListing
from bastion.store.repositories.connection_listing import PAGE_SIZE, GroupCount, page_slices
from tests.factories import make_user

DAY = 86400
IDLE_AFTER = 7 * DAY


async def add_connections(services, rows: list[dict]) -> None:
    """Connections inserted as rows (hundreds of them are needed to page), with sensible defaults."""
    now = services.clock()
    defaults = {
        "type": "oauth",
        "scopes": "mcp:read mcp:write",
        "created_at": now,
        "request_count": 0,
        "is_dynamic": False,
        "notes": "",
        "redirect_uris": [],
        "grant_types": [],
        "registration_metadata": {},
    }
    async with services.transaction() as session:
        await session.execute(insert(Connection), [defaults | row for row in rows])


async def listed(services, viewer: User, **query: str):
    async with services.transaction() as session:
        listing = ConnectionListing(session)
        return await listing.page(viewer, ListFilters.from_query(query), services.clock(), IDLE_AFTER)


def names(page) -> list[str]:
    return [row.connection.name for group in page.groups for row in group.rows]


@pytest.fixture
async def admin(services) -> User:
    return await make_user(services, "ada", admin=True)


# --- filters from the query string ---------------------------------------------------------------------


def test_an_empty_query_is_the_default_active_view_on_page_one():
    assert ListFilters.from_query({}) == ListFilters(status="active", type="", dynamic_only=False, search="", page=1)
    assert not ListFilters.from_query({}).narrows


def test_unknown_values_fall_back_to_the_defaults_instead_of_failing():
    filters = ListFilters.from_query({"status": "sleeping", "type": "x", "group": "colour", "page": "-3"})
    assert filters == ListFilters()
    assert ListFilters.from_query({"page": "two"}).page == 1


def test_the_search_is_trimmed_collapsed_and_bounded():
    assert ListFilters.from_query({"q": "  Acme   CRM "}).search == "Acme CRM"
    assert len(ListFilters.from_query({"q": "x" * 500}).search) == 120


def test_the_query_string_leaves_defaults_out_so_urls_stay_short_and_bookmarkable():
    filters = ListFilters.from_query({"status": "idle", "type": "api_key", "q": "cursor", "group": "user"})
    assert filters.query_string() == "status=idle&type=api_key&q=cursor&group=user"
    assert filters.query_string(page=3) == "status=idle&type=api_key&q=cursor&group=user&page=3"
    assert ListFilters().query_string() == ""
    assert ListFilters(dynamic_only=True, search="a&b").query_string() == "dynamic=1&q=a%26b"


# --- status as SQL -------------------------------------------------------------------------------------


async def test_each_status_filter_selects_exactly_what_connection_status_says(services, admin):
    now = services.clock()
    await add_connections(
        services,
        [
            {"name": "never used", "user_id": admin.id},
            {"name": "used an hour ago", "user_id": admin.id, "last_used_at": now - timedelta(hours=1)},
            {"name": "under a week", "user_id": admin.id, "last_used_at": now - timedelta(seconds=IDLE_AFTER - 1)},
            {"name": "unused exactly a week", "user_id": admin.id, "last_used_at": now - timedelta(seconds=IDLE_AFTER)},
            {"name": "unused a month", "user_id": admin.id, "last_used_at": now - timedelta(days=30)},
            {"name": "revoked", "user_id": admin.id, "last_used_at": now, "revoked_at": now},
        ],
    )  # fmt: skip
    everything = await listed(services, admin, status="all")
    by_status: dict[str, set[str]] = {}
    for group in everything.groups:
        for row in group.rows:
            status = connection_status(row.connection, now, IDLE_AFTER).status.value
            by_status.setdefault(status, set()).add(row.connection.name)

    for status in ("awaiting_connection", "connected", "idle", "revoked"):
        assert set(names(await listed(services, admin, status=status))) == by_status[status], status
    assert by_status["idle"] == {"unused exactly a week", "unused a month"}
    assert set(names(await listed(services, admin))) == set(names(everything)) - {"revoked"}


# --- who sees what, type, dynamic, search --------------------------------------------------------------


async def test_a_user_sees_only_their_own_connections_and_an_administrator_sees_all(services, admin):
    alice = await make_user(services, "alice")
    await add_connections(
        services,
        [
            {"name": "Alice's Cursor", "user_id": alice.id, "type": "api_key"},
            {"name": "Ada's n8n", "user_id": admin.id},
            {"name": "Self-registered, nobody yet", "user_id": None, "is_dynamic": True},
        ],
    )
    assert names(await listed(services, alice)) == ["Alice's Cursor"]
    assert set(names(await listed(services, admin))) == {
        "Alice's Cursor",
        "Ada's n8n",
        "Self-registered, nobody yet",
    }


async def test_type_and_dynamic_registration_filters(services, admin):
    await add_connections(
        services,
        [
            {"name": "custom", "user_id": admin.id},
            {"name": "dynamic", "user_id": admin.id, "is_dynamic": True},
            {"name": "key", "user_id": admin.id, "type": "api_key"},
        ],
    )
    assert names(await listed(services, admin, type="api_key")) == ["key"]
    assert names(await listed(services, admin, type="oauth")) == ["dynamic", "custom"]
    assert names(await listed(services, admin, dynamic="1")) == ["dynamic"]


async def test_search_is_a_case_insensitive_substring_where_percent_and_underscore_are_plain(services, admin):
    await add_connections(
        services,
        [
            {"name": "Acme Internal CRM", "user_id": admin.id},
            {"name": "acme backup", "user_id": admin.id},
            {"name": "100% uptime bot", "user_id": admin.id},
            {"name": "n8n_flow", "user_id": admin.id},
            {"name": "n8nXflow", "user_id": admin.id},
        ],
    )
    assert names(await listed(services, admin, q="ACME")) == ["acme backup", "Acme Internal CRM"]
    assert names(await listed(services, admin, q="%")) == ["100% uptime bot"]
    assert names(await listed(services, admin, q="n8n_")) == ["n8n_flow"]
    assert names(await listed(services, admin, q="nothing like it")) == []


# --- paging --------------------------------------------------------------------------------------------


async def test_pages_hold_fifty_newest_first_and_a_page_past_the_end_shows_the_last(services, admin):
    await add_connections(services, [{"name": f"c{n:03d}", "user_id": admin.id} for n in range(120)])

    first = await listed(services, admin)
    third = await listed(services, admin, page="3")
    beyond = await listed(services, admin, page="99")

    assert (first.total, first.page_count) == (120, 3)
    assert names(first) == [f"c{n:03d}" for n in range(119, 69, -1)]
    assert names(third) == [f"c{n:03d}" for n in range(19, -1, -1)]
    assert (beyond.page, names(beyond)) == (3, names(third))


async def test_a_short_first_page_reports_its_own_length_as_the_total(services, admin):
    await add_connections(services, [{"name": f"c{n}", "user_id": admin.id} for n in range(3)])
    page = await listed(services, admin)
    assert (page.total, page.page_count, len(names(page))) == (3, 1, 3)


async def test_an_empty_list_has_one_empty_page(services, admin):
    page = await listed(services, admin)
    assert (page.total, page.page, page.page_count, page.is_empty) == (0, 1, 1, True)


def test_page_numbers_show_the_first_the_last_and_the_neighbours_with_gaps():
    assert page_numbers(1, 1) == [1]
    assert page_numbers(1, 4) == [1, 2, 3, 4]
    assert page_numbers(10, 20) == [1, None, 8, 9, 10, 11, 12, None, 20]
    assert page_numbers(2, 2000) == [1, 2, 3, 4, None, 2000]


# --- grouping ------------------------------------------------------------------------------------------


def test_page_slices_cut_groups_at_page_boundaries():
    groups = [GroupCount("a", 30, true()), GroupCount("b", 40, true()), GroupCount("c", 5, true())]
    first = page_slices(groups, 1)
    second = page_slices(groups, 2)
    assert [(s.group.label, s.offset, s.limit, s.continued) for s in first] == [
        ("a", 0, 30, False),
        ("b", 0, 20, False),
    ]
    assert [(s.group.label, s.offset, s.limit, s.continued) for s in second] == [
        ("b", 20, 20, True),
        ("c", 0, 5, False),
    ]
    assert page_slices(groups, 3) == []
    assert sum(s.limit for s in first) == PAGE_SIZE


async def test_grouping_by_type_gives_headings_with_counts_in_a_fixed_order(services, admin):
    await add_connections(
        services,
        [
            {"name": "key 1", "user_id": admin.id, "type": "api_key"},
            {"name": "dynamic 1", "user_id": None, "is_dynamic": True},
            {"name": "custom 1", "user_id": admin.id},
            {"name": "key 2", "user_id": admin.id, "type": "api_key"},
        ],
    )
    page = await listed(services, admin, group="type")
    assert [(g.label, g.total, [r.connection.name for r in g.rows]) for g in page.groups] == [
        ("OAuth clients", 1, ["custom 1"]),
        ("Self-registered OAuth clients", 1, ["dynamic 1"]),
        ("API keys", 2, ["key 2", "key 1"]),
    ]


async def test_grouping_by_user_orders_logins_and_puts_connections_without_a_user_last(services, admin):
    zoe = await make_user(services, "Zoe")
    bob = await make_user(services, "bob")
    await add_connections(
        services,
        [
            {"name": "zoe's", "user_id": zoe.id},
            {"name": "unclaimed", "user_id": None, "is_dynamic": True},
            {"name": "bob's", "user_id": bob.id},
            {"name": "ada's", "user_id": admin.id},
        ],
    )
    page = await listed(services, admin, group="user")
    assert [(g.label, g.total) for g in page.groups] == [("ada", 1), ("bob", 1), ("Zoe", 1), ("No owner", 1)]
    assert [row.user_login for g in page.groups for row in g.rows] == ["ada", "bob", "Zoe", None]


async def test_a_group_that_spans_two_pages_is_continued_on_the_second(services, admin):
    bob = await make_user(services, "bob")
    await add_connections(services, [{"name": f"ada {n}", "user_id": admin.id} for n in range(30)])
    await add_connections(services, [{"name": f"bob {n}", "user_id": bob.id} for n in range(40)])

    first = await listed(services, admin, group="user")
    second = await listed(services, admin, group="user", page="2")

    assert [(g.label, g.total, len(g.rows), g.continued) for g in first.groups] == [
        ("ada", 30, 30, False),
        ("bob", 40, 20, False),
    ]
    assert [(g.label, g.total, len(g.rows), g.continued) for g in second.groups] == [("bob", 40, 20, True)]
    assert (first.total, first.page_count) == (70, 2)
    assert set(names(first)).isdisjoint(names(second))
