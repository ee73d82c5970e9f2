"""Narrow repositories with domain verbs. Each takes the request's one ``AsyncSession``; the caller commits.

An atomic protocol step is one call here (``codes.consume``, ``tokens.rotate``): a conditional
UPDATE whose row count says whether this caller won, so two concurrent requests cannot both win.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bastion.store.models import (
    AuditEvent,
    AuthorizationCode,
    BrowserSession,
    Connection,
    Consent,
    ServerSetting,
    SetupLink,
    Token,
    User,
)


class Users:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, user_id: int) -> User | None:
        return await self.session.get(User, user_id)

    async def by_login(self, login: str) -> User | None:
        return await self.session.scalar(select(User).where(func.lower(User.login) == login.lower()))

    async def add(self, user: User) -> User:
        self.session.add(user)
        await self.session.flush()
        return user

    async def list(self) -> Sequence[User]:
        return (await self.session.scalars(select(User).order_by(User.login))).all()

    async def count_active_admins(self) -> int:
        return (
            await self.session.scalar(
                select(func.count()).select_from(User).where(User.is_admin.is_(True), User.active.is_(True))
            )
            or 0
        )

    async def any_admin_with_password(self) -> bool:
        found = await self.session.scalar(
            select(User.id).where(User.is_admin.is_(True), User.password_hash.is_not(None)).limit(1)
        )
        return found is not None


class SetupLinks:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, link: SetupLink) -> SetupLink:
        self.session.add(link)
        await self.session.flush()
        return link

    async def find_usable(self, digest: str, now: datetime) -> SetupLink | None:
        return await self.session.scalar(
            select(SetupLink).where(SetupLink.digest == digest, SetupLink.used_at.is_(None), SetupLink.expires_at > now)
        )

    async def consume(self, link_id: int, now: datetime) -> bool:
        result = await self.session.execute(
            update(SetupLink).where(SetupLink.id == link_id, SetupLink.used_at.is_(None)).values(used_at=now)
        )
        return result.rowcount == 1

    async def retire_for_user(self, user_id: int, now: datetime) -> None:
        await self.session.execute(
            update(SetupLink).where(SetupLink.user_id == user_id, SetupLink.used_at.is_(None)).values(used_at=now)
        )


class BrowserSessions:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

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


class Connections:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, connection: Connection) -> Connection:
        self.session.add(connection)
        await self.session.flush()
        return connection

    async def get(self, connection_id: int) -> Connection | None:
        return await self.session.get(Connection, connection_id)

    async def by_client_id(self, client_id: str) -> Connection | None:
        return await self.session.scalar(
            select(Connection).where(Connection.type == "oauth", Connection.client_id == client_id)
        )

    async def by_key_digest(self, key_digest: str) -> Connection | None:
        return await self.session.scalar(select(Connection).where(Connection.key_digest == key_digest))

    async def list(self, *, user_id: int | None = None, include_revoked: bool = True) -> Sequence[Connection]:
        query = select(Connection).order_by(Connection.id)
        if user_id is not None:
            query = query.where(Connection.user_id == user_id)
        if not include_revoked:
            query = query.where(Connection.revoked_at.is_(None))
        return (await self.session.scalars(query)).all()

    async def record_use(self, connection_id: int, now: datetime) -> None:
        await self.session.execute(
            update(Connection)
            .where(Connection.id == connection_id)
            .values(last_used_at=now, request_count=Connection.request_count + 1)
        )

    async def purge_unused_registrations(self, registered_before: datetime) -> int:
        """Delete self-registered clients that never got a token nor called /mcp (abandoned registrations)."""
        ever_issued_a_token = select(Token.id).where(Token.connection_id == Connection.id).exists()
        result = await self.session.execute(
            delete(Connection).where(
                Connection.is_dynamic.is_(True),
                Connection.last_used_at.is_(None),
                Connection.created_at < registered_before,
                ~ever_issued_a_token,
            )
        )
        return result.rowcount or 0

    async def registration_times_since(self, ip: str, since: datetime) -> list[datetime]:
        """When this address registered clients since ``since``, oldest first (the per-address limit)."""
        query = (
            select(Connection.created_at)
            .where(Connection.registered_from_ip == ip, Connection.created_at >= since)
            .order_by(Connection.created_at)
        )
        return list((await self.session.scalars(query)).all())

    async def count_unrevoked(self, *, user_id: int | None = None) -> int:
        query = select(func.count()).select_from(Connection).where(Connection.revoked_at.is_(None))
        if user_id is not None:
            query = query.where(Connection.user_id == user_id)
        return await self.session.scalar(query) or 0

    async def count_for_user(self, user_id: int) -> int:
        query = select(func.count()).select_from(Connection).where(Connection.user_id == user_id)
        return await self.session.scalar(query) or 0

    async def newest_for_user(self, user_id: int, limit: int) -> Sequence[Connection]:
        query = select(Connection).where(Connection.user_id == user_id).order_by(Connection.id.desc()).limit(limit)
        return (await self.session.scalars(query)).all()

    async def count_by_user(self) -> dict[int, int]:
        """How many connections act as each user (revoked ones included); users with none are absent."""
        rows = await self.session.execute(
            select(Connection.user_id, func.count()).where(Connection.user_id.is_not(None)).group_by(Connection.user_id)
        )
        return {user_id: count for user_id, count in rows}


class Consents:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, user_id: int, connection_id: int) -> Consent | None:
        return await self.session.get(Consent, (user_id, connection_id))

    async def remember(self, user_id: int, connection_id: int, scopes: str, now: datetime) -> None:
        consent = await self.get(user_id, connection_id)
        if consent is None:
            self.session.add(Consent(user_id=user_id, connection_id=connection_id, scopes=scopes, granted_at=now))
        else:
            consent.scopes = scopes
            consent.granted_at = now
        await self.session.flush()

    async def forget_connection(self, connection_id: int) -> None:
        await self.session.execute(delete(Consent).where(Consent.connection_id == connection_id))


class AuthorizationCodes:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, code: AuthorizationCode) -> AuthorizationCode:
        self.session.add(code)
        await self.session.flush()
        return code

    async def by_digest(self, digest: str) -> AuthorizationCode | None:
        return await self.session.scalar(select(AuthorizationCode).where(AuthorizationCode.digest == digest))

    async def consume(self, code_id: int, now: datetime) -> bool:
        """Spend a code once; False when another request already spent it (a replay)."""
        result = await self.session.execute(
            update(AuthorizationCode)
            .where(AuthorizationCode.id == code_id, AuthorizationCode.consumed_at.is_(None))
            .values(consumed_at=now)
        )
        return result.rowcount == 1


class Tokens:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, token: Token) -> Token:
        self.session.add(token)
        await self.session.flush()
        return token

    async def by_digest(self, digest: str) -> Token | None:
        return await self.session.scalar(select(Token).where(Token.digest == digest))

    async def get(self, token_id: int) -> Token | None:
        return await self.session.get(Token, token_id)

    async def rotate(self, token_id: int, now: datetime) -> bool:
        """Mark a refresh token spent, compare-and-set; False when a concurrent refresh already spent it."""
        result = await self.session.execute(
            update(Token)
            .where(Token.id == token_id, Token.rotated_at.is_(None), Token.revoked_at.is_(None))
            .values(rotated_at=now)
        )
        return result.rowcount == 1

    async def link_successor(self, token_id: int, successor_id: int) -> None:
        await self.session.execute(update(Token).where(Token.id == token_id).values(replaced_by_id=successor_id))

    async def spend_grace_retry(self, token_id: int, now: datetime) -> bool:
        """Accept a rotated refresh token once more (grace window); compare-and-set, so only one retry wins."""
        result = await self.session.execute(
            update(Token)
            .where(Token.id == token_id, Token.grace_used_at.is_(None), Token.revoked_at.is_(None))
            .values(grace_used_at=now)
        )
        return result.rowcount == 1

    async def revoke(self, token_id: int, now: datetime) -> None:
        await self.session.execute(
            update(Token).where(Token.id == token_id, Token.revoked_at.is_(None)).values(revoked_at=now)
        )

    async def revoke_family(self, family_id: str, now: datetime) -> int:
        result = await self.session.execute(
            update(Token).where(Token.family_id == family_id, Token.revoked_at.is_(None)).values(revoked_at=now)
        )
        return result.rowcount or 0

    async def revoke_issued_from_code(self, code_id: int, now: datetime) -> int:
        families = select(Token.family_id).where(Token.code_id == code_id).scalar_subquery()
        result = await self.session.execute(
            update(Token).where(Token.family_id.in_(families), Token.revoked_at.is_(None)).values(revoked_at=now)
        )
        return result.rowcount or 0

    async def revoke_for_connection(self, connection_id: int, now: datetime) -> int:
        result = await self.session.execute(
            update(Token).where(Token.connection_id == connection_id, Token.revoked_at.is_(None)).values(revoked_at=now)
        )
        return result.rowcount or 0

    async def revoke_for_user(self, user_id: int, now: datetime) -> int:
        result = await self.session.execute(
            update(Token).where(Token.user_id == user_id, Token.revoked_at.is_(None)).values(revoked_at=now)
        )
        return result.rowcount or 0

    async def count_connections_with_live_access(self, now: datetime) -> int:
        """Connections holding at least one unexpired, unrevoked access token: OAuth grants in use right now."""
        return (
            await self.session.scalar(
                select(func.count(func.distinct(Token.connection_id))).where(
                    Token.kind == "access", Token.revoked_at.is_(None), Token.expires_at > now
                )
            )
            or 0
        )

    async def count_active(self, connection_id: int, now: datetime) -> int:
        return (
            await self.session.scalar(
                select(func.count())
                .select_from(Token)
                .where(Token.connection_id == connection_id, Token.revoked_at.is_(None), Token.expires_at > now)
            )
            or 0
        )


class StoredSettings:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def all(self) -> dict[str, Any]:
        rows = (await self.session.scalars(select(ServerSetting))).all()
        return {row.key: row.value for row in rows}

    async def put(self, key: str, value: Any, now: datetime) -> None:
        row = await self.session.get(ServerSetting, key)
        if row is None:
            self.session.add(ServerSetting(key=key, value=value, updated_at=now))
        else:
            row.value = value
            row.updated_at = now
        await self.session.flush()


class AuditLog:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def append(self, event: AuditEvent) -> None:
        self.session.add(event)
        await self.session.flush()

    async def sign_in_failures_since(self, login: str, client_ip: str | None, since: datetime) -> Sequence[AuditEvent]:
        """Failed sign-ins after ``since`` for this login (any case) or from this address, oldest first."""
        same_login = func.lower(AuditEvent.detail["login"].as_string()) == login.lower()
        matches = or_(same_login, AuditEvent.client_ip == client_ip) if client_ip else same_login
        query = (
            select(AuditEvent)
            .where(AuditEvent.event == "user.sign_in_failed", AuditEvent.at > since, matches)
            .order_by(AuditEvent.at)
        )
        return (await self.session.scalars(query)).all()

    async def count_since(self, since: datetime) -> int:
        return (
            await self.session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.at >= since)) or 0
        )

    async def page(
        self,
        *,
        event: str | None = None,
        connection_id: int | None = None,
        user_id: int | None = None,
        before_id: int | None = None,
        after_id: int | None = None,
        limit: int = 50,
    ) -> Sequence[AuditEvent]:
        """Newest first, keyset-paged on id: ``before_id`` pages to older entries, ``after_id`` to newer ones."""
        query = select(AuditEvent)
        if event is not None:
            query = query.where(AuditEvent.event == event)
        if connection_id is not None:
            query = query.where(AuditEvent.connection_id == connection_id)
        if user_id is not None:
            query = query.where(AuditEvent.user_id == user_id)
        if after_id is not None:
            # The page just newer than after_id: the nearest ``limit`` entries above it, shown newest first.
            query = query.where(AuditEvent.id > after_id).order_by(AuditEvent.id).limit(limit)
            return list(reversed((await self.session.scalars(query)).all()))
        if before_id is not None:
            query = query.where(AuditEvent.id < before_id)
        return (await self.session.scalars(query.order_by(AuditEvent.id.desc()).limit(limit))).all()

    async def recent(self, *, event: str | None = None, connection_id: int | None = None, limit: int = 100):
        query = select(AuditEvent).order_by(AuditEvent.id.desc()).limit(limit)
        if event is not None:
            query = query.where(AuditEvent.event == event)
        if connection_id is not None:
            query = query.where(AuditEvent.connection_id == connection_id)
        return (await self.session.scalars(query)).all()
