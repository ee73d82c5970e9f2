"""The sign-in throttling rule, on plain values."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bastion.console.sign_in_throttle import SignInFailure, describe_wait, sign_in_retry_at

NOW = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)


def failures(count: int, *, login: str = "alice", ip: str | None = "198.51.100.7", minutes_ago: float = 1):
    return [SignInFailure(NOW - timedelta(minutes=minutes_ago, seconds=n), login, ip) for n in range(count)]


def test_four_failures_still_allow_a_fifth_attempt():
    assert sign_in_retry_at(failures(4), "alice", "198.51.100.7", NOW) is None


def test_five_failures_for_a_login_block_it_until_the_oldest_of_them_is_15_minutes_old():
    recent = failures(5)
    oldest = min(failure.at for failure in recent)

    assert sign_in_retry_at(recent, "alice", "203.0.113.1", NOW) == oldest + timedelta(minutes=15)


def test_the_login_is_compared_without_regard_to_letter_case():
    assert sign_in_retry_at(failures(5, login="ALICE"), "alice", None, NOW) is not None


def test_five_failures_from_one_address_block_other_logins_from_it_but_not_from_elsewhere():
    recent = failures(5, login="mallory")

    assert sign_in_retry_at(recent, "alice", "198.51.100.7", NOW) is not None
    assert sign_in_retry_at(recent, "alice", "203.0.113.1", NOW) is None


def test_failures_older_than_15_minutes_are_forgiven():
    assert sign_in_retry_at(failures(20, minutes_ago=15), "alice", "198.51.100.7", NOW) is None


def test_with_many_failures_the_wait_ends_when_only_four_remain_in_the_window():
    old, recent = failures(3, minutes_ago=10), failures(4, minutes_ago=2)

    retry_at = sign_in_retry_at([*old, *recent], "alice", None, NOW)

    # Seven failures: once the three old ones leave the window, four remain and the login may try again.
    assert retry_at == max(failure.at for failure in old) + timedelta(minutes=15)


def test_the_wait_is_told_in_whole_minutes_rounded_up_with_the_clock_time():
    assert describe_wait(NOW + timedelta(seconds=61), NOW) == "2 minutes (after 12:01 UTC)"
    assert describe_wait(NOW + timedelta(seconds=5), NOW) == "1 minute (after 12:00 UTC)"
