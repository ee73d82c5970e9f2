"""Sign-in throttling: after 5 failures for one login or from one address within 15 minutes, wait.

Failures are counted from the audit log (``user.sign_in_failed``), not from process memory, so the
limit holds when several Bastion processes share one database. Refused attempts are not failures:
they never reach the password check and so cannot stretch the wait.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

MAX_FAILURES = 5
WINDOW = timedelta(minutes=15)


@dataclass(frozen=True)
class SignInFailure:
    at: datetime
    login: str
    client_ip: str | None


def sign_in_retry_at(
    failures: Iterable[SignInFailure], login: str, client_ip: str | None, now: datetime
) -> datetime | None:
    """When the next sign-in for ``login`` from ``client_ip`` may be tried; None when it may be tried now.

    A login or address is blocked while it has ``MAX_FAILURES`` failures inside the window, that is
    until the oldest of its last ``MAX_FAILURES`` failures is ``WINDOW`` old.
    """
    recent = [failure for failure in failures if failure.at > now - WINDOW]
    by_login = sorted(failure.at for failure in recent if failure.login.lower() == login.lower())
    by_address = sorted(failure.at for failure in recent if client_ip and failure.client_ip == client_ip)
    unblocked_at = [times[-MAX_FAILURES] + WINDOW for times in (by_login, by_address) if len(times) >= MAX_FAILURES]
    return max(unblocked_at, default=None)


def describe_wait(retry_at: datetime, now: datetime) -> str:
    minutes = max(1, math.ceil((retry_at - now).total_seconds() / 60))
    unit = "minute" if minutes == 1 else "minutes"
    return f"{minutes} {unit} (after {retry_at:%H:%M} UTC)"
