"""Changing runtime settings: parse every submitted value, then store and audit the ones that changed.

``bastion settings set`` and the console's Server Settings page both call ``apply_settings``, so a
change made either way is checked against the same bounds and lands in the audit log the same way.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bastion.governance.audit import record
from bastion.server_settings import ServerSettings, SettingRejected, parse_setting
from bastion.store.repositories import StoredSettings


class SettingsRejected(SettingRejected):
    """One or more submitted values are unusable; ``errors`` maps each bad key to what is accepted."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(" ".join(errors.values()))
        self.errors = errors


@dataclass(frozen=True)
class SettingChange:
    key: str
    previous: Any
    value: Any

    @property
    def changed(self) -> bool:
        return self.previous != self.value


def parse_settings(submitted: Mapping[str, Any]) -> dict[str, Any]:
    """Every value parsed, or ``SettingsRejected`` naming each bad one: all or nothing."""
    parsed: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for key, raw in submitted.items():
        try:
            parsed[key] = parse_setting(key, raw)
        except SettingRejected as exc:
            errors[key] = str(exc)
    if errors:
        raise SettingsRejected(errors)
    return parsed


async def apply_settings(
    session: AsyncSession, now: datetime, submitted: Mapping[str, Any], *, actor_id: int | None = None
) -> list[SettingChange]:
    """Store the submitted settings in the caller's transaction; each value that differs is audited.

    Nothing is stored unless every value is acceptable. Returns one ``SettingChange`` per submitted
    key, in the order given, unchanged values included (their ``changed`` is False). Storing a value bumps
    the change counter in the same transaction, so every server process uses it from its next request on.
    """
    parsed = parse_settings(submitted)
    stored = StoredSettings(session)
    current = ServerSettings.from_stored(await stored.all()).as_dict()
    changes = [SettingChange(key, current[key], value) for key, value in parsed.items()]
    for change in changes:
        if change.changed:
            await stored.put(change.key, change.value, now)
            await record(
                session,
                "settings.changed",
                now,
                user_id=actor_id,
                key=change.key,
                value=change.value,
                previous=change.previous,
            )
    return changes
