"""What the connection pages say (console/connection_views.py): times in words, labels, the rotation steps."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bastion.console.connection_views import (
    connection_row,
    describe_ago,
    list_url,
    moment,
    paging,
    registration_details,
    rotate_button_label,
    rotation_consequence,
    rotation_steps,
    scope_label,
)
from bastion.console.listing import ListFilters
from bastion.store.models import Connection

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def oauth(**values) -> Connection:
    fields = {"type": "oauth", "name": "Acme", "created_at": NOW - timedelta(days=3), "client_type": "confidential"}
    return Connection(**(fields | values))


def api_key(**values) -> Connection:
    return Connection(**({"type": "api_key", "name": "Cursor", "created_at": NOW} | values))


def test_times_are_said_in_the_largest_sensible_unit():
    assert describe_ago(None, NOW) == "never"
    assert describe_ago(NOW - timedelta(seconds=59), NOW) == "just now"
    assert describe_ago(NOW - timedelta(minutes=1), NOW) == "1 minute ago"
    assert describe_ago(NOW - timedelta(minutes=59, seconds=59), NOW) == "59 minutes ago"
    assert describe_ago(NOW - timedelta(hours=5, minutes=30), NOW) == "5 hours ago"
    assert describe_ago(NOW - timedelta(days=1), NOW) == "1 day ago"
    assert describe_ago(NOW - timedelta(days=400), NOW) == "400 days ago"


def test_a_moment_carries_the_exact_utc_time_for_the_time_element_and_its_tooltip():
    shown = moment(NOW - timedelta(hours=2), NOW)
    assert (shown.text, shown.iso, shown.exact) == ("2 hours ago", "2026-03-01T10:00:00+00:00", "2026-03-01 10:00 UTC")
    assert moment(None, NOW) == moment(None, NOW) and moment(None, NOW).iso is None


def test_a_row_has_the_status_label_with_idle_days_and_hours_and_a_grouped_request_count():
    row = connection_row(
        oauth(id=7, last_used_at=NOW - timedelta(days=9, hours=5), request_count=12345), "ada", NOW, 7 * 86400
    )
    assert (row.type, row.user_login, row.status.label, row.requests) == (
        "OAuth client",
        "ada",
        "Idle for 9 days, 5 hours",
        "12,345",
    )
    assert row.last_used.text == "9 days ago"


def test_rotate_buttons_use_the_seed_pages_words_and_a_public_client_has_none():
    assert rotate_button_label(oauth()) == "Rotate Secret Key"
    assert rotate_button_label(api_key()) == "Rotate Key"
    assert rotate_button_label(oauth(client_type="public")) is None


def test_scope_labels():
    assert scope_label("mcp:read") == "Read-only"
    assert scope_label("mcp:read mcp:write") == "Full (read and write)"


def test_the_steps_after_a_rotation_are_numbered_plain_instructions_ending_with_a_test():
    secret_steps = rotation_steps(oauth(), access_token_ttl_seconds=3600)
    assert secret_steps[0].startswith("Copy the new client secret")
    assert any("OAuth settings" in step for step in secret_steps)
    assert any("replacing it" in step for step in secret_steps)
    assert secret_steps[-1].startswith("Test it") and "within 60 minutes" in secret_steps[-1]
    key_steps = rotation_steps(api_key(), access_token_ttl_seconds=3600)
    assert key_steps[0].startswith("Copy the new API key") and "401 Unauthorized" in key_steps[-1]
    assert "401" in rotation_consequence(api_key()) and "cannot sign in" in rotation_consequence(oauth())


def test_registration_details_are_what_the_client_said_with_where_and_when_it_registered():
    client = oauth(
        is_dynamic=True,
        name="renamed by an admin",
        registration_metadata={
            "client_name": "Claude",
            "application_type": "native",
            "software_id": "claude-desktop",
            "software_version": "1.2.3",
            "client_uri": "https://claude.ai",
            "contacts": ["ops@example.com", "sec@example.com"],
            "logo_uri": "https://example.com/logo.png",
        },
        registered_from_ip="192.0.2.7",
    )
    assert registration_details(client) == [
        ("Client name as sent", "Claude"),
        ("Software ID", "claude-desktop"),
        ("Software version", "1.2.3"),
        ("Client website", "https://claude.ai"),
        ("Application type", "native"),
        ("Contacts", "ops@example.com, sec@example.com"),
        ("Registered", "2026-02-26 12:00 UTC"),
        ("Registered from", "192.0.2.7"),
    ]
    assert registration_details(oauth(is_dynamic=True, registration_metadata={}))[0] == ("Client name as sent", "Acme")


def test_list_urls_and_paging_links_keep_the_filters():
    filters = ListFilters(status="idle", search="crm")
    assert list_url(ListFilters()) == "/console/connections"
    assert list_url(filters, page=2) == "/console/connections?status=idle&q=crm&page=2"
    links = paging(filters, 1, 3)
    assert links.previous_url is None
    assert links.next_url == "/console/connections?status=idle&q=crm&page=2"
    assert links.pages[0] == (1, "/console/connections?status=idle&q=crm")
