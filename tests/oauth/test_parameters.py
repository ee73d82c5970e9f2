"""The form body shared by the token, revocation and introspection endpoints (oauth/parameters.py)."""

import pytest

from bastion.oauth.errors import InvalidRequest
from bastion.oauth.parameters import parse_form


def test_parameters_are_form_decoded():
    form = parse_form(b"grant_type=authorization_code&redirect_uri=https%3A%2F%2Fa.example%2Fcb&scope=a+b")
    assert form.get("grant_type") == "authorization_code"
    assert form.get("redirect_uri") == "https://a.example/cb"
    assert form.get("scope") == "a b"


def test_a_parameter_without_a_value_counts_as_absent():
    # RFC 6749 §3.1
    form = parse_form(b"grant_type=refresh_token&scope=&client_secret=")
    assert form.get("scope") is None and form.get("client_secret") is None


def test_several_resources_are_kept_in_order():
    # RFC 8707 §2 allows the resource parameter more than once.
    form = parse_form(b"resource=https%3A%2F%2Fa%2Fmcp&resource=https%3A%2F%2Fb%2Fmcp")
    assert form.resources == ("https://a/mcp", "https://b/mcp")


def test_any_other_repeated_parameter_is_refused():
    with pytest.raises(InvalidRequest, match="code appears more than once"):
        parse_form(b"code=a&code=b")


def test_a_body_that_is_not_utf8_is_refused():
    with pytest.raises(InvalidRequest, match="not valid UTF-8"):
        parse_form(b"code=%ff%fe")


def test_require_names_the_missing_field_and_how_to_fix_it():
    with pytest.raises(InvalidRequest, match="token is required: send it"):
        parse_form(b"").require("token", "send it.")
