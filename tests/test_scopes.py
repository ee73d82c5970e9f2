import pytest

from bastion.scopes import FULL, READ, grantable_scopes, includes, parse_scope


@pytest.mark.parametrize("raw", [None, "", "   ", "+offline_access", "claudeai", "offline_access claudeai"])
def test_a_request_without_known_scopes_gets_everything_the_connection_allows(raw):
    assert grantable_scopes(raw, FULL) == FULL
    assert grantable_scopes(raw, READ) == READ


def test_unknown_scope_values_are_dropped_and_known_ones_kept():
    assert grantable_scopes("mcp:read  claudeai +offline_access", FULL) == READ


def test_write_includes_read():
    assert grantable_scopes("mcp:write", FULL) == FULL


def test_a_read_only_connection_never_grants_write():
    assert grantable_scopes("mcp:write", READ) == READ


def test_scope_strings_split_on_plus_and_repeated_spaces():
    assert parse_scope("+mcp:read   mcp:write+") == ["mcp:read", "mcp:write"]


def test_includes_checks_every_needed_scope():
    assert includes(FULL, "mcp:write")
    assert not includes(READ, "mcp:write")
