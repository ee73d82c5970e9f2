"""The sign-in throttling rules, on plain values."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bastion.governance.sign_in_throttle import (
    CountedAttempt,
    Held,
    Wait,
    describe_wait,
    login_delay,
    refusal_message,
    sign_in_wait,
)

NOW = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
HERE = "198.51.100.7"


def failures(count: int, *, login: str = "alice", ip: str = HERE, minutes_ago: float = 1) -> list[CountedAttempt]:
    return [CountedAttempt(NOW - timedelta(minutes=minutes_ago, seconds=n), login, ip) for n in range(count)]


def spread(count: int, *, login: str = "alice", minutes_ago: float = 1) -> list[CountedAttempt]:
    """One failure from each of ``count`` addresses."""
    at = NOW - timedelta(minutes=minutes_ago)
    return [CountedAttempt(at - timedelta(seconds=n), login, f"203.0.113.{n + 1}") for n in range(count)]


def test_four_failures_still_allow_a_fifth_attempt():
    assert sign_in_wait(failures(4), "alice", HERE, NOW) is None


def test_five_failures_for_a_login_from_one_address_hold_it_there_until_the_oldest_is_15_minutes_old():
    recent = failures(5)
    oldest = min(failure.at for failure in recent)

    assert sign_in_wait(recent, "alice", HERE, NOW) == Wait(oldest + timedelta(minutes=15), Held.LOGIN_HERE)


def test_five_failures_from_one_address_do_not_hold_the_login_from_another_address():
    assert sign_in_wait(failures(5), "alice", "203.0.113.1", NOW) is None


def test_the_login_is_compared_lower_cased():
    assert sign_in_wait(failures(5, login="alice"), "ALICE", HERE, NOW) is not None


def test_twenty_failures_from_one_address_hold_every_login_from_it_but_not_elsewhere():
    recent = [attempt for n in range(5) for attempt in failures(4, login=f"guess{n}")]

    assert sign_in_wait(recent, "alice", HERE, NOW).held is Held.ADDRESS
    assert sign_in_wait(recent, "alice", "203.0.113.1", NOW) is None
    assert sign_in_wait(recent[1:], "alice", HERE, NOW) is None


def test_failures_older_than_15_minutes_are_forgiven_by_the_address_rules():
    assert sign_in_wait(failures(19, minutes_ago=15), "alice", HERE, NOW) is None


def test_with_many_failures_the_wait_ends_when_only_four_remain_in_the_window():
    old, recent = failures(3, minutes_ago=10), failures(4, minutes_ago=2)

    wait = sign_in_wait([*old, *recent], "alice", HERE, NOW)

    # Seven failures: once the three old ones leave the window, four remain and the login may try again.
    assert wait is not None and wait.until == max(failure.at for failure in old) + timedelta(minutes=15)


def test_nineteen_failures_of_a_login_from_many_addresses_do_not_hold_it():
    assert sign_in_wait(spread(19, minutes_ago=0), "alice", "192.0.2.1", NOW) is None


def test_from_twenty_failures_of_a_login_every_new_address_waits_after_the_latest_one():
    latest = NOW - timedelta(seconds=10)
    attempts = [*spread(19, minutes_ago=30), CountedAttempt(latest, "alice", "203.0.113.99")]
    wait = sign_in_wait(attempts, "alice", "192.0.2.1", NOW)

    assert wait == Wait(latest + timedelta(minutes=1), Held.LOGIN_EVERYWHERE)
    assert sign_in_wait(attempts, "alice", "192.0.2.1", latest + timedelta(minutes=1)) is None


def test_the_per_login_wait_doubles_with_each_failure_up_to_an_hour():
    assert [login_delay(n) for n in (20, 21, 22, 25, 26, 40, 10_000)] == [
        timedelta(minutes=minutes) for minutes in (1, 2, 4, 32, 60, 60, 60)
    ]


def test_an_address_the_login_signed_in_from_is_not_held_by_the_per_login_ceiling():
    attempts = spread(40, minutes_ago=0)

    assert sign_in_wait(attempts, "alice", "192.0.2.1", NOW, known_address=True) is None
    # ... but it still is by the limits of its own address.
    assert sign_in_wait([*attempts, *failures(5, ip="192.0.2.1")], "alice", "192.0.2.1", NOW, known_address=True)


def test_failures_older_than_a_day_are_forgiven_by_the_per_login_ceiling():
    assert sign_in_wait(spread(50, minutes_ago=24 * 60), "alice", "192.0.2.1", NOW) is None


def test_the_wait_is_told_in_whole_minutes_rounded_up_with_the_clock_time():
    assert describe_wait(NOW + timedelta(seconds=61), NOW) == "2 minutes (after 12:01 UTC)"
    assert describe_wait(NOW + timedelta(seconds=5), NOW) == "1 minute (after 12:00 UTC)"


def test_the_refusal_says_what_happened_and_when_to_retry_without_naming_the_login():
    message = refusal_message(Wait(NOW + timedelta(minutes=15), Held.LOGIN_HERE), NOW)

    assert message == (
        "There were too many failed sign-ins for this login from your network, so sign-in is paused for a while. "
        "Try again in 15 minutes (after 12:15 UTC). "
        "If you cannot wait, an administrator can lift the pause (bastion users unlock LOGIN)."
    )
