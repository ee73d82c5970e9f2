"""apply_settings: what ``bastion settings set`` and the Server Settings page both call."""

from __future__ import annotations

import pytest

from bastion.server_settings import SettingRejected
from bastion.settings_changes import SettingChange, SettingsRejected, apply_settings, parse_settings
from bastion.store.repositories import StoredSettings
from tests.factories import make_user
from tests.mcp.helpers import audit_events


async def stored(services) -> dict:
    async with services.transaction() as session:
        return await StoredSettings(session).all()


def test_every_bad_value_is_named_with_what_is_accepted():
    with pytest.raises(SettingsRejected) as refused:
        parse_settings({"access_token_ttl_seconds": "5", "log_payloads": "maybe", "refresh_grace_seconds": "10"})

    assert refused.value.errors == {
        "access_token_ttl_seconds": "access_token_ttl_seconds must be at least 60 seconds; got 5.",
        "log_payloads": "log_payloads takes true or false, not 'maybe'.",
    }
    assert isinstance(refused.value, SettingRejected)  # so the CLI prints it as one line, like any bad value
    assert str(refused.value) == " ".join(refused.value.errors.values())


def test_values_are_parsed_to_their_kind():
    assert parse_settings({"log_payloads": "on", "audit_retention_days": " 30 "}) == {
        "log_payloads": True,
        "audit_retention_days": 30,
    }


async def test_changed_values_are_stored_and_audited_with_who_changed_them(services):
    ada = await make_user(services, "ada", admin=True)

    async with services.transaction() as session:
        changes = await apply_settings(
            session, services.clock(), {"access_token_ttl_seconds": "600", "log_payloads": "false"}, actor_id=ada.id
        )

    assert changes == [
        SettingChange("access_token_ttl_seconds", 3600, 600),
        SettingChange("log_payloads", False, False),
    ]
    assert [change.changed for change in changes] == [True, False]
    assert await stored(services) == {"access_token_ttl_seconds": 600}
    [event] = await audit_events(services, "settings.changed")
    assert event.user_id == ada.id
    assert event.detail == {"key": "access_token_ttl_seconds", "value": 600, "previous": 3600}


async def test_one_bad_value_stores_nothing(services):
    with pytest.raises(SettingsRejected):
        async with services.transaction() as session:
            await apply_settings(session, services.clock(), {"access_token_ttl_seconds": "600", "nope": "1"})

    assert await stored(services) == {}
    assert await audit_events(services, "settings.changed") == []


async def test_the_previous_value_is_the_one_stored_before(services):
    async with services.transaction() as session:
        await apply_settings(session, services.clock(), {"idle_after_seconds": "7200"})
    async with services.transaction() as session:
        [change] = await apply_settings(session, services.clock(), {"idle_after_seconds": "10800"})

    assert change == SettingChange("idle_after_seconds", 7200, 10800)
