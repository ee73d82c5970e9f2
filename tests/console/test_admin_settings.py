"""Server Settings over HTTP: the master switch, the counters, and the all-or-nothing settings form."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from bastion.connections import revoke_connection
from bastion.console.admin_settings import FORM_FIELDS, SETTING_GROUPS, describe_seconds, submitted_settings
from bastion.server_settings import SETTING_SPECS, SWITCHED_OFF_MESSAGE
from bastion.store.repositories import Connections, StoredSettings
from tests.console.test_accounts_pages import hidden, sign_in
from tests.factories import make_api_key, make_oauth_client, make_user
from tests.mcp.helpers import audit_events, initialize_request, make_access_token, post_mcp

SETTINGS = "/console/settings"
SWITCH = "/console/settings/mcp-access"


async def signed_in_admin(client, services, login: str = "ada") -> str:
    """Sign in a new administrator; returns the session's CSRF token as the settings form carries it."""
    await make_user(services, login, admin=True)
    await sign_in(client, login)
    return hidden((await client.get(SETTINGS)).text, "csrf_token")


def form_values(**changes: str) -> dict[str, str]:
    """Every field of the settings form as a browser posts it with the defaults shown; ticked switches send "true"."""
    values = {}
    for key, setting in FORM_FIELDS.items():
        default = setting.spec.default
        if setting.is_switch:
            if default:
                values[key] = "true"
        elif setting.is_hosts:
            values[key] = " ".join(default)
        else:
            values[key] = str(default)
    values.update(changes)
    return {key: value for key, value in values.items() if value is not None}


async def stored(services) -> dict:
    async with services.transaction() as session:
        return await StoredSettings(session).all()


def field_error(html: str, key: str) -> str:
    found = re.search(rf'<span class="field-error" id="{key}-error">([^<]*)</span>', html)
    assert found, f"no error next to {key}"
    return found.group(1)


# --- rules -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("seconds", "words"),
    [
        (0, "0 seconds"),
        (1, "1 second"),
        (30, "30 seconds"),
        (60, "1 minute"),
        (90, "1 minute 30 seconds"),
        (3600, "1 hour"),
        (5400, "1 hour 30 minutes"),
        (86400, "1 day"),
        (7 * 86400, "7 days"),
        (90061, "about 1 day 1 hour"),
        (365 * 86400, "365 days"),
    ],
)
def test_seconds_are_described_in_at_most_two_units(seconds, words):
    assert describe_seconds(seconds) == words


def test_the_form_covers_every_runtime_setting_except_the_master_switch_which_has_its_own_form():
    assert set(FORM_FIELDS) == set(SETTING_SPECS) - {"mcp_enabled"}
    assert [group.heading for group in SETTING_GROUPS] == [
        "Token lifetimes",
        "Self-registration",
        "Connections",
        "Data tools",
        "Audit log",
        "Monitoring",
    ]


def test_an_unticked_switch_is_absent_from_the_form_and_means_off():
    submitted = submitted_settings({"access_token_ttl_seconds": "600"})  # type: ignore[arg-type]

    assert submitted["dynamic_registration_enabled"] == "false"
    assert submitted["log_payloads"] == "false"
    assert submitted["access_token_ttl_seconds"] == "600"


@pytest.mark.parametrize(
    ("key", "raw", "message"),
    [
        ("access_token_ttl_seconds", "5", "5 is too small. From 60 seconds (1 minute) to 604,800 seconds (7 days)."),
        (
            "auth_code_ttl_seconds",
            "3600",
            "3600 is too large. From 10 seconds to 600 seconds (10 minutes).",
        ),
        ("audit_retention_days", "soon", "Enter a whole number of days. From 1 day to 3,650 days."),
        ("rate_limit_per_minute", "", "Enter a whole number of requests. From 1 to 100,000."),
    ],
)
def test_a_refused_value_is_explained_with_the_fields_bounds_in_words(key, raw, message):
    assert FORM_FIELDS[key].problem(raw) == message


# --- who may see and change settings ---------------------------------------------------------------------


async def test_the_settings_page_asks_a_visitor_to_sign_in(client):
    response = await client.get(SETTINGS)

    assert response.status_code == 303
    assert response.headers["location"] == "/console/login?next=%2Fconsole%2Fsettings"


async def test_a_user_who_is_not_an_administrator_gets_the_forbidden_page_and_changes_nothing(client, services):
    await make_user(services, "alice")
    await sign_in(client, "alice")
    csrf_token = hidden((await client.get("/console")).text, "csrf_token")

    page = await client.get(SETTINGS)
    saved = await client.post(SETTINGS, data=form_values(csrf_token=csrf_token, access_token_ttl_seconds="120"))
    switched = await client.post(SWITCH, data={"csrf_token": csrf_token, "mcp_enabled": "false", "confirmed": "yes"})

    for response in (page, saved, switched):
        assert response.status_code == 403
        assert "Administrators only" in response.text
    assert "Server Settings" not in page.text.split("<main")[0]  # the nav hides the link from users
    assert await stored(services) == {}


async def test_a_save_without_the_session_csrf_token_changes_nothing(client, services):
    await signed_in_admin(client, services)

    response = await client.post(SETTINGS, data=form_values(csrf_token="forged", access_token_ttl_seconds="120"))

    assert response.status_code == 403
    assert "This form expired" in response.text
    assert await stored(services) == {}


# --- the page --------------------------------------------------------------------------------------------


async def test_the_page_shows_the_switch_counters_each_setting_with_bounds_and_the_public_url(client, services):
    await signed_in_admin(client, services)

    response = await client.get(SETTINGS)

    assert response.status_code == 200
    page = response.text
    assert '<a href="/console/settings" aria-current="page">Server Settings</a>' in page
    assert '<span class="state-badge on">Enabled</span>' in page
    assert "Switch MCP access off now" in page
    for key, setting in FORM_FIELDS.items():
        assert f'<label for="{key}">{setting.label}</label>' in page
    assert 'value="3600"' in page and "= 1 hour" in page
    assert "From 60 seconds (1 minute) to 604,800 seconds (7 days). Default: 3,600 seconds (1 hour)." in page
    assert "From 0 seconds to 300 seconds (5 minutes). Default: 30 seconds." in page
    assert re.search(r'<input type="checkbox" id="dynamic_registration_enabled"[^>]* checked', page)
    assert not re.search(r'<input type="checkbox" id="log_payloads"[^>]* checked', page)
    assert "<code>http://testserver</code>" in page and "<code>http://testserver/mcp</code>" in page
    assert "<code>BASTION_PUBLIC_URL</code>" in page
    assert '<script src="/static/admin.js" defer></script>' in page


def counters(page: str) -> dict[str, str]:
    pairs = re.findall(r'<span class="count">(\d+)</span>\s*<span class="what">([^<]+)</span>', page)
    return {what: count for count, what in pairs}


async def test_the_counters_count_active_connections_recent_audit_entries_and_live_grants(client, services, clock):
    alice = await make_user(services, "alice")
    live = await make_oauth_client(services, owner=alice)
    expired = await make_oauth_client(services, name="Expired", owner=alice)
    revoked = await make_api_key(services, alice)
    async with services.transaction() as session:
        await revoke_connection(session, clock(), await Connections(session).get(revoked.connection.id))
    clock.advance(int(timedelta(days=8).total_seconds()))  # every entry so far is older than 7 days
    await make_access_token(services, live.connection, alice)
    await make_access_token(services, live.connection, alice)  # two tokens, one connection
    await make_access_token(services, expired.connection, alice, lifetime=-1)
    await signed_in_admin(client, services)  # user.created and user.signed_in: the two recent entries

    page = (await client.get(SETTINGS)).text

    assert counters(page) == {"Active connections": "2", "Audit entries": "2", "Live OAuth grants": "1"}
    assert '<a class="counter" href="/console/connections?status=active">' in page
    assert '<a class="counter" href="/console/audit">' in page


# --- saving ----------------------------------------------------------------------------------------------


async def test_saving_stores_and_audits_only_the_values_that_changed(client, services):
    csrf_token = await signed_in_admin(client, services)
    admin_id = (await audit_events(services, "user.signed_in"))[0].user_id

    response = await client.post(
        SETTINGS,
        data=form_values(
            csrf_token=csrf_token, access_token_ttl_seconds="900", log_payloads="true", audit_retention_days="90"
        ),
    )

    assert response.status_code == 303
    assert response.headers["location"] == "/console/settings?changed=3"
    assert await stored(services) == {"access_token_ttl_seconds": 900, "log_payloads": True, "audit_retention_days": 90}
    changes = {event.detail["key"]: event for event in await audit_events(services, "settings.changed")}
    assert changes["access_token_ttl_seconds"].detail == {
        "key": "access_token_ttl_seconds",
        "value": 900,
        "previous": 3600,
    }
    assert changes["log_payloads"].detail == {"key": "log_payloads", "value": True, "previous": False}
    assert {event.user_id for event in changes.values()} == {admin_id}
    page = (await client.get(response.headers["location"])).text
    assert "Saved. 3 settings changed" in page
    assert 'value="900"' in page and "= 15 minutes" in page


async def test_unticking_a_switch_turns_it_off(client, services):
    csrf_token = await signed_in_admin(client, services)

    await client.post(SETTINGS, data=form_values(csrf_token=csrf_token, dynamic_registration_enabled=None))

    assert await stored(services) == {"dynamic_registration_enabled": False}


async def test_saving_the_values_already_in_use_changes_nothing_and_says_so(client, services):
    csrf_token = await signed_in_admin(client, services)

    response = await client.post(SETTINGS, data=form_values(csrf_token=csrf_token), follow_redirects=True)

    assert "Nothing to save: every value was already in use." in response.text
    assert await stored(services) == {}
    assert await audit_events(services, "settings.changed") == []


async def test_one_bad_value_saves_nothing_and_is_explained_next_to_its_field_with_the_values_kept(client, services):
    csrf_token = await signed_in_admin(client, services)

    response = await client.post(
        SETTINGS,
        data=form_values(
            csrf_token=csrf_token,
            access_token_ttl_seconds="5",
            refresh_grace_seconds="45",
            rate_limit_per_day="lots",
            log_payloads="true",
        ),
    )

    assert response.status_code == 400
    page = response.text
    assert "Nothing was saved: 2 values need fixing, marked below." in page
    assert '<li><a href="#access_token_ttl_seconds">Access token lifetime</a></li>' in page
    assert '<li><a href="#rate_limit_per_day">Requests per day</a></li>' in page
    assert field_error(page, "access_token_ttl_seconds") == (
        "5 is too small. From 60 seconds (1 minute) to 604,800 seconds (7 days)."
    )
    assert field_error(page, "rate_limit_per_day") == "Enter a whole number of requests. From 1 to 100,000,000."
    assert 'aria-invalid="true"' in page
    assert 'value="5"' in page and 'value="45"' in page
    assert re.search(r'<input type="checkbox" id="log_payloads"[^>]* checked', page)
    assert await stored(services) == {}
    assert await audit_events(services, "settings.changed") == []


# --- the master switch -----------------------------------------------------------------------------------


async def test_switching_mcp_off_needs_the_confirming_button(client, services):
    csrf_token = await signed_in_admin(client, services)

    response = await client.post(SWITCH, data={"csrf_token": csrf_token, "mcp_enabled": "false"})

    assert response.status_code == 400
    assert "Switching MCP access off needs a confirmation" in response.text
    assert await stored(services) == {}


async def test_switching_mcp_off_refuses_every_mcp_request_at_once_until_it_is_switched_on(client, services):
    alice = await make_user(services, "alice")
    key = (await make_api_key(services, alice)).secret
    csrf_token = await signed_in_admin(client, services)

    off = await client.post(SWITCH, data={"csrf_token": csrf_token, "mcp_enabled": "false", "confirmed": "yes"})

    assert off.status_code == 303
    page = (await client.get(off.headers["location"])).text
    assert '<span class="state-badge off">Disabled</span>' in page
    assert "MCP access is switched off." in page
    assert "Switch MCP access on" in page
    refused = await post_mcp(client, initialize_request(), token=key)
    assert refused.status_code == 503
    assert refused.json()["error"]["message"] == SWITCHED_OFF_MESSAGE
    [change] = await audit_events(services, "settings.changed")
    assert change.detail == {"key": "mcp_enabled", "value": False, "previous": True}

    on = await client.post(SWITCH, data={"csrf_token": csrf_token, "mcp_enabled": "true"})

    assert "MCP access is switched on." in (await client.get(on.headers["location"])).text
    assert (await post_mcp(client, initialize_request(), token=key)).status_code == 200
    assert await stored(services) == {"mcp_enabled": True}


async def test_a_switch_without_the_session_csrf_token_leaves_mcp_on(client, services):
    await signed_in_admin(client, services)

    response = await client.post(SWITCH, data={"csrf_token": "", "mcp_enabled": "false", "confirmed": "yes"})

    assert response.status_code == 403
    assert await stored(services) == {}


async def test_the_switch_off_confirmation_says_what_happens(client, services):
    await signed_in_admin(client, services)

    page = (await client.get(SETTINGS)).text

    assert "every MCP request, from every connection, is refused with this message" in page
    assert SWITCHED_OFF_MESSAGE.replace("'", "&#39;") in page
    assert "Sign-ins through OAuth and this console keep working" in page
