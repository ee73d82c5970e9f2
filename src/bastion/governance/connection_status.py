"""A connection's status as administrators see it: Awaiting connection, Connected, Idle, Revoked."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from bastion.store.models import Connection


class Status(StrEnum):
    AWAITING = "awaiting_connection"
    CONNECTED = "connected"
    IDLE = "idle"
    REVOKED = "revoked"


LABELS = {
    Status.AWAITING: "Awaiting connection",
    Status.CONNECTED: "Connected",
    Status.IDLE: "Idle",
    Status.REVOKED: "Revoked",
}


@dataclass(frozen=True)
class ConnectionStatus:
    status: Status
    idle_seconds: int | None = None

    @property
    def label(self) -> str:
        if self.status is Status.IDLE and self.idle_seconds is not None:
            return f"Idle for {describe_duration(self.idle_seconds)}"
        return LABELS[self.status]


def connection_status(connection: Connection, now: datetime, idle_after_seconds: int) -> ConnectionStatus:
    if connection.revoked_at is not None:
        return ConnectionStatus(Status.REVOKED)
    if connection.last_used_at is None:
        return ConnectionStatus(Status.AWAITING)
    unused_for = int((now - connection.last_used_at).total_seconds())
    if unused_for >= idle_after_seconds:
        return ConnectionStatus(Status.IDLE, unused_for)
    return ConnectionStatus(Status.CONNECTED)


def describe_duration(seconds: int) -> str:
    days, rest = divmod(max(seconds, 0), 86400)
    hours = rest // 3600
    parts = []
    if days:
        parts.append(f"{days} day{'s' if days != 1 else ''}")
    if hours or not days:
        parts.append(f"{hours} hour{'s' if hours != 1 else ''}")
    return ", ".join(parts)
