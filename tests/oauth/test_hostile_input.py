"""Hostile input at the OAuth endpoints: a NUL in a parameter, malformed multipart, deeply nested JSON.

Each is refused at the edge with the endpoint's normal error, on SQLite and PostgreSQL alike (asyncpg
refuses a NUL in text, so it must never reach a query).
"""

from __future__ import annotations

import base64

import pytest

from bastion.oauth.errors import InvalidRequest
from bastion.oauth.parameters import parse_form
from tests.oauth.authorization_helpers import authorize_params, make_person, sign_in
from tests.oauth.test_authorize import assert_error_page
from tests.token_flows import assert_error, make_party

FORM = {"Content-Type": "application/x-www-form-urlencoded"}
BROKEN_MULTIPART = {"Content-Type": "multipart/form-data; boundary=zz"}
DEEP_JSON = "[" * 30000 + "]" * 30000


def test_a_nul_in_a_form_value_is_invalid_request_naming_the_parameter():
    with pytest.raises(InvalidRequest, match="The parameter client_id contains a NUL character"):
        parse_form(b"grant_type=client_credentials&client_id=a%00b")


def test_a_nul_in_a_form_parameter_name_is_invalid_request():
    with pytest.raises(InvalidRequest, match="contains a NUL character"):
        parse_form(b"a%00b=c")


@pytest.mark.parametrize("path", ["/oauth/token", "/oauth/revoke", "/oauth/introspect"])
async def test_a_nul_in_a_back_channel_parameter_is_invalid_request(client, path):
    response = await client.post(
        path,
        content="grant_type=client_credentials&token=x&client_id=a%00b",
        headers=FORM,
    )
    assert_error(response, 400, "invalid_request", "The parameter client_id contains a NUL character")


@pytest.mark.parametrize("path", ["/oauth/token", "/oauth/revoke", "/oauth/introspect"])
async def test_basic_credentials_decoding_to_a_nul_are_invalid_request(client, path):
    basic = base64.b64encode(b"a\0b:c").decode()
    response = await client.post(
        path,
        content="grant_type=client_credentials&token=x",
        headers={**FORM, "Authorization": f"Basic {basic}"},
    )
    assert_error(response, 400, "invalid_request", "The client_id in the Basic credentials contains a NUL character")


async def test_a_nul_client_id_at_the_authorization_endpoint_is_an_error_page_never_a_redirect(client):
    response = await client.get("/oauth/authorize?client_id=%00&response_type=code")
    assert_error_page(response, 400, "invalid_request", "The parameter client_id contains a NUL character")


async def test_a_nul_in_any_authorization_parameter_is_an_error_page(client, services):
    party = await make_party(services)
    params = authorize_params(party.client_id, state="a\0b")
    response = await client.get("/oauth/authorize", params=params)
    assert_error_page(response, 400, "invalid_request", "The parameter state contains a NUL character")


async def test_a_malformed_multipart_consent_form_is_an_error_page(client, services):
    user = await make_person(services, "alice")
    await sign_in(services, client, user)
    response = await client.post("/oauth/authorize", content=b"a=b", headers=BROKEN_MULTIPART)
    assert_error_page(response, 400, "invalid_request", "The form could not be read")


@pytest.mark.parametrize("path", ["/oauth/register", "/register"])
async def test_deeply_nested_json_at_registration_is_invalid_client_metadata(client, path):
    response = await client.post(path, content=DEEP_JSON, headers={"Content-Type": "application/json"})
    assert_error(response, 400, "invalid_client_metadata", "nested too deeply")


@pytest.mark.parametrize("contact", ["ops\u0000@a.example", "ops@a.example\n", "o\u007fps@a.example"])
async def test_a_contact_with_a_control_character_is_invalid_client_metadata(client, contact):
    response = await client.post(
        "/oauth/register", json={"redirect_uris": ["https://a.example/cb"], "contacts": [contact]}
    )
    assert_error(response, 400, "invalid_client_metadata", "contacts contains a control character")
