"""What an OAuth grant leaves behind: remembered consents, authorization codes, access and refresh tokens.

An atomic protocol step is one call here (``AuthorizationCodes.consume``, ``Tokens.spend_refresh``): a
conditional UPDATE that only one caller can match, so two concurrent requests cannot both win.

The refresh grant's hot statements are SQLAlchemy Core (``TOKENS``): the ORM's unit of work buys nothing
for rows written once and read back by digest.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, delete, func, insert, select, update

from bastion.store.models import AuthorizationCode, Consent, Token, User
from bastion.store.repositories.base import Repository

TOKENS = cast(Table, Token.__table__)


class Consents(Repository):
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


class AuthorizationCodes(Repository):
    async def add(self, code: AuthorizationCode) -> AuthorizationCode:
        self.session.add(code)
        await self.session.flush()
        return code

    async def by_digest(self, digest: str) -> AuthorizationCode | None:
        return await self.session.scalar(select(AuthorizationCode).where(AuthorizationCode.digest == digest))

    async def consume(self, code_id: int, now: datetime) -> bool:
        """Spend a code once; False when another request already spent it (a replay)."""
        unspent = update(AuthorizationCode).where(
            AuthorizationCode.id == code_id, AuthorizationCode.consumed_at.is_(None)
        )
        return await self.rows_changed(unspent.values(consumed_at=now)) == 1


class Tokens(Repository):
    async def add(self, token: Token) -> Token:
        self.session.add(token)
        await self.session.flush()
        return token

    async def by_digest(self, digest: str) -> Token | None:
        return await self.session.scalar(select(Token).where(Token.digest == digest))

    async def add_all(self, rows: Sequence[dict[str, Any]]) -> None:
        """Store new tokens in one statement (an access token and its refresh token); ``rows`` share their keys."""
        await self.session.execute(insert(TOKENS), list(rows))

    async def spend_refresh(self, digest: str, now: datetime) -> tuple[Token, bool] | None:
        """Spend the unspent, unrevoked refresh token with this digest in one statement (compare-and-set).

        Returns the token as spent (``rotated_at`` = ``now``) and whether its user is active, or None when
        nothing matched: unknown, not a refresh token, revoked, or spent already (``by_digest`` tells which).
        """
        user_active = select(User.active).where(User.id == TOKENS.c.user_id).scalar_subquery()
        unspent = (
            update(TOKENS)
            .where(
                TOKENS.c.digest == digest,
                TOKENS.c.kind == "refresh",
                TOKENS.c.rotated_at.is_(None),
                TOKENS.c.revoked_at.is_(None),
            )
            .values(rotated_at=now)
            .returning(*TOKENS.c, user_active.label("user_active"))
        )
        row = (await self.session.execute(unspent)).mappings().one_or_none()
        if row is None:
            return None
        columns = {column.key: row[column.key] for column in TOKENS.c}
        # A plain instance for the grant's rules, never added to the session: the row is already written.
        return Token(**columns), bool(row["user_active"])

    async def successor_of(self, token_id: int) -> Token | None:
        """The refresh token issued last in place of ``token_id`` (a grace retry issues a second one)."""
        query = (
            select(Token)
            .where(Token.replaces_id == token_id, Token.kind == "refresh")
            .order_by(Token.id.desc())
            .limit(1)
        )
        return await self.session.scalar(query)

    async def spend_grace_retry(self, token_id: int, now: datetime) -> bool:
        """Accept a rotated refresh token once more (grace window); compare-and-set, so only one retry wins."""
        unspent = update(Token).where(Token.id == token_id, Token.grace_used_at.is_(None), Token.revoked_at.is_(None))
        return await self.rows_changed(unspent.values(grace_used_at=now)) == 1

    async def revoke(self, token_id: int, now: datetime) -> None:
        await self.session.execute(
            update(Token).where(Token.id == token_id, Token.revoked_at.is_(None)).values(revoked_at=now)
        )

    async def revoke_family(self, family_id: str, now: datetime) -> int:
        return await self.rows_changed(
            update(Token).where(Token.family_id == family_id, Token.revoked_at.is_(None)).values(revoked_at=now)
        )

    async def revoke_issued_from_code(self, code_id: int, now: datetime) -> int:
        families = select(Token.family_id).where(Token.code_id == code_id).scalar_subquery()
        return await self.rows_changed(
            update(Token).where(Token.family_id.in_(families), Token.revoked_at.is_(None)).values(revoked_at=now)
        )

    async def revoke_for_connection(self, connection_id: int, now: datetime) -> int:
        return await self.rows_changed(
            update(Token).where(Token.connection_id == connection_id, Token.revoked_at.is_(None)).values(revoked_at=now)
        )

    async def revoke_for_user(self, user_id: int, now: datetime) -> int:
        return await self.rows_changed(
            update(Token).where(Token.user_id == user_id, Token.revoked_at.is_(None)).values(revoked_at=now)
        )

    async def count_live_access(self, now: datetime) -> int:
        """Access tokens neither expired nor revoked, across every connection."""
        query = (
            select(func.count())
            .select_from(Token)
            .where(Token.kind == "access", Token.revoked_at.is_(None), Token.expires_at > now)
        )
        return await self.session.scalar(query) or 0

    async def count_connections_with_live_access(self, now: datetime) -> int:
        """Connections holding at least one unexpired, unrevoked access token: OAuth grants in use right now."""
        query = select(func.count(func.distinct(Token.connection_id))).where(
            Token.kind == "access", Token.revoked_at.is_(None), Token.expires_at > now
        )
        return await self.session.scalar(query) or 0

    async def count_active(self, connection_id: int, now: datetime) -> int:
        query = (
            select(func.count())
            .select_from(Token)
            .where(Token.connection_id == connection_id, Token.revoked_at.is_(None), Token.expires_at > now)
        )
        return await self.session.scalar(query) or 0
