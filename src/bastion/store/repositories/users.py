"""Users, their one-time setup links and their browser sessions."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, func, select, update

from bastion.store.models import BrowserSession, SetupLink, User
from bastion.store.repositories.base import Repository


class Users(Repository):
    async def get(self, user_id: int) -> User | None:
        return await self.session.get(User, user_id)

    async def by_login(self, login: str) -> User | None:
        return await self.session.scalar(select(User).where(func.lower(User.login) == login.lower()))

    async def add(self, user: User) -> User:
        self.session.add(user)
        await self.session.flush()
        return user

    async def listing(self) -> Sequence[User]:
        """Every user, ordered by login."""
        return (await self.session.scalars(select(User).order_by(User.login))).all()

    async def count_active_admins(self) -> int:
        query = select(func.count()).select_from(User).where(User.is_admin.is_(True), User.active.is_(True))
        return await self.session.scalar(query) or 0

    async def any_admin_with_password(self) -> bool:
        found = await self.session.scalar(
            select(User.id).where(User.is_admin.is_(True), User.password_hash.is_not(None)).limit(1)
        )
        return found is not None


class SetupLinks(Repository):
    async def add(self, link: SetupLink) -> SetupLink:
        self.session.add(link)
        await self.session.flush()
        return link

    async def find_usable(self, digest: str, now: datetime) -> SetupLink | None:
        return await self.session.scalar(
            select(SetupLink).where(SetupLink.digest == digest, SetupLink.used_at.is_(None), SetupLink.expires_at > now)
        )

    async def consume(self, link_id: int, now: datetime) -> bool:
        unused = update(SetupLink).where(SetupLink.id == link_id, SetupLink.used_at.is_(None))
        return await self.rows_changed(unused.values(used_at=now)) == 1

    async def retire_for_user(self, user_id: int, now: datetime) -> None:
        await self.session.execute(
            update(SetupLink).where(SetupLink.user_id == user_id, SetupLink.used_at.is_(None)).values(used_at=now)
        )


class BrowserSessions(Repository):
    async def add(self, browser_session: BrowserSession) -> BrowserSession:
        self.session.add(browser_session)
        await self.session.flush()
        return browser_session

    async def find_active(self, digest: str, now: datetime) -> BrowserSession | None:
        return await self.session.scalar(
            select(BrowserSession).where(BrowserSession.digest == digest, BrowserSession.expires_at > now)
        )

    async def end(self, digest: str) -> None:
        await self.session.execute(delete(BrowserSession).where(BrowserSession.digest == digest))

    async def end_all_for_user(self, user_id: int) -> None:
        await self.session.execute(delete(BrowserSession).where(BrowserSession.user_id == user_id))
