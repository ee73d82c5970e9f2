"""How refusals are written: RFC 6750 challenges with only the characters a quoted description may hold."""

from __future__ import annotations

from pathlib import Path

from bastion.config import Settings
from bastion.mcp.errors import InsufficientScope, InvalidToken, bearer_challenge

SETTINGS = Settings(
    home=Path("/unused"), database_url="sqlite+aiosqlite://", public_url="https://mcp.example.com", secret_key="x"
)


def test_the_challenge_points_to_the_metadata_of_the_mcp_resource_and_asks_for_every_scope():
    assert bearer_challenge(SETTINGS) == (
        'Bearer resource_metadata="https://mcp.example.com/.well-known/oauth-protected-resource/mcp", '
        'scope="mcp:read mcp:write"'
    )


def test_a_description_keeps_only_the_characters_rfc_6750_allows_in_the_header_but_all_of_them_in_the_body():
    response = InvalidToken('Token "x" — isn\\t usable').response(SETTINGS)
    challenge = response.headers["www-authenticate"]
    assert 'error_description="Token x  isnt usable"' in challenge
    assert '"Token \\"x\\" — isn\\\\t usable"' in response.body.decode()


def test_an_insufficient_scope_challenge_names_the_scopes_the_call_needs():
    response = InsufficientScope("needs write", needed="mcp:read mcp:write").response(SETTINGS)
    challenge = response.headers["www-authenticate"]
    assert response.status_code == 403
    assert 'error="insufficient_scope"' in challenge
    assert 'scope="mcp:read mcp:write"' in challenge
