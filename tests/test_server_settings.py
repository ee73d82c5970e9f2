import re

import pytest

from bastion.server_settings import SETTING_SPECS, ServerSettings, SettingRejected, parse_setting


def test_every_setting_has_a_default_matching_the_snapshot():
    defaults = ServerSettings().as_dict()
    assert set(defaults) == set(SETTING_SPECS)
    for key, spec in SETTING_SPECS.items():
        assert defaults[key] == spec.default


def test_token_lifetime_defaults_are_one_hour_thirty_days_thirty_seconds_and_ten_minutes():
    s = ServerSettings()
    assert (s.access_token_ttl_seconds, s.refresh_token_ttl_seconds) == (3600, 30 * 86400)
    assert (s.refresh_grace_seconds, s.auth_code_ttl_seconds) == (30, 600)


@pytest.mark.parametrize(("raw", "value"), [("true", True), ("off", False), ("Disabled", False), (True, True)])
def test_switches_accept_words_people_use(raw, value):
    assert parse_setting("mcp_enabled", raw) is value


@pytest.mark.parametrize(
    ("key", "raw", "message"),
    [
        ("auth_code_ttl_seconds", "601", "at most 600 seconds"),
        ("access_token_ttl_seconds", "5", "at least 60 seconds"),
        ("access_token_ttl_seconds", "1h", "takes a whole number of seconds"),
        ("mcp_enabled", "maybe", "takes true or false"),
        ("no_such_setting", "1", "Unknown setting 'no_such_setting'. Known settings: mcp_enabled"),
    ],
)
def test_out_of_bounds_or_unknown_settings_are_rejected_with_what_is_accepted(key, raw, message):
    with pytest.raises(SettingRejected, match=message):
        parse_setting(key, raw)


def test_a_stored_value_out_of_todays_bounds_falls_back_to_the_default():
    assert ServerSettings.from_stored({"auth_code_ttl_seconds": 99999}).auth_code_ttl_seconds == 600


@pytest.mark.parametrize(
    ("raw", "hosts"),
    [
        ("claude.ai chatgpt.com", ("claude.ai", "chatgpt.com")),
        ("Claude.AI, chatgpt.com.,claude.ai", ("claude.ai", "chatgpt.com")),
        (["claude.ai"], ("claude.ai",)),
        ("", ()),
    ],
)
def test_allowed_metadata_document_hosts_are_host_names_in_lower_case_once_each(raw, hosts):
    assert parse_setting("client_metadata_allowed_hosts", raw) == hosts


@pytest.mark.parametrize("raw", ["https://claude.ai", "claude.ai/oauth", "claude.ai:443", "*.claude.ai", "a_b.com"])
def test_an_allowed_host_with_a_scheme_path_port_or_wildcard_is_rejected(raw):
    with pytest.raises(SettingRejected, match=re.escape("takes host names such as claude.ai or chatgpt.com")):
        parse_setting("client_metadata_allowed_hosts", raw)


def test_stored_allowed_hosts_come_back_as_a_tuple():
    assert ServerSettings.from_stored(
        {"client_metadata_allowed_hosts": ["claude.ai"]}
    ).client_metadata_allowed_hosts == ("claude.ai",)
