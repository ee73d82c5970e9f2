"""Sign-in throttling: rules on the attempts counted for a login and an address (OWASP authentication guidance).

Three limits, each counting failures and attempts still being checked, never refusals:

- one login from one address: 5 in 15 minutes, then wait until the oldest of them is 15 minutes old;
- one address, whatever the logins: 20 in 15 minutes, likewise (one address guessing many logins);
- one login from every address: after 20 in 24 hours, each further attempt waits after the latest one,
  1 minute, then twice as long each time, at most an hour (a guess spread over many addresses).
  An address the login signed in from in the last 30 days is not held by this ceiling, so strangers
  cannot keep a person out from where they usually sign in.

The attempts are counted in the database (``governance/attempts.py``), so the limits hold across processes.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum

PAIR_LIMIT = 5
PAIR_WINDOW = timedelta(minutes=15)
ADDRESS_LIMIT = 20
ADDRESS_WINDOW = timedelta(minutes=15)
LOGIN_CEILING = 20
LOGIN_WINDOW = timedelta(hours=24)
FIRST_DELAY = timedelta(minutes=1)
LONGEST_DELAY = timedelta(hours=1)
KNOWN_ADDRESS_FOR = timedelta(days=30)
# How far back any rule looks: older attempts may be deleted.
LONGEST_WINDOW = max(PAIR_WINDOW, ADDRESS_WINDOW, LOGIN_WINDOW)


class Held(Enum):
    """Which limit holds a sign-in back; each has its own sentence on the refusal page."""

    LOGIN_HERE = "for this login from your network"
    ADDRESS = "from your network"
    LOGIN_EVERYWHERE = "for this login from many networks"


@dataclass(frozen=True)
class CountedAttempt:
    """A failed sign-in, or one being checked: when, for which login (lower-cased), from which address."""

    at: datetime
    login: str
    client_ip: str


@dataclass(frozen=True)
class Wait:
    until: datetime
    held: Held


def login_delay(count: int) -> timedelta:
    """The wait after the latest attempt once a login has ``count`` (at least ``LOGIN_CEILING``) in the window."""
    doublings = min(count - LOGIN_CEILING, 12)
    return min(FIRST_DELAY * 2**doublings, LONGEST_DELAY)


def sign_in_wait(
    others: Iterable[CountedAttempt], login: str, client_ip: str, now: datetime, *, known_address: bool = False
) -> Wait | None:
    """How long a sign-in for ``login`` from ``client_ip`` must wait, given the *other* counted attempts (None: none).

    ``known_address``: the login signed in from this address within ``KNOWN_ADDRESS_FOR``.
    """
    login = login.lower()
    attempts = list(others)

    def times(window: timedelta, *, same_login: bool, same_address: bool) -> list[datetime]:
        return sorted(
            attempt.at
            for attempt in attempts
            if attempt.at > now - window
            and (not same_login or attempt.login == login)
            and (not same_address or attempt.client_ip == client_ip)
        )

    waits = []
    here = times(PAIR_WINDOW, same_login=True, same_address=True)
    if len(here) >= PAIR_LIMIT:
        waits.append(Wait(here[-PAIR_LIMIT] + PAIR_WINDOW, Held.LOGIN_HERE))
    from_address = times(ADDRESS_WINDOW, same_login=False, same_address=True)
    if len(from_address) >= ADDRESS_LIMIT:
        waits.append(Wait(from_address[-ADDRESS_LIMIT] + ADDRESS_WINDOW, Held.ADDRESS))
    everywhere = times(LOGIN_WINDOW, same_login=True, same_address=False)
    if not known_address and len(everywhere) >= LOGIN_CEILING:
        until = everywhere[-1] + login_delay(len(everywhere))
        if until > now:
            waits.append(Wait(until, Held.LOGIN_EVERYWHERE))
    return max(waits, key=lambda wait: wait.until, default=None)


def describe_wait(retry_at: datetime, now: datetime) -> str:
    minutes = max(1, math.ceil((retry_at - now).total_seconds() / 60))
    unit = "minute" if minutes == 1 else "minutes"
    return f"{minutes} {unit} (after {retry_at:%H:%M} UTC)"


def refusal_message(wait: Wait, now: datetime) -> str:
    """What happened and when to try again; the same whether or not the login exists."""
    return (
        f"There were too many failed sign-ins {wait.held.value}, so sign-in is paused for a while. "
        f"Try again in {describe_wait(wait.until, now)}. "
        "If you cannot wait, an administrator can lift the pause (bastion users unlock LOGIN)."
    )
