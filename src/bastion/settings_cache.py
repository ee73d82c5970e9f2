"""Runtime settings held in the process, re-read from the store only when the change counter moved.

Every transaction that changes a setting bumps the change counter (``store/repositories/change_counter``)
in the same transaction, so a process that reads version V knows the settings it read at V are still the
ones in force. ``/mcp`` reads the version in its one authentication statement and hands it in (``at``);
everything else asks ``current`` (one single-row read). A setting changed by any process, the CLI
included, is therefore in force for the next request any process starts after that commit.

What is held is always at least as new as the version it is held under: the settings are read after the
version, never before. A session that bumped the counter itself sees its own uncommitted change, which
is used for that session but never held (a rollback would hand that version number to another change).
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from bastion.server_settings import ServerSettings
from bastion.store.repositories import ChangeCounters, StoredSettings
from bastion.store.repositories.change_counter import bumped_in


class SettingsCache:
    def __init__(self) -> None:
        self._held: tuple[int, ServerSettings] | None = None
        # How often the stored settings were read and parsed (/metrics, and the tests that pin it).
        self.loads = 0

    async def current(self, session: AsyncSession) -> ServerSettings:
        return await self.at(session, await ChangeCounters(session).version())

    async def at(self, session: AsyncSession, version: int | None) -> ServerSettings:
        """The settings in force at ``version`` (read in this session): held ones when still current."""
        cacheable = version is not None and not bumped_in(session)
        held = self._held
        if cacheable and held is not None and held[0] == version:
            return held[1]
        self.loads += 1
        settings = ServerSettings.from_stored(await StoredSettings(session).all())
        if cacheable:
            assert version is not None
            self._held = (version, settings)
        return settings
