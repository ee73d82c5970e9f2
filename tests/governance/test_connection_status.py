from datetime import UTC, datetime, timedelta

from bastion.governance.connection_status import Status, connection_status, describe_duration
from bastion.store.models import Connection

NOW = datetime(2026, 3, 1, tzinfo=UTC)
WEEK = 7 * 86400


def _connection(**values):
    return Connection(type="oauth", name="x", created_at=NOW - timedelta(days=30), **values)


def test_a_connection_never_used_is_awaiting_connection():
    assert connection_status(_connection(), NOW, WEEK).label == "Awaiting connection"


def test_a_recently_used_connection_is_connected():
    assert connection_status(_connection(last_used_at=NOW - timedelta(hours=1)), NOW, WEEK).status is Status.CONNECTED


def test_a_connection_unused_past_the_threshold_is_idle_for_days_and_hours():
    status = connection_status(_connection(last_used_at=NOW - timedelta(days=9, hours=5)), NOW, WEEK)
    assert status.status is Status.IDLE
    assert status.label == "Idle for 9 days, 5 hours"


def test_revoked_wins_over_everything():
    status = connection_status(_connection(last_used_at=NOW, revoked_at=NOW), NOW, WEEK)
    assert status.label == "Revoked"


def test_durations_read_naturally():
    assert describe_duration(3600) == "1 hour"
    assert describe_duration(86400) == "1 day"
    assert describe_duration(2 * 86400 + 7200) == "2 days, 2 hours"
