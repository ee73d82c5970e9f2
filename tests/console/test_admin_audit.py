"""The audit log page over HTTP: newest first, filters, keyset paging, escaped details, read-only."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

from markupsafe import escape

from bastion.console.admin_audit import PAGE_SIZE, AuditFilters, compact_detail
from bastion.governance.audit import EVENTS, record
from tests.console.test_accounts_pages import hidden, sign_in
from tests.factories import make_api_key, make_user

AUDIT = "/console/audit"


async def signed_in_admin(client, services, login: str = "ada"):
    admin = await make_user(services, login, admin=True)
    await sign_in(client, login)
    return admin


def rows(html: str) -> list[str]:
    body = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0] if "<tbody>" in html else ""
    return re.findall(r"<tr>(.*?)</tr>", body, re.S)


def events_shown(html: str) -> list[str]:
    return [re.search(r'<span class="event-name"[^>]*>([^<]+)</span>', row).group(1) for row in rows(html)]


async def record_many(services, count: int, event: str = "tool.called", **fields) -> None:
    async with services.transaction() as session:
        for number in range(count):
            await record(session, event, services.clock(), number=number, **fields)


# --- rules -----------------------------------------------------------------------------------------------


def test_filters_come_from_the_query_and_nonsense_is_named():
    filters, errors = AuditFilters.from_query(
        {"event": "connection.revoked", "connection": "42", "user": "7", "before": "100"}
    )
    assert filters == AuditFilters(event="connection.revoked", connection="42", user="7", before=100)
    assert errors == {}

    _, errors = AuditFilters.from_query({"event": "nope.done", "connection": "abc", "user": "-1"})
    assert errors == {
        "event": "There is no event 'nope.done'; choose one from the list.",
        "connection": "A connection id is a whole number, e.g. 42 (the connection's page shows it).",
        "user": "Choose a user from the list.",
    }


def test_a_page_position_that_is_not_an_id_is_ignored():
    filters, errors = AuditFilters.from_query({"before": "x", "after": "0"})

    assert (filters.before, filters.after, errors) == (None, None, {})


def test_the_query_string_keeps_the_filters_and_moves_the_page():
    filters = AuditFilters(event="tool.called", user="3", before=90)

    assert filters.query_string(before=None, after=120) == "event=tool.called&user=3&after=120"


def test_details_are_one_line_of_json_with_sorted_keys():
    assert compact_detail({"tokens": 2, "login": "<b>"}) == '{"login": "<b>", "tokens": 2}'
    assert compact_detail({}) == ""
    assert compact_detail(None) == ""


# --- who may read it -------------------------------------------------------------------------------------


async def test_a_user_who_is_not_an_administrator_gets_the_forbidden_page(client, services):
    await make_user(services, "alice")
    await sign_in(client, "alice")

    response = await client.get(AUDIT)

    assert response.status_code == 403
    assert "Administrators only" in response.text


async def test_the_log_cannot_be_changed_from_the_console(client, services):
    await signed_in_admin(client, services)
    csrf_token = hidden((await client.get(AUDIT)).text, "csrf_token")

    for method in ("POST", "PUT", "DELETE"):
        response = await client.request(method, AUDIT, data={"csrf_token": csrf_token})
        assert response.status_code == 405


# --- the page --------------------------------------------------------------------------------------------


async def test_entries_are_listed_newest_first_with_time_event_user_connection_ip_and_details(client, services, clock):
    ada = await signed_in_admin(client, services)
    alice = await make_user(services, "alice")
    key = await make_api_key(services, alice)
    clock.advance(65)
    async with services.transaction() as session:
        await record(
            session,
            "connection.revoked",
            clock(),
            connection_id=key.connection.id,
            user_id=ada.id,
            client_ip="203.0.113.7",
            tokens=3,
            note="<script>alert(1)</script>",
        )

    response = await client.get(AUDIT)

    assert response.status_code == 200
    page = response.text
    assert '<a href="/console/audit" aria-current="page">Audit log</a>' in page
    assert events_shown(page) == [
        "connection.revoked",
        "connection.created",
        "user.created",
        "user.signed_in",
        "user.created",
    ]
    newest = rows(page)[0]
    assert '<time datetime="2026-01-01T00:01:05+00:00">2026-01-01 00:01:05</time>' in newest
    assert f'title="{escape(EVENTS["connection.revoked"])}"' in newest
    assert f'<a href="/console/users/{ada.id}">ada</a>' in newest
    assert f'<a href="/console/connections/{key.connection.id}">#{key.connection.id}</a>' in newest
    assert "<code>203.0.113.7</code>" in newest
    assert "<script>alert(1)</script>" not in page
    assert (
        "<code>{&#34;note&#34;: &#34;&lt;script&gt;alert(1)&lt;/script&gt;&#34;, &#34;tokens&#34;: 3}</code>" in newest
    )
    assert "Older" not in page and "Newer" not in page


async def test_filters_narrow_the_list_by_event_connection_and_user(client, services):
    ada = await signed_in_admin(client, services)
    alice = await make_user(services, "alice")
    first = await make_api_key(services, alice, name="First")
    second = await make_api_key(services, alice, name="Second")
    async with services.transaction() as session:
        await record(session, "connection.rotated", services.clock(), connection_id=first.connection.id, user_id=ada.id)
        await record(session, "connection.rotated", services.clock(), connection_id=second.connection.id)

    by_event = (await client.get(AUDIT, params={"event": "connection.rotated"})).text
    by_connection = (await client.get(AUDIT, params={"connection": str(first.connection.id)})).text
    by_user = (await client.get(AUDIT, params={"user": str(ada.id), "event": "connection.rotated"})).text

    assert events_shown(by_event) == ["connection.rotated", "connection.rotated"]
    description = escape(EVENTS["connection.rotated"])
    assert f'<span class="hint" id="event-help">{description}</span>' in by_event  # the chosen event, explained
    assert (
        '<option value="connection.rotated" title="' in by_event and " selected>connection.rotated</option>" in by_event
    )
    assert events_shown(by_connection) == ["connection.rotated", "connection.created"]
    assert len(rows(by_user)) == 1 and f"#{first.connection.id}" in rows(by_user)[0]
    assert f'<option value="{ada.id}" selected>ada</option>' in by_user
    assert "Clear filters" in by_user


async def test_filters_that_match_nothing_say_so(client, services):
    await signed_in_admin(client, services)

    page = (await client.get(AUDIT, params={"event": "code.reused"})).text

    assert "No audit entries match these filters." in page


async def test_a_bad_filter_is_explained_next_to_its_field(client, services):
    await signed_in_admin(client, services)

    response = await client.get(AUDIT, params={"connection": "the crm one"})

    assert response.status_code == 400
    assert re.search(
        r'<span class="field-error" id="connection-error">A connection id is a whole number', response.text
    )
    assert 'value="the crm one"' in response.text
    assert "The filters were not applied" in response.text


async def test_pages_go_older_and_newer_by_id(client, services):
    await signed_in_admin(client, services)  # two entries: user.created, user.signed_in
    await record_many(services, PAGE_SIZE + 10)

    first = (await client.get(AUDIT)).text
    older_link = re.search(r'href="/console/audit\?([^"]+)" rel="next">Older', first).group(1).replace("&amp;", "&")
    second = (await client.get(f"{AUDIT}?{older_link}")).text
    newer_link = re.search(r'href="/console/audit\?([^"]+)" rel="prev">', second).group(1).replace("&amp;", "&")
    back = (await client.get(f"{AUDIT}?{newer_link}")).text

    assert len(rows(first)) == PAGE_SIZE
    assert "&#34;number&#34;: 59}" in rows(first)[0] and "&#34;number&#34;: 10}" in rows(first)[-1]
    assert 'rel="prev"' not in first
    assert len(rows(second)) == 12
    assert "&#34;number&#34;: 9}" in rows(second)[0] and events_shown(second)[-2:] == ["user.signed_in", "user.created"]
    assert 'rel="next"' not in second
    assert ">Newest</a>" in second
    assert rows(back) == rows(first)


async def test_paging_keeps_the_filters(client, services):
    await signed_in_admin(client, services)
    await record_many(services, PAGE_SIZE + 1, event="mcp.rejected")
    await record_many(services, 5)

    first = (await client.get(AUDIT, params={"event": "mcp.rejected"})).text
    older_link = re.search(r'href="/console/audit\?([^"]+)" rel="next">Older', first).group(1).replace("&amp;", "&")
    second = (await client.get(f"{AUDIT}?{older_link}")).text

    assert older_link.startswith("event=mcp.rejected&before=")
    assert events_shown(second) == ["mcp.rejected"]


async def test_times_are_shown_in_utc_to_the_second(client, services, clock):
    await signed_in_admin(client, services)
    async with services.transaction() as session:
        # Recorded from a clock in another zone (UTC+2): shown as the same instant in UTC.
        local = datetime(2026, 1, 1, 7, 30, 45, tzinfo=timezone(timedelta(hours=2)))
        await record(session, "tool.called", local)

    newest = rows((await client.get(AUDIT)).text)[0]

    assert '<time datetime="2026-01-01T05:30:45+00:00">2026-01-01 05:30:45</time>' in newest


async def test_the_page_shows_an_entry_a_request_queued_a_moment_ago(client, services):
    from bastion.governance.batch_writer import BatchWriter
    from tests.mcp.helpers import initialize_request, post_mcp

    await signed_in_admin(client, services)
    # A writer that would hold its batch for 30 s: only the page's own flush can show the entry now.
    await services.batch_writer.stop()
    services.batch_writer = BatchWriter(services.transaction, window=30.0)
    services.batch_writer.start()
    await post_mcp(client, initialize_request(), token="bst_ak_unknown")

    page = (await client.get(AUDIT)).text

    assert events_shown(page)[0] == "mcp.rejected"
