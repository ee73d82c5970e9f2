"""RFC 9700 §4.14.2: refresh tokens rotate on every use; reuse revokes the family, except one grace retry."""

import asyncio

from bastion.store.repositories import Tokens
from tests.token_flows import (
    assert_error,
    audit_events,
    make_party,
    put_setting,
    refresh,
    sign_in,
    stored_token,
)


async def _is_revoked(services, token: str) -> bool:
    return (await stored_token(services, token)).revoked_at is not None


async def test_a_rotated_token_retried_inside_the_grace_window_is_accepted_once(services, client, clock):
    party = await make_party(services)
    first = await sign_in(services, client, party)
    lost = (await refresh(client, party, first["refresh_token"])).json()
    clock.advance(29)

    retry = await refresh(client, party, first["refresh_token"])

    assert retry.status_code == 200, retry.text
    retried = retry.json()
    # The successor whose response was lost is revoked; the retry's pair works.
    assert await _is_revoked(services, lost["refresh_token"])
    assert not await _is_revoked(services, retried["refresh_token"])
    assert (await stored_token(services, retried["refresh_token"])).family_id == (
        await stored_token(services, first["refresh_token"])
    ).family_id
    assert (await refresh(client, party, retried["refresh_token"])).status_code == 200


async def test_a_second_retry_inside_the_grace_window_revokes_the_whole_family(services, client, clock):
    party = await make_party(services)
    first = await sign_in(services, client, party)
    await refresh(client, party, first["refresh_token"])
    retried = (await refresh(client, party, first["refresh_token"])).json()

    second_retry = await refresh(client, party, first["refresh_token"])

    assert_error(second_retry, 400, "invalid_grant", "already used")
    assert await _is_revoked(services, retried["refresh_token"])
    assert await _is_revoked(services, retried["access_token"])
    assert await _is_revoked(services, first["access_token"])
    assert_error(await refresh(client, party, retried["refresh_token"]), 400, "invalid_grant", "revoked")


async def test_reuse_after_the_grace_window_revokes_the_family_access_tokens_included(services, client, clock):
    party = await make_party(services)
    first = await sign_in(services, client, party)
    current = (await refresh(client, party, first["refresh_token"])).json()
    clock.advance(30)

    reuse = await refresh(client, party, first["refresh_token"])

    assert_error(reuse, 400, "invalid_grant", "every token of this sign-in has been revoked")
    # Committed in a transaction of its own, although the request failed.
    for token in (first["access_token"], current["access_token"], current["refresh_token"]):
        assert await _is_revoked(services, token)
    reused = await audit_events(services, "token.reused")
    assert [(e.connection_id, e.detail["tokens_revoked"]) for e in reused] == [(party.client.connection.id, 4)]
    rejected = await audit_events(services, "token.rejected")
    assert [(e.detail["error"], e.detail["grant_type"]) for e in rejected] == [("invalid_grant", "refresh_token")]


async def test_a_token_older_than_the_immediately_previous_one_revokes_the_family_even_inside_the_window(
    services, client
):
    party = await make_party(services)
    first = await sign_in(services, client, party)
    second = (await refresh(client, party, first["refresh_token"])).json()
    third = (await refresh(client, party, second["refresh_token"])).json()

    reuse = await refresh(client, party, first["refresh_token"])

    assert_error(reuse, 400, "invalid_grant", "already used")
    assert await _is_revoked(services, third["refresh_token"])
    assert await _is_revoked(services, third["access_token"])


async def test_a_grace_window_of_zero_makes_every_reuse_revoke_the_family(services, client):
    await put_setting(services, "refresh_grace_seconds", 0)
    party = await make_party(services)
    first = await sign_in(services, client, party)
    current = (await refresh(client, party, first["refresh_token"])).json()

    assert_error(await refresh(client, party, first["refresh_token"]), 400, "invalid_grant", "already used")
    assert await _is_revoked(services, current["refresh_token"])


async def test_the_successor_replaced_by_a_grace_retry_contains_the_family_when_presented(services, client):
    """If the retry came from a thief, the legitimate holder of the replaced successor shows up: stop both."""
    party = await make_party(services)
    first = await sign_in(services, client, party)
    replaced = (await refresh(client, party, first["refresh_token"])).json()
    retried = (await refresh(client, party, first["refresh_token"])).json()

    response = await refresh(client, party, replaced["refresh_token"])

    assert_error(response, 400, "invalid_grant", "has been revoked")
    assert await _is_revoked(services, retried["refresh_token"])
    assert await _is_revoked(services, retried["access_token"])


async def test_reuse_in_one_family_leaves_other_sign_ins_of_the_same_client_alone(services, client):
    party = await make_party(services)
    victim = await sign_in(services, client, party)
    bystander = await sign_in(services, client, party)
    await refresh(client, party, victim["refresh_token"])
    await refresh(client, party, victim["refresh_token"])
    await refresh(client, party, victim["refresh_token"])

    assert not await _is_revoked(services, bystander["refresh_token"])
    assert (await refresh(client, party, bystander["refresh_token"])).status_code == 200


async def test_two_concurrent_refreshes_with_one_token_have_exactly_one_winner(services, client, monkeypatch):
    """Both in flight at once, the first holding its spend uncommitted for a while: the second waits (for the one
    SQLite writer, or PostgreSQL's row lock) and then finds the token spent. Exactly one spends it; the other is
    its grace retry, which replaces the winner's refresh token: one live refresh token, the family alive."""
    party = await make_party(services)
    first = await sign_in(services, client, party)
    spends: list[bool] = []
    real_spend = Tokens.spend_refresh

    async def spend_and_hold(self, digest, now):
        spent = await real_spend(self, digest, now)
        spends.append(spent is not None)
        if len(spends) == 1:
            await asyncio.sleep(0.3)  # the other request arrives while this spend is not committed
        return spent

    monkeypatch.setattr(Tokens, "spend_refresh", spend_and_hold)

    responses = await asyncio.gather(
        refresh(client, party, first["refresh_token"]), refresh(client, party, first["refresh_token"])
    )

    assert [r.status_code for r in responses] == [200, 200], [r.text for r in responses]
    assert spends == [True, False]
    issued = [r.json() for r in responses]
    live = [pair for pair in issued if not await _is_revoked(services, pair["refresh_token"])]
    assert len(live) == 1
    # Nothing else was revoked: both access tokens work until they expire, and the family goes on.
    for pair in issued:
        assert not await _is_revoked(services, pair["access_token"])
    monkeypatch.setattr(Tokens, "spend_refresh", real_spend)
    assert (await refresh(client, party, live[0]["refresh_token"])).status_code == 200


async def test_two_concurrent_refreshes_never_leave_two_live_refresh_tokens(services, client):
    """Without holding them, the two may also serialize: then the second is a grace retry that replaces the first."""
    party = await make_party(services)
    first = await sign_in(services, client, party)

    responses = await asyncio.gather(
        refresh(client, party, first["refresh_token"]), refresh(client, party, first["refresh_token"])
    )

    issued = [r.json()["refresh_token"] for r in responses if r.status_code == 200]
    assert issued, [r.text for r in responses]
    live = [token for token in issued if not await _is_revoked(services, token)]
    assert len(live) == 1
