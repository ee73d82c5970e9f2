"""Control characters are invalid in every URI field (RFC 3986 §2): a redirect URI carrying one, raw or
percent-encoded, is refused at registration, in the console wizard and wherever oauth/redirect_uris.py rules."""

from __future__ import annotations

import pytest

from bastion.console.wizard_rules import check_redirect_uri_lines
from bastion.oauth.redirect_uris import RedirectUriRejected, check_redirect_uri

CONTROL = "contains a control character"


@pytest.mark.parametrize(
    "uri",
    [
        "https://a.example/cb%00",
        "https://a.example/cb?x=%1F",
        "https://a.example/c%7fb",
        "https://a.example/c%0Ab",
        "https://a.example/c\x00b",
        "https://a.example/c\x1fb",
        "https://a.example/c\x7fb",
        "https://a.example/c\tb",
        "http://127.0.0.1:3000/cb\x00",
    ],
)
def test_a_redirect_uri_with_a_control_character_is_rejected(uri):
    with pytest.raises(RedirectUriRejected, match=CONTROL):
        check_redirect_uri(uri)


def test_percent_signs_that_encode_printable_characters_stay_allowed():
    assert check_redirect_uri("https://a.example/c%20b?x=%2F%7E") == "https://a.example/c%20b?x=%2F%7E"


def test_the_console_wizard_names_the_line_with_a_control_character():
    check = check_redirect_uri_lines("https://a.example/ok\nhttps://a.example/cb%00")
    assert check.uris == ["https://a.example/ok"]
    [problem] = check.problems
    assert problem.line == 2 and CONTROL in problem.message


@pytest.mark.parametrize("uri", ["https://a.example/cb%00", "https://a.example/c\x00b", "https://a.example/c\x7fb"])
async def test_registration_refuses_a_redirect_uri_with_a_control_character(client, uri):
    response = await client.post("/oauth/register", json={"redirect_uris": [uri], "client_name": "App"})
    assert response.status_code == 400, response.text
    body = response.json()
    assert body["error"] == "invalid_redirect_uri"
    assert CONTROL in body["error_description"]
