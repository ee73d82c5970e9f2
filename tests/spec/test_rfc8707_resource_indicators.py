"""RFC 8707 at the token endpoint: absent means our resource; present and not ours is invalid_target."""

from sqlalchemy import update

from bastion.store.models import Token
from tests.token_flows import (
    REDIRECT_URI,
    RESOURCE,
    VERIFIER,
    assert_error,
    basic_auth,
    exchange_code,
    make_code,
    make_party,
    refresh,
    sign_in,
    stored_token,
)

FOREIGN = "https://elsewhere.example.com/mcp"


async def test_a_foreign_resource_is_invalid_target_and_the_code_stays_usable(services, client):
    party = await make_party(services)
    code = await make_code(services, party)

    refused = await exchange_code(client, party, code, resource=FOREIGN)

    assert_error(refused, 400, "invalid_target", "is not served here")
    assert "http://testserver/mcp" in refused.json()["error_description"]
    assert (await exchange_code(client, party, code)).status_code == 200


async def test_a_foreign_resource_is_refused_before_the_code_is_even_checked(services, client):
    party = await make_party(services)
    response = await exchange_code(client, party, "bst_ac_unknown", resource=FOREIGN)
    assert_error(response, 400, "invalid_target", "is not served here")


async def test_one_foreign_resource_among_several_is_invalid_target(services, client):
    party = await make_party(services)
    code = await make_code(services, party)
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    response = await client.post(
        "/oauth/token",
        content=(
            f"grant_type=authorization_code&code={code}&redirect_uri={REDIRECT_URI}&code_verifier={VERIFIER}"
            f"&resource={RESOURCE}&resource={FOREIGN}"
        ),
        headers={**headers, **basic_auth(party.client_id, party.secret)},
    )

    assert_error(response, 400, "invalid_target", FOREIGN)


async def test_no_resource_means_this_servers_mcp_endpoint(services, client):
    party = await make_party(services)
    tokens = (await exchange_code(client, party, await make_code(services, party), resource=None)).json()
    assert (await stored_token(services, tokens["access_token"])).resource == RESOURCE


async def test_a_trailing_slash_names_the_same_resource(services, client):
    party = await make_party(services)
    response = await exchange_code(client, party, await make_code(services, party), resource=RESOURCE + "/")
    assert response.status_code == 200, response.text


async def test_a_code_issued_for_another_resource_is_invalid_grant(services, client):
    party = await make_party(services)
    code = await make_code(services, party, resource="http://old-name.example.com/mcp")
    response = await exchange_code(client, party, code)
    assert_error(response, 400, "invalid_grant", "issued for the resource 'http://old-name.example.com/mcp'")


async def test_a_refresh_for_a_foreign_resource_is_invalid_target_and_spends_nothing(services, client):
    party = await make_party(services)
    tokens = await sign_in(services, client, party)

    refused = await refresh(client, party, tokens["refresh_token"], resource=FOREIGN)

    assert_error(refused, 400, "invalid_target", "is not served here")
    assert (await stored_token(services, tokens["refresh_token"])).rotated_at is None
    assert (await refresh(client, party, tokens["refresh_token"], resource=RESOURCE)).status_code == 200


async def test_a_refresh_token_for_a_resource_no_longer_served_is_invalid_grant(services, client):
    party = await make_party(services)
    tokens = await sign_in(services, client, party)
    async with services.transaction() as session:
        await session.execute(update(Token).values(resource="http://old-name.example.com/mcp"))

    response = await refresh(client, party, tokens["refresh_token"])

    assert_error(response, 400, "invalid_grant", "no longer served here")
