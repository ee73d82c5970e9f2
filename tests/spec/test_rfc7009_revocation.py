"""RFC 7009: what a revocation ends, seen from the token and introspection endpoints."""

from tests.token_flows import assert_error, client_auth, make_party, refresh, sign_in


async def _post(http, url, party, **fields):
    headers, body = client_auth(party)
    return await http.post(url, data={**body, **fields}, headers=headers)


async def _active(http, party, token) -> bool:
    return (await _post(http, "/oauth/introspect", party, token=token)).json()["active"]


async def test_a_revoked_refresh_token_can_no_longer_refresh_and_its_access_token_is_inactive(services, client):
    party = await make_party(services)
    tokens = await sign_in(services, client, party)
    assert await _active(client, party, tokens["access_token"])

    assert (await _post(client, "/oauth/revoke", party, token=tokens["refresh_token"])).status_code == 200

    assert_error(await refresh(client, party, tokens["refresh_token"]), 400, "invalid_grant", "has been revoked")
    assert not await _active(client, party, tokens["access_token"])


async def test_revoking_a_rotated_families_refresh_token_ends_the_whole_sign_in(services, client):
    party = await make_party(services)
    first = await sign_in(services, client, party)
    second = (await refresh(client, party, first["refresh_token"])).json()

    await _post(client, "/oauth/revoke", party, token=second["refresh_token"])

    for token in (first["access_token"], second["access_token"], second["refresh_token"]):
        assert not await _active(client, party, token)


async def test_revoking_an_access_token_leaves_the_refresh_token_usable(services, client):
    party = await make_party(services)
    tokens = await sign_in(services, client, party)

    await _post(client, "/oauth/revoke", party, token=tokens["access_token"])

    assert not await _active(client, party, tokens["access_token"])
    assert (await refresh(client, party, tokens["refresh_token"])).status_code == 200


async def test_a_public_client_signs_out_and_its_tokens_stop_working(services, client):
    party = await make_party(services, client_type="public")
    tokens = await sign_in(services, client, party)

    assert (await _post(client, "/oauth/revoke", party, token=tokens["access_token"])).status_code == 200
    assert (await _post(client, "/oauth/revoke", party, token=tokens["refresh_token"])).status_code == 200

    assert_error(await refresh(client, party, tokens["refresh_token"]), 400, "invalid_grant", "has been revoked")


async def test_one_client_cannot_revoke_another_clients_sign_in(services, client):
    owner = await make_party(services, login="alice")
    other = await make_party(services, login="mallory")
    tokens = await sign_in(services, client, owner)

    assert (await _post(client, "/oauth/revoke", other, token=tokens["refresh_token"])).status_code == 200

    assert await _active(client, owner, tokens["access_token"])
    assert (await refresh(client, owner, tokens["refresh_token"])).status_code == 200
