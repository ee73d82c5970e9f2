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
    party = await make_party(services)
    first = await sign_in(services, client, party)
    # Hold each request at the compare-and-set until both have read the token unspent; otherwise the
    # scheduler may serialize them, and the second is then a lost-response retry for the grace window.
    both_read = asyncio.Barrier(2)
    real_rotate = Tokens.rotate

    async def rotate_when_both_have_read(self, token_id, now):
        await asyncio.wait_for(both_read.wait(), timeout=10)
        return await real_rotate(self, token_id, now)

    monkeypatch.setattr(Tokens, "rotate", rotate_when_both_have_read)

    responses = await asyncio.gather(
        refresh(client, party, first["refresh_token"]), refresh(client, party, first["refresh_token"])
    )

    winners = [r for r in responses if r.status_code == 200]
    losers = [r for r in responses if r.status_code != 200]
    assert len(winners) == 1, [r.text for r in responses]
    assert_error(losers[0], 400, "invalid_grant", "just used by another request")
    # The loser revoked nothing: the winner's tokens keep working.
    winner = winners[0].json()
    assert not await _is_revoked(services, winner["access_token"])
    monkeypatch.setattr(Tokens, "rotate", real_rotate)
    assert (await refresh(client, party, winner["refresh_token"])).status_code == 200


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
