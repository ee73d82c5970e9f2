"""What every repository shares: the request's one session, and the row count of a conditional write."""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import CursorResult, Executable
from sqlalchemy.ext.asyncio import AsyncSession


class Repository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def rows_changed(self, statement: Executable) -> int:
        """Run an UPDATE or DELETE; how many rows it changed is how a compare-and-set says who won."""
        # An UPDATE or DELETE always answers with a cursor result, which is what carries the row count.
        result = cast(CursorResult[Any], await self.session.execute(statement))
        return result.rowcount or 0
